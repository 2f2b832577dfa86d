//! `roam events`: the cluster's event log from migserver's watch stream, oldest first; with
//! `--follow`, then every new event as it happens.

use std::io::{self, Write};
use std::time::Duration;

use roam_shared::config::Config;
use roam_shared::proto::{ClusterEvent, WatchRequest};
use serde::Serialize;
use tonic::Streaming;

use crate::server::{Server, block_on, refused};
use crate::users::Users;
use crate::{event_kind, humanize};

/// Events shown when no `--since` is given, as `tail` shows ten lines.
pub const DEFAULT_HISTORY: u32 = 20;
/// The most history migserver sends one watcher.
pub const MAX_HISTORY: u32 = 100_000;
/// How long migserver may take to send the first event of the history (it reads older events
/// from its database), and how long a pause after that ends the history.
const FIRST: Duration = Duration::from_secs(3);
const QUIET: Duration = Duration::from_millis(500);

/// One event as `roam events --json` prints it (one JSON object per line).
#[derive(Debug, Serialize)]
pub struct EventRow {
    /// Position in migserver's event log (increasing).
    pub seq: u64,
    /// When, RFC 3339 UTC.
    pub time: String,
    /// When, Unix milliseconds.
    pub unix_ms: i64,
    /// What happened: host_up, lease_granted, process_evicted, …
    pub kind: &'static str,
    /// The host concerned.
    pub host: String,
    /// The requester or process owner (0 when none).
    pub uid: u32,
    /// The uid's name ("" when the event concerns no user).
    pub user: String,
    /// The requester's or process's home host.
    pub home: String,
    /// The requester's client id.
    pub client: String,
    /// The lease concerned.
    pub lease_id: String,
    /// The job concerned.
    pub job_id: String,
    /// Human-readable detail (command line, reason, load).
    pub detail: String,
}

impl EventRow {
    /// The row for `e`.
    pub fn new(e: ClusterEvent, users: &mut Users) -> EventRow {
        let has_user = e.uid != 0 || !e.home.is_empty();
        EventRow {
            seq: e.seq,
            time: humanize::rfc3339(e.unix_ms),
            unix_ms: e.unix_ms,
            kind: event_kind::name(e.kind()),
            user: if has_user {
                users.name(e.uid).to_owned()
            } else {
                String::new()
            },
            host: e.host,
            uid: e.uid,
            home: e.home,
            client: e.client,
            lease_id: e.lease_id,
            job_id: e.job_id,
            detail: e.detail,
        }
    }

    fn print(&self, out: &mut impl Write, json: bool) -> io::Result<()> {
        if json {
            return writeln!(out, "{}", serde_json::to_string(self)?);
        }
        let who = match (self.user.as_str(), self.home.as_str()) {
            ("", _) => String::new(),
            (user, "") => user.to_owned(),
            (user, home) => format!("{user}@{home}"),
        };
        let mut line = format!(
            "{} {:<16} {:<12} {:<16}",
            self.time, self.kind, self.host, who
        );
        for (label, value) in [("lease", &self.lease_id), ("job", &self.job_id)] {
            if !value.is_empty() {
                line.push_str(&format!(" {label} {value}"));
            }
        }
        if !self.detail.is_empty() {
            line.push_str(": ");
            line.push_str(&self.detail);
        }
        writeln!(out, "{}", line.trim_end())
    }
}

/// Opens a watch stream sending the last `history` events first.
pub async fn watch(server: &mut Server, history: u32) -> anyhow::Result<Streaming<ClusterEvent>> {
    let request = server.signed(WatchRequest { history }).await?;
    let reply = server.client().watch(request).await.map_err(refused)?;
    Ok(reply.into_inner())
}

/// The history `stream` sends before it goes quiet: its events up to the first pause.
pub async fn history(stream: &mut Streaming<ClusterEvent>) -> anyhow::Result<Vec<ClusterEvent>> {
    let mut events = Vec::new();
    loop {
        let wait = if events.is_empty() { FIRST } else { QUIET };
        let Ok(next) = tokio::time::timeout(wait, stream.message()).await else {
            break;
        };
        match next.map_err(refused)? {
            Some(event) => events.push(event),
            None => break,
        }
    }
    Ok(events)
}

/// Prints the events since `since_ms` (Unix ms; the last [`DEFAULT_HISTORY`] if none), then,
/// with `follow`, new ones until migserver closes the stream or the user interrupts.
pub fn run(config: &Config, follow: bool, since_ms: Option<i64>, json: bool) -> anyhow::Result<()> {
    let count = if since_ms.is_some() {
        MAX_HISTORY
    } else {
        DEFAULT_HISTORY
    };
    let since_ms = since_ms.unwrap_or(i64::MIN);
    let mut users = Users::default();
    let mut out = io::stdout().lock();
    let printed = block_on(async {
        let mut server = Server::connect(config).await?;
        let mut stream = watch(&mut server, count).await?;
        for event in history(&mut stream).await? {
            if event.unix_ms >= since_ms {
                EventRow::new(event, &mut users).print(&mut out, json)?;
            }
        }
        out.flush()?;
        if !follow {
            return Ok(());
        }
        while let Some(event) = stream.message().await.map_err(refused)? {
            EventRow::new(event, &mut users).print(&mut out, json)?;
            out.flush()?;
        }
        anyhow::bail!("migserver closed the event stream")
    });
    match printed {
        // A reader that went away (`roam events -f | head`) is not an error.
        Err(e)
            if e.downcast_ref::<io::Error>().map(io::Error::kind)
                == Some(io::ErrorKind::BrokenPipe) =>
        {
            Ok(())
        }
        other => other,
    }
}
