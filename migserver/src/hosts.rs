//! The soft host table: what each host last reported, whether it is up, drained, idle, and the
//! channel to its Report stream. Rebuilt from heartbeats after a restart (only the drained set
//! is remembered).

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use roam_shared::proto::host_info::State;
use roam_shared::proto::{ForeignProcess, HostCommand, HostInfo, HostReport, HostStatus};
use tokio::sync::mpsc;

use crate::allocator::Offer;
use crate::leases::HostId;

/// The way to a host's Report stream: commands sent here go down that stream.
#[derive(Debug, Clone)]
pub struct CommandLink {
    /// Tells apart successive streams of one host.
    pub stream: u64,
    /// The stream's command queue.
    pub sender: mpsc::Sender<HostCommand>,
}

/// One host.
#[derive(Debug)]
pub struct Host {
    /// Its name (the `home` of its credentials).
    pub name: Arc<str>,
    /// Where other migds reach its migd.
    pub migd_addr: String,
    /// Its compatibility class.
    pub platform: Arc<str>,
    /// Its latest status.
    pub status: HostStatus,
    /// When its latest report arrived (Unix ms).
    pub last_report_ms: i64,
    /// Admin drain: no new leases.
    pub drained: bool,
    /// No report for `down_after`.
    pub down: bool,
    commands: Option<CommandLink>,
    /// Leases that ended while a process here may still run under them, with when they ended:
    /// a report listing one must not bring it back.
    ended_leases: HashMap<Arc<str>, i64>,
}

impl Host {
    /// What it offers the allocator.
    pub fn offer(&self) -> Offer {
        let status = &self.status;
        let slots = if status.slots > 0 {
            status.slots
        } else {
            status.cpus.max(1)
        };
        Offer {
            eligible: status.idle && !self.drained && !self.down,
            platform: self.platform.clone(),
            slots,
            last_input_ms: self
                .last_report_ms
                .saturating_sub(i64::try_from(status.input_idle_ms).unwrap_or(i64::MAX)),
        }
    }

    /// Its state as ListHosts shows it.
    pub fn state(&self) -> State {
        if self.down {
            State::Down
        } else if self.drained {
            State::Drained
        } else if self.status.idle {
            State::Idle
        } else {
            State::Busy
        }
    }

    /// Its row in ListHosts.
    pub fn info(&self, slots_used: u32) -> HostInfo {
        HostInfo {
            name: self.name.to_string(),
            state: self.state().into(),
            migd_addr: self.migd_addr.clone(),
            platform: self.platform.to_string(),
            status: Some(self.status.clone()),
            slots_used,
            last_report_unix_ms: self.last_report_ms,
            drained: self.drained,
        }
    }

    /// Whether the latest report lists a process running under lease `id`.
    pub fn runs_under(&self, id: &str) -> bool {
        self.status.foreign.iter().any(|p| p.lease_id == id)
    }

    /// Whether lease `id` ended while this host may still run a process under it.
    pub fn has_ended_lease(&self, id: &str) -> bool {
        self.ended_leases.contains_key(id)
    }

    /// Sends a command down the host's Report stream; false when it has none or it is full.
    pub fn send(&self, command: HostCommand) -> bool {
        self.commands
            .as_ref()
            .is_some_and(|link| link.sender.try_send(command).is_ok())
    }
}

/// What a report changed.
#[derive(Debug)]
pub struct ReportChange {
    /// The host.
    pub id: HostId,
    /// It was unknown or down before.
    pub came_up: bool,
    /// Its idle flag flipped (to this value) while it stayed up.
    pub idle_changed: Option<bool>,
    /// Foreign processes not in the previous report.
    pub started: Vec<ForeignProcess>,
    /// Foreign processes of the previous report that are gone.
    pub ended: Vec<ForeignProcess>,
}

