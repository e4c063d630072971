//! One open file being followed: where reading stands in it, the unfinished line waiting for
//! its `\n`, and the checks that tell it was truncated or replaced.

use std::fs::File;
use std::io;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::time::Instant;

use super::FollowedLine;
use super::notice::{Notice, NoticeKind};
use super::offsets::{Position, hex, unhex};

/// How many leading bytes identify a file's content.
pub(super) const FINGERPRINT: usize = 256;

/// How far back from the end the last complete line is looked for when starting at the end.
const TAIL_WINDOW: u64 = 64 * 1024;

/// Files up to this size have their lines counted when following starts at their end, so
/// line numbers match the file; past it, numbers count from where following began.
const COUNT_LIMIT: u64 = 1024 * 1024 * 1024;

/// Where lines go while a file is read, and what is counted on the way.
pub(super) struct Delivery<'s> {
    /// Index of the followed path.
    pub file: usize,
    /// The followed path, as given.
    pub path: &'s Path,
    pub max_line: usize,
    pub sink: &'s mut dyn FnMut(FollowedLine<'_>),
    pub notices: &'s mut Vec<Notice>,
    /// Lines delivered so far in this round.
    pub lines: usize,
}

/// An open followed file.
#[derive(Debug)]
pub(super) struct Tracked {
    file: File,
    /// Where it was opened (the followed path, or the rotated name it was found under).
    pub name: PathBuf,
    pub dev: u64,
    pub inode: u64,
    /// Bytes consumed: every line before this was delivered (or skipped, if overlong).
    pub offset: u64,
    /// Lines delivered from this file; also the number of the last one.
    pub line: u64,
    /// Bytes after `offset` already read, waiting for their `\n`.
    pending: Vec<u8>,
    /// Inside an overlong line whose kept part was delivered.
    skipping: bool,
    /// The file's first bytes as last seen (up to [`FINGERPRINT`]).
    pub fingerprint: Vec<u8>,
    /// When reading last found new bytes (or when the file was opened).
    pub last_growth: Instant,
}

impl Tracked {
    /// Opens a file to be read from its start.
    pub fn open(name: &Path) -> io::Result<Tracked> {
        let file = File::open(name)?;
        let meta = file.metadata()?;
        let mut tracked = Tracked {
            file,
            name: name.to_owned(),
            dev: meta.dev(),
            inode: meta.ino(),
            offset: 0,
            line: 0,
            pending: Vec::new(),
            skipping: false,
            fingerprint: Vec::new(),
            last_growth: Instant::now(),
        };
        tracked.fingerprint = tracked.first_bytes(meta.len())?;
        Ok(tracked)
    }

    /// Opens a file to continue where a saved position left it. The saved first bytes are
    /// kept, so the first truncation check compares the file against what it was.
    pub fn resume(name: &Path, position: &Position) -> io::Result<Tracked> {
        let mut tracked = Tracked::open(name)?;
        tracked.offset = position.offset;
        tracked.line = position.line;
        tracked.skipping = position.skipping;
        tracked.fingerprint = unhex(&position.fingerprint).unwrap_or_default();
        Ok(tracked)
    }

    /// Continues another file's reading in this one: the copy a copytruncate left holds the
    /// same bytes up to where the original was read.
    pub fn continue_from(&mut self, original: &Tracked) {
        self.offset = original.offset;
        self.line = original.line;
        self.skipping = original.skipping;
    }

    /// Whether this is the file with that (device, inode).
    pub fn is(&self, dev: u64, inode: u64) -> bool {
        self.dev == dev && self.inode == inode
    }

    /// The position to save.
    pub fn position(&self) -> Position {
        Position {
            dev: self.dev,
            inode: self.inode,
            offset: self.offset,
            line: self.line,
            skipping: self.skipping,
            fingerprint: hex(&self.fingerprint),
        }
    }

    /// Where the next read starts.
    pub fn read_pos(&self) -> u64 {
        self.offset + self.pending.len() as u64
    }

    /// Moves to the end of the file's last complete line (so a line being written is
    /// delivered whole), counting lines on the way when the file is not huge.
    pub fn seek_end(&mut self, scratch: &mut [u8]) -> io::Result<()> {
        let size = self.file.metadata()?.len();
        let from = size.saturating_sub(TAIL_WINDOW);
        let mut tail = vec![0; (size - from) as usize];
        self.read_exact_at(&mut tail, from)?;
        match memchr::memrchr(b'\n', &tail) {
            Some(at) => self.offset = from + at as u64 + 1,
            None if from == 0 => self.offset = 0,
            None => {
                self.offset = size;
                self.skipping = true;
            }
        }
        if self.offset <= COUNT_LIMIT {
            self.line = self.count_lines(self.offset, scratch)?;
        }
        self.last_growth = Instant::now();
        Ok(())
    }

