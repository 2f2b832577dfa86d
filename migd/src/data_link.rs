//! Data links, migd's side (the wire format is `roam_shared::data_link`). The home opens one per
//! job beside the `Exec` call; the remote migd checks its credential and hands it to the job it
//! names, whose stdout is then spliced into it.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::os::fd::OwnedFd;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use roam_shared::credential::{ClusterKey, ReplayGuard};
use roam_shared::data_link::{HEAD_LEN, credential_len, hello};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::Notify;

/// How long a link may wait for its job, and a job for its link.
const RENDEZVOUS: Duration = Duration::from_secs(5);

/// Links that arrived and wait for their job, by job id.
#[derive(Default)]
pub struct DataLinks {
    waiting: Mutex<HashMap<String, Waiting>>,
    arrived: Notify,
}

struct Waiting {
    uid: u32,
    socket: OwnedFd,
    since: Instant,
}

impl DataLinks {
    /// Takes over an accepted connection that starts like a data link: reads its hello, checks
    /// the credential, and files the link under its job id. Bad links are logged and dropped.
    pub async fn accept(
        &self,
        conn: tokio::net::TcpStream,
        key: &ClusterKey,
        replays: &ReplayGuard,
    ) {
        let from = conn
            .peer_addr()
            .map_or_else(|_| "?".into(), |a| a.to_string());
        let checked = async {
            let mut conn = conn;
            let wire = tokio::time::timeout(RENDEZVOUS, read_hello(&mut conn))
                .await
                .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "no hello"))??;
            let cred = key.verify(&wire).map_err(std::io::Error::other)?;
            replays.admit(&cred).map_err(std::io::Error::other)?;
            // The job's splice thread uses the link with blocking calls.
            let std = conn.into_std()?;
            std.set_nonblocking(false)?;
            Ok::<_, std::io::Error>((cred, OwnedFd::from(std)))
        };
        match checked.await {
            Ok((cred, socket)) => {
                let mut waiting = self.waiting.lock().unwrap_or_else(|e| e.into_inner());
                // Links whose job never came are dropped after a while.
                waiting.retain(|_, w| w.since.elapsed() < RENDEZVOUS * 2);
                waiting.insert(
                    cred.job_id,
                    Waiting {
                        uid: cred.uid,
                        socket,
                        since: Instant::now(),
                    },
                );
                drop(waiting);
                self.arrived.notify_waiters();
            }
            Err(e) => tracing::warn!(%from, "refused a data link: {e}"),
        }
    }

    /// The link of job `job_id` (opened by user `uid`), waiting for it to arrive if need be.
    pub async fn take(&self, job_id: &str, uid: u32) -> Option<OwnedFd> {
        let deadline = tokio::time::Instant::now() + RENDEZVOUS;
        loop {
            let notified = self.arrived.notified();
            {
                let mut waiting = self.waiting.lock().unwrap_or_else(|e| e.into_inner());
                if waiting.get(job_id).is_some_and(|w| w.uid == uid) {
                    return waiting.remove(job_id).map(|w| w.socket);
                }
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return None;
            }
        }
    }
}

/// Opens a data link to the migd at `addr` for the job `credential` names.
pub async fn open(
    addr: SocketAddr,
    credential: &[u8],
    timeout: Duration,
) -> std::io::Result<OwnedFd> {
    let mut conn = tokio::time::timeout(timeout, tokio::net::TcpStream::connect(addr))
        .await
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "connect timed out"))??;
    conn.set_nodelay(true)?;
    conn.write_all(&hello(credential)).await?;
    let std = conn.into_std()?;
    std.set_nonblocking(false)?;
    Ok(OwnedFd::from(std))
}

/// Reads a hello (see `roam_shared::data_link`) from an accepted connection.
async fn read_hello(conn: &mut tokio::net::TcpStream) -> std::io::Result<Vec<u8>> {
    let mut head = [0u8; HEAD_LEN];
    conn.read_exact(&mut head).await?;
    let mut credential = vec![0u8; credential_len(&head)?];
    conn.read_exact(&mut credential).await?;
    Ok(credential)
}
