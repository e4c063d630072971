//! The `modified-files` part: files under [`Options::paths`] changed within
//! [`Options::since`], `find PATH -xdev -newermt …` without running `find`.
//!
//! The part's JSON and its limits are documented on the collector function, which is
//! re-exported from the `snapshot` module.

use std::collections::VecDeque;
use std::fs::{self, Metadata};
use std::os::unix::ffi::OsStrExt as _;
use std::os::unix::fs::{FileTypeExt as _, MetadataExt as _};
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use serde_json::{Map, Value, json};

use super::read::{self, Problems};
use super::{Options, Part};

/// Most entries examined under each given path.
const ENTRIES_MAX: usize = 10_000;

/// One entry found in the window.
struct Found {
    path: PathBuf,
    metadata: Metadata,
    newest: Timestamp,
}

/// Walks [`Options::paths`] for entries changed in the window ending at [`Options::now`].
///
/// ```text
/// { "since": "2026-11-23T09:00:00Z", "examined": 1834,
///   "files": [ { "path": "/tmp/.x/run.sh", "type": "file", "size": 912, "mode": "0755",
///                "uid": 33, "gid": 33, "mtime": "2026-11-23T09:58:10.123456789Z",
///                "ctime": "2026-11-23T09:58:10.123456789Z" } ] }
/// ```
///
/// - An entry is listed when its `mtime` *or* its `ctime` is at or after `now` − `since`
///   (later than `now` too: a date in the future is itself a sign of tampering). `touch -d` can
///   set a file's mtime to any date, but not its ctime, which only the kernel sets: a file
///   "modified last year" with a ctime of a minute ago was tampered with just now.
/// - `type` is `file`, `dir`, `symlink`, `fifo`, `socket`, `block` or `char`; `mode` the
///   permission bits in octal, set-id and sticky bits included (`4755`); `path` gets a
///   `path_hex` companion when not UTF-8. Newest first.
/// - Symbolic links are listed, never followed; the given paths themselves are resolved, so
///   `/var/run` walks `/run`. The walk stays on each given path's filesystem (like
///   `find -xdev`), so `/` does not descend into `/proc`.
/// - At most 10,000 entries are examined under each given path, breadth first, so shallow
///   places are seen before deep trees; a problem line names any path where the walk stopped.
///   `examined` counts the entries looked at.
pub fn modified_files(options: &Options) -> Part {
    let mut problems = Problems::default();
    let (_, since) = options.window();
    let mut found = Vec::new();
    let mut examined = 0usize;
    for root in &options.paths {
        examined += walk(root, since, ENTRIES_MAX, &mut found, &mut problems);
    }
    found.sort_by(|a, b| b.newest.cmp(&a.newest).then_with(|| a.path.cmp(&b.path)));
    let files: Vec<Value> = found.iter().map(entry_json).collect();
    Part {
        name: "modified-files",
        value: json!({ "since": since, "examined": examined, "files": files }),
        problems: problems.finish(),
    }
}

/// Walks one given path, examining at most `limit` entries; returns how many it examined.
fn walk(
    root: &Path,
    since: Timestamp,
    limit: usize,
    found: &mut Vec<Found>,
    problems: &mut Problems,
) -> usize {
    // The given path is resolved (like `find -H`); nothing below it is followed.
    let metadata = match fs::metadata(root) {
        Ok(metadata) => metadata,
        Err(e) => {
            problems.io(root, &e);
            return 0;
        }
    };
    let device = metadata.dev();
    let mut examined = 1;
    let mut queue = VecDeque::new();
    if metadata.is_dir() {
        queue.push_back(root.to_path_buf());
    }
    consider(root.to_path_buf(), metadata, since, found);
    while let Some(dir) = queue.pop_front() {
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) => {
                problems.io(&dir, &e);
                continue;
            }
        };
        for entry in entries {
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    problems.io(&dir, &e);
                    continue;
                }
            };
            if examined >= limit {
                problems.push(format!(
                    "{}: stopped after {limit} entries; deeper entries were not examined",
                    root.display()
                ));
                return examined;
            }
            examined += 1;
            let path = entry.path();
            // `DirEntry::metadata` does not follow a symbolic link.
            let metadata = match entry.metadata() {
                Ok(metadata) => metadata,
                // Deleted between listing and looking: nothing to report.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => {
                    problems.io(&path, &e);
                    continue;
                }
            };
            if metadata.is_dir() && metadata.dev() == device {
                queue.push_back(path.clone());
            }
            consider(path, metadata, since, found);
        }
    }
    examined
}

/// Keeps the entry if its mtime or ctime is in the window.
fn consider(path: PathBuf, metadata: Metadata, since: Timestamp, found: &mut Vec<Found>) {
    let mtime = time(metadata.mtime(), metadata.mtime_nsec());
    let ctime = time(metadata.ctime(), metadata.ctime_nsec());
    let newest = mtime.max(ctime);
    if newest >= since {
        found.push(Found {
            path,
            metadata,
            newest,
        });
    }
}

/// A file time; out-of-range values (a hostile file system) clamp rather than fail.
fn time(seconds: i64, nanoseconds: i64) -> Timestamp {
    let nanoseconds = i32::try_from(nanoseconds.clamp(0, 999_999_999)).unwrap_or(0);
    Timestamp::new(seconds, nanoseconds).unwrap_or(if seconds < 0 {
        Timestamp::MIN
    } else {
        Timestamp::MAX
    })
}

