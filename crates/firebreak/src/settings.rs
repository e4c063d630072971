//! Resolving where firebreak keeps its data and which settings apply.
//!
//! Precedence, lowest first, for every setting: the config file < the environment < flags.
//!
//! | setting   | file key   | environment              | flag          | default                          |
//! |-----------|------------|--------------------------|---------------|----------------------------------|
//! | data dir  | —          | `FIREBREAK_DATA_DIR`     | `--data-dir`  | `$XDG_DATA_HOME/firebreak`, else `~/.local/share/firebreak` |
//! | config    | —          | `FIREBREAK_CONFIG`       | `--config`    | `<data dir>/firebreak.toml` if present |
//! | database  | `database` | `FIREBREAK_DATABASE_URL` | `--database`  | SQLite file `<data dir>/firebreak.db` |
//! | actor     | —          | `FIREBREAK_USER`         | —             | the OS user (`$USER`, `$LOGNAME`, uid) |
//!
//! Clap applies "environment < flag"; [`Settings::resolve`] adds the file and the defaults.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use firebreak_core::config::Config;
use firebreak_store::backend::{redact, sqlite_url};

/// The config file's name inside the data directory.
pub const CONFIG_FILE: &str = "firebreak.toml";
/// The SQLite database's name inside the data directory.
pub const DATABASE_FILE: &str = "firebreak.db";

/// What the user gave on the command line or in the environment (already merged by clap).
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--data-dir` / `FIREBREAK_DATA_DIR`.
    pub data_dir: Option<PathBuf>,
    /// `--config` / `FIREBREAK_CONFIG`.
    pub config: Option<PathBuf>,
    /// `--database` / `FIREBREAK_DATABASE_URL`.
    pub database: Option<String>,
}

/// Settings in force.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Where keys, the SQLite file and the config live.
    pub data_dir: PathBuf,
    /// The config (policy, checklists).
    pub config: Config,
    /// Database URL given by flag, environment or file; `None` means the default SQLite file.
    pub database: Option<String>,
}

fn default_data_dir() -> anyhow::Result<PathBuf> {
    if let Some(xdg) = std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(xdg).join("firebreak"));
    }
    match std::env::var_os("HOME").filter(|v| !v.is_empty()) {
        Some(home) => Ok(PathBuf::from(home).join(".local/share/firebreak")),
        None => bail!("no data directory: set FIREBREAK_DATA_DIR or pass --data-dir"),
    }
}

impl Settings {
    /// Applies the precedence rules above.
    pub fn resolve(over: &Overrides) -> anyhow::Result<Self> {
        let data_dir = match &over.data_dir {
            Some(d) if d.as_os_str().is_empty() => bail!("the data directory path is empty"),
            Some(d) => d.clone(),
            None => default_data_dir()?,
        };
        let config = match &over.config {
            Some(path) => Config::load(path)?,
            None => {
                let path = data_dir.join(CONFIG_FILE);
                match std::fs::metadata(&path) {
                    Ok(_) => Config::load(&path)?,
                    // No data directory yet (or a file where it should be): no config there.
                    Err(e)
                        if matches!(
                            e.kind(),
                            std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
                        ) =>
                    {
                        Config::default()
                    }
                    Err(e) => {
                        return Err(e)
                            .with_context(|| format!("{}: cannot read config", path.display()));
                    }
                }
            }
        };
        let database = over.database.clone().or_else(|| config.database.clone());
        Ok(Settings {
            data_dir,
            config,
            database,
        })
    }

    /// The SQLite file, when the default database is in use.
    pub fn database_file(&self) -> Option<PathBuf> {
        self.database
            .is_none()
            .then(|| self.data_dir.join(DATABASE_FILE))
    }

    /// The database URL to connect to; `create` allows making the default SQLite file.
    pub fn database_url(&self, create: bool) -> String {
        match &self.database {
            // An explicit SQLite URL without a mode may be created by `init` only.
            Some(url) if create && url.starts_with("sqlite:") && !url.contains("mode=") => {
                let sep = if url.contains('?') { '&' } else { '?' };
                format!("{url}{sep}mode=rwc")
            }
            Some(url) => url.clone(),
            None => sqlite_url(&self.data_dir.join(DATABASE_FILE), create),
        }
    }

    /// The database as shown to people: the file path, or the URL with any password masked.
    pub fn database_display(&self) -> String {
        match &self.database {
            Some(url) => redact(url),
            None => self.data_dir.join(DATABASE_FILE).display().to_string(),
        }
    }
}

/// Who is recorded as acting: `FIREBREAK_USER`, else the OS user.
pub fn actor() -> anyhow::Result<String> {
    let name = std::env::var("FIREBREAK_USER")
        .ok()
        .filter(|v| !v.trim().is_empty())
        .or_else(|| std::env::var("USER").ok().filter(|v| !v.is_empty()))
        .or_else(|| std::env::var("LOGNAME").ok().filter(|v| !v.is_empty()))
        .unwrap_or_else(os_user);
    let name = name.trim().to_string();
    if name.chars().count() > 100 || name.chars().any(char::is_control) {
        bail!("FIREBREAK_USER must be one line of at most 100 characters");
    }
    Ok(name)
}

/// The current user's name from `/etc/passwd`, or `uid:N` when it has no entry.
fn os_user() -> String {
    let uid = rustix::process::getuid().as_raw();
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    passwd
        .lines()
        .filter_map(|line| {
            let mut fields = line.split(':');
            let name = fields.next()?;
            let id = fields.nth(1)?.parse::<u32>().ok()?;
            (id == uid && !name.is_empty()).then(|| name.to_string())
        })
        .next()
        .unwrap_or_else(|| format!("uid:{uid}"))
}

/// Creates the data directory (mode 0700) if needed and checks it is a writable directory.
pub fn prepare_data_dir(dir: &Path) -> anyhow::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .with_context(|| format!("cannot create data directory {}", dir.display()))?;
    let probe = dir.join(".firebreak-write-test");
    std::fs::write(&probe, b"")
        .and_then(|_| std::fs::remove_file(&probe))
        .with_context(|| format!("data directory {} is not writable", dir.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_beats_env_beats_file_beats_default() {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path().to_path_buf();
        let over = |database: Option<&str>| Overrides {
            data_dir: Some(data.clone()),
            config: None,
            database: database.map(str::to_string),
        };
        let s = Settings::resolve(&over(None)).expect("defaults");
        assert_eq!(s.database, None);
        assert!(
            s.database_url(false).ends_with("firebreak.db?mode=rw"),
            "{}",
            s.database_url(false)
        );
        std::fs::write(
            data.join(CONFIG_FILE),
            "database = \"postgres://from-file/db\"\n",
        )
        .expect("write");
        let s = Settings::resolve(&over(None)).expect("file");
        assert_eq!(s.database.as_deref(), Some("postgres://from-file/db"));
        // clap has already merged env and flag into one value; either beats the file.
        let s = Settings::resolve(&over(Some("postgres://from-flag/db"))).expect("flag");
        assert_eq!(s.database.as_deref(), Some("postgres://from-flag/db"));
    }
}
