//! The hosts migserver knows, as of its latest ListHosts reply, with what the console keeps
//! across replies: each host's load history and its foreign processes' CPU use.

use std::cmp::Ordering;
use std::collections::{HashMap, VecDeque};

use roam_shared::proto::HostInfo;
use roam_shared::proto::host_info::State;

use super::table::{Order, Row, Table};
use crate::totals::Totals;

/// Load samples kept per host, one per report.
pub const HISTORY_LEN: usize = 120;

/// One host and what the console remembers of it.
#[derive(Debug, Clone)]
pub struct Host {
    /// Its latest entry in ListHosts.
    pub info: HostInfo,
    /// Its load not counting foreign processes, one sample per report, oldest first.
    pub history: VecDeque<f32>,
    /// CPUs its foreign processes used between its last two reports.
    pub foreign_cpu: f64,
    /// What the filter searches, in lower case.
    search: String,
}

impl Host {
    fn new(info: HostInfo, old: Option<&Host>) -> Host {
        let status = info.status.clone().unwrap_or_default();
        let (mut history, mut foreign_cpu) = old
            .map(|o| (o.history.clone(), o.foreign_cpu))
            .unwrap_or_default();
        let reported = old.is_none_or(|o| o.info.last_report_unix_ms != info.last_report_unix_ms);
        if reported && info.last_report_unix_ms != 0 {
            if history.len() == HISTORY_LEN {
                history.pop_front();
            }
            history.push_back(status.load as f32);
            if let Some(old) = old {
                foreign_cpu = cpu_between(&old.info, &info);
            }
        }
        let search = format!(
            "{} {} {} {} {}",
            info.name,
            word(&info),
            info.platform,
            info.migd_addr,
            status
                .foreign
                .iter()
                .map(|p| p.command.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        )
        .to_lowercase();
        Host {
            info,
            history,
            foreign_cpu,
            search,
        }
    }

    /// How many foreign processes run here.
    pub fn foreign(&self) -> usize {
        self.info.status.as_ref().map_or(0, |s| s.foreign.len())
    }

    /// Slots offered.
    pub fn slots(&self) -> u32 {
        self.info.status.as_ref().map_or(0, |s| s.slots)
    }
}

/// The word for a host's state in the console: the owner's use of a host is what makes it busy.
pub fn word(info: &HostInfo) -> &'static str {
    match info.state() {
        State::Idle => "idle",
        State::Busy => "in use",
        State::Down => "down",
        State::Drained => "drained",
        State::Unknown => "unknown",
    }
}

/// CPUs used by foreign processes present in both reports, over the time between them.
fn cpu_between(old: &HostInfo, new: &HostInfo) -> f64 {
    let span_ms = new.last_report_unix_ms - old.last_report_unix_ms;
    let (Some(before), Some(now)) = (&old.status, &new.status) else {
        return 0.0;
    };
    if span_ms <= 0 {
        return 0.0;
    }
    let before: HashMap<&str, u64> = before
        .foreign
        .iter()
        .map(|p| (p.job_id.as_str(), p.cpu_ms))
        .collect();
    let used: u64 = now
        .foreign
        .iter()
        .filter_map(|p| Some(p.cpu_ms.saturating_sub(*before.get(p.job_id.as_str())?)))
        .sum();
    used as f64 / span_ms as f64
}

/// The orders of the hosts view.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum HostSort {
    /// By name.
    #[default]
    Name,
    /// Idle first, then in use, drained, down.
    State,
    /// Highest load first.
    Load,
    /// Longest idle first.
    Idle,
    /// Most foreign processes first.
    Foreign,
    /// Most free slots first.
    FreeSlots,
}

impl Order<Host> for HostSort {
    fn next(self) -> HostSort {
        match self {
            HostSort::Name => HostSort::State,
            HostSort::State => HostSort::Load,
            HostSort::Load => HostSort::Idle,
            HostSort::Idle => HostSort::Foreign,
            HostSort::Foreign => HostSort::FreeSlots,
            HostSort::FreeSlots => HostSort::Name,
        }
    }

    fn compare(self, a: &Host, b: &Host) -> Ordering {
        let by_name = || a.info.name.cmp(&b.info.name);
        let load = |h: &Host| h.info.status.as_ref().map_or(0.0, |s| s.load);
        // When the owner's last input was: the longest idle host has the earliest.
        let input_at = |h: &Host| {
            let idle = h.info.status.as_ref().map_or(0, |s| s.input_idle_ms);
            h.info.last_report_unix_ms - i64::try_from(idle).unwrap_or(i64::MAX)
        };
        let free = |h: &Host| h.slots().saturating_sub(h.info.slots_used);
        match self {
            HostSort::Name => Ordering::Equal,
            HostSort::State => state_rank(a).cmp(&state_rank(b)),
            HostSort::Load => load(b).total_cmp(&load(a)),
            HostSort::Idle => input_at(a).cmp(&input_at(b)),
            HostSort::Foreign => b.foreign().cmp(&a.foreign()),
            HostSort::FreeSlots => free(b).cmp(&free(a)),
        }
        .then_with(by_name)
    }
}

