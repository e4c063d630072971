//! Bytes to lines: a log file or stdin, plain or gzip, read in large blocks by a thread of its
//! own and handed over as [`Block`]s of whole lines, so reading and decompressing overlap
//! parsing and blocks can be spread over workers.
//!
//! This module owns reading: gzip detection (by magic bytes, never by name), line boundaries,
//! `\r\n`, overlong lines (cut at [`Options::max_line`] and counted), where an input ended
//! early (a truncated gzip keeps every complete line before the damage), and the one piece
//! of framing that spans lines: a container runtime's partial lines (CRI tag `P`), joined
//! into the line they were cut from when the input's first line is CRI-wrapped (see
//! `partials.rs`; at most [`MAX_JOINED`] bytes). Beyond that it knows nothing about formats:
//! invalid UTF-8 passes through untouched. Memory stays near
//! `max_line + block_size` per buffer in flight (the reader keeps about 12 MiB of blocks
//! ready), plus at most 4 MiB of lines held back behind an unfinished run of partial lines,
//! whatever the input holds.
//!
//! Following files that grow is [`crate::follow`]'s job, not this one's.

mod block;
mod blocks;
mod partials;
mod source;
mod splitter;

pub use block::{Block, Lines};
pub use blocks::{Blocks, Ended, Summary};
pub use partials::MAX_JOINED;
pub use source::Input;

/// How inputs are cut into lines and blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Longest line kept, in bytes (without its newline); longer lines are cut to this and
    /// counted in [`Summary::overlong`]. Default 64 KiB.
    pub max_line: usize,
    /// Bytes read per block; a block holds whole lines, so it ends up a little shorter.
    /// Default 2 MiB.
    pub block_size: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            max_line: 64 * 1024,
            block_size: 2 * 1024 * 1024,
        }
    }
}

impl Options {
    /// The same options with sizes raised to workable minimums (a line of at least 1 byte,
    /// blocks of at least 4 KiB), so no setting can stall the reader.
    fn sane(self) -> Options {
        Options {
            max_line: self.max_line.max(1),
            block_size: self.block_size.max(4096),
        }
    }
}
