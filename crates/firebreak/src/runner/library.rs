//! Where runbooks come from: the built-in library compiled into the binary (`runbooks/` at the
//! workspace root), the directories named in the config, and files named on the command line.
//! A user runbook with a built-in's name replaces the built-in.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use firebreak_core::runbook::{self, Diagnostic, Runbook};

include!(concat!(env!("OUT_DIR"), "/builtin.rs"));

/// Files larger than this are refused rather than parsed.
pub const MAX_RUNBOOK_BYTES: u64 = 8 << 20;

/// Where a runbook was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Compiled into firebreak from `runbooks/NAME.md`.
    BuiltIn(String),
    /// A file on disk.
    File(PathBuf),
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::BuiltIn(name) => write!(f, "built-in:{name}.md"),
            Origin::File(p) => write!(f, "{}", p.display()),
        }
    }
}

/// A runbook's source text and origin.
#[derive(Debug, Clone)]
pub struct Source {
    /// Its name (the file stem).
    pub name: String,
    /// Where it came from.
    pub origin: Origin,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

impl Source {
    /// Reads one runbook file.
    pub fn read(path: &Path) -> anyhow::Result<Source> {
        let meta = std::fs::metadata(path)
            .with_context(|| format!("{}: cannot read runbook", path.display()))?;
        if meta.len() > MAX_RUNBOOK_BYTES {
            anyhow::bail!(
                "{}: runbook is {} bytes; the limit is {MAX_RUNBOOK_BYTES}",
                path.display(),
                meta.len()
            );
        }
        let bytes = std::fs::read(path)
            .with_context(|| format!("{}: cannot read runbook", path.display()))?;
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("runbook")
            .to_string();
        Ok(Source {
            name,
            origin: Origin::File(path.to_path_buf()),
            bytes,
        })
    }

    /// Parses it.
    pub fn parse(&self) -> (Runbook, Vec<Diagnostic>) {
        runbook::parse(&self.name, &self.bytes)
    }

    /// The git commit of the file when it is committed unchanged in a repository.
    pub fn commit(&self) -> Option<String> {
        let Origin::File(path) = &self.origin else {
            return None;
        };
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let git = |args: &[&std::ffi::OsStr]| {
            std::process::Command::new("git")
                .arg("-C")
                .arg(dir)
                .args(args)
                .stderr(std::process::Stdio::null())
                .output()
                .ok()
                .filter(|o| o.status.success())
        };
        let file = path.file_name()?;
        let status = git(&[
            "status".as_ref(),
            "--porcelain".as_ref(),
            "--".as_ref(),
            file,
        ])?;
        if !status.stdout.is_empty() {
            return None;
        }
        let log = git(&[
            "log".as_ref(),
            "-1".as_ref(),
            "--format=%H".as_ref(),
            "--".as_ref(),
            file,
        ])?;
        let commit = String::from_utf8(log.stdout).ok()?.trim().to_string();
        (commit.len() >= 40).then_some(commit)
    }
}

/// All runbooks firebreak knows, by name.
#[derive(Debug, Default)]
pub struct Library {
    entries: BTreeMap<String, Source>,
}

impl Library {
    /// The built-in runbooks, overridden by `*.md` files in `dirs`.
    pub fn load(dirs: &[PathBuf]) -> anyhow::Result<Library> {
        let mut entries: BTreeMap<String, Source> = BUILTIN
            .iter()
            .map(|(name, bytes)| {
                (
                    name.to_string(),
                    Source {
                        name: name.to_string(),
                        origin: Origin::BuiltIn(name.to_string()),
                        bytes: bytes.to_vec(),
                    },
                )
            })
            .collect();
        for dir in dirs {
            let listing = std::fs::read_dir(dir).with_context(|| {
                format!(
                    "runbook directory {} (from the config): cannot list it",
                    dir.display()
                )
            })?;
            let mut paths: Vec<PathBuf> = listing
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "md") && p.is_file())
                .collect();
            paths.sort();
            for path in paths {
                let source = Source::read(&path)?;
                entries.insert(source.name.clone(), source);
            }
        }
        Ok(Library { entries })
    }

    /// Every runbook, by name.
    pub fn iter(&self) -> impl Iterator<Item = &Source> {
        self.entries.values()
    }

    /// Finds `NAME` or a path to a file (anything with a `/` or ending in `.md`).
    pub fn find(&self, name: &str) -> anyhow::Result<Source> {
        if name.contains('/') || name.ends_with(".md") {
            return Source::read(Path::new(name));
        }
        self.entries.get(name).cloned().ok_or_else(|| {
            let names: Vec<&str> = self.entries.keys().map(String::as_str).collect();
            anyhow::anyhow!("no runbook named {name:?}; known: {}", names.join(", "))
        })
    }
}

/// Splits `NAME#procedure`.
pub fn split_target(target: &str) -> (&str, Option<&str>) {
    match target.rsplit_once('#') {
        Some((name, proc)) if !proc.is_empty() => (name, Some(proc)),
        Some((name, _)) => (name, None),
        None => (target, None),
    }
}
