//! The status stream to migserver: the authenticated, bidirectional `Report` call. A report
//! goes out every `report_every` and at once on every idle↔busy change; commands come back.
//! A lost stream is reopened with exponential backoff capped at `report_every`, so a host
//! reappears within two report intervals of a migserver restart.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use roam_shared::credential::ClusterKey;
use roam_shared::proto::mig_server_client::MigServerClient;
use roam_shared::proto::{HostCommand, HostReport};
use tokio::sync::{mpsc, watch};
use tokio::time::{Instant, MissedTickBehavior};
use tokio_stream::wrappers::ReceiverStream;
use tonic::transport::Endpoint;

use crate::migd_link::MigdLink;
use crate::monitor::Published;

/// The first retry after a lost stream comes this soon.
pub const FIRST_RETRY: Duration = Duration::from_millis(50);
/// HTTP/2 pings notice a migserver host that vanished without closing the connection.
const KEEPALIVE: Duration = Duration::from_secs(10);

/// This host's compatibility class, e.g. `x86_64-linux`.
pub fn platform() -> String {
    format!("{}-{}", std::env::consts::ARCH, std::env::consts::OS)
}

/// Why a stream ended.
#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    /// migserver could not be reached.
    #[error("cannot connect: {0}")]
    Connect(#[from] tonic::transport::Error),
    /// migserver refused or broke the call.
    #[error("{}", .0.message())]
    Call(#[from] tonic::Status),
    /// migserver did not answer the call.
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    /// migserver ended the stream.
    #[error("the stream was closed")]
    Closed,
}

/// Exponential backoff: doubles from `first` up to `cap`.
#[derive(Debug)]
pub struct Backoff {
    first: Duration,
    cap: Duration,
    next: Duration,
}

impl Backoff {
    /// Starts at `first` (or `cap`, if smaller).
    pub fn new(first: Duration, cap: Duration) -> Self {
        let first = first.min(cap);
        Backoff {
            first,
            cap,
            next: first,
        }
    }

    /// The next delay.
    pub fn next_delay(&mut self) -> Duration {
        let delay = self.next;
        self.next = (self.next * 2).min(self.cap);
        delay
    }

    /// Back to the first delay.
    pub fn reset(&mut self) {
        self.next = self.first;
    }
}

/// Reports this host to migserver.
pub struct Reporter {
    /// migserver's address.
    pub addr: SocketAddr,
    /// Signs a fresh credential for each stream.
    pub key: ClusterKey,
    /// This host's name.
    pub host: String,
    /// Where other migds reach this host's migd.
    pub migd_addr: String,
    /// `report_every`.
    pub every: Duration,
    /// The monitor's status.
    pub published: watch::Receiver<Published>,
    /// Carries out migserver's commands.
    pub migd: Arc<MigdLink>,
}

impl Reporter {
    /// Reports until the monitor stops.
    pub async fn run(mut self) {
        let mut backoff = Backoff::new(FIRST_RETRY, self.every);
        let mut down = false;
        while self.published.has_changed().is_ok() {
            let mut connected = false;
            let ended = self.stream(&mut connected).await;
            if connected {
                backoff.reset();
            }
            match ended {
                Err(e) if !down || connected => {
                    tracing::warn!(addr = %self.addr, "migserver: {e}; reconnecting");
                }
                Err(e) => tracing::debug!(addr = %self.addr, "migserver: {e}"),
                Ok(()) => return,
            }
            down = true;
            tokio::time::sleep(backoff.next_delay()).await;
        }
    }

    /// One stream, from connecting until it ends; `Ok` when the monitor stopped.
    async fn stream(&mut self, connected: &mut bool) -> Result<(), StreamError> {
        let patience = self.every.max(Duration::from_secs(1));
        let channel = Endpoint::from_shared(format!("http://{}", self.addr))
            .map_err(StreamError::Connect)?
            .connect_timeout(patience)
            .tcp_nodelay(true)
            .http2_keep_alive_interval(KEEPALIVE)
            .keep_alive_timeout(KEEPALIVE)
            .connect()
            .await?;
        let (tx, rx) = mpsc::channel(4);
        // The first report goes with the call: it registers the host.
        let mut last_idle = self.send(&tx)?;
        let mut request = tonic::Request::new(ReceiverStream::new(rx));
        roam_shared::auth::attach(&mut request, &self.key.sign(0, vec![], &self.host, ""));
        let mut client = MigServerClient::new(channel);
        let mut commands = tokio::time::timeout(patience, client.report(request))
            .await
            .map_err(|_| StreamError::Timeout(patience))??
            .into_inner();
        *connected = true;
        tracing::info!(addr = %self.addr, "reporting to migserver");
        let mut tick = tokio::time::interval_at(Instant::now() + self.every, self.every);
        tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => last_idle = self.send(&tx)?,
                changed = self.published.changed() => {
                    if changed.is_err() {
                        return Ok(());
                    }
                    if self.published.borrow().status.idle != last_idle {
                        last_idle = self.send(&tx)?;
                    }
                }
                command = commands.message() => match command? {
                    Some(HostCommand { kind: Some(kind) }) => {
                        let migd = self.migd.clone();
                        tokio::spawn(async move { crate::evict::on_command(kind, &migd).await });
                    }
                    Some(HostCommand { kind: None }) => {}
                    None => return Err(StreamError::Closed),
                },
            }
        }
    }

    /// Queues a report of the current status; returns the idle flag it carried. A report that
    /// does not fit (migserver is not reading) is dropped: the next one supersedes it.
    fn send(&self, tx: &mpsc::Sender<HostReport>) -> Result<bool, StreamError> {
        let status = self.published.borrow().at(Instant::now());
        let report = HostReport {
            host: self.host.clone(),
            migd_addr: self.migd_addr.clone(),
            platform: platform(),
            interval_ms: u64::try_from(self.every.as_millis()).unwrap_or(u64::MAX),
            status: Some((&status).into()),
        };
        match tx.try_send(report) {
            Ok(()) | Err(mpsc::error::TrySendError::Full(_)) => Ok(status.idle),
            Err(mpsc::error::TrySendError::Closed(_)) => Err(StreamError::Closed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_report_interval_and_resets() {
        let mut b = Backoff::new(Duration::from_millis(50), Duration::from_millis(300));
        let delays: Vec<u128> = (0..6).map(|_| b.next_delay().as_millis()).collect();
        assert_eq!(delays, [50, 100, 200, 300, 300, 300]);
        b.reset();
        assert_eq!(b.next_delay(), Duration::from_millis(50));
        let mut short = Backoff::new(Duration::from_millis(50), Duration::from_millis(20));
        assert_eq!(short.next_delay(), Duration::from_millis(20));
        assert_eq!(short.next_delay(), Duration::from_millis(20));
    }

    #[test]
    fn platform_names_arch_and_os() {
        assert_eq!(platform(), format!("{}-linux", std::env::consts::ARCH));
    }
}
