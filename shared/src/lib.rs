//! Roam's common crate: the gRPC protocol, the config file, cluster-key credentials, ids,
//! exit-status conventions and tracing setup shared by every Roam binary.

pub mod auth;
pub mod config;
pub mod credential;
pub mod data_link;
pub mod ids;
pub mod logging;
pub mod proto;
pub mod status;
pub mod uds;

/// Roam's version, reported by `Ping` and `--version`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
