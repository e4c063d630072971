//! The reader thread and the iterator over what it reads: blocks cross a bounded channel, so
//! reading (and gunzipping) runs ahead of parsing by a few blocks and no further.

use std::fmt;
use std::io::{self, BufReader, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TryRecvError, sync_channel};
use std::thread;

use flate2::bufread::MultiGzDecoder;

use super::partials::Joiner;
use super::splitter::{Splitter, Until};
use super::{Block, Options};

/// Bytes of blocks read ahead of the consumer. Triage workers take runs of several blocks at
/// once; with less than a run ready they waited on the reader while the other worker waited
/// for them.
const AHEAD_BYTES: usize = 12 << 20;

/// Compressed bytes buffered in front of the gzip decoder.
const GZIP_BUFFER: usize = 256 * 1024;

/// What was read from an input, complete once [`Blocks`] has ended.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Lines delivered.
    pub lines: u64,
    /// Bytes read (after decompression), newlines and cut-off parts included.
    pub bytes: u64,
    /// Lines longer than [`Options::max_line`], delivered cut.
    pub overlong: u64,
    /// Numbers of the first few overlong lines.
    pub overlong_samples: Vec<u64>,
    /// Why the input ended before its natural end, if it did.
    pub ended: Option<Ended>,
}

/// Where and why an input stopped early; every complete line before it was delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ended {
    /// The line being read when it stopped (one past the last line delivered).
    pub line: u64,
    /// Bytes read (after decompression) before it stopped.
    pub byte: u64,
    /// What went wrong.
    pub message: String,
}

impl fmt::Display for Ended {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "input ended early at line {} (byte {}): {}",
            self.line, self.byte, self.message
        )
    }
}

enum Message {
    Block(Block),
    Done(Summary),
}

/// The blocks of one input, in order, read ahead by a thread. After the last one,
/// [`Blocks::summary`] tells what was read and whether the input ended early.
#[derive(Debug)]
pub struct Blocks {
    blocks: Option<Receiver<Message>>,
    spare: SyncSender<Vec<u8>>,
    summary: Summary,
}

impl fmt::Debug for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Message::Block(block) => write!(f, "Block({})", block.index),
            Message::Done(_) => write!(f, "Done"),
        }
    }
}

impl Blocks {
    pub(super) fn start(source: Box<dyn Read + Send>, gzip: bool, options: Options) -> Blocks {
        let options = options.sane();
        let ahead = (AHEAD_BYTES / options.block_size).clamp(2, 64);
        let (blocks_tx, blocks_rx) = sync_channel(ahead);
        let (spare_tx, spare_rx) = sync_channel(ahead + 2);
        let reader = Reader {
            options,
            gzip,
            blocks: blocks_tx,
            spare: spare_rx,
        };
        let spawned = thread::Builder::new()
            .name("firebreak-input".to_owned())
            .spawn(move || reader.run(source));
        let mut summary = Summary::default();
        let blocks = match spawned {
            Ok(_) => Some(blocks_rx),
            Err(e) => {
                summary.ended = Some(Ended {
                    line: 1,
                    byte: 0,
                    message: format!("could not start the reader thread: {e}"),
                });
                None
            }
        };
        Blocks {
            blocks,
            spare: spare_tx,
            summary,
        }
    }

    /// What was read; complete once the iterator has returned `None`.
    pub fn summary(&self) -> &Summary {
        &self.summary
    }

    /// Hands a finished block's buffer back to the reader for reuse (optional: saves an
    /// allocation and its page faults per block).
    pub fn recycle(&self, block: Block) {
        let mut data = block.data;
        data.clear();
        let _full = self.spare.try_send(data);
    }
}

impl Iterator for Blocks {
    type Item = Block;

    fn next(&mut self) -> Option<Block> {
        let message = self.blocks.as_ref()?.recv();
        match message {
            Ok(Message::Block(block)) => return Some(block),
            Ok(Message::Done(summary)) => self.summary = summary,
            Err(_) => {
                self.summary.ended = Some(Ended {
                    line: self.summary.lines + 1,
                    byte: self.summary.bytes,
                    message: "the reader thread stopped unexpectedly".to_owned(),
                })
            }
        }
        self.blocks = None;
        None
    }
}

/// The reader thread's side.
struct Reader {
    options: Options,
    gzip: bool,
    blocks: SyncSender<Message>,
    spare: Receiver<Vec<u8>>,
}