    fn count_lines(&self, upto: u64, scratch: &mut [u8]) -> io::Result<u64> {
        let mut count = 0;
        let mut at = 0;
        while at < upto {
            let want = scratch.len().min((upto - at) as usize);
            let Some(space) = scratch.get_mut(..want) else {
                break;
            };
            let n = read_at(&self.file, space, at)?;
            if n == 0 {
                break;
            }
            count += memchr::memchr_iter(b'\n', space.get(..n).unwrap_or_default()).count() as u64;
            at += n as u64;
        }
        Ok(count)
    }

    /// Whether the file was truncated, or rewritten from its start, since the last check:
    /// it is now shorter than what was read, or its first bytes changed.
    pub fn was_truncated(&mut self) -> io::Result<bool> {
        let size = self.file.metadata()?.len();
        if size < self.read_pos() {
            return Ok(true);
        }
        let first = self.first_bytes(size)?;
        let common = first.len().min(self.fingerprint.len());
        if first.get(..common) != self.fingerprint.get(..common) {
            return Ok(true);
        }
        if first.len() > self.fingerprint.len() {
            self.fingerprint = first;
        }
        Ok(false)
    }

    /// Starts over from the file's first byte.
    pub fn restart(&mut self) -> io::Result<()> {
        self.offset = 0;
        self.line = 0;
        self.pending.clear();
        self.skipping = false;
        let size = self.file.metadata()?.len();
        self.fingerprint = self.first_bytes(size)?;
        Ok(())
    }

    fn first_bytes(&self, size: u64) -> io::Result<Vec<u8>> {
        let mut first = vec![0; size.min(FINGERPRINT as u64) as usize];
        let n = self.read_exact_at(&mut first, 0)?;
        first.truncate(n);
        Ok(first)
    }

    /// Fills `buf` from `at` unless the file ends first; returns the bytes read.
    fn read_exact_at(&self, buf: &mut [u8], at: u64) -> io::Result<usize> {
        let mut filled = 0;
        while let Some(space) = buf.get_mut(filled..) {
            if space.is_empty() {
                break;
            }
            match read_at(&self.file, space, at + filled as u64)? {
                0 => break,
                n => filled += n,
            }
        }
        Ok(filled)
    }

    /// Reads up to `budget` new bytes and delivers the complete lines among them. Returns
    /// whether the budget ran out before the end of the file.
    pub fn pump(
        &mut self,
        budget: usize,
        scratch: &mut [u8],
        out: &mut Delivery<'_>,
    ) -> io::Result<bool> {
        let mut read = 0;
        while read < budget {
            let want = scratch.len().min(budget - read);
            let Some(space) = scratch.get_mut(..want) else {
                return Ok(false);
            };
            let at = self.read_pos();
            let n = read_at(&self.file, space, at)?;
            if n == 0 {
                return Ok(false);
            }
            self.last_growth = Instant::now();
            read += n;
            self.take(space.get(..n).unwrap_or_default(), at, out);
        }
        Ok(true)
    }

    /// Splits freshly read bytes (read at `at`) into lines.
    fn take(&mut self, data: &[u8], at: u64, out: &mut Delivery<'_>) {
        let mut start = 0;
        for end in memchr::memchr_iter(b'\n', data) {
            let piece = data.get(start..end).unwrap_or_default();
            if self.skipping {
                self.skipping = false;
            } else if self.pending.is_empty() {
                self.deliver(piece, out);
            } else {
                let mut line = std::mem::take(&mut self.pending);
                line.extend_from_slice(piece);
                self.deliver(&line, out);
                line.clear();
                self.pending = line;
            }
            start = end + 1;
            self.offset = at + start as u64;
        }
        let tail = data.get(start..).unwrap_or_default();
        if self.skipping {
            self.offset = at + data.len() as u64;
            return;
        }
        self.pending.extend_from_slice(tail);
        if self.pending.len() > out.max_line {
            let mut line = std::mem::take(&mut self.pending);
            self.deliver(&line, out);
            line.clear();
            self.pending = line;
            self.skipping = true;
            self.offset = at + data.len() as u64;
        }
    }

    /// Delivers an unfinished last line: the file will not grow any more.
    pub fn finish(&mut self, out: &mut Delivery<'_>) {
        if self.pending.is_empty() || self.skipping {
            return;
        }
        let line = std::mem::take(&mut self.pending);
        self.deliver(&line, out);
        self.offset += line.len() as u64;
    }

    fn deliver(&mut self, text: &[u8], out: &mut Delivery<'_>) {
        self.line += 1;
        let text = match text.get(..out.max_line) {
            Some(cut) if text.len() > out.max_line => {
                out.notices.push(Notice {
                    file: out.file,
                    path: out.path.to_owned(),
                    kind: NoticeKind::Overlong { line: self.line },
                });
                cut
            }
            _ => text,
        };
        let text = text.strip_suffix(b"\r").unwrap_or(text);
        (out.sink)(FollowedLine {
            file: out.file,
            path: out.path,
            line: self.line,
            text,
        });
        out.lines += 1;
    }
}

/// `pread`, retried when interrupted.
fn read_at(file: &File, buf: &mut [u8], at: u64) -> io::Result<usize> {
    loop {
        match file.read_at(buf, at) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            other => return other,
        }
    }
}
