//! Hashing large members on a second thread. Compressing or decompressing is the slow half of
//! bundle I/O and SHA-256 the other; on two cores they overlap: the calling thread fills a
//! buffer (reading an item and compressing it, or inflating the archive), hands it over and
//! fills the next while the worker hashes the last (and, when extracting, writes it to its
//! file). A fixed pool of buffers bounds memory whatever the member's size.

use std::fs::File;
use std::io::{self, Read, Write as _};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::thread::JoinHandle;

use sha2::{Digest as _, Sha256};

/// Bytes per buffer: large enough that hand-over costs nothing next to hashing it.
const CHUNK: usize = 1 << 20;
/// Buffers in flight: the worker can fall this far behind before the caller waits.
const DEPTH: usize = 4;

enum Job {
    /// A new member starts; its bytes also go to this file, if any.
    Begin(Option<File>),
    /// The next `usize` bytes of the buffer.
    Chunk(Vec<u8>, usize),
    /// The member is complete: send its digest.
    End,
}

/// Why streaming a member stopped.
pub(super) enum StreamError {
    /// Reading the source failed.
    Read(io::Error),
    /// The per-chunk callback failed (writing the compressed output).
    Each(io::Error),
    /// Writing the extracted file failed.
    Sink(io::Error),
    /// The worker thread is gone.
    Worker,
}

/// A hashing thread and its buffers.
pub(super) struct Digester {
    jobs: Option<Sender<Job>>,
    digests: Receiver<io::Result<[u8; 32]>>,
    free: Receiver<Vec<u8>>,
    worker: Option<JoinHandle<()>>,
}

impl Digester {
    /// Starts the worker.
    pub(super) fn new() -> io::Result<Self> {
        let (jobs, job_rx) = channel::<Job>();
        let (digest_tx, digests) = channel();
        let (free_tx, free) = channel();
        for _ in 0..DEPTH {
            // The receiver is alive: it is in this function.
            let _ = free_tx.send(vec![0u8; CHUNK]);
        }
        let worker = std::thread::Builder::new()
            .name("bundle-sha256".into())
            .spawn(move || work(job_rx, digest_tx, free_tx))?;
        Ok(Digester {
            jobs: Some(jobs),
            digests,
            free,
            worker: Some(worker),
        })
    }

    fn send(&self, job: Job) -> Result<(), StreamError> {
        self.jobs
            .as_ref()
            .and_then(|jobs| jobs.send(job).ok())
            .ok_or(StreamError::Worker)
    }

    /// Streams exactly the bytes `reader` yields, up to `limit`, returning their SHA-256 and
    /// count. Each buffer is first passed to `each` on this thread, then hashed (and written to
    /// `sink`) on the worker.
    pub(super) fn stream(
        &mut self,
        reader: &mut dyn Read,
        limit: u64,
        sink: Option<File>,
        mut each: impl FnMut(&[u8]) -> io::Result<()>,
    ) -> Result<([u8; 32], u64), StreamError> {
        self.send(Job::Begin(sink))?;
        let mut total = 0u64;
        loop {
            let mut buffer = self.free.recv().map_err(|_| StreamError::Worker)?;
            let want = usize::try_from(limit - total).map_or(CHUNK, |left| left.min(CHUNK));
            let filled = match fill(reader, &mut buffer[..want]) {
                Ok(n) => n,
                Err(e) => {
                    self.send(Job::Chunk(buffer, 0))?;
                    return Err(StreamError::Read(e));
                }
            };
            if filled == 0 {
                // Back into the pool, or the next member would have one buffer fewer.
                self.send(Job::Chunk(buffer, 0))?;
                break;
            }
            if let Err(e) = each(&buffer[..filled]) {
                self.send(Job::Chunk(buffer, 0))?;
                return Err(StreamError::Each(e));
            }
            total += filled as u64;
            self.send(Job::Chunk(buffer, filled))?;
            if filled < want || total == limit {
                break;
            }
        }
        self.send(Job::End)?;
        match self.digests.recv() {
            Ok(Ok(digest)) => Ok((digest, total)),
            Ok(Err(e)) => Err(StreamError::Sink(e)),
            Err(_) => Err(StreamError::Worker),
        }
    }
}

impl Drop for Digester {
    fn drop(&mut self) {
        self.jobs = None;
        if let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
    }
}

/// Reads until `buffer` is full or the reader ends.
fn fill(reader: &mut dyn Read, buffer: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match reader.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

fn work(jobs: Receiver<Job>, digests: Sender<io::Result<[u8; 32]>>, free: Sender<Vec<u8>>) {
    let mut hasher = Sha256::new();
    let mut sink: Option<File> = None;
    let mut failed: Option<io::Error> = None;
    for job in jobs {
        match job {
            Job::Begin(file) => {
                hasher = Sha256::new();
                sink = file;
                failed = None;
            }
            Job::Chunk(buffer, n) => {
                hasher.update(&buffer[..n]);
                if let (Some(file), None) = (sink.as_mut(), failed.as_ref()) {
                    failed = file.write_all(&buffer[..n]).err();
                }
                if free.send(buffer).is_err() {
                    return;
                }
            }
            Job::End => {
                let digest: [u8; 32] = std::mem::take(&mut hasher).finalize().into();
                sink = None;
                let result = failed.take().map_or(Ok(digest), Err);
                if digests.send(result).is_err() {
                    return;
                }
            }
        }
    }
}
