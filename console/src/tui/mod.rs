//! The live console, `roam` with no arguments: `state` is the model built from migserver's
//! replies and watch stream (no drawing, no I/O); `view` draws it and only reads it; `feed` is
//! the connection, with reconnect and backoff; `keys` turns input into state changes; `run` is
//! the event loop and `terminal` owns the real terminal.

mod bench;
mod bench_events;
mod feed;
mod keys;
mod run;
mod state;
mod terminal;
#[cfg(test)]
mod testdata;
mod view;

pub use bench::bench_frame;
pub use bench_events::{EventRate, bench_events};
pub use run::{OwnerReturns, run};
