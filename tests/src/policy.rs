//! The policy half of a test cluster: migserver, the loadavgds, the fake input devices that let a
//! test play "the owner came back", and signed calls to migserver as any user of any host.

use std::future::Future;
use std::io::Write as _;
use std::os::unix::fs::OpenOptionsExt;
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, bail};
use roam_shared::credential::ClusterKey;
use roam_shared::proto::HostInfo;
use roam_shared::proto::mig_server_client::MigServerClient;
use tonic::Request;
use tonic::transport::Channel;

use crate::Cluster;
use crate::cluster::{spawn_daemon, terminate};
use crate::wait_until;

/// Size of a `struct input_event` on x86_64.
const INPUT_EVENT_LEN: usize = 24;

impl Cluster {
    /// migserver's address.
    pub fn migserver_addr(&self) -> anyhow::Result<std::net::SocketAddr> {
        Ok(self
            .server
            .as_ref()
            .context("no migserver in this cluster")?
            .addr)
    }

    /// Starts (or restarts) migserver and waits until it accepts connections.
    pub fn start_migserver(&mut self) -> anyhow::Result<()> {
        let server = self
            .server
            .as_mut()
            .context("no migserver in this cluster")?;
        let mut cmd = Command::new(&self.bin.migserver);
        // The event writer says what is on disk (see `migserver_committed`).
        cmd.env("RUST_LOG", "info,migserver::store=debug");
        server.child = Some(spawn_daemon(cmd, &server.config, &server.log)?);
        let addr = server.addr;
        let ready = wait_until(Duration::from_secs(10), || {
            std::net::TcpStream::connect(addr).is_ok()
        });
        if !ready {
            let log = std::fs::read_to_string(&server.log).unwrap_or_default();
            bail!("migserver did not start:\n{log}");
        }
        Ok(())
    }

    /// Kills migserver with SIGKILL (as a crash would) and reaps it.
    pub fn kill_migserver(&mut self) -> anyhow::Result<()> {
        let server = self
            .server
            .as_mut()
            .context("no migserver in this cluster")?;
        let mut child = server.child.take().context("migserver is not running")?;
        child.kill()?;
        child.wait()?;
        Ok(())
    }

    /// Whether migserver's log says that its event log is on disk through event `seq` (it
    /// commits in batches, every 50 ms).
    pub fn migserver_committed(&self, seq: u64) -> bool {
        let Some(server) = &self.server else {
            return false;
        };
        std::fs::read_to_string(&server.log)
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains("events committed"))
            .filter_map(|l| l.rsplit("through=").next()?.trim().parse::<u64>().ok())
            .any(|through| through >= seq)
    }

    /// Starts host `i`'s loadavgd.
    pub fn start_loadavgd(&mut self, i: usize) -> anyhow::Result<()> {
        let host = &mut self.hosts[i];
        let mut cmd = Command::new(&self.bin.loadavgd);
        if let Some(caps) = &self.cpu_caps {
            caps.place(i, &mut cmd)?;
        }
        host.loadavgd = Some(spawn_daemon(cmd, &host.config, &host.loadavgd_log)?);
        Ok(())
    }

    /// Stops host `i`'s loadavgd with SIGTERM.
    pub fn stop_loadavgd(&mut self, i: usize) -> anyhow::Result<()> {
        let child = self.hosts[i]
            .loadavgd
            .as_mut()
            .context("loadavgd is not running")?;
        terminate(child)?;
        self.hosts[i].loadavgd = None;
        Ok(())
    }

    /// Host `i`'s loadavgd process id, while it runs.
    pub fn loadavgd_pid(&self, i: usize) -> Option<u32> {
        self.hosts[i].loadavgd.as_ref().map(std::process::Child::id)
    }

    /// The owner of host `i` touches the keyboard: one key press on its fake input device.
    pub fn owner_input(&self, i: usize) -> anyhow::Result<()> {
        let mut record = [0u8; INPUT_EVENT_LEN];
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?;
        record[..8].copy_from_slice(&(now.as_secs() as i64).to_ne_bytes());
        record[8..16].copy_from_slice(&i64::from(now.subsec_micros()).to_ne_bytes());
        record[16..18].copy_from_slice(&1u16.to_ne_bytes()); // EV_KEY
        record[18..20].copy_from_slice(&30u16.to_ne_bytes());
        record[20..24].copy_from_slice(&1i32.to_ne_bytes());
        let path = &self.hosts[i].input;
        // Non-blocking: fails at once (ENXIO) if loadavgd does not have the FIFO open.
        std::fs::OpenOptions::new()
            .write(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(path)
            .and_then(|mut f| f.write_all(&record))
            .with_context(|| format!("cannot write input to {}", path.display()))
    }

    /// A credential for `uid` (with `gids`) at host `home`, signed with the cluster key.
    pub fn credential(&self, uid: u32, gids: &[u32], home: &str) -> Vec<u8> {
        let key = ClusterKey::load(&self.key_file()).expect("cluster key");
        key.sign(uid, gids.to_vec(), home, "")
    }

    /// A request to migserver carrying a fresh credential for `uid` at host `home`.
    pub fn signed<T>(&self, message: T, uid: u32, gids: &[u32], home: &str) -> Request<T> {
        let mut request = Request::new(message);
        roam_shared::auth::attach(&mut request, &self.credential(uid, gids, home));
        request
    }

    /// A client of migserver (connect inside [`block_on`]).
    pub async fn migserver(&self) -> anyhow::Result<MigServerClient<Channel>> {
        let addr = self.migserver_addr()?;
        Ok(MigServerClient::connect(format!("http://{addr}")).await?)
    }

    /// migserver's host list, asked as root at host `a`.
    pub fn list_hosts(&self) -> anyhow::Result<Vec<HostInfo>> {
        block_on(async {
            let mut client = self.migserver().await?;
            let request = self.signed(roam_shared::proto::ListHostsRequest {}, 0, &[0], "a");
            Ok(client.list_hosts(request).await?.into_inner().hosts)
        })
    }

    /// Waits until migserver lists every host as idle.
    pub fn wait_all_idle(&self, within: Duration) -> anyhow::Result<()> {
        let all_idle = || {
            self.list_hosts().is_ok_and(|hosts| {
                hosts.len() == self.hosts.len()
                    && hosts
                        .iter()
                        .all(|h| h.state() == roam_shared::proto::host_info::State::Idle)
            })
        };
        if !wait_until(within, all_idle) {
            bail!(
                "hosts not all idle within {within:?}: {:?}",
                self.list_hosts()
            );
        }
        Ok(())
    }
}

/// Runs `future` to completion on a fresh single-threaded runtime.
pub fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
        .block_on(future)
}
