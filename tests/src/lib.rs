//! The Roam cluster harness: starts a whole cluster of real daemons on loopback addresses
//! (`127.0.0.11`, `127.0.0.12`, …), each host with its own config, socket and state directory,
//! and stops every process it started (by pid) when dropped. Used by the integration tests, the
//! benchmarks and `roam demo`.

mod binaries;
mod cluster;
mod process;
mod wait;

pub use binaries::Binaries;
pub use cluster::{Cluster, ClusterOptions, Host, MigJob};
pub use process::{alive, process_state};
pub use wait::wait_until;
