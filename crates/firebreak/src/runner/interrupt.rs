//! Ctrl-C and SIGTERM during a run. A step runs in its own process group (so a timeout can
//! kill its whole tree), which also means the terminal's Ctrl-C reaches only firebreak. While a
//! step runs, these signals are therefore caught and passed on to the step's group, and the step
//! is recorded as interrupted; at any other moment they end firebreak as usual.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::flag;

/// The signal watch for one run.
pub struct Interrupts {
    /// True outside steps: a signal then takes its default action.
    outside: Arc<AtomicBool>,
    /// Set by a signal that arrived while a step ran.
    hit: Arc<AtomicBool>,
}

impl Interrupts {
    /// Installs the handlers (once per run).
    pub fn install() -> io::Result<Self> {
        let outside = Arc::new(AtomicBool::new(true));
        let hit = Arc::new(AtomicBool::new(false));
        for signal in [SIGINT, SIGTERM] {
            // Order matters: outside a step the default action ends the process first.
            flag::register_conditional_default(signal, Arc::clone(&outside))?;
            flag::register(signal, Arc::clone(&hit))?;
        }
        Ok(Interrupts { outside, hit })
    }

    /// Runs `step` with signals caught; it is given the flag they set.
    pub fn during<T>(&self, step: impl FnOnce(&AtomicBool) -> T) -> T {
        self.hit.store(false, Ordering::SeqCst);
        self.outside.store(false, Ordering::SeqCst);
        let result = step(&self.hit);
        self.outside.store(true, Ordering::SeqCst);
        result
    }
}
