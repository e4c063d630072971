//! One queue per incident for the changes made through this process (the server's concurrent
//! requests). Another process may still get to the head first; the store's compare-and-swap and
//! the service's retry handle that, as before.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};

use firebreak_core::IncidentId;

/// The queues, held only while someone waits in or holds one.
#[derive(Debug, Default)]
pub(crate) struct Turns {
    queues: Mutex<HashMap<IncidentId, Weak<tokio::sync::Mutex<()>>>>,
}

impl Turns {
    /// Entries kept before the ones nobody holds are swept out.
    const SWEEP_AT: usize = 1024;

    /// The queue of incident `id`.
    pub(crate) fn of(&self, id: &IncidentId) -> Arc<tokio::sync::Mutex<()>> {
        let Ok(mut queues) = self.queues.lock() else {
            // A poisoned map only costs the ordering: hand out a queue of one.
            return Arc::default();
        };
        if let Some(queue) = queues.get(id).and_then(Weak::upgrade) {
            return queue;
        }
        if queues.len() >= Self::SWEEP_AT {
            queues.retain(|_, q| q.strong_count() > 0);
        }
        let queue = Arc::default();
        queues.insert(*id, Arc::downgrade(&queue));
        queue
    }
}
