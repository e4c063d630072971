//! Where runbooks come from: the built-in library compiled into the binary (`runbooks/` at the
//! workspace root), the directories named in the config, and files named on the command line.
//! Configured directories are searched recursively and a runbook is named by its path below
//! its directory (`alerts/disk-full`). A user runbook with a built-in's name replaces the
//! built-in; two files with the same name are both kept and the name is reported as ambiguous,
//! never one silently shadowing the other.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use firebreak_core::runbook::{self, Commands, Diagnostic, Runbook};

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
    /// Its name: the path below its configured directory without the extension
    /// (`alerts/disk-full`), or the file stem for a file named on the command line.
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

    /// Parses it, judging its steps with `commands` (the config's command knowledge).
    pub fn parse(&self, commands: &Commands) -> (Runbook, Vec<Diagnostic>) {
        runbook::parse_with(&self.name, &self.bytes, commands)
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

/// How many directory levels below a configured directory are searched.
pub const MAX_DEPTH: usize = 16;

/// How many runbook files one configured directory may hold; the rest are named as skipped.
pub const MAX_FILES: usize = 10_000;

/// File names that stand for their directory (`alerts/README.md` is the runbook `alerts`).
const DIRECTORY_PAGES: &[&str] = &["readme", "_index", "index"];

/// All runbooks firebreak knows, by name. A name normally has one source; two files that
/// would get the same name are both kept, and the name is ambiguous until one is renamed.
#[derive(Debug, Default)]
pub struct Library {
    entries: BTreeMap<String, Vec<Source>>,
    /// What loading left out or found odd, one sentence each, for `runbook ls`.
    notes: Vec<String>,
}

impl Library {
    /// The built-in runbooks and every `.md`/`.markdown` file under `dirs`, searched
    /// recursively ([`MAX_DEPTH`] levels, [`MAX_FILES`] files, hidden entries skipped, each
    /// real directory once). A file's name is its path below its directory without the
    /// extension (`alerts/disk-full`); a `README`, `_index` or `index` page is named for its
    /// directory. A file with a built-in's name replaces the built-in; two files with the
    /// same name are both kept, and the collision is reported.
    pub fn load(dirs: &[PathBuf]) -> anyhow::Result<Library> {
        let mut library = Library {
            entries: BUILTIN
                .iter()
                .map(|(name, bytes)| {
                    let source = Source {
                        name: name.to_string(),
                        origin: Origin::BuiltIn(name.to_string()),
                        bytes: bytes.to_vec(),
                    };
                    (name.to_string(), vec![source])
                })
                .collect(),
            notes: Vec::new(),
        };
        let mut from_files: BTreeMap<String, Vec<Source>> = BTreeMap::new();
        for dir in dirs {
            let mut found = Vec::new();
            let mut walk = Walk::default();
            walk.dir(dir, 0, &mut found).with_context(|| {
                format!(
                    "runbook directory {} (from the config): cannot list it",
                    dir.display()
                )
            })?;
            library.notes.append(&mut walk.notes);
            found.sort();
            for path in found {
                match Source::read(&path) {
                    Ok(mut source) => {
                        source.name = name_in(dir, &path);
                        from_files
                            .entry(source.name.clone())
                            .or_default()
                            .push(source);
                    }
                    Err(err) => library.notes.push(format!("skipped: {err:#}")),
                }
            }
        }
        for (name, sources) in from_files {
            if sources.len() > 1 {
                let files: Vec<String> = sources.iter().map(|s| s.origin.to_string()).collect();
                library.notes.push(format!(
                    "{} files are named {name:?}: {}; run or show one by its file path, or rename all but one",
                    sources.len(),
                    files.join(", ")
                ));
            }
            library.entries.insert(name, sources);
        }
        Ok(library)
    }

    /// Every runbook, by name (both sources of an ambiguous name).
    pub fn iter(&self) -> impl Iterator<Item = &Source> {
        self.entries.values().flatten()
    }

    /// What loading left out or found ambiguous, one sentence each.
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// Finds a runbook by name (`disk-full`, `alerts/disk-full`), else reads a file: a name
    /// ending in `.md` or `.markdown`, or the path of an existing file. An ambiguous name is
    /// an error naming the files it could mean.
    pub fn find(&self, name: &str) -> anyhow::Result<Source> {
        let is_file_name = name.ends_with(".md") || name.ends_with(".markdown");
        match self.entries.get(name).map(Vec::as_slice) {
            Some([only]) if !is_file_name => return Ok(only.clone()),
            Some(several) if !is_file_name && !several.is_empty() => {
                let files: Vec<String> = several.iter().map(|s| s.origin.to_string()).collect();
                anyhow::bail!(
                    "runbook name {name:?} is ambiguous: it names {}; give the file path instead",
                    files.join(" and ")
                );
            }
            _ => {}
        }
        if is_file_name || Path::new(name).is_file() {
            return Source::read(Path::new(name));
        }
        const SHOWN: usize = 20;
        let names: Vec<&str> = self.entries.keys().map(String::as_str).collect();
        let more = names.len().saturating_sub(SHOWN);
        let tail = if more > 0 {
            format!(" and {more} more (see `firebreak runbook ls`)")
        } else {
            String::new()
        };
        anyhow::bail!(
            "no runbook named {name:?}; known: {}{tail}",
            names[..names.len().min(SHOWN)].join(", ")
        )
    }
}

/// A runbook's name from its path below `dir`: the relative path without its extension, `/`
/// between parts; a directory page (`README.md`, `_index.md`, `index.md`) takes its
/// directory's name, and at the top its directory's own name.
fn name_in(dir: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(dir).unwrap_or(path).with_extension("");
    let mut parts: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let page = parts
        .last()
        .is_some_and(|last| DIRECTORY_PAGES.contains(&last.to_ascii_lowercase().as_str()));
    if page {
        parts.pop();
        if parts.is_empty() {
            let own = dir
                .canonicalize()
                .ok()
                .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()));
            parts.push(own.unwrap_or_else(|| "runbooks".to_string()));
        }
    }
    parts.join("/")
}

