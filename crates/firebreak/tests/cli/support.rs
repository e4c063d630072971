//! Running the real binary against a scratch data directory.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

/// A scratch firebreak installation.
pub struct Fb {
    dir: tempfile::TempDir,
    /// Database URL, when not the default SQLite file.
    pub database: Option<String>,
}

/// The binary under test, as a `std::process::Command` (for spawning in the background).
pub fn binary() -> PathBuf {
    assert_cmd::cargo::cargo_bin!("firebreak").to_path_buf()
}

impl Fb {
    /// A new, uninitialised data directory on the SQLite default.
    pub fn new() -> Fb {
        Fb {
            dir: tempfile::tempdir().expect("tempdir"),
            database: None,
        }
    }

    /// A new data directory whose database is `url`.
    pub fn with_database(url: &str) -> Fb {
        Fb {
            dir: tempfile::tempdir().expect("tempdir"),
            database: Some(url.to_string()),
        }
    }

    /// A new, uninitialised data directory inside `dir` (a mount point a test made, say).
    pub fn in_dir(dir: tempfile::TempDir) -> Fb {
        Fb {
            dir,
            database: None,
        }
    }

    /// An initialised one.
    pub fn init() -> Fb {
        let fb = Fb::new();
        fb.cmd(&["init"]).assert().success();
        fb
    }

    /// The data directory.
    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// The SQLite database file.
    pub fn db_file(&self) -> PathBuf {
        self.data_dir().join("firebreak.db")
    }

    /// Environment for a run: isolated from the caller's firebreak settings.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        let mut env = vec![
            ("FIREBREAK_DATA_DIR", self.data_dir().display().to_string()),
            ("FIREBREAK_USER", "tester".to_string()),
            ("NO_COLOR", "1".to_string()),
        ];
        if let Some(url) = &self.database {
            env.push(("FIREBREAK_DATABASE_URL", url.clone()));
        }
        env
    }

    /// `firebreak ARGS…`.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(binary());
        for var in [
            "FIREBREAK_DATABASE_URL",
            "FIREBREAK_CONFIG",
            "FIREBREAK_DATA_DIR",
            "FIREBREAK_USER",
        ] {
            cmd.env_remove(var);
        }
        cmd.envs(self.env()).args(args);
        cmd
    }

    /// Runs a command that must succeed with `--json` and returns its output.
    pub fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let out = self.cmd(&all).output().expect("run");
        assert!(
            out.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("JSON output")
    }

    /// Declares an incident and returns its id.
    pub fn declare(&self, title: &str, sev: &str) -> String {
        let v = self.json(&["declare", title, "--sev", sev]);
        v["incident"]["id"].as_str().expect("id").to_string()
    }

    /// Runs `firebreak verify` and returns (exit code, stdout).
    pub fn verify(&self) -> (i32, String) {
        let out = self.cmd(&["verify"]).output().expect("run");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    }

    /// Number of events in an incident's timeline.
    pub fn event_count(&self, id: &str) -> usize {
        self.json(&["timeline", id])["events"]
            .as_array()
            .map_or(0, Vec::len)
    }

    /// Writes a file in the scratch area and returns its path.
    pub fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).expect("write");
        path
    }

    /// The scratch area.
    pub fn root(&self) -> &Path {
        self.dir.path()
    }
}

/// Runs SQL statements directly against a SQLite file, as someone tampering would.
pub fn sql(db: &Path, statements: &[&str]) {
    use sqlx::{Connection, Executor};
    let url = format!("sqlite://{}?mode=rw", db.display());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        sqlx::any::install_default_drivers();
        let mut conn = sqlx::AnyConnection::connect(&url).await.expect("connect");
        for s in statements {
            conn.execute(sqlx::AssertSqlSafe(s.to_string()))
                .await
                .unwrap_or_else(|e| panic!("{s}: {e}"));
        }
        conn.close().await.expect("close");
    });
}

/// Runs a future to completion on a fresh runtime.
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(f)
}
