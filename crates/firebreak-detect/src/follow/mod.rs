//! Following growing log files for `watch`: several files at once, across rotation (the
//! path renamed away and a new file created: the old file is read to its end, then the new
//! one from its start), copytruncate (the file shrinks: read from its start again, after the
//! lines written just before the copy are recovered from the copy), files that do not exist
//! yet, and restarts from a saved offsets file that neither miss nor repeat lines.
//!
//! Only complete lines are delivered; an unfinished last line waits for its `\n` (a file
//! rotated away for good delivers it when it is let go). inotify on the files' directories
//! wakes [`Follower::wait`] as soon as something changes, with a poll as a fallback; whether
//! a file was rotated or truncated is decided by this module's own (device, inode, size,
//! first bytes) checks, never by the events.
//!
//! This module reads and tracks positions; what the lines mean is for the caller.
//!
//! ```no_run
//! # use firebreak_detect::follow::{Follower, FollowOptions};
//! # use std::time::Duration;
//! # fn main() -> Result<(), firebreak_detect::follow::FollowError> {
//! let mut follower = Follower::open(&["/var/log/nginx/access.log"], FollowOptions::default())?;
//! loop {
//!     follower.wait(Duration::from_millis(250));
//!     follower.read(&mut |line| println!("{}:{} {:?}", line.path.display(), line.line, line.text))?;
//!     for notice in follower.take_notices() {
//!         eprintln!("{notice}");
//!     }
//! #   break;
//! }
//! follower.save()?;
//! # Ok(())
//! # }
//! ```

mod error;
mod notice;
mod offsets;
mod siblings;
mod tracked;
mod wake;
mod watched;

use std::path::{Path, PathBuf};
use std::time::Duration;

pub use error::FollowError;
pub use notice::{Notice, NoticeKind};

use offsets::{Saved, SavedPath};
use tracked::Delivery;
use wake::Wake;
use watched::Watched;

/// Bytes read from one file per [`Follower::read`], so one burst cannot starve the others.
const BUDGET: usize = 8 * 1024 * 1024;

/// Bytes read per system call.
const CHUNK: usize = 1024 * 1024;

/// How to follow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowOptions {
    /// Where positions are saved by [`Follower::save`] and resumed from at open.
    pub offsets: Option<PathBuf>,
    /// Read files from their start instead of their end (for paths with no saved position).
    pub from_start: bool,
    /// Longest line kept, in bytes; longer lines are cut and reported. Default 64 KiB.
    pub max_line: usize,
    /// Longest wait between checks when no change is signalled. Default 250 ms.
    pub poll: Duration,
}

impl Default for FollowOptions {
    fn default() -> FollowOptions {
        FollowOptions {
            offsets: None,
            from_start: false,
            max_line: 64 * 1024,
            poll: Duration::from_millis(250),
        }
    }
}

/// One line read from a followed file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FollowedLine<'a> {
    /// Index of the followed path, in the order given to [`Follower::open`].
    pub file: usize,
    /// The followed path, as given.
    pub path: &'a Path,
    /// Line number in the file it was read from (a rotated file keeps its numbering).
    pub line: u64,
    /// The line, without its `\n` or `\r\n`.
    pub text: &'a [u8],
}

/// A followed path and its files.
#[derive(Debug)]
struct Followed {
    path: PathBuf,
    /// Absolute form, the key in the offsets file.
    key: PathBuf,
    files: Watched,
}

/// Follows several files; see the [module documentation](self).
#[derive(Debug)]
pub struct Follower {
    followed: Vec<Followed>,
    offsets: Option<PathBuf>,
    max_line: usize,
    poll: Duration,
    wake: Wake,
    notices: Vec<Notice>,
    scratch: Vec<u8>,
    /// A file had more than its budget at the last read.
    more: bool,
}

impl Follower {
    /// Starts following `paths`: where the offsets file left each of them, else at their end
    /// (or start, with [`FollowOptions::from_start`]). Fails only on a damaged or unreadable
    /// offsets file; missing files are waited for.
    pub fn open<P: AsRef<Path>>(
        paths: &[P],
        options: FollowOptions,
    ) -> Result<Follower, FollowError> {
        let mut saved = match &options.offsets {
            Some(offsets) => Saved::load(offsets)?.unwrap_or_default(),
            None => Saved::default(),
        };
        let max_line = options.max_line.max(1);
        let mut scratch = vec![0; CHUNK];
        let mut notices = Vec::new();
        let mut followed = Vec::with_capacity(paths.len());
        for (index, path) in paths.iter().enumerate() {
            let path = path.as_ref().to_owned();
            let key = std::path::absolute(&path).unwrap_or_else(|_| path.clone());
            let mut sink = |_: FollowedLine<'_>| {};
            let mut out = Delivery {
                file: index,
                path: &path,
                max_line,
                sink: &mut sink,
                notices: &mut notices,
                lines: 0,
            };
            let files = match saved.take(&key) {
                Some(positions) => Watched::resume(&positions, &mut out),
                None => Watched::start(options.from_start, &mut scratch, &mut out),
            };
            followed.push(Followed { path, key, files });
        }
        let dirs: Vec<PathBuf> = followed.iter().map(|f| f.key.clone()).collect();
        Ok(Follower {
            followed,
            offsets: options.offsets,
            max_line,
            poll: options.poll,
            wake: Wake::new(&dirs),
            notices,
            scratch,
            more: false,
        })
    }

    /// Waits until a followed file may have changed, or `timeout` (capped at the poll
    /// interval) passes. Returns at once if the last read left bytes unread.
    pub fn wait(&mut self, timeout: Duration) {
        if !self.more {
            self.wake.wait(timeout.min(self.poll));
        }
    }

    /// Reads what was appended to every followed file since the last call, handling rotation
    /// and truncation, and passes each complete line to `sink`. Returns the number of lines.
    pub fn read(&mut self, sink: &mut dyn FnMut(FollowedLine<'_>)) -> Result<usize, FollowError> {
        let mut lines = 0;
        self.more = false;
        for (index, followed) in self.followed.iter_mut().enumerate() {
            let mut out = Delivery {
                file: index,
                path: &followed.path,
                max_line: self.max_line,
                sink: &mut *sink,
                notices: &mut self.notices,
                lines: 0,
            };
            let more = followed.files.read(BUDGET, &mut self.scratch, &mut out)?;
            lines += out.lines;
            self.more |= more;
        }
        Ok(lines)
    }

    /// Saves every file's position to the offsets file (atomically). Call it after the lines
    /// read so far have been dealt with; does nothing without an offsets file.
    pub fn save(&self) -> Result<(), FollowError> {
        let Some(offsets) = &self.offsets else {
            return Ok(());
        };
        let paths = self
            .followed
            .iter()
            .map(|f| SavedPath {
                path: f.key.clone(),
                files: f.files.positions(),
            })
            .collect();
        Saved::new(paths).store(offsets)
    }

    /// What happened since the last call (rotations, truncations, files appearing, …).
    pub fn take_notices(&mut self) -> Vec<Notice> {
        std::mem::take(&mut self.notices)
    }

    /// The followed paths, as given.
    pub fn paths(&self) -> impl Iterator<Item = &Path> {
        self.followed.iter().map(|f| f.path.as_path())
    }
}
