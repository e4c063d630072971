//! Matching one input's lines against the rules on several threads: workers parse whole blocks
//! and match each line ([`Matcher`]), and the calling thread takes the blocks' [`Hits`] back
//! in block order, so windows are counted in line order as if read on one thread. What
//! `scan` runs when it has more than one thread.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::mpsc::sync_channel;

use firebreak_detect::format::Format;
use firebreak_detect::input::{Block, Input, Options};
use firebreak_detect::rule::{Hits, Matcher, Scratch};

use super::{Read, UNPARSED_SAMPLES, Unparsed, detect, parse_block};

/// What a worker made of one block.
struct Matched {
    index: u64,
    block: Block,
    hits: Hits,
    unparsed: Unparsed,
    unattributed: u64,
}

/// Reads one input like [`each_record`](super::each_record), with the lines parsed and matched
/// by `matcher` on `threads` workers; `count` is called on the calling thread with each
/// block's [`Hits`], in block order, and is expected to empty them.
pub fn match_blocks(
    input: Input,
    asked: Option<&Format>,
    threads: usize,
    matcher: &Matcher,
    mut count: impl FnMut(&mut Hits) -> anyhow::Result<()>,
) -> anyhow::Result<Read> {
    let name = input.name().to_owned();
    let mut blocks = input.blocks(Options::default());
    let mut unparsed = Unparsed::default();
    let mut unattributed = 0;
    let mut undetected = None;
    let mut format = None;
    let mut first = None;
    while let Some(block) = blocks.next() {
        match detect(asked, &name, &block) {
            Ok(None) => blocks.recycle(block),
            Ok(Some(found)) => {
                format = Some(found);
                first = Some(block);
                break;
            }
            Err(lines) => {
                undetected = Some(lines);
                blocks.recycle(block);
                break;
            }
        }
    }
    if let Some(format) = &format {
        // Blocks handed out and not yet counted: enough to keep every worker busy while the
        // counting thread catches up, few enough to bound memory.
        let most = threads * 2 + 2;
        let (work_tx, work_rx) = sync_channel::<(u64, Block, Hits)>(most);
        let (done_tx, done_rx) = sync_channel::<Matched>(most);
        let work_rx = Mutex::new(work_rx);
        std::thread::scope(|scope| -> anyhow::Result<()> {
            for _ in 0..threads.max(1) {
                let done_tx = done_tx.clone();
                let work_rx = &work_rx;
                let matcher = matcher.for_thread();
                scope.spawn(move || {
                    let mut scratch = Scratch::default();
                    loop {
                        let job = work_rx.lock().ok().and_then(|rx| rx.recv().ok());
                        let Some((index, block, mut hits)) = job else {
                            break;
                        };
                        hits.clear();
                        let mut unparsed = Unparsed::default();
                        let mut unattributed = 0;
                        let parsed = parse_block(
                            format,
                            &block,
                            &mut unparsed,
                            &mut unattributed,
                            |n, raw, record| {
                                matcher.add(&mut hits, &mut scratch, n, raw, record);
                                Ok(())
                            },
                        );
                        let matched = Matched {
                            index,
                            block,
                            hits,
                            unparsed,
                            unattributed,
                        };
                        if parsed.is_err() || done_tx.send(matched).is_err() {
                            break;
                        }
                    }
                });
            }
            drop(done_tx);
            let mut run = || -> anyhow::Result<()> {
                let mut queued = first.take();
                let mut sent = 0u64;
                let mut counted = 0u64;
                let mut ended = false;
                let mut spare: Vec<Hits> = Vec::new();
                let mut waiting = BTreeMap::new();
                loop {
                    while !ended && sent - counted < most as u64 {
                        match queued.take().or_else(|| blocks.next()) {
                            Some(block) => {
                                let hits = spare.pop().unwrap_or_default();
                                work_tx.send((sent, block, hits)).map_err(|_| {
                                    anyhow::anyhow!("{name}: the matching threads stopped")
                                })?;
                                sent += 1;
                            }
                            None => ended = true,
                        }
                    }
                    if counted == sent {
                        return Ok(());
                    }
                    let matched = done_rx
                        .recv()
                        .map_err(|_| anyhow::anyhow!("{name}: the matching threads stopped"))?;
                    waiting.insert(matched.index, matched);
                    while let Some(mut next) = waiting.remove(&counted) {
                        unparsed.count += next.unparsed.count;
                        let room = UNPARSED_SAMPLES.saturating_sub(unparsed.samples.len());
                        unparsed
                            .samples
                            .extend(next.unparsed.samples.into_iter().take(room));
                        unattributed += next.unattributed;
                        count(&mut next.hits)?;
                        blocks.recycle(next.block);
                        spare.push(next.hits);
                        counted += 1;
                    }
                }
            };
            let result = run();
            // Workers waiting for work see the channel close and end.
            drop(work_tx);
            result
        })?;
    }
    Ok(Read {
        name,
        format: format.map(|f| f.name().to_owned()),
        summary: blocks.summary().clone(),
        unparsed,
        undetected,
        unattributed,
    })
}
