//! Evidence items and their custody: what was collected, from where, by whom, and everything
//! that has happened to it since. The bytes live in the content-addressed [`blob`](crate::blob)
//! store; the journal holds these records, so an item's digest is as tamper-evident as any
//! other event. Collecting (reading files, running commands, reading /proc) is not done here.

use std::fmt;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// What an item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ItemKind {
    /// A regular file's bytes.
    File,
    /// A symbolic link, recorded as its target (never followed).
    Link,
    /// A command's standard output or standard error.
    Command,
    /// One part of a volatile-state snapshot (JSON).
    Snapshot,
}

impl fmt::Display for ItemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ItemKind::File => "file",
            ItemKind::Link => "link",
            ItemKind::Command => "command",
            ItemKind::Snapshot => "snapshot",
        })
    }
}

/// Where an item came from. Fields that do not apply to its kind are absent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Origin {
    /// Host it was collected on.
    pub host: String,
    /// The path, as text (lossy when the path is not UTF-8; see `path_hex`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The path's exact bytes, hex, when they are not plain UTF-8 text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_hex: Option<String>,
    /// File mode bits (type and permissions) as found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<u32>,
    /// Owner uid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<u32>,
    /// Group gid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gid: Option<u32>,
    /// Modification time as found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mtime: Option<Timestamp>,
    /// A link's target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_target: Option<String>,
    /// The command line, for command output.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<String>>,
    /// `stdout` or `stderr`, for command output.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<String>,
    /// The command's exit code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    /// The command's wall time, milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    /// The snapshot part (`processes`, `sockets`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub part: Option<String>,
}

/// One piece of evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    /// Its id within the incident: `E1`, `E2`, …
    pub id: String,
    /// What it is.
    pub kind: ItemKind,
    /// SHA-256 of its bytes, hex.
    pub sha256: String,
    /// Its length in bytes.
    pub size: u64,
    /// Where it came from.
    pub origin: Origin,
    /// Why it was collected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The file changed while it was read (size or mtime differ before and after): the bytes
    /// are what was read, but may mix two versions.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub changed_while_reading: bool,
}

impl Item {
    /// Where the item came from, on one line: the path (escaped, so a newline in a name cannot
    /// fake a line), `-> target` for a link, the command and stream, or the snapshot part; with
    /// a warning when the file changed while it was read.
    pub fn source(&self) -> String {
        let o = &self.origin;
        let mut text = match (&o.path, &o.command, &o.part) {
            (Some(path), _, _) => path.escape_debug().to_string(),
            (None, Some(command), _) => format!(
                "{} ({})",
                command.join(" ").escape_debug(),
                o.stream.as_deref().unwrap_or("")
            ),
            (None, None, Some(part)) => match crate::snapshot::title(part) {
                Some(title) => format!("snapshot of {title} ({part})"),
                None => format!("snapshot part {}", part.escape_debug()),
            },
            _ => String::new(),
        };
        if let Some(target) = &o.link_target {
            text = format!("{text} -> {}", target.escape_debug());
        }
        if self.changed_while_reading {
            text.push_str(" (changed while being read)");
        }
        text
    }
}

/// An item as collected, before the incident gives it an id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collected {
    /// What it is.
    pub kind: ItemKind,
    /// SHA-256, hex.
    pub sha256: String,
    /// Length.
    pub size: u64,
    /// Where it came from.
    pub origin: Origin,
    /// See [`Item::changed_while_reading`].
    pub changed_while_reading: bool,
}

/// Something done with evidence after collection, recorded for its chain of custody.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// Someone looked at it.
    Viewed,
    /// It was written into a bundle.
    Exported,
    /// It was re-hashed.
    Verified,
    /// It was handed over (to another party, system or medium).
    Transferred,
    /// Its bytes were downloaded from the team server. Journals written before this action
    /// existed never contain it, so they read as before.
    Downloaded,
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Action::Viewed => "viewed",
            Action::Exported => "exported",
            Action::Verified => "verified",
            Action::Transferred => "transferred",
            Action::Downloaded => "downloaded",
        })
    }
}

/// A custody event's payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Custody {
    /// What was done.
    pub action: Action,
    /// Which items.
    pub items: Vec<String>,
    /// On which host.
    pub host: String,
    /// Why, if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// What came of it (a bundle's path and digest, a verification's result, a recipient).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// What a purge leaves behind: the ids and digests of the items whose bytes were deleted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tombstone {
    /// The item.
    pub id: String,
    /// Its digest, so the deleted bytes can still be recognised if they turn up.
    pub sha256: String,
    /// Its size.
    pub size: u64,
}

/// Bytes as text, and their exact value in hex when the text would not be faithful (not UTF-8).
/// Newlines and other control characters are valid in names and are kept as they are. One rule
/// for every name evidence records: paths, command lines, snapshot fields.
pub fn text_and_hex(bytes: &[u8]) -> (String, Option<String>) {
    match std::str::from_utf8(bytes) {
        Ok(text) => (text.to_string(), None),
        Err(_) => (
            String::from_utf8_lossy(bytes).into_owned(),
            Some(hex::encode(bytes)),
        ),
    }
}

/// A path's text, and its bytes in hex when they are not UTF-8 (see [`text_and_hex`]).
pub fn path_fields(path: &std::path::Path) -> (Option<String>, Option<String>) {
    use std::os::unix::ffi::OsStrExt as _;
    let (text, hex) = text_and_hex(path.as_os_str().as_bytes());
    (Some(text), hex)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::ffi::OsStrExt as _;

    #[test]
    fn paths_that_are_not_utf8_keep_their_bytes() {
        let path = std::path::Path::new(std::ffi::OsStr::from_bytes(b"/tmp/a\nb\xff.log"));
        let (text, hex) = path_fields(path);
        assert_eq!(text.as_deref(), Some("/tmp/a\nb\u{fffd}.log"));
        assert_eq!(hex.as_deref(), Some("2f746d702f610a62ff2e6c6f67"));
        let (text, hex) = path_fields(std::path::Path::new("/tmp/line\nbreak"));
        assert_eq!((text.as_deref(), hex), (Some("/tmp/line\nbreak"), None));
    }

    #[test]
    fn custody_actions_read_by_their_recorded_names() {
        let old: Custody =
            serde_json::from_str(r#"{"action":"viewed","items":["E1"],"host":"h"}"#).expect("old");
        assert_eq!(old.action, Action::Viewed);
        let new = Custody {
            action: Action::Downloaded,
            ..old
        };
        let text = serde_json::to_string(&new).expect("json");
        assert!(text.contains(r#""action":"downloaded""#), "{text}");
        assert_eq!(serde_json::from_str::<Custody>(&text).expect("back"), new);
    }
}