/// Every host that reported since the server started.
#[derive(Debug, Default)]
pub struct HostTable {
    hosts: Vec<Host>,
    by_name: HashMap<Arc<str>, HostId>,
    /// Up hosts by the time of their latest report, oldest first.
    by_report: BTreeSet<(i64, HostId)>,
    /// Drained hosts, remembered across restarts; applied when they register.
    drained: HashSet<String>,
}

impl HostTable {
    /// An empty table that knows which hosts an admin drained.
    pub fn new(drained: HashSet<String>) -> Self {
        HostTable {
            drained,
            ..HostTable::default()
        }
    }

    /// Records a validated report received at `now_ms`. Ended-lease memories older than
    /// `forget_after_ms` go once the report no longer lists a process under them.
    pub fn apply(&mut self, report: HostReport, now_ms: i64, forget_after_ms: i64) -> ReportChange {
        let status = report.status.unwrap_or_default();
        let Some(&id) = self.by_name.get(report.host.as_str()) else {
            let id = self.hosts.len() as HostId;
            let name: Arc<str> = report.host.into();
            self.by_name.insert(name.clone(), id);
            self.by_report.insert((now_ms, id));
            let started = status.foreign.clone();
            self.hosts.push(Host {
                drained: self.drained.contains(&*name),
                name,
                migd_addr: report.migd_addr,
                platform: report.platform.into(),
                status,
                last_report_ms: now_ms,
                down: false,
                commands: None,
                ended_leases: HashMap::new(),
            });
            return ReportChange {
                id,
                came_up: true,
                idle_changed: None,
                started,
                ended: Vec::new(),
            };
        };
        let host = &mut self.hosts[id as usize];
        if !host.down {
            self.by_report.remove(&(host.last_report_ms, id));
        }
        self.by_report.insert((now_ms, id));
        let came_up = std::mem::replace(&mut host.down, false);
        let idle_changed = (!came_up && host.status.idle != status.idle).then_some(status.idle);

        let old: HashSet<&str> = host
            .status
            .foreign
            .iter()
            .map(|p| p.job_id.as_str())
            .collect();
        let new: HashSet<&str> = status.foreign.iter().map(|p| p.job_id.as_str()).collect();
        let started = status
            .foreign
            .iter()
            .filter(|p| !old.contains(p.job_id.as_str()))
            .cloned()
            .collect();
        let ended = host
            .status
            .foreign
            .iter()
            .filter(|p| !new.contains(p.job_id.as_str()))
            .cloned()
            .collect();
        let listed: HashSet<&str> = status.foreign.iter().map(|p| p.lease_id.as_str()).collect();
        host.ended_leases
            .retain(|id, ended| listed.contains(&**id) || now_ms - *ended < forget_after_ms);

        if *host.platform != *report.platform {
            host.platform = report.platform.into();
        }
        host.migd_addr = report.migd_addr;
        host.status = status;
        host.last_report_ms = now_ms;
        ReportChange {
            id,
            came_up,
            idle_changed,
            started,
            ended,
        }
    }

    /// The host with this id.
    pub fn get(&self, id: HostId) -> &Host {
        &self.hosts[id as usize]
    }

    /// The id of the host with this name.
    pub fn id(&self, name: &str) -> Option<HostId> {
        self.by_name.get(name).copied()
    }

    /// Every host, in registration order.
    pub fn iter(&self) -> impl Iterator<Item = (HostId, &Host)> {
        self.hosts.iter().enumerate().map(|(i, h)| (i as HostId, h))
    }

    /// Marks down the first up host whose latest report is at or before `cutoff_ms`.
    pub fn next_silent(&mut self, cutoff_ms: i64) -> Option<HostId> {
        let &(last, id) = self.by_report.first()?;
        if last > cutoff_ms {
            return None;
        }
        self.by_report.remove(&(last, id));
        self.hosts[id as usize].down = true;
        Some(id)
    }

    /// Sets the admin drain of a host.
    pub fn set_drained(&mut self, id: HostId, drained: bool) {
        let host = &mut self.hosts[id as usize];
        host.drained = drained;
        if drained {
            self.drained.insert(host.name.to_string());
        } else {
            self.drained.remove(&*host.name);
        }
    }

