//! What happened to a followed file that the person watching should hear about.

use std::fmt;
use std::path::PathBuf;

/// One event worth a line on the terminal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// Index of the followed path, in the order given to [`Follower::open`](super::Follower::open).
    pub file: usize,
    /// The followed path.
    pub path: PathBuf,
    /// What happened.
    pub kind: NoticeKind,
}

/// What happened to a followed file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoticeKind {
    /// The path does not exist yet; it is read from its start once it appears.
    Waiting,
    /// A file appeared at the path; it is read from its start.
    Appeared,
    /// The path now names another file (rotation): the old one is read to its end first.
    Rotated,
    /// The file shrank or its first bytes changed (copytruncate): read again from its start.
    Truncated,
    /// Lines written just before a copytruncate are read from the copy found here.
    Recovered {
        /// The copy.
        from: PathBuf,
    },
    /// The path no longer exists; the file it named is read to its end.
    Vanished,
    /// Following resumed where the offsets file said (line number of the next line).
    Resumed {
        /// The next line's number.
        line: u64,
    },
    /// A file followed before a restart, rotated away while stopped, was found under this
    /// name and is read to its end first.
    Found {
        /// Where it is now.
        at: PathBuf,
    },
    /// A file followed before a restart cannot be found: lines written to it while stopped
    /// are missed.
    Lost,
    /// A line longer than the limit was cut.
    Overlong {
        /// Its line number.
        line: u64,
    },
    /// The file cannot be opened (permissions, …); retried on every read.
    Unreadable {
        /// What the system said.
        reason: String,
    },
}

impl fmt::Display for Notice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self.path.display();
        match &self.kind {
            NoticeKind::Waiting => write!(f, "{path}: does not exist yet, waiting for it"),
            NoticeKind::Appeared => write!(f, "{path}: appeared, reading from its start"),
            NoticeKind::Rotated => write!(f, "{path}: rotated, finishing the old file first"),
            NoticeKind::Truncated => write!(f, "{path}: truncated, reading again from its start"),
            NoticeKind::Recovered { from } => write!(
                f,
                "{path}: reading the lines written before the truncation from {}",
                from.display()
            ),
            NoticeKind::Vanished => write!(f, "{path}: removed, finishing what was written"),
            NoticeKind::Resumed { line } => write!(f, "{path}: resuming at line {line}"),
            NoticeKind::Found { at } => write!(
                f,
                "{path}: rotated while stopped, finishing {} first",
                at.display()
            ),
            NoticeKind::Lost => write!(
                f,
                "{path}: the file followed before the restart is gone; lines written to it meanwhile are missed"
            ),
            NoticeKind::Overlong { line } => write!(f, "{path}: line {line} is overlong, cut"),
            NoticeKind::Unreadable { reason } => write!(f, "{path}: cannot be read: {reason}"),
        }
    }
}
