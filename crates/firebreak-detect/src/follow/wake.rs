//! Waking up when a followed file may have changed: inotify (through `notify`) on the
//! directories that hold the files, so appends, renames and new files are seen at once, and a
//! poll as a fallback for whatever the events miss (network filesystems, directories created
//! later, a watcher that could not start).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError, sync_channel};
use std::time::Duration;

use notify::{EventKind, RecommendedWatcher, RecursiveMode, Watcher};

/// Directory events → a wake-up.
pub(super) struct Wake {
    woken: Receiver<()>,
    /// Kept alive for its events; `None` when only polling.
    _watcher: Option<RecommendedWatcher>,
}

impl std::fmt::Debug for Wake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Wake")
            .field("events", &self._watcher.is_some())
            .finish()
    }
}

impl Wake {
    /// Watches the directories holding `paths`. Directories that cannot be watched are
    /// left to the poll.
    pub fn new(paths: &[PathBuf]) -> Wake {
        // Capacity 1: wake-ups coalesce, so a burst of appends costs one wake-up.
        let (tx, woken) = sync_channel(1);
        let watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
            // Opening and closing (our own reads included) changes nothing.
            if let Ok(event) = &event
                && matches!(event.kind, EventKind::Access(_))
            {
                return;
            }
            let _already_awake = tx.try_send(());
        });
        let watcher = watcher.ok().map(|mut watcher| {
            let dirs: BTreeSet<&Path> = paths
                .iter()
                .map(|path| match path.parent() {
                    Some(dir) if !dir.as_os_str().is_empty() => dir,
                    _ => Path::new("."),
                })
                .collect();
            for dir in dirs {
                let _polled_instead = watcher.watch(dir, RecursiveMode::NonRecursive);
            }
            watcher
        });
        Wake {
            woken,
            _watcher: watcher,
        }
    }

    /// Waits for a directory event or the timeout, whichever comes first.
    pub fn wait(&self, timeout: Duration) {
        match self.woken.recv_timeout(timeout) {
            Ok(()) | Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => std::thread::sleep(timeout),
        }
        while self.woken.try_recv().is_ok() {}
    }
}
