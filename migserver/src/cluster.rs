//! The cluster: the host table, the allocator and the event log under one lock, and every
//! operation the RPCs need as a plain method. Nothing here knows of tonic; the caller has
//! authenticated the credential and passes what it says.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard};

use roam_shared::ids::unix_ms_now;
use roam_shared::proto::cluster_event::Kind;
use roam_shared::proto::{
    self, ClusterEvent, EvictAll, ForeignProcess, HostCommand, HostInfo, HostProcess, HostReport,
    RenewReply, Revoke, host_command,
};

use crate::allocator::Allocator;
use crate::error::Refusal;
use crate::events::{EventLog, Subscription, event};
use crate::hosts::{CommandLink, HostTable};
use crate::leases::{HostId, Lease, Requester};
use crate::settings::Settings;
use crate::store::{Op, Recovered, Sink};

/// Most slots one RequestHosts asks for; larger counts are cut to this.
pub const MAX_COUNT: u32 = 4096;
/// Longest host name, platform or client id, in bytes.
pub const MAX_NAME: usize = 255;
/// Most foreign processes one report may list.
pub const MAX_FOREIGN: usize = 4096;
/// Most lease ids one RenewLeases or ReleaseLeases may carry.
pub const MAX_IDS: usize = 65_536;
/// Most history one Watch may ask for.
pub const MAX_HISTORY: u32 = 100_000;
/// How many expired leases the sweeper frees per turn of the lock.
const SWEEP_STEP: usize = 256;

/// The whole soft state of the cluster.
pub struct Cluster {
    settings: Settings,
    state: Mutex<State>,
}

struct State {
    hosts: HostTable,
    alloc: Allocator,
    events: EventLog,
    sink: Sink,
}

impl Cluster {
    /// A cluster that knows only what the database kept.
    pub fn new(settings: Settings, recovered: Recovered, sink: Sink) -> Self {
        // Lease ids count up from the clock in microseconds: unique across restarts.
        let first_lease = u64::try_from(unix_ms_now()).unwrap_or(0) * 1000;
        let state = State {
            hosts: HostTable::new(recovered.drained),
            alloc: Allocator::new(ms(settings.lease_ttl), first_lease),
            events: EventLog::new(recovered.recent, recovered.next_seq, sink.clone()),
            sink,
        };
        Cluster {
            settings,
            state: Mutex::new(state),
        }
    }

    /// The settings it runs with.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Takes a heartbeat from host `home` (the credential's), arriving from `peer` on the stream
    /// whose commands go to `link`. Returns the host's name.
    pub fn report(
        &self,
        home: &str,
        mut report: HostReport,
        peer: Option<IpAddr>,
        link: &CommandLink,
    ) -> Result<Arc<str>, Refusal> {
        check_name("host", &report.host)?;
        if report.host != home {
            return Err(Refusal::ForgedReport {
                host: report.host,
                home: home.to_owned(),
            });
        }
        check_text("platform", &report.platform)?;
        report.migd_addr = resolve_migd_addr(&report.migd_addr, peer)?;
        let foreign = report.status.as_ref().map_or(0, |s| s.foreign.len());
        if foreign > MAX_FOREIGN {
            return Err(Refusal::Invalid(format!(
                "a report lists {foreign} foreign processes; at most {MAX_FOREIGN} are accepted"
            )));
        }

        let now = unix_ms_now();
        let mut guard = self.lock();
        let State {
            hosts,
            alloc,
            events,
            ..
        } = &mut *guard;
        let change = hosts.apply(report, now, ms(self.settings.down_after));
        hosts.attach(change.id, link);
        let host = hosts.get(change.id);
        let name = host.name.clone();
        let offer = host.offer();
        if change.came_up {
            let detail = format!(
                "{}, {} slots, {}, migd at {}",
                if host.status.idle { "idle" } else { "busy" },
                offer.slots,
                if host.platform.is_empty() {
                    "any platform"
                } else {
                    &host.platform
                },
                host.migd_addr
            );
            events.emit(
                ClusterEvent {
                    detail,
                    ..event(Kind::HostUp, &name)
                },
                now,
            );
        }
        if let Some(idle) = change.idle_changed {
            let kind = if idle { Kind::HostIdle } else { Kind::HostBusy };
            events.emit(
                ClusterEvent {
                    detail: format!("load {:.2}", host.status.load),
                    ..event(kind, &name)
                },
                now,
            );
        }
        for (kind, list) in [
            (Kind::ProcessStarted, &change.started),
            (Kind::ProcessEnded, &change.ended),
        ] {
            for process in list {
                events.emit(process_event(kind, &name, process, String::new()), now);
            }
        }
        alloc.set_offer(change.id, &name, offer);
        for process in &host.status.foreign {
            if process.lease_id.is_empty() || host.has_ended_lease(&process.lease_id) {
                continue;
            }
            let owner = Requester {
                uid: process.uid,
                home: process.home.clone(),
                client: String::new(),
            };
            if let Some(lease) = alloc.adopt(&process.lease_id, change.id, owner, now) {
                events.emit(
                    lease_event(
                        Kind::LeaseGranted,
                        &name,
                        &lease,
                        "re-adopted from the host's report",
                    ),
                    now,
                );
            }
        }
        Ok(name)
    }

