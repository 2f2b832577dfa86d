//! migd, Roam's node-local migration mechanism. It starts foreign processes for other hosts
//! (`remote_api`), is the home of the processes started here (`local_api`, `home`), keeps the
//! tables of both (`table`), and checkpoints and restores processes (the `checkpoint` crate;
//! by hand through `by_hand`). It never decides *where* or *when* work goes; its callers do.

mod async_fd;
mod by_hand;
pub mod cli;
mod clone_exec;
mod daemon;
mod data_link;
mod evict;
mod foreign;
mod freezer;
mod home;
mod home_output;
mod leases;
mod local_api;
mod peer;
mod pty;
mod reaper;
mod remote_api;
mod spawn;
mod splice;
mod table;

pub use cli::main;
