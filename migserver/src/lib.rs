//! migserver, Roam's migration server (DESIGN.md section 5): the central idle-host database,
//! the fair-share allocator and its leases, admin drain and eviction, and the cluster event log
//! that the console watches.
//!
//! Hosts, leases and requesters are soft state, rebuilt from heartbeats after a restart (a lease
//! a host reports a process running under is re-adopted for the process's owner); the event log,
//! per-user usage and the drained set persist in `<state_dir>/migserver.redb`, committed durably
//! every 50 ms, so a `kill -9` loses at most the last ~50 ms of events (whose seqs the restarted
//! server then hands out again).
//!
//! - [`cli`]: the command line.
//! - [`daemon`]: startup, serving, sweeping and stopping.
//! - [`server`]: the gRPC service, thin: credential in, cluster call, reply out.
//! - [`cluster`]: the state under one lock and the operations on it.
//! - [`hosts`]: the soft host table.
//! - [`allocator`]: free slots, fair share and revocation, with no I/O.
//! - [`leases`]: the lease table.
//! - [`events`]: the event log's memory and broadcast.
//! - [`store`]: the redb database and its batching writer.
//! - [`admin`]: who may drain and evict.
//! - [`settings`], [`error`]: what the config says, and what can go wrong.

pub mod admin;
pub mod allocator;
pub mod cli;
pub mod cluster;
pub mod daemon;
pub mod error;
pub mod events;
pub mod hosts;
pub mod leases;
pub mod server;
pub mod settings;
pub mod store;

pub use cli::main;
