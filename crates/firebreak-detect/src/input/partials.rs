//! Joining a container runtime's partial lines (CRI tag `P`) back into the line they were cut
//! from, so every reader of an input (`triage`, `scan`, format detection) sees one logical
//! line and no caller has to carry parts between blocks or threads.
//!
//! A run of `P` lines of one stream followed by that stream's `F` line becomes one line: the
//! `F` line's wrapper, then the parts' texts and the `F` line's text. The other stream's lines
//! may come in between. The joined line stands where the `F` line stood and each part leaves
//! an empty line behind, so line numbers stay those of the file (empty lines are skipped by
//! every reader) and a joined line is found at the number of its last part.
//!
//! Lines wait here, in order, while a run is open: the first block's later lines are handed
//! out with the next block once the run ends. Nothing is dropped or guessed: a run whose
//! joined text would pass [`MAX_JOINED`], that is still open after [`MAX_HELD`] bytes, or that
//! the input ends in the middle of, is handed out as it was read — its parts still tagged `P`
//! and its `F` line (if one comes) retagged `P` — so the CRI parser counts every one of them
//! as unparsed.

use std::collections::VecDeque;

use crate::format::cri;

/// Longest joined line, in bytes of inner text.
pub const MAX_JOINED: usize = 1 << 20;

/// Most bytes of lines held back waiting for one run to end.
const MAX_HELD: usize = 4 << 20;

/// One line waiting to be handed out.
#[derive(Debug)]
struct Held {
    /// The line without its `\n`.
    text: Vec<u8>,
    /// A part of a run still open: it cannot be handed out yet.
    open: bool,
}

/// A stream's run of parts.
#[derive(Debug, Default)]
enum Run {
    /// No run.
    #[default]
    Idle,
    /// Parts so far: their positions (counted from the first line of the input) and the
    /// bytes of inner text they hold.
    Open { parts: Vec<u64>, len: usize },
    /// Given up on: its remaining parts and its `F` line are handed out as parts.
    Abandoned,
}

/// The joining state of one input, carried from block to block.
#[derive(Debug, Default)]
pub(super) struct Joiner {
    /// Lines not yet handed out, in input order.
    queue: VecDeque<Held>,
    /// Position of the queue's first line.
    front: u64,
    /// Bytes in `queue`.
    held: usize,
    /// stdout's run, stderr's run.
    runs: [Run; 2],
    /// Lines handed out so far.
    written: u64,
}

impl Joiner {
    /// Number (from 1) of the next line [`join`](Self::join) or [`finish`](Self::finish) will
    /// hand out.
    pub fn next_line(&self) -> u64 {
        self.written + 1
    }

    /// Takes a block of whole lines (each ending in `\n`) and appends to `out` every line that
    /// can be handed out now, joined where a run ended.
    pub fn join(&mut self, block: &[u8], out: &mut Vec<u8>) {
        for line in block.split_inclusive(|&b| b == b'\n') {
            let line = line.strip_suffix(b"\n").unwrap_or(line);
            self.line(line, out);
        }
    }

