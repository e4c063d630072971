//! Cutting freshly read bytes into whole lines: the unfinished last line waits for the next
//! read, overlong lines are cut to `max_line` (and the rest of them skipped, however long),
//! and lines are numbered.

/// How many overlong line numbers are kept as samples.
const SAMPLES: usize = 10;

/// What the read that filled the buffer ran into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Until {
    /// More may follow: an unfinished last line waits.
    More,
    /// The input ended: an unfinished last line is a line.
    End,
    /// The input broke (corrupt gzip, read error): an unfinished last line is dropped.
    Broken,
}

/// Line state carried from one buffer to the next.
#[derive(Debug)]
pub(super) struct Splitter {
    max_line: usize,
    /// Lines handed out so far.
    pub lines: u64,
    /// Inside an overlong line whose kept part was handed out: drop bytes up to its `\n`.
    skipping: bool,
    /// Overlong lines seen.
    pub overlong: u64,
    /// Numbers of the first overlong lines.
    pub samples: Vec<u64>,
    /// Bytes of the unfinished line dropped when the input broke.
    pub dropped: usize,
}

impl Splitter {
    pub fn new(max_line: usize) -> Splitter {
        Splitter {
            max_line,
            lines: 0,
            skipping: false,
            overlong: 0,
            samples: Vec::new(),
            dropped: 0,
        }
    }

    /// Leaves whole lines, each ending in `\n`, in `buf` and moves an unfinished last line
    /// into `carry` (empty on entry). Returns the number of `buf`'s first line, or `None`
    /// when no line is left in it.
    pub fn split(&mut self, buf: &mut Vec<u8>, carry: &mut Vec<u8>, until: Until) -> Option<u64> {
        if self.skipping {
            match memchr::memchr(b'\n', buf) {
                Some(at) => {
                    buf.drain(..=at);
                    self.skipping = false;
                }
                None => {
                    buf.clear();
                    self.skipping = until == Until::More;
                    return None;
                }
            }
        }
        let mut cut_last = false;
        match until {
            Until::More => {
                let end = memchr::memrchr(b'\n', buf).map_or(0, |at| at + 1);
                carry.extend_from_slice(buf.get(end..).unwrap_or_default());
                buf.truncate(end);
                if carry.len() > self.max_line {
                    buf.extend_from_slice(carry.get(..self.max_line).unwrap_or_default());
                    buf.push(b'\n');
                    carry.clear();
                    self.skipping = true;
                    cut_last = true;
                }
            }
            Until::End => {
                if buf.last().is_some_and(|&b| b != b'\n') {
                    buf.push(b'\n');
                }
            }
            Until::Broken => {
                let end = memchr::memrchr(b'\n', buf).map_or(0, |at| at + 1);
                self.dropped = buf.len() - end;
                buf.truncate(end);
            }
        }
        if buf.is_empty() {
            return None;
        }
        let first = self.lines + 1;
        if let Some(at) = self.first_overlong(buf) {
            self.compact(buf, at, first);
        }
        let count = memchr::memchr_iter(b'\n', buf).count() as u64;
        self.lines += count;
        if cut_last {
            self.note_overlong(self.lines);
        }
        Some(first)
    }

    /// Start of the first line longer than `max_line` in `buf` (which ends in `\n`). Jumps a
    /// whole `max_line` window at a time and looks back for the window's last `\n`, so a
    /// block of ordinary lines costs a handful of short scans, not a pass over every byte.
    fn first_overlong(&self, buf: &[u8]) -> Option<usize> {
        let mut start = 0;
        while buf.len() - start > self.max_line + 1 {
            let window = buf.get(start..start + self.max_line + 1)?;
            match memchr::memrchr(b'\n', window) {
                Some(at) => start += at + 1,
                None => return Some(start),
            }
        }
        None
    }

    /// Cuts every overlong line from `from` on to `max_line` bytes, in place.
    fn compact(&mut self, buf: &mut Vec<u8>, from: usize, first: u64) {
        let before = buf.get(..from).unwrap_or_default();
        let mut number = first + memchr::memchr_iter(b'\n', before).count() as u64;
        let mut read = from;
        let mut write = from;
        while read < buf.len() {
            let rest = buf.get(read..).unwrap_or_default();
            let len = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
            let keep = len.min(self.max_line);
            if len > self.max_line {
                self.note_overlong(number);
            }
            buf.copy_within(read..read + keep, write);
            write += keep;
            if let Some(slot) = buf.get_mut(write) {
                *slot = b'\n';
                write += 1;
            }
            read += len + 1;
            number += 1;
        }
        buf.truncate(write);
    }

    fn note_overlong(&mut self, number: u64) {
        self.overlong += 1;
        if self.samples.len() < SAMPLES {
            self.samples.push(number);
        }
    }
}
