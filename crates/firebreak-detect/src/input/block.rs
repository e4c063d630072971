//! A block of whole lines and the iterator over its lines.

/// A run of whole lines read from an input, numbered from the input's first line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// Position of this block in the input, from 0.
    pub index: u64,
    /// Line number (from 1) of the block's first line.
    pub first_line: u64,
    /// Whole lines, each ending in `\n` (an input's last line gets one if it had none;
    /// overlong lines are already cut).
    pub data: Vec<u8>,
    /// Source bytes read so far (compressed bytes for gzip), for progress against
    /// [`Input::size`](crate::input::Input::size).
    pub consumed: u64,
}

impl Block {
    /// The block's lines with their numbers, each without its `\n` or `\r\n`.
    pub fn lines(&self) -> Lines<'_> {
        Lines {
            rest: &self.data,
            next: self.first_line,
        }
    }
}

/// The lines of a [`Block`]: `(line number, line without its ending)`.
#[derive(Debug, Clone)]
pub struct Lines<'a> {
    rest: &'a [u8],
    next: u64,
}

impl<'a> Iterator for Lines<'a> {
    type Item = (u64, &'a [u8]);

    fn next(&mut self) -> Option<(u64, &'a [u8])> {
        if self.rest.is_empty() {
            return None;
        }
        let (line, rest) = match memchr::memchr(b'\n', self.rest) {
            Some(at) => (&self.rest[..at], &self.rest[at + 1..]),
            None => (self.rest, &[][..]),
        };
        self.rest = rest;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let number = self.next;
        self.next += 1;
        Some((number, line))
    }
}