    /// The input ended: runs still open are handed out as they were read.
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        for stream in 0..self.runs.len() {
            self.give_up(stream, false);
        }
        self.drain(out);
    }

    fn line(&mut self, line: &[u8], out: &mut Vec<u8>) {
        let Ok(wrapper) = cri::wrapper(line) else {
            return self.pass(line, out);
        };
        let stream = usize::from(wrapper.stderr);
        let inner = line.get(wrapper.at..).unwrap_or_default();
        let inner = inner.strip_suffix(b"\r").unwrap_or(inner);
        let position = self.front + self.queue.len() as u64;
        let Some(run) = self.runs.get_mut(stream) else {
            return self.pass(line, out);
        };
        if wrapper.partial {
            match run {
                Run::Idle => {
                    *run = Run::Open {
                        parts: vec![position],
                        len: inner.len(),
                    };
                    self.push(line.to_vec(), true, out);
                }
                Run::Open { parts, len } => {
                    parts.push(position);
                    *len += inner.len();
                    let overlong = *len > MAX_JOINED;
                    self.push(line.to_vec(), true, out);
                    if overlong {
                        self.give_up(stream, true);
                        self.drain(out);
                    }
                }
                Run::Abandoned => self.pass(line, out),
            }
            return;
        }
        match std::mem::take(run) {
            Run::Idle => self.pass(line, out),
            Run::Open { parts, len } if len + inner.len() <= MAX_JOINED => {
                let mut joined = Vec::with_capacity(wrapper.at + len + inner.len());
                joined.extend_from_slice(line.get(..wrapper.at).unwrap_or_default());
                for &part in &parts {
                    let Some(held) = self.held_at(part) else {
                        continue;
                    };
                    let text = std::mem::take(&mut held.text);
                    held.open = false;
                    let at = cri::wrapper(&text).map_or(text.len(), |w| w.at);
                    let piece = text.get(at..).unwrap_or_default();
                    joined.extend_from_slice(piece.strip_suffix(b"\r").unwrap_or(piece));
                    self.held -= text.len();
                }
                joined.extend_from_slice(inner);
                self.push(joined, false, out);
            }
            Run::Open { parts, .. } => {
                for &part in &parts {
                    if let Some(held) = self.held_at(part) {
                        held.open = false;
                    }
                }
                self.push(retagged(line, wrapper.tag_at), false, out);
            }
            Run::Abandoned => self.push(retagged(line, wrapper.tag_at), false, out),
        }
    }

    /// A line that is not part of a run: straight out when nothing waits before it.
    fn pass(&mut self, line: &[u8], out: &mut Vec<u8>) {
        if self.queue.is_empty() {
            out.extend_from_slice(line);
            out.push(b'\n');
            self.front += 1;
            self.written += 1;
        } else {
            self.push(line.to_vec(), false, out);
        }
    }

    /// Queues a line and hands out what is ready, giving up on the oldest open run while too
    /// much waits behind it.
    fn push(&mut self, text: Vec<u8>, open: bool, out: &mut Vec<u8>) {
        self.held += text.len();
        self.queue.push_back(Held { text, open });
        self.drain(out);
        while self.held > MAX_HELD {
            let oldest = self
                .runs
                .iter()
                .enumerate()
                .filter_map(|(stream, run)| match run {
                    Run::Open { parts, .. } => parts.first().map(|&first| (first, stream)),
                    _ => None,
                })
                .min();
            let Some((_, stream)) = oldest else { break };
            self.give_up(stream, true);
            self.drain(out);
        }
    }

    /// Hands out the run's parts as they were read; with `more`, the rest of the run is too.
    fn give_up(&mut self, stream: usize, more: bool) {
        let Some(run) = self.runs.get_mut(stream) else {
            return;
        };
        let was = std::mem::replace(run, if more { Run::Abandoned } else { Run::Idle });
        if let Run::Open { parts, .. } = was {
            for part in parts {
                if let Some(held) = self.held_at(part) {
                    held.open = false;
                }
            }
        }
    }

    fn held_at(&mut self, position: u64) -> Option<&mut Held> {
        let index = usize::try_from(position.checked_sub(self.front)?).ok()?;
        self.queue.get_mut(index)
    }

    /// Hands out lines from the front of the queue up to the first open part.
    fn drain(&mut self, out: &mut Vec<u8>) {
        while self.queue.front().is_some_and(|h| !h.open) {
            let Some(held) = self.queue.pop_front() else {
                break;
            };
            self.held -= held.text.len();
            out.extend_from_slice(&held.text);
            out.push(b'\n');
            self.front += 1;
            self.written += 1;
        }
    }
}