/// The recursive search of one configured directory.
#[derive(Default)]
struct Walk {
    /// Real directories already searched: a symbolic link back up the tree is not followed
    /// twice.
    seen: std::collections::BTreeSet<PathBuf>,
    files: usize,
    notes: Vec<String>,
}

impl Walk {
    /// Adds the runbook files under `dir` to `found`. Only the top directory failing to list
    /// is an error; a deeper one that cannot be read is noted and skipped.
    fn dir(&mut self, dir: &Path, depth: usize, found: &mut Vec<PathBuf>) -> std::io::Result<()> {
        let real = dir.canonicalize()?;
        if self.files > MAX_FILES || !self.seen.insert(real) {
            return Ok(());
        }
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                !p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
            })
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                if depth + 1 > MAX_DEPTH {
                    self.notes.push(format!(
                        "skipped {}: deeper than {MAX_DEPTH} directories",
                        path.display()
                    ));
                } else if let Err(err) = self.dir(&path, depth + 1, found) {
                    self.notes
                        .push(format!("skipped {}: {err}", path.display()));
                }
            } else if is_markdown(&path) && path.is_file() {
                if self.files == MAX_FILES {
                    self.notes.push(format!(
                        "stopped at {MAX_FILES} runbook files; the rest of {} is not searched",
                        dir.display()
                    ));
                }
                self.files += 1;
                if self.files <= MAX_FILES {
                    found.push(path);
                }
            }
        }
        Ok(())
    }
}

fn is_markdown(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("md") || e.eq_ignore_ascii_case("markdown"))
}

/// Splits `NAME#procedure`.
pub fn split_target(target: &str) -> (&str, Option<&str>) {
    match target.rsplit_once('#') {
        Some((name, proc)) if !proc.is_empty() => (name, Some(proc)),
        Some((name, _)) => (name, None),
        None => (target, None),
    }
}
