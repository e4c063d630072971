//! One followed path over time: the file now at it, and files rotated away from it that are
//! still being read to their end. Decides rotation (the path names another inode, or none),
//! truncation (the file shrank or its first bytes changed) and appearance, from its own
//! `stat` checks on every read; wake-ups only say when to look.

use std::fs;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::time::Duration;

use super::FollowError;
use super::notice::{Notice, NoticeKind};
use super::offsets::Position;
use super::siblings::{find_copy, find_inode};
use super::tracked::{Delivery, Tracked};

/// How long a rotated-away file is kept open after it last grew: writers that have not yet
/// reopened their log (nginx before its USR1) still append to it meanwhile.
const GRACE: Duration = Duration::from_secs(5);

/// The files read for one followed path.
#[derive(Debug, Default)]
pub(super) struct Watched {
    /// Rotated away (or removed), oldest first, read to their end before `current`.
    finishing: Vec<Tracked>,
    /// The file at the path.
    current: Option<Tracked>,
    /// Why the path could not be opened, as last reported (reported again only if it changes).
    problem: Option<String>,
}

fn notice(out: &mut Delivery<'_>, kind: NoticeKind) {
    out.notices.push(Notice {
        file: out.file,
        path: out.path.to_owned(),
        kind,
    });
}

/// (device, inode) of the regular file at `path`, if there is one.
fn identity(path: &Path) -> Option<(u64, u64)> {
    let meta = fs::metadata(path).ok()?;
    meta.is_file().then(|| (meta.dev(), meta.ino()))
}

impl Watched {
    /// Starts following: at the end of the file (or its start with `from_start`), or
    /// waiting for it to appear.
    pub fn start(from_start: bool, scratch: &mut [u8], out: &mut Delivery<'_>) -> Watched {
        let mut watched = Watched::default();
        let opened = Tracked::open(out.path).and_then(|mut tracked| {
            if !from_start {
                tracked.seek_end(scratch)?;
            }
            Ok(tracked)
        });
        match opened {
            Ok(tracked) => watched.current = Some(tracked),
            Err(e) if e.kind() == io::ErrorKind::NotFound => notice(out, NoticeKind::Waiting),
            Err(e) => watched.unreadable(e, out),
        }
        watched
    }

    /// Continues from saved positions (oldest first). A saved file no longer at the path is
    /// looked for among its rotated siblings and finished first; a file at the path that was
    /// not followed before appeared while stopped, so all of it is new.
    pub fn resume(positions: &[Position], out: &mut Delivery<'_>) -> Watched {
        let mut watched = Watched::default();
        let at_path = identity(out.path);
        for position in positions {
            let here = at_path == Some((position.dev, position.inode));
            if here && watched.current.is_none() {
                match Tracked::resume(out.path, position) {
                    Ok(tracked) => {
                        notice(
                            out,
                            NoticeKind::Resumed {
                                line: position.line + 1,
                            },
                        );
                        watched.current = Some(tracked);
                    }
                    Err(_) => notice(out, NoticeKind::Lost),
                }
                continue;
            }
            let found = find_inode(out.path, position.dev, position.inode)
                .and_then(|at| Some((Tracked::resume(&at, position).ok()?, at)));
            match found {
                // The same inode with other first bytes is another file that reused it.
                Some((mut tracked, at)) => {
                    if tracked.was_truncated().unwrap_or(true) {
                        notice(out, NoticeKind::Lost);
                    } else {
                        notice(out, NoticeKind::Found { at });
                        watched.finishing.push(tracked);
                    }
                }
                None => notice(out, NoticeKind::Lost),
            }
        }
        if watched.current.is_none() {
            match Tracked::open(out.path) {
                Ok(tracked) => {
                    notice(out, NoticeKind::Appeared);
                    watched.current = Some(tracked);
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => notice(out, NoticeKind::Waiting),
                Err(e) => watched.unreadable(e, out),
            }
        }
        watched
    }

    fn unreadable(&mut self, e: io::Error, out: &mut Delivery<'_>) {
        let reason = e.to_string();
        if self.problem.as_deref() != Some(reason.as_str()) {
            notice(
                out,
                NoticeKind::Unreadable {
                    reason: reason.clone(),
                },
            );
            self.problem = Some(reason);
        }
    }

    /// Where reading stands, oldest file first, for the offsets file.
    pub fn positions(&self) -> Vec<Position> {
        self.finishing
            .iter()
            .chain(&self.current)
            .map(Tracked::position)
            .collect()
    }

    /// Checks the path, then reads rotated files to their end and the current file, up to
    /// `budget` bytes per file. Returns whether a file had more than the budget.
    pub fn read(
        &mut self,
        budget: usize,
        scratch: &mut [u8],
        out: &mut Delivery<'_>,
    ) -> Result<bool, FollowError> {
        let failed = |source| FollowError::Read {
            path: out.path.to_owned(),
            source,
        };
        let at_path = identity(out.path);
        if let Some(current) = self.current.take() {
            match at_path {
                Some((dev, inode)) if current.is(dev, inode) => self.current = Some(current),
                Some(_) => {
                    notice(out, NoticeKind::Rotated);
                    self.finishing.push(current);
                }
                None => {
                    notice(out, NoticeKind::Vanished);
                    self.finishing.push(current);
                }
            }
        }
        if let Some(current) = &mut self.current
            && current.was_truncated().map_err(failed)?
        {
            notice(out, NoticeKind::Truncated);
            let copy = find_copy(
                out.path,
                &current.fingerprint,
                current.read_pos(),
                (current.dev, current.inode),
            )
            .and_then(|at| Some((Tracked::open(&at).ok()?, at)));
            if let Some((mut copy, from)) = copy {
                copy.continue_from(current);
                notice(out, NoticeKind::Recovered { from });
                self.finishing.push(copy);
            }
            current.restart().map_err(failed)?;
        }
        if self.current.is_none() && at_path.is_some() {
            match Tracked::open(out.path) {
                Ok(tracked) => {
                    notice(out, NoticeKind::Appeared);
                    self.problem = None;
                    self.current = Some(tracked);
                }
                Err(e) => self.unreadable(e, out),
            }
        }
        let mut at = 0;
        while let Some(old) = self.finishing.get_mut(at) {
            let more = old
                .pump(budget, scratch, out)
                .map_err(|source| FollowError::Read {
                    path: old.name.clone(),
                    source,
                })?;
            if more {
                // Newer files wait until this one is read, so lines stay in order.
                return Ok(true);
            }
            if old.last_growth.elapsed() >= GRACE {
                old.finish(out);
                self.finishing.remove(at);
            } else {
                at += 1;
            }
        }
        match &mut self.current {
            Some(current) => current.pump(budget, scratch, out).map_err(failed),
            None => Ok(false),
        }
    }
}
