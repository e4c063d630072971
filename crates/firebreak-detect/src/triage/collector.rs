//! The main thread's side of a run: it shares each input's blocks out to the workers in runs,
//! takes their results back, puts them in input order and replays the order-sensitive parts
//! (login and sshd sequences, minute counts that straddle runs).

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::mpsc::sync_channel;
use std::thread;

use crate::format::Format;
use crate::input::{Block, Blocks, Input, Summary};

use super::events::{At, Kind, Names};
use super::logins::Logins;
use super::minutes::Boundaries;
use super::options::Options;
use super::report::{EndedEarly, InputReport};
use super::sshd::Sshd;
use super::worker::{RunDone, Worker};
use super::{Progress, TriageError};

/// Bytes of blocks all workers may hold at once (each worker holds its current run).
const RUNS_IN_FLIGHT: usize = 24 << 20;

/// Lines [`Format::detect`] looks at.
const DETECT_LINES: usize = 64;

/// Where the workers take their blocks from.
struct Feed {
    first: Option<Block>,
    blocks: Blocks,
    per_run: usize,
}

impl Feed {
    /// Hands back the spent blocks' buffers and takes the next run (empty at the end).
    fn take(&mut self, spent: Vec<Block>) -> Vec<Block> {
        for block in spent {
            self.blocks.recycle(block);
        }
        let mut run = Vec::with_capacity(self.per_run);
        if let Some(first) = self.first.take() {
            run.push(first);
        }
        while run.len() < self.per_run {
            match self.blocks.next() {
                Some(block) => run.push(block),
                None => break,
            }
        }
        run
    }
}

/// The input being read, as the workers see it.
#[derive(Clone, Copy)]
struct Reading<'a> {
    index: usize,
    name: &'a str,
    size: Option<u64>,
    feed: &'a Mutex<Feed>,
    format: Option<&'a Format>,
}

/// Everything the main thread keeps.
pub(crate) struct Collector<'o> {
    options: &'o Options,
    pub(crate) inputs: Vec<InputReport>,
    pub(crate) notes: Vec<String>,
    pub(crate) names: Names,
    pub(crate) logins: Logins,
    pub(crate) sshd: Sshd,
    pub(crate) boundaries: Boundaries,
    /// Runs that arrived ahead of their turn, by first block.
    waiting: BTreeMap<u64, RunDone>,
    next_block: u64,
    lines_so_far: u64,
    read_before: u64,
    total_size: Option<u64>,
    count: usize,
}

