//! The gRPC client of this host's migd (its `Local` service on the Unix socket), connected
//! lazily and kept ready: eviction is latency-critical, so a broken connection is replaced on
//! the next call, which is retried once on the new one.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use roam_shared::proto::local_client::LocalClient;
use roam_shared::proto::{EvictRequest, ForeignJob, ListJobsRequest};
use tonic::Code;
use tonic::transport::Channel;

/// How long a call to migd may take before migd counts as unreachable.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(2);

/// Why migd could not be asked.
#[derive(Debug, thiserror::Error)]
pub enum MigdError {
    /// Nothing answers on the socket.
    #[error("cannot reach migd at {path}: {source}")]
    Connect {
        /// `[migd] socket`.
        path: PathBuf,
        /// Why.
        source: roam_shared::uds::ConnectError,
    },
    /// migd refused or failed the call.
    #[error("migd at {path}: {status}", status = .status.message())]
    Call {
        /// `[migd] socket`.
        path: PathBuf,
        /// Its answer.
        status: tonic::Status,
    },
    /// migd did not answer in time.
    #[error("migd at {path} did not answer within {CALL_TIMEOUT:?}")]
    Timeout {
        /// `[migd] socket`.
        path: PathBuf,
    },
}

/// A lazily connected client of the local migd.
#[derive(Debug)]
pub struct MigdLink {
    socket: PathBuf,
    client: Mutex<Option<LocalClient<Channel>>>,
    /// Whether the last call failed (so that an outage is logged once).
    down: AtomicBool,
}

impl MigdLink {
    /// A link to the migd serving `socket`; nothing is connected yet.
    pub fn new(socket: &Path) -> Self {
        MigdLink {
            socket: socket.to_owned(),
            client: Mutex::new(None),
            down: AtomicBool::new(false),
        }
    }

    /// Connects now, so that the first eviction finds a ready connection.
    pub async fn warm_up(&self) {
        let result = self.client().await.map(|_| ());
        self.note(&result);
    }

    /// The foreign jobs running here.
    pub async fn foreign_jobs(&self) -> Result<Vec<ForeignJob>, MigdError> {
        let result = self
            .call(|mut c| async move { c.list_jobs(ListJobsRequest {}).await })
            .await
            .map(|table| table.foreign);
        self.note(&result);
        result
    }

    /// Evicts the foreign jobs under `lease_ids` (all of them when empty), telling their homes
    /// `reason`. Returns the jobs now being evicted.
    pub async fn evict(
        &self,
        lease_ids: &[String],
        reason: &str,
    ) -> Result<Vec<String>, MigdError> {
        let request = EvictRequest {
            lease_ids: lease_ids.to_vec(),
            reason: reason.to_owned(),
        };
        let result = self
            .call(|mut c| {
                let request = request.clone();
                async move { c.evict(request).await }
            })
            .await
            .map(|reply| reply.job_ids);
        self.note(&result);
        result
    }

    async fn call<T, F, Fut>(&self, rpc: F) -> Result<T, MigdError>
    where
        F: Fn(LocalClient<Channel>) -> Fut,
        Fut: Future<Output = Result<tonic::Response<T>, tonic::Status>>,
    {
        let cached = self.cached();
        let fresh = cached.is_none();
        let client = match cached {
            Some(c) => c,
            None => self.client().await?,
        };
        match self.timed(rpc(client)).await {
            // The connection broke since its last use (migd restarted): once more on a new one.
            Err(MigdError::Call { status, .. }) if !fresh && connection_lost(&status) => {
                self.forget();
                let client = self.client().await?;
                self.timed(rpc(client)).await
            }
            result => result,
        }
    }

    async fn timed<T>(
        &self,
        call: impl Future<Output = Result<tonic::Response<T>, tonic::Status>>,
    ) -> Result<T, MigdError> {
        let result = match tokio::time::timeout(CALL_TIMEOUT, call).await {
            Ok(Ok(reply)) => return Ok(reply.into_inner()),
            Ok(Err(status)) => MigdError::Call {
                path: self.socket.clone(),
                status,
            },
            Err(_) => MigdError::Timeout {
                path: self.socket.clone(),
            },
        };
        if !matches!(&result, MigdError::Call { status, .. } if !connection_lost(status)) {
            self.forget();
        }
        Err(result)
    }

    fn cached(&self) -> Option<LocalClient<Channel>> {
        self.client
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn forget(&self) {
        *self.client.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    async fn client(&self) -> Result<LocalClient<Channel>, MigdError> {
        if let Some(c) = self.cached() {
            return Ok(c);
        }
        let channel = roam_shared::uds::connect(&self.socket)
            .await
            .map_err(|source| MigdError::Connect {
                path: self.socket.clone(),
                source,
            })?;
        let client = LocalClient::new(channel);
        *self.client.lock().unwrap_or_else(|e| e.into_inner()) = Some(client.clone());
        Ok(client)
    }

    /// Logs the first failure of an outage and the recovery, not every failed call.
    fn note<T>(&self, result: &Result<T, MigdError>) {
        match result {
            Ok(_) if self.down.swap(false, Ordering::Relaxed) => {
                tracing::info!(socket = %self.socket.display(), "migd answers again");
            }
            Err(e) if !self.down.swap(true, Ordering::Relaxed) => {
                tracing::warn!("{e} (foreign load counts as 0 until it answers)");
            }
            _ => {}
        }
    }
}

/// Whether a call failed because the connection (not migd) failed.
fn connection_lost(status: &tonic::Status) -> bool {
    matches!(
        status.code(),
        Code::Unavailable | Code::Unknown | Code::Cancelled
    )
}