impl HostSort {
    /// Its name, as the view's title shows it.
    pub fn label(self) -> &'static str {
        match self {
            HostSort::Name => "name",
            HostSort::State => "state",
            HostSort::Load => "load",
            HostSort::Idle => "idle time",
            HostSort::Foreign => "foreign",
            HostSort::FreeSlots => "free slots",
        }
    }
}

fn state_rank(h: &Host) -> u8 {
    match h.info.state() {
        State::Idle => 0,
        State::Busy => 1,
        State::Drained => 2,
        State::Down => 3,
        State::Unknown => 4,
    }
}

/// Every host, in the order and through the filter the user chose.
pub type HostTable = Table<Host>;

impl Row for Host {
    type Sort = HostSort;
    fn key(&self) -> &str {
        &self.info.name
    }
    fn search(&self) -> &str {
        &self.search
    }
}

impl Table<Host> {
    /// Takes a ListHosts reply; false when nothing changed.
    pub fn replace(&mut self, hosts: Vec<HostInfo>) -> bool {
        let rows = self.rows();
        if hosts.len() == rows.len() && hosts.iter().zip(rows).all(|(a, b)| *a == b.info) {
            return false;
        }
        let old: HashMap<&str, &Host> = rows.iter().map(|h| (h.info.name.as_str(), h)).collect();
        let rows: Vec<Host> = hosts
            .into_iter()
            .map(|info| {
                let before = old.get(info.name.as_str()).copied();
                Host::new(info, before)
            })
            .collect();
        self.set_rows(rows);
        true
    }

    /// Totals over every host (not only those the filter shows).
    pub fn totals(&self) -> Totals {
        Totals::of(self.rows().iter().map(|h| &h.info))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use roam_shared::proto::{ForeignProcess, HostStatus};

    fn host(name: &str, state: State, load: f64, report_ms: i64) -> HostInfo {
        HostInfo {
            name: name.into(),
            state: state as i32,
            last_report_unix_ms: report_ms,
            status: Some(HostStatus {
                load,
                slots: 4,
                ..HostStatus::default()
            }),
            ..HostInfo::default()
        }
    }

    fn names(t: &HostTable) -> Vec<&str> {
        t.listing
            .order()
            .iter()
            .map(|&i| t.rows()[i].info.name.as_str())
            .collect()
    }

    #[test]
    fn history_gains_a_sample_per_report_not_per_poll() {
        let mut t = HostTable::default();
        assert!(t.replace(vec![host("a", State::Idle, 0.5, 1000)]));
        assert!(!t.replace(vec![host("a", State::Idle, 0.5, 1000)]));
        assert!(t.replace(vec![host("a", State::Busy, 1.5, 2000)]));
        assert_eq!(t.rows()[0].history, [0.5, 1.5]);
    }

    #[test]
    fn foreign_cpu_is_measured_between_reports() {
        let with = |cpu_ms, at| {
            let mut h = host("a", State::Idle, 0.0, at);
            h.status.as_mut().unwrap().foreign = vec![ForeignProcess {
                job_id: "j1".into(),
                cpu_ms,
                ..ForeignProcess::default()
            }];
            h
        };
        let mut t = HostTable::default();
        t.replace(vec![with(1000, 10_000)]);
        t.replace(vec![with(3000, 12_000)]);
        assert!((t.rows()[0].foreign_cpu - 1.0).abs() < 1e-9);
    }

    #[test]
    fn sorts_cycle_reverse_and_keep_the_selection() {
        let mut t = HostTable::default();
        t.listing.set_height(10);
        t.replace(vec![
            host("c", State::Down, 0.1, 1),
            host("a", State::Busy, 2.0, 1),
            host("b", State::Idle, 0.7, 1),
        ]);
        assert_eq!(names(&t), ["a", "b", "c"]);
        t.listing.move_by(1);
        t.next_sort();
        t.prepare();
        assert_eq!(names(&t), ["b", "a", "c"]);
        assert_eq!(t.selected().unwrap().info.name, "b");
        t.next_sort();
        t.prepare();
        assert_eq!(names(&t), ["a", "b", "c"]);
        t.reverse();
        t.prepare();
        assert_eq!(names(&t), ["c", "b", "a"]);
        assert_eq!(t.sort(), (HostSort::Load, true));
    }

    #[test]
    fn the_filter_matches_names_and_state_words() {
        let mut t = HostTable::default();
        t.replace(vec![
            host("alpha", State::Busy, 0.0, 1),
            host("beta", State::Idle, 0.0, 1),
        ]);
        t.listing.set_filter("IN USE".into());
        t.mark_dirty();
        t.prepare();
        assert_eq!(names(&t), ["alpha"]);
        assert_eq!(t.totals().hosts, 2);
    }
}
