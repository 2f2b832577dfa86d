//! The owner's activity, as the input watchers signal it: each input first wakes the evictor,
//! then moves the time of the last input that the idle decision reads.

use std::sync::Arc;

use tokio::sync::{Notify, watch};
use tokio::time::Instant;

/// Where input watchers report input. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Activity {
    evict: Arc<Notify>,
    last_input: Arc<watch::Sender<Instant>>,
}

impl Activity {
    /// No input yet; `start` stands for the last one (loadavgd knows nothing from before it).
    pub fn new(start: Instant) -> Self {
        Activity {
            evict: Arc::new(Notify::new()),
            last_input: Arc::new(watch::Sender::new(start)),
        }
    }

    /// Input just happened.
    pub fn input(&self) {
        // Eviction first: it must not wait for anything, the busy report included.
        self.evict.notify_one();
        self.last_input.send_replace(Instant::now());
    }

    /// Woken on input (one stored wake-up covers any number of inputs).
    pub fn eviction_trigger(&self) -> Arc<Notify> {
        self.evict.clone()
    }

    /// The time of the last input, and changes to it.
    pub fn last_input(&self) -> watch::Receiver<Instant> {
        self.last_input.subscribe()
    }
}
