//! What can go wrong: [`Error`] stops the daemon, [`Refusal`] answers one request.

use std::net::SocketAddr;
use std::path::PathBuf;

use crate::store::StoreError;

/// Why migserver cannot run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The config file has no `[migserver]` section.
    #[error(
        "{path} has no [migserver] section; add a [migserver] section with addr = \"IP:PORT\" (where migserver listens)"
    )]
    NotConfigured {
        /// The config file.
        path: PathBuf,
    },
    /// The state directory cannot be created.
    #[error("cannot create state directory {path} (state_dir): {source}")]
    StateDir {
        /// The directory.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The database cannot be used.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The address cannot be bound.
    #[error("cannot listen on {addr} ([migserver] addr): {source}")]
    Listen {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The runtime, a thread or a signal handler cannot be set up.
    #[error("cannot start: {0}")]
    Start(#[from] std::io::Error),
    /// The gRPC server failed.
    #[error("serving failed: {0}")]
    Serve(#[from] tonic::transport::Error),
}

/// Why a request is refused.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    /// A host reported under another host's name.
    #[error("host {home:?} may report only for itself, not for {host:?}")]
    ForgedReport {
        /// The name in the report.
        host: String,
        /// The credential's home.
        home: String,
    },
    /// A field is missing, too long or malformed.
    #[error("{0}")]
    Invalid(String),
    /// No such host has reported.
    #[error("no host {0:?} has reported to this server")]
    UnknownHost(String),
    /// An admin call from someone who is not.
    #[error(
        "uid {uid} may not do this: only root and members of group {group:?} may drain, undrain and evict"
    )]
    NotAdmin {
        /// The caller.
        uid: u32,
        /// The admin group.
        group: String,
    },
}
