//! The Roam cluster harness: starts a whole cluster of real daemons on loopback addresses
//! (`127.0.0.11`, `127.0.0.12`, …), each host with its own config, socket and state directory,
//! and stops every process it started (by pid) when dropped. With [`PolicyOptions`] it also runs
//! migserver (on `127.0.0.10`) and a loadavgd per host, each with a fake input device; with
//! `cpu_share`, each host's daemons run capped to a share of a CPU. Used by the integration
//! tests, the benchmarks and `roam demo`.

mod binaries;
mod cluster;
mod cpu_cap;
mod policy;
mod process;
mod wait;

pub use binaries::Binaries;
pub use cluster::{Cluster, ClusterOptions, Host, MigJob, PolicyOptions};
pub use policy::block_on;
pub use process::{alive, process_state};
pub use wait::wait_until;