/// An `F` line ending a run that could not be joined, tagged `P` like the rest of its run.
fn retagged(line: &[u8], tag_at: usize) -> Vec<u8> {
    let mut text = line.to_vec();
    if let Some(tag) = text.get_mut(tag_at) {
        *tag = b'P';
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(blocks: &[&str]) -> Vec<String> {
        let mut joiner = Joiner::default();
        let mut out = Vec::new();
        for block in blocks {
            joiner.join(block.as_bytes(), &mut out);
        }
        joiner.finish(&mut out);
        String::from_utf8(out)
            .expect("utf-8")
            .lines()
            .map(str::to_owned)
            .collect()
    }

    const T: &str = "2026-01-01T00:00:00Z";

    #[test]
    fn a_run_of_parts_becomes_one_line_where_its_f_line_was() {
        let lines = run(&[&format!(
            "{T} stdout P {{\"a\":\n{T} stdout P 1,\"b\"\n{T} stdout P :\"x\"\n{T} stdout F }}\nplain\n"
        )]);
        assert_eq!(
            lines,
            [
                "",
                "",
                "",
                &format!("{T} stdout F {{\"a\":1,\"b\":\"x\"}}"),
                "plain"
            ]
        );
    }

    #[test]
    fn interleaved_streams_are_joined_each_to_its_own() {
        let lines = run(&[&format!(
            "{T} stdout P out-1 \n{T} stderr P err-1 \n{T} stdout F out-2\n{T} stderr P err-2 \n{T} stderr F err-3\n"
        )]);
        assert_eq!(
            lines,
            [
                "",
                "",
                &format!("{T} stdout F out-1 out-2"),
                "",
                &format!("{T} stderr F err-1 err-2 err-3"),
            ]
        );
    }

    #[test]
    fn a_run_split_between_blocks_is_joined_and_numbers_stay() {
        let mut joiner = Joiner::default();
        let mut out = Vec::new();
        joiner.join(format!("one\n{T} stdout P a\ntwo\n").as_bytes(), &mut out);
        assert_eq!(out, b"one\n");
        assert_eq!(joiner.next_line(), 2);
        out.clear();
        joiner.join(format!("{T} stdout F b\n").as_bytes(), &mut out);
        joiner.finish(&mut out);
        assert_eq!(out, format!("\ntwo\n{T} stdout F ab\n").as_bytes());
    }

    #[test]
    fn a_run_cut_off_by_the_end_stays_partial() {
        let lines = run(&[&format!("{T} stdout P a\n{T} stdout P b\n")]);
        assert_eq!(
            lines,
            [format!("{T} stdout P a"), format!("{T} stdout P b")]
        );
    }

    #[test]
    fn an_overlong_run_is_handed_out_unjoined_with_its_end_retagged() {
        let part = "x".repeat(MAX_JOINED / 2 + 1);
        let lines = run(&[&format!(
            "{T} stdout P {part}\n{T} stdout P {part}\n{T} stdout P {part}\n{T} stdout F end\n{T} stdout F next\n"
        )]);
        assert_eq!(lines.len(), 5);
        assert!(
            lines[..4].iter().all(|l| l.contains(" stdout P ")),
            "{:?}",
            &lines[3]
        );
        assert_eq!(lines[3], format!("{T} stdout P end"));
        assert_eq!(lines[4], format!("{T} stdout F next"));
    }

    #[test]
    fn a_run_that_never_ends_does_not_hold_the_input_back() {
        let mut joiner = Joiner::default();
        let mut out = Vec::new();
        let full = format!("{T} stderr F {}\n", "y".repeat(1000));
        joiner.join(format!("{T} stdout P a\n").as_bytes(), &mut out);
        for _ in 0..=(MAX_HELD / (full.len() - 1) + 1) {
            joiner.join(full.as_bytes(), &mut out);
        }
        assert!(out.starts_with(format!("{T} stdout P a\n").as_bytes()));
        joiner.join(format!("{T} stdout F b\n").as_bytes(), &mut out);
        joiner.finish(&mut out);
        assert!(out.ends_with(format!("{T} stdout P b\n").as_bytes()));
    }
}