impl Reader {
    fn run(self, source: Box<dyn Read + Send>) {
        // Compressed bytes are counted as the decoder pulls them; plain ones are the bytes read.
        // The plain source is read directly rather than through a counting wrapper: a wrapper
        // that implements only `read` makes `read_to_end` zero every block before filling it.
        let compressed = self.gzip.then(|| Arc::new(AtomicU64::new(0)));
        let mut decoded: Box<dyn Read> = if let Some(count) = &compressed {
            let counting = Counting {
                inner: source,
                count: Arc::clone(count),
            };
            Box::new(MultiGzDecoder::new(BufReader::with_capacity(
                GZIP_BUFFER,
                counting,
            )))
        } else {
            source
        };
        let Options {
            max_line,
            block_size,
        } = self.options;
        let mut splitter = Splitter::new(max_line);
        // Decided by the input's first line: whether it is CRI-wrapped, so partial lines
        // are joined.
        let mut joiner: Option<Option<Joiner>> = None;
        let mut carry = Vec::new();
        let mut bytes = 0u64;
        let mut index = 0u64;
        let mut ended = None;
        loop {
            let mut buf = self.buffer(block_size + max_line);
            buf.extend_from_slice(&carry);
            carry.clear();
            let want = block_size.saturating_sub(buf.len()).max(block_size / 4);
            let (read, outcome) = fill(&mut decoded, &mut buf, want);
            bytes += read as u64;
            let until = match &outcome {
                Ok(true) => Until::End,
                Ok(false) => Until::More,
                Err(_) => Until::Broken,
            };
            let split = splitter.split(&mut buf, &mut carry, until);
            if joiner.is_none() && split.is_some() {
                let first = buf.split(|&b| b == b'\n').find(|l| !l.is_empty());
                if let Some(first) = first {
                    joiner = Some(crate::format::cri::is_wrapped(first).then(Joiner::default));
                }
            }
            let ready = match &mut joiner {
                Some(Some(joiner)) => {
                    let first_line = joiner.next_line();
                    let mut out = self.buffer(buf.len());
                    if split.is_some() {
                        joiner.join(&buf, &mut out);
                    }
                    if until != Until::More {
                        joiner.finish(&mut out);
                    }
                    (!out.is_empty()).then_some((out, first_line))
                }
                _ => split.map(|first_line| (buf, first_line)),
            };
            if let Some((data, first_line)) = ready {
                let block = Block {
                    index,
                    first_line,
                    data,
                    consumed: compressed
                        .as_ref()
                        .map_or(bytes, |count| count.load(Ordering::Relaxed)),
                };
                index += 1;
                if self.blocks.send(Message::Block(block)).is_err() {
                    return; // Nobody is listening any more.
                }
            }
            if let Err(e) = outcome {
                ended = Some(Ended {
                    line: splitter.lines + 1,
                    byte: bytes,
                    message: self.describe(&e, splitter.dropped),
                });
            }
            if until != Until::More {
                break;
            }
        }
        let summary = Summary {
            lines: splitter.lines,
            bytes,
            overlong: splitter.overlong,
            overlong_samples: splitter.samples,
            ended,
        };
        let _gone = self.blocks.send(Message::Done(summary));
    }

    /// An empty buffer: a recycled one if the consumer gave any back.
    fn buffer(&self, capacity: usize) -> Vec<u8> {
        match self.spare.try_recv() {
            Ok(mut buf) => {
                buf.clear();
                buf
            }
            Err(TryRecvError::Empty | TryRecvError::Disconnected) => Vec::with_capacity(capacity),
        }
    }

    fn describe(&self, e: &io::Error, dropped: usize) -> String {
        let what = match (self.gzip, e.kind()) {
            (true, io::ErrorKind::UnexpectedEof) => format!("truncated gzip ({e})"),
            (true, _) => format!("corrupt gzip ({e})"),
            (false, _) => format!("read failed ({e})"),
        };
        if dropped > 0 {
            format!("{what}; the unfinished line ({dropped} bytes) was dropped")
        } else {
            what
        }
    }
}

/// Reads until `want` more bytes are in `buf` or the input ends. Returns the bytes added and
/// whether the input ended, or the error that stopped it (bytes read before it are kept).
fn fill(reader: &mut dyn Read, buf: &mut Vec<u8>, want: usize) -> (usize, io::Result<bool>) {
    let start = buf.len();
    buf.reserve(want);
    // `read_to_end` reads into the spare capacity without zeroing it first (a memset of every
    // block otherwise costs the reader thread a few percent), and keeps what it read before an
    // error.
    let outcome = Read::take(&mut *reader, want as u64).read_to_end(buf);
    let added = buf.len() - start;
    let outcome = match outcome {
        Ok(_) => Ok(added < want),
        Err(e) => Err(e),
    };
    (added, outcome)
}

/// Counts source bytes as they are read, for progress.
struct Counting {
    inner: Box<dyn Read + Send>,
    count: Arc<AtomicU64>,
}

impl Read for Counting {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}