    /// Sends this host's commands down `link` from now on (a newer stream replaces an older).
    pub fn attach(&mut self, id: HostId, link: &CommandLink) {
        let host = &mut self.hosts[id as usize];
        if host
            .commands
            .as_ref()
            .is_none_or(|l| l.stream != link.stream)
        {
            host.commands = Some(link.clone());
        }
    }

    /// Forgets stream `stream` of a host, unless a newer one replaced it.
    pub fn detach(&mut self, id: HostId, stream: u64) {
        let host = &mut self.hosts[id as usize];
        if host.commands.as_ref().is_some_and(|l| l.stream == stream) {
            host.commands = None;
        }
    }

    /// Remembers that lease `lease` on this host ended at `now_ms`.
    pub fn remember_ended_lease(&mut self, id: HostId, lease: Arc<str>, now_ms: i64) {
        self.hosts[id as usize].ended_leases.insert(lease, now_ms);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(host: &str, idle: bool, jobs: &[&str]) -> HostReport {
        HostReport {
            host: host.into(),
            migd_addr: "127.0.0.1:7420".into(),
            platform: "x86_64-linux".into(),
            interval_ms: 100,
            status: Some(HostStatus {
                idle,
                cpus: 4,
                input_idle_ms: 1000,
                foreign: jobs
                    .iter()
                    .map(|j| ForeignProcess {
                        job_id: (*j).into(),
                        lease_id: format!("lease-{j}"),
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            }),
        }
    }

    #[test]
    fn reports_register_flip_state_and_diff_processes() {
        let mut t = HostTable::new(["b".to_owned()].into());
        let c = t.apply(report("a", true, &["a.1", "a.2"]), 5000, 100);
        assert!(c.came_up);
        assert_eq!(c.started.len(), 2);
        let host = t.get(c.id);
        assert_eq!(host.state(), State::Idle);
        assert_eq!(host.offer().slots, 4);
        assert_eq!(host.offer().last_input_ms, 4000);
        let c = t.apply(report("a", false, &["a.2", "a.3"]), 5100, 100);
        assert!(!c.came_up);
        assert_eq!(c.idle_changed, Some(false));
        assert_eq!(c.started[0].job_id, "a.3");
        assert_eq!(c.ended[0].job_id, "a.1");
        assert!(!t.get(c.id).offer().eligible);
        // A drained host is remembered before it registers.
        let b = t.apply(report("b", true, &[]), 5100, 100).id;
        assert_eq!(t.get(b).state(), State::Drained);
        assert!(!t.get(b).offer().eligible);
    }

    #[test]
    fn silent_hosts_go_down_oldest_first_and_come_back() {
        let mut t = HostTable::default();
        let a = t.apply(report("a", true, &[]), 100, 100).id;
        let b = t.apply(report("b", true, &[]), 200, 100).id;
        assert_eq!(t.next_silent(99), None);
        assert_eq!(t.next_silent(150), Some(a));
        assert_eq!(t.next_silent(150), None);
        assert_eq!(t.get(a).state(), State::Down);
        assert!(t.apply(report("a", true, &[]), 300, 100).came_up);
        assert_eq!(t.next_silent(250), Some(b));
        assert_eq!(t.next_silent(250), None);
    }

    #[test]
    fn ended_leases_are_remembered_while_listed() {
        let mut t = HostTable::default();
        let a = t.apply(report("a", true, &["j"]), 0, 100).id;
        t.remember_ended_lease(a, "lease-j".into(), 0);
        t.remember_ended_lease(a, "lease-k".into(), 0);
        t.apply(report("a", true, &["j"]), 500, 100);
        assert!(t.get(a).has_ended_lease("lease-j"));
        assert!(!t.get(a).has_ended_lease("lease-k"));
        t.apply(report("a", true, &[]), 600, 100);
        assert!(!t.get(a).has_ended_lease("lease-j"));
    }
}