    /// The Report stream `stream` of host `host` ended.
    pub fn detach(&self, host: &str, stream: u64) {
        let mut state = self.lock();
        if let Some(id) = state.hosts.id(host) {
            state.hosts.detach(id, stream);
        }
    }

    /// Leases up to `count` slots (cut to [`MAX_COUNT`]) on hosts of `platform` for `who`.
    pub fn request_hosts(
        &self,
        who: Requester,
        count: u32,
        platform: &str,
    ) -> Result<Vec<proto::Lease>, Refusal> {
        if count == 0 {
            return Err(Refusal::Invalid("count must be at least 1".into()));
        }
        check_text("client", &who.client)?;
        check_text("platform", platform)?;
        let now = unix_ms_now();
        let mut state = self.lock();
        let detail = format!("fair share: given to uid {} at {}", who.uid, who.home);
        let grant = state
            .alloc
            .request(who, count.min(MAX_COUNT), platform, now);
        state.revoke(grant.revoked, &detail, now);
        Ok(grant
            .granted
            .iter()
            .map(|lease| {
                let name = state.hosts.get(lease.host).name.clone();
                state
                    .events
                    .emit(lease_event(Kind::LeaseGranted, &name, lease, ""), now);
                state.wire(lease)
            })
            .collect())
    }

    /// Renews the leases in `ids` held by `uid` at `home`; the reply lists the rest as gone.
    pub fn renew(&self, uid: u32, home: &str, ids: &[String]) -> Result<RenewReply, Refusal> {
        check_ids(ids)?;
        let now = unix_ms_now();
        let mut state = self.lock();
        let renewal = state.alloc.renew(uid, home, ids, now);
        for lease in &renewal.expired {
            state.ended(lease, Kind::LeaseExpired, "expired before its renewal", now);
        }
        for lease in &renewal.renewed {
            let name = state.hosts.get(lease.host).name.clone();
            state
                .events
                .emit(lease_event(Kind::LeaseRenewed, &name, lease, ""), now);
        }
        Ok(RenewReply {
            expires_unix_ms: now + ms(self.settings.lease_ttl),
            gone: renewal.gone,
        })
    }

    /// Frees the leases in `ids` held by `uid` at `home`.
    pub fn release(&self, uid: u32, home: &str, ids: &[String]) -> Result<(), Refusal> {
        check_ids(ids)?;
        let now = unix_ms_now();
        let mut state = self.lock();
        for lease in state.alloc.release(uid, home, ids, now) {
            state.ended(&lease, Kind::LeaseReleased, "", now);
        }
        Ok(())
    }

