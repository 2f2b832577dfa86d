//! `roam hosts`: the hosts migserver knows, as a table or as JSON.

use std::time::Duration;

use roam_shared::config::Config;
use roam_shared::proto::host_info::State;
use roam_shared::proto::{HostInfo, ListHostsRequest};
use serde::Serialize;

use crate::server::{Server, block_on, refused};

/// One host as `roam hosts --json` prints it.
#[derive(Debug, Serialize)]
pub struct HostRow {
    /// Host name.
    pub name: String,
    /// idle, busy, down or drained.
    pub state: &'static str,
    /// Seconds since the owner's last input.
    pub idle_seconds: u64,
    /// Load average not counting foreign processes.
    pub load: f64,
    /// Slots offered.
    pub slots: u32,
    /// Slots leased.
    pub slots_used: u32,
    /// Foreign processes running there.
    pub foreign: usize,
    /// Its migd's address.
    pub migd_addr: String,
}

impl HostRow {
    fn new(h: &HostInfo) -> HostRow {
        let status = h.status.clone().unwrap_or_default();
        HostRow {
            name: h.name.clone(),
            state: state_name(h.state()),
            idle_seconds: status.input_idle_ms / 1000,
            load: status.load,
            slots: status.slots,
            slots_used: h.slots_used,
            foreign: status.foreign.len(),
            migd_addr: h.migd_addr.clone(),
        }
    }
}

/// The word for a host state.
pub fn state_name(state: State) -> &'static str {
    match state {
        State::Idle => "idle",
        State::Busy => "busy",
        State::Down => "down",
        State::Drained => "drained",
        State::Unknown => "unknown",
    }
}

/// Prints the host list.
pub fn run(config: &Config, json: bool) -> anyhow::Result<()> {
    let hosts = block_on(async {
        let mut server = Server::connect(config).await?;
        let request = server.signed(ListHostsRequest {}).await?;
        let reply = server.client().list_hosts(request).await.map_err(refused)?;
        anyhow::Ok(reply.into_inner().hosts)
    })?;
    let rows: Vec<HostRow> = hosts.iter().map(HostRow::new).collect();
    if json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(());
    }
    println!(
        "{:<12} {:<8} {:>9} {:>6} {:>7} {:>7}",
        "HOST", "STATE", "IDLE", "LOAD", "SLOTS", "FOREIGN"
    );
    for r in rows {
        println!(
            "{:<12} {:<8} {:>9} {:>6.2} {:>7} {:>7}",
            r.name,
            r.state,
            humantime::format_duration(Duration::from_secs(r.idle_seconds)).to_string(),
            r.load,
            format!("{}/{}", r.slots_used, r.slots),
            r.foreign
        );
    }
    Ok(())
}