impl<'o> Collector<'o> {
    pub(crate) fn new(options: &'o Options, inputs: &[Input]) -> Collector<'o> {
        Collector {
            options,
            inputs: Vec::with_capacity(inputs.len()),
            notes: Vec::new(),
            names: Names::new(options.max_users),
            logins: Logins::new(options),
            sshd: Sshd::new(options),
            boundaries: Boundaries::new(options.max_addresses),
            waiting: BTreeMap::new(),
            next_block: 0,
            lines_so_far: 0,
            read_before: 0,
            total_size: inputs.iter().map(Input::size).sum(),
            count: inputs.len(),
        }
    }

    /// Reads one input through the workers.
    pub(crate) fn read(
        &mut self,
        index: usize,
        input: Input,
        given: Option<&Format>,
        workers: &mut [Worker<'_>],
        progress: &dyn Fn(Progress<'_>),
    ) -> Result<(), TriageError> {
        let name = input.name().to_owned();
        let gzip = input.is_gzip();
        let size = input.size();
        let mut blocks = input.blocks(self.options.input);
        let first = blocks.next();
        let format = match given {
            Some(format) => Some(format.clone()),
            None => first.as_ref().and_then(detect),
        };
        self.inputs.push(InputReport {
            name: name.clone(),
            format: format.as_ref().map(|f| f.name().to_owned()),
            gzip,
            lines: 0,
            bytes: 0,
            parsed: 0,
            malformed: 0,
            overlong: 0,
            overlong_lines: Vec::new(),
            ended: None,
        });
        // The reader never makes blocks under 4 KiB. All workers together hold at most
        // RUNS_IN_FLIGHT bytes of blocks, however many there are.
        let block = self.options.input.block_size.max(4096);
        let run_bytes = self
            .options
            .run_bytes
            .min(RUNS_IN_FLIGHT / workers.len().max(1));
        let per_run = (run_bytes / block).clamp(1, 1024);
        let feed = Mutex::new(Feed {
            first,
            blocks,
            per_run,
        });
        self.next_block = 0;
        let reading = Reading {
            index,
            name: &name,
            size,
            feed: &feed,
            format: format.as_ref(),
        };
        let read = self.share_out(&reading, workers, progress)?;
        // Any run still waiting (a worker stopped early) is replayed in order anyway.
        let waiting = std::mem::take(&mut self.waiting);
        for (_, done) in waiting {
            self.replay(index, done);
        }
        self.boundaries.flush();
        let blocks = match feed.into_inner() {
            Ok(feed) => feed.blocks,
            Err(poisoned) => poisoned.into_inner().blocks,
        };
        self.close(&name, blocks.summary());
        progress(Progress {
            input: &name,
            index,
            inputs: self.count,
            read: size.unwrap_or(read),
            size,
            read_before: self.read_before,
            total_size: self.total_size,
            lines: self.lines_so_far,
        });
        self.read_before += size.unwrap_or(read);
        Ok(())
    }

    /// Runs the workers over one input's blocks, taking their runs back as they finish.
    /// Returns the source bytes read.
    fn share_out(
        &mut self,
        reading: &Reading<'_>,
        workers: &mut [Worker<'_>],
        progress: &dyn Fn(Progress<'_>),
    ) -> Result<u64, TriageError> {
        let Reading {
            index,
            name,
            size,
            feed,
            format,
        } = *reading;
        let mut read = 0u64;
        let (sender, receiver) = sync_channel::<RunDone>(workers.len() * 2);
        thread::scope(|scope| {
            let mut handles = Vec::with_capacity(workers.len());
            let mut failed = None;
            for worker in workers.iter_mut() {
                let sender = sender.clone();
                let spawned = thread::Builder::new()
                    .name("firebreak-triage".to_owned())
                    .spawn_scoped(scope, move || {
                        let mut spent = Vec::new();
                        loop {
                            let run = match feed.lock() {
                                Ok(mut feed) => feed.take(spent),
                                Err(_) => break,
                            };
                            if run.is_empty() {
                                break;
                            }
                            let done = worker.run(index, &run, format);
                            if sender.send(done).is_err() {
                                break;
                            }
                            spent = run;
                        }
                    });
                match spawned {
                    Ok(handle) => handles.push(handle),
                    Err(e) => failed = Some(e),
                }
            }
            drop(sender);
            if handles.is_empty() {
                return Err(TriageError::Threads(
                    failed.map_or_else(|| "no worker threads".to_owned(), |e| e.to_string()),
                ));
            }
            for done in receiver {
                read = read.max(done.consumed);
                self.take(index, done);
                progress(Progress {
                    input: name,
                    index,
                    inputs: self.count,
                    read,
                    size,
                    read_before: self.read_before,
                    total_size: self.total_size,
                    lines: self.lines_so_far,
                });
            }
            // Joining here (rather than leaving it to the scope) turns a worker's panic into an
            // error instead of a second panic.
            let panicked = handles
                .into_iter()
                .map(|h| h.join())
                .filter(Result::is_err)
                .count();
            if panicked > 0 {
                return Err(TriageError::Panicked(name.to_owned()));
            }
            Ok(read)
        })
    }

    /// Records what the reader said about an input once it is read.
    fn close(&mut self, name: &str, summary: &Summary) {
        let Some(report) = self.inputs.last_mut() else {
            return;
        };
        report.lines = summary.lines;
        report.bytes = summary.bytes;
        report.overlong = summary.overlong;
        report.overlong_lines = summary.overlong_samples.clone();
        report.ended = summary.ended.as_ref().map(|e| EndedEarly {
            line: e.line,
            byte: e.byte,
            message: e.message.clone(),
        });
        if let Some(e) = &summary.ended {
            self.notes.push(format!(
                "{name}: stopped early at line {} (byte {} after decompression): {}; \
                 everything before it is counted",
                e.line, e.byte, e.message
            ));
        }
        if report.format.is_none() && report.lines > 0 {
            self.notes.push(format!(
                "{name}: could not tell the log format from the first lines, so all {} \
                 lines count as malformed; name the format explicitly",
                report.lines
            ));
        }
    }

    /// Takes a finished run: counts it, and replays it and any runs it was holding up.
    fn take(&mut self, index: usize, done: RunDone) {
        self.lines_so_far += done.lines;
        if let Some(report) = self.inputs.get_mut(index) {
            report.parsed += done.parsed;
            report.malformed += done.malformed;
        }
        self.waiting.insert(done.first_block, done);
        while let Some(done) = self.waiting.remove(&self.next_block) {
            self.next_block += done.blocks.max(1);
            self.replay(index, done);
        }
    }

    /// Replays one run's events and boundary minutes, in line order.
    fn replay(&mut self, input: usize, done: RunDone) {
        let events = &done.events;
        for event in events.iter() {
            let at = At {
                input,
                line: event.line,
                time: event.time,
            };
            let user = events.user(event);
            match event.kind {
                Kind::Login(..) => self.logins.event(at, event, user, events.path(event)),
                Kind::SshFailed | Kind::SshInvalidUser | Kind::SshAccepted => {
                    let user = user.map(|u| self.names.key(u));
                    self.sshd.event(at, event, user);
                }
            }
        }
        self.boundaries.push(done.boundary);
    }
}

/// The format of an input, told from its first block's first lines.
fn detect(block: &Block) -> Option<Format> {
    let lines: Vec<&[u8]> = block
        .lines()
        .map(|(_, line)| line)
        .filter(|line| !line.is_empty())
        .take(DETECT_LINES)
        .collect();
    Format::detect(&lines)
}