    /// Drains or undrains a host on behalf of `uid` at `home`; says what changed.
    pub fn drain(
        &self,
        name: &str,
        drained: bool,
        uid: u32,
        home: &str,
    ) -> Result<String, Refusal> {
        let now = unix_ms_now();
        let mut guard = self.lock();
        let state = &mut *guard;
        let id = state.known(name)?;
        if state.hosts.get(id).drained == drained {
            let already = if drained { "drained" } else { "not drained" };
            return Ok(format!("host {name} is already {already}"));
        }
        state.hosts.set_drained(id, drained);
        let host = state.hosts.get(id);
        state.alloc.set_offer(id, &host.name, host.offer());
        state.sink.send(Op::Drained {
            host: name.to_owned(),
            drained,
        });
        let kind = if drained {
            Kind::HostDrained
        } else {
            Kind::HostUndrained
        };
        state.events.emit(
            ClusterEvent {
                uid,
                home: home.to_owned(),
                ..event(kind, name)
            },
            now,
        );
        Ok(if drained {
            let used = state.alloc.used(id);
            format!("drained host {name}: no new leases; its {used} leases run on until they end")
        } else {
            format!("undrained host {name}: it may be allocated again")
        })
    }

    /// Evicts every foreign process of a host and revokes its leases, on behalf of `uid`.
    pub fn evict(&self, name: &str, uid: u32) -> Result<String, Refusal> {
        let now = unix_ms_now();
        let mut guard = self.lock();
        let state = &mut *guard;
        let id = state.known(name)?;
        let host = state.hosts.get(id);
        let told = host.send(HostCommand {
            kind: Some(host_command::Kind::EvictAll(EvictAll {})),
        });
        let processes = host.status.foreign.clone();
        for process in &processes {
            let detail = format!("evicted by uid {uid}: {}", process.command);
            state.events.emit(
                process_event(Kind::ProcessEvicted, name, process, detail),
                now,
            );
        }
        let leases = state.alloc.revoke_host(id, now);
        let detail = format!("host evicted by uid {uid}");
        for lease in &leases {
            state.ended(lease, Kind::LeaseRevoked, &detail, now);
        }
        let mut message = format!(
            "evicting {} foreign processes from {name}; revoked {} leases",
            processes.len(),
            leases.len()
        );
        if !told {
            message.push_str(" (the host has no open report stream and was not told)");
        }
        Ok(message)
    }

    /// Every host that reported since the start, in registration order.
    pub fn hosts(&self) -> Vec<HostInfo> {
        let state = self.lock();
        state
            .hosts
            .iter()
            .map(|(id, host)| host.info(state.alloc.used(id)))
            .collect()
    }

    /// Every foreign process the hosts reported last.
    pub fn processes(&self) -> Vec<HostProcess> {
        let state = self.lock();
        state
            .hosts
            .iter()
            .flat_map(|(_, host)| {
                host.status.foreign.iter().map(|p| HostProcess {
                    host: host.name.to_string(),
                    process: Some(p.clone()),
                })
            })
            .collect()
    }

    /// The last `history` events (at most [`MAX_HISTORY`]) and then the live ones.
    pub fn watch(&self, history: u32) -> Subscription {
        self.lock()
            .events
            .subscribe(history.min(MAX_HISTORY) as usize)
    }

    /// Frees expired leases and takes down hosts silent for `down_after`, as of `now_ms`. Works
    /// in small steps, letting requests in between: a sweep never stalls the server.
    pub fn sweep(&self, now_ms: i64) {
        loop {
            let mut guard = self.lock();
            let state = &mut *guard;
            let expired = state.alloc.expire(now_ms, SWEEP_STEP);
            for lease in &expired {
                state.ended(lease, Kind::LeaseExpired, "not renewed", now_ms);
            }
            if expired.len() < SWEEP_STEP {
                break;
            }
        }
        let down_after = self.settings.down_after;
        let cutoff = now_ms.saturating_sub(ms(down_after));
        loop {
            let mut guard = self.lock();
            let state = &mut *guard;
            let Some(id) = state.hosts.next_silent(cutoff) else {
                break;
            };
            let host = state.hosts.get(id);
            let name = host.name.clone();
            state.alloc.set_offer(id, &name, host.offer());
            let detail = format!("no report for {down_after:?}");
            state.events.emit(
                ClusterEvent {
                    detail,
                    ..event(Kind::HostDown, &name)
                },
                now_ms,
            );
            for lease in state.alloc.revoke_host(id, now_ms) {
                state.ended(&lease, Kind::LeaseRevoked, "host down", now_ms);
            }
        }
    }
}

impl State {
    fn known(&self, name: &str) -> Result<HostId, Refusal> {
        self.hosts
            .id(name)
            .ok_or_else(|| Refusal::UnknownHost(name.to_owned()))
    }

