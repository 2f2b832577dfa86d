//! Cluster totals: hosts by state, slots, foreign processes, and how many requesters are active.
//! The TUI's header and `roam status` show the same numbers.

use std::collections::HashSet;

use roam_shared::proto::cluster_event::Kind;
use roam_shared::proto::host_info::State;
use roam_shared::proto::{ClusterEvent, HostInfo};
use serde::Serialize;

/// How far back lease events count a requester as active. migserver does not report queued
/// demand, so a requester counts while it has been granted, renewed or lost a lease this recently.
pub const REQUESTER_WINDOW_MS: i64 = 5 * 60 * 1000;

/// Totals over every host migserver knows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    /// Hosts known.
    pub hosts: usize,
    /// Hosts idle (leasable unless drained).
    pub idle: usize,
    /// Hosts whose owner is using them.
    pub busy: usize,
    /// Hosts that stopped reporting.
    pub down: usize,
    /// Hosts drained by an admin (and up).
    pub drained: usize,
    /// Slots offered by hosts that are up.
    pub slots: u64,
    /// Slots leased.
    pub slots_used: u64,
    /// Slots free on idle hosts: what a request could get now.
    pub slots_free: u64,
    /// Foreign processes running.
    pub foreign_processes: usize,
}

impl Totals {
    /// The totals over `hosts`.
    pub fn of<'a>(hosts: impl IntoIterator<Item = &'a HostInfo>) -> Totals {
        let mut t = Totals::default();
        for h in hosts {
            let status = h.status.as_ref();
            let slots = u64::from(status.map_or(0, |s| s.slots));
            let used = u64::from(h.slots_used);
            t.hosts += 1;
            t.slots_used += used;
            t.foreign_processes += status.map_or(0, |s| s.foreign.len());
            match h.state() {
                State::Idle => {
                    t.idle += 1;
                    t.slots_free += slots.saturating_sub(used);
                }
                State::Busy => t.busy += 1,
                State::Down => t.down += 1,
                State::Drained => t.drained += 1,
                State::Unknown => {}
            }
            if h.state() != State::Down {
                t.slots += slots;
            }
        }
        t
    }
}

/// Whether `kind` is about a lease.
pub fn is_lease_event(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::LeaseGranted
            | Kind::LeaseRenewed
            | Kind::LeaseRevoked
            | Kind::LeaseReleased
            | Kind::LeaseExpired
    )
}

/// Distinct requesters (uid, home host, client id) in lease events of the last
/// [`REQUESTER_WINDOW_MS`] before `now_ms`. `newest_first` must run from the newest event back.
pub fn requesters<'a>(
    newest_first: impl IntoIterator<Item = &'a ClusterEvent>,
    now_ms: i64,
) -> usize {
    let since = now_ms - REQUESTER_WINDOW_MS;
    newest_first
        .into_iter()
        .take_while(|e| e.unix_ms >= since)
        .filter(|e| is_lease_event(e.kind()))
        .map(|e| (e.uid, e.home.as_str(), e.client.as_str()))
        .collect::<HashSet<_>>()
        .len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use roam_shared::proto::HostStatus;

    fn host(state: State, slots: u32, used: u32) -> HostInfo {
        HostInfo {
            state: state as i32,
            slots_used: used,
            status: Some(HostStatus {
                slots,
                ..HostStatus::default()
            }),
            ..HostInfo::default()
        }
    }

    #[test]
    fn totals_count_states_and_free_slots_on_idle_hosts_only() {
        let hosts = [
            host(State::Idle, 4, 1),
            host(State::Busy, 4, 2),
            host(State::Down, 8, 0),
            host(State::Drained, 2, 0),
        ];
        let t = Totals::of(&hosts);
        assert_eq!(
            (t.hosts, t.idle, t.busy, t.down, t.drained),
            (4, 1, 1, 1, 1)
        );
        assert_eq!((t.slots, t.slots_used, t.slots_free), (10, 3, 3));
    }

    #[test]
    fn requesters_are_distinct_and_recent() {
        let event = |kind: Kind, uid, client: &str, unix_ms| ClusterEvent {
            kind: kind as i32,
            uid,
            home: "a".into(),
            client: client.into(),
            unix_ms,
            ..ClusterEvent::default()
        };
        let newest_first = [
            event(Kind::LeaseGranted, 1000, "p1", 1_000_000),
            event(Kind::LeaseRenewed, 1000, "p1", 999_000),
            event(Kind::HostIdle, 0, "", 998_000),
            event(Kind::LeaseReleased, 1001, "", 997_000),
            event(
                Kind::LeaseGranted,
                1002,
                "",
                1_000_000 - REQUESTER_WINDOW_MS - 1,
            ),
        ];
        assert_eq!(requesters(&newest_first, 1_000_000), 2);
    }
}
