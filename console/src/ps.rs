//! `roam ps`: every foreign process in the cluster, as a table or as JSON.

use anyhow::bail;
use roam_shared::config::Config;
use roam_shared::proto::{HostProcess, ListProcessesRequest};
use serde::Serialize;

use crate::humanize;
use crate::server::{Server, block_on, refused};
use crate::users::{Users, uid_of};

/// Why no foreign process can be moved while it runs, in this release.
pub const NO_LIVE_MIGRATION: &str = "live migration is not available yet";

/// One foreign process as `roam ps --json` prints it.
#[derive(Debug, Serialize)]
pub struct ProcessRow {
    /// The host it runs on.
    pub host: String,
    /// Its home host, where `mig` or `pmake` started it.
    pub home: String,
    /// Its job id.
    pub job_id: String,
    /// Its pid on `host`.
    pub pid: u32,
    /// Its owner's uid.
    pub uid: u32,
    /// Its owner's name (the uid when this host's passwd database has no entry).
    pub user: String,
    /// Its command line.
    pub command: String,
    /// When it started, RFC 3339 UTC.
    pub started: String,
    /// When it started, Unix milliseconds.
    pub started_unix_ms: i64,
    /// CPU time used, milliseconds.
    pub cpu_ms: u64,
    /// Resident memory, bytes.
    pub rss_bytes: u64,
    /// The lease it runs under ("" when started with `mig -H`).
    pub lease_id: String,
    /// Why it cannot be migrated now, or null when it can.
    pub pinned: Option<&'static str>,
}

impl ProcessRow {
    fn new(hp: HostProcess, users: &mut Users) -> ProcessRow {
        let p = hp.process.unwrap_or_default();
        ProcessRow {
            host: hp.host,
            user: users.name(p.uid).to_owned(),
            started: humanize::rfc3339(p.started_unix_ms),
            home: p.home,
            job_id: p.job_id,
            pid: p.pid,
            uid: p.uid,
            command: p.command,
            started_unix_ms: p.started_unix_ms,
            cpu_ms: p.cpu_ms,
            rss_bytes: p.rss_bytes,
            lease_id: p.lease_id,
            pinned: Some(NO_LIVE_MIGRATION),
        }
    }
}

/// Prints the foreign processes, those on `host` and of `user` (a name or a uid) only if given.
pub fn run(
    config: &Config,
    host: Option<&str>,
    user: Option<&str>,
    json: bool,
) -> anyhow::Result<()> {
    let uid = match user {
        Some(u) => match uid_of(u) {
            Some(uid) => Some(uid),
            None => bail!("no user named {u:?} on this host (give a user name or a uid)"),
        },
        None => None,
    };
    let processes = block_on(async {
        let mut server = Server::connect(config).await?;
        let request = server.signed(ListProcessesRequest {}).await?;
        let reply = server
            .client()
            .list_processes(request)
            .await
            .map_err(refused)?;
        anyhow::Ok(reply.into_inner().processes)
    })?;
    let mut users = Users::default();
    let mut rows: Vec<ProcessRow> = processes
        .into_iter()
        .filter(|hp| host.is_none_or(|h| hp.host == h))
        .filter(|hp| uid.is_none_or(|u| hp.process.as_ref().is_some_and(|p| p.uid == u)))
        .map(|hp| ProcessRow::new(hp, &mut users))
        .collect();
    rows.sort_by(|a, b| (&a.host, a.started_unix_ms).cmp(&(&b.host, b.started_unix_ms)));
    if json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(());
    }
    println!(
        "{:<12} {:<12} {:<10} {:>7} {:>9} {:>6} {:<20} COMMAND",
        "HOST", "HOME", "USER", "PID", "CPU", "MEM", "STARTED"
    );
    for r in rows {
        println!(
            "{:<12} {:<12} {:<10} {:>7} {:>9} {:>6} {:<20} {}",
            r.host,
            r.home,
            r.user,
            r.pid,
            humanize::cpu_time(r.cpu_ms),
            humanize::bytes(r.rss_bytes),
            r.started,
            r.command
        );
    }
    Ok(())
}