fn entry_json(found: &Found) -> Value {
    let m = &found.metadata;
    let mut v = Map::new();
    read::put_text(&mut v, "path", found.path.as_os_str().as_bytes());
    v.insert("type".into(), kind(m).into());
    v.insert("size".into(), m.size().into());
    v.insert("mode".into(), format!("{:04o}", m.mode() & 0o7777).into());
    v.insert("uid".into(), m.uid().into());
    v.insert("gid".into(), m.gid().into());
    v.insert("mtime".into(), json!(time(m.mtime(), m.mtime_nsec())));
    v.insert("ctime".into(), json!(time(m.ctime(), m.ctime_nsec())));
    Value::Object(v)
}

fn kind(metadata: &Metadata) -> &'static str {
    let t = metadata.file_type();
    if t.is_symlink() {
        "symlink"
    } else if t.is_dir() {
        "dir"
    } else if t.is_file() {
        "file"
    } else if t.is_fifo() {
        "fifo"
    } else if t.is_socket() {
        "socket"
    } else if t.is_block_device() {
        "block"
    } else if t.is_char_device() {
        "char"
    } else {
        "unknown"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::ffi::OsStr;
    use std::fs::File;
    use std::time::{Duration, SystemTime};

    fn set_mtime(path: &Path, when: SystemTime) {
        File::options()
            .write(true)
            .open(path)
            .expect("open")
            .set_modified(when)
            .expect("set mtime");
    }

    fn paths(part: &Part) -> Vec<String> {
        part.value["files"]
            .as_array()
            .expect("files")
            .iter()
            .filter_map(|f| f["path"].as_str().map(str::to_string))
            .collect()
    }

    #[test]
    fn recent_files_are_listed_and_links_are_not_followed() {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path().join("root");
        fs::create_dir_all(root.join("sub/deeper")).expect("mkdir");
        fs::write(root.join("sub/deeper/new.sh"), b"#!/bin/sh\n").expect("write");
        let outside = dir.path().join("outside");
        fs::create_dir(&outside).expect("mkdir");
        fs::write(outside.join("secret"), b"x").expect("write");
        std::os::unix::fs::symlink(&outside, root.join("link")).expect("symlink");
        let odd = root.join(OsStr::from_bytes(b"odd\xffname"));
        fs::write(&odd, b"x").expect("write");

        let part = modified_files(&Options {
            paths: vec![root.clone()],
            ..Options::default()
        });
        assert!(part.problems.is_empty(), "{:?}", part.problems);
        let found = paths(&part);
        let new = root.join("sub/deeper/new.sh").display().to_string();
        assert!(found.contains(&new), "{found:?}");
        assert!(found.contains(&root.join("link").display().to_string()));
        assert!(!found.iter().any(|p| p.ends_with("secret")), "{found:?}");
        let files = part.value["files"].as_array().expect("files");
        let entry = files.iter().find(|f| f["path"] == new).expect("listed");
        assert_eq!(entry["type"], "file");
        assert_eq!(entry["size"], 10);
        let link = files
            .iter()
            .find(|f| f["path"].as_str().is_some_and(|p| p.ends_with("/link")))
            .expect("link");
        assert_eq!(link["type"], "symlink");
        let odd_hex = hex::encode(odd.as_os_str().as_bytes());
        assert!(files.iter().any(|f| f["path_hex"] == odd_hex.as_str()));
    }

    #[test]
    fn an_old_mtime_with_a_fresh_ctime_is_still_listed() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("timestomped");
        fs::write(&file, b"x").expect("write");
        set_mtime(
            &file,
            SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000),
        );
        let part = modified_files(&Options {
            paths: vec![file.clone()],
            ..Options::default()
        });
        let files = part.value["files"].as_array().expect("files");
        assert_eq!(files.len(), 1);
        assert_eq!(files[0]["mtime"], "2001-09-09T01:46:40Z");
    }

    #[test]
    fn files_outside_the_window_are_not_listed() {
        let dir = tempfile::tempdir().expect("temp dir");
        fs::write(dir.path().join("f"), b"x").expect("write");
        // A window that starts tomorrow.
        let part = modified_files(&Options {
            paths: vec![dir.path().to_path_buf()],
            now: SystemTime::now() + Duration::from_secs(2 * 86_400),
            ..Options::default()
        });
        assert_eq!(part.value["files"], json!([]));
        assert_eq!(part.value["examined"], 2);
    }

    #[test]
    fn the_walk_stops_after_its_bound_and_says_where() {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path().join("many");
        fs::create_dir_all(root.join("deep")).expect("mkdir");
        File::create(root.join("deep/last")).expect("create");
        for i in 0..10 {
            File::create(root.join(i.to_string())).expect("create");
        }
        let mut found = Vec::new();
        let mut problems = Problems::default();
        let since = Timestamp::MIN;
        // The root and 11 entries under it, then one more level.
        assert_eq!(walk(&root, since, 13, &mut found, &mut problems), 13);
        assert!(problems.finish().is_empty());
        found.clear();
        let mut problems = Problems::default();
        assert_eq!(walk(&root, since, 5, &mut found, &mut problems), 5);
        assert_eq!(found.len(), 5);
        assert_eq!(
            problems.finish(),
            [format!(
                "{}: stopped after 5 entries; deeper entries were not examined",
                root.display()
            )]
        );
        let part = modified_files(&Options {
            paths: vec![PathBuf::from("/nonexistent/dir")],
            ..Options::default()
        });
        assert_eq!(part.problems, ["/nonexistent/dir: not found"]);
    }

    #[test]
    fn out_of_range_times_clamp() {
        assert_eq!(time(i64::MAX, 0), Timestamp::MAX);
        assert_eq!(time(i64::MIN, -5), Timestamp::MIN);
        assert_eq!(time(10, 5), Timestamp::new(10, 5).expect("valid"));
    }
}