    /// The wire form of a lease.
    fn wire(&self, lease: &Lease) -> proto::Lease {
        let host = self.hosts.get(lease.host);
        proto::Lease {
            id: lease.id.to_string(),
            host: host.name.to_string(),
            migd_addr: host.migd_addr.clone(),
            expires_unix_ms: lease.expires_ms,
        }
    }

    /// Logs and accounts a lease that ended. A revoked lease, or one a process on its host still
    /// runs under, is remembered there, so that the host's next reports do not bring it back.
    fn ended(&mut self, lease: &Lease, kind: Kind, detail: &str, now_ms: i64) {
        let host = self.hosts.get(lease.host);
        let name = host.name.clone();
        let remember = kind == Kind::LeaseRevoked || host.runs_under(&lease.id);
        self.events
            .emit(lease_event(kind, &name, lease, detail), now_ms);
        self.sink.send(Op::Usage {
            uid: lease.owner.uid,
            ms: u64::try_from(now_ms - lease.granted_ms).unwrap_or(0),
        });
        if remember {
            self.hosts
                .remember_ended_lease(lease.host, lease.id.clone(), now_ms);
        }
    }

    /// Ends revoked leases and tells their hosts, one Revoke per host.
    fn revoke(&mut self, leases: Vec<Lease>, detail: &str, now_ms: i64) {
        let mut by_host: BTreeMap<HostId, Vec<String>> = BTreeMap::new();
        for lease in leases {
            self.ended(&lease, Kind::LeaseRevoked, detail, now_ms);
            by_host
                .entry(lease.host)
                .or_default()
                .push(lease.id.to_string());
        }
        for (id, lease_ids) in by_host {
            let host = self.hosts.get(id);
            let command = HostCommand {
                kind: Some(host_command::Kind::Revoke(Revoke { lease_ids })),
            };
            if !host.send(command) {
                tracing::warn!(host = %host.name, "cannot tell the host of revoked leases: no open report stream");
            }
        }
    }
}

fn lease_event(kind: Kind, host: &str, lease: &Lease, detail: &str) -> ClusterEvent {
    ClusterEvent {
        uid: lease.owner.uid,
        home: lease.owner.home.clone(),
        client: lease.owner.client.clone(),
        lease_id: lease.id.to_string(),
        detail: detail.to_owned(),
        ..event(kind, host)
    }
}

fn process_event(kind: Kind, host: &str, process: &ForeignProcess, detail: String) -> ClusterEvent {
    ClusterEvent {
        uid: process.uid,
        home: process.home.clone(),
        lease_id: process.lease_id.clone(),
        job_id: process.job_id.clone(),
        detail: if detail.is_empty() {
            process.command.clone()
        } else {
            detail
        },
        ..event(kind, host)
    }
}

/// `migd_addr` as an address, with an unspecified IP replaced by the connection's peer.
fn resolve_migd_addr(addr: &str, peer: Option<IpAddr>) -> Result<String, Refusal> {
    let mut parsed: SocketAddr = addr.parse().map_err(|_| {
        Refusal::Invalid(format!("migd_addr {addr:.64?} is not an IP:PORT address"))
    })?;
    if parsed.ip().is_unspecified()
        && let Some(peer) = peer
    {
        parsed.set_ip(peer.to_canonical());
    }
    Ok(parsed.to_string())
}

fn check_name(what: &str, name: &str) -> Result<(), Refusal> {
    if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Refusal::Invalid(format!(
            "{what} name {name:.64?} must be non-empty and without spaces"
        )));
    }
    check_text(what, name)
}

fn check_text(what: &str, text: &str) -> Result<(), Refusal> {
    if text.len() > MAX_NAME {
        return Err(Refusal::Invalid(format!(
            "{what} is {} bytes long; at most {MAX_NAME} are accepted",
            text.len()
        )));
    }
    Ok(())
}

fn check_ids(ids: &[String]) -> Result<(), Refusal> {
    if ids.len() > MAX_IDS {
        return Err(Refusal::Invalid(format!(
            "{} lease ids in one call; at most {MAX_IDS} are accepted",
            ids.len()
        )));
    }
    Ok(())
}

fn ms(d: std::time::Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}
