//! The cluster's recent events from migserver's watch stream, newest last, and what the console
//! learns from them: the hosts each job has run on.

use std::collections::{HashMap, VecDeque};

use roam_shared::proto::ClusterEvent;
use roam_shared::proto::cluster_event::Kind;

use super::listing::Listing;
use super::timing;
use crate::event_kind;
use crate::users::Users;

/// Events kept; older ones are forgotten.
pub const CAPACITY: usize = 10_000;

/// One event.
#[derive(Debug, Clone)]
pub struct Event {
    /// As migserver sent it.
    pub event: ClusterEvent,
    /// The uid's name ("" for events about no user).
    pub user: String,
    /// The timings its detail carries (see [`timing`]), "" if none.
    pub timing: String,
    /// What the filter searches, in lower case.
    search: String,
}

impl Event {
    fn new(event: ClusterEvent, users: &mut Users) -> Event {
        let user = if event.uid != 0 || !event.home.is_empty() {
            users.name(event.uid).to_owned()
        } else {
            String::new()
        };
        let timing = timing::summary(&event.detail);
        let search = format!(
            "{} {} {} {} {} {} {} {}",
            event_kind::name(event.kind()),
            event.host,
            user,
            event.home,
            event.client,
            event.lease_id,
            event.job_id,
            event.detail
        )
        .to_lowercase();
        Event {
            event,
            user,
            timing,
            search,
        }
    }
}

/// The orders of the events view.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum EventOrder {
    /// Newest first.
    #[default]
    Newest,
    /// Oldest first.
    Oldest,
}

impl EventOrder {
    /// Its name, as the view's title shows it.
    pub fn label(self) -> &'static str {
        match self {
            EventOrder::Newest => "newest first",
            EventOrder::Oldest => "oldest first",
        }
    }
}

/// The event log.
#[derive(Debug, Default)]
pub struct EventLog {
    /// Oldest first, increasing `seq`.
    rows: VecDeque<Event>,
    /// For each job, the hosts where it started, oldest first (from the events kept).
    travels: HashMap<String, VecDeque<String>>,
    /// What shows, and the selection.
    pub listing: Listing,
    order: EventOrder,
    /// The listing is out of date; `keep` is the event to keep selected.
    dirty: bool,
    keep: Option<u64>,
}

impl EventLog {
    /// Adds an event; false when it was already there (a watch stream resent it).
    pub fn push(&mut self, event: ClusterEvent, users: &mut Users) -> bool {
        if self
            .rows
            .back()
            .is_some_and(|last| event.seq <= last.event.seq)
        {
            return false;
        }
        self.touch();
        if self.rows.len() == CAPACITY
            && let Some(old) = self.rows.pop_front()
        {
            self.forget(&old.event);
        }
        if event.kind() == Kind::ProcessStarted && !event.job_id.is_empty() {
            self.travels
                .entry(event.job_id.clone())
                .or_default()
                .push_back(event.host.clone());
        }
        self.rows.push_back(Event::new(event, users));
        true
    }

    /// Forgets every event (migserver is sending its history again).
    pub fn clear(&mut self) {
        self.touch();
        self.rows.clear();
        self.travels.clear();
    }

    /// Undoes what `old`, the oldest event, taught about travels.
    fn forget(&mut self, old: &ClusterEvent) {
        if old.kind() != Kind::ProcessStarted {
            return;
        }
        if let Some(hosts) = self.travels.get_mut(&old.job_id) {
            hosts.pop_front();
            if hosts.is_empty() {
                self.travels.remove(&old.job_id);
            }
        }
    }

    /// Notes, before the first change since the last refresh, which event is selected. The
    /// top row stays selected as new events arrive above it, as in `tail -f`.
    fn touch(&mut self) {
        if !self.dirty {
            self.keep = if self.listing.selected() == 0 {
                None
            } else {
                self.selected().map(|e| e.event.seq)
            };
            self.dirty = true;
        }
    }

    /// Recomputes what shows after a change of filter or order.
    pub fn mark_dirty(&mut self) {
        self.touch();
    }

    /// Brings the listing up to date with the events, the filter and the order.
    pub fn prepare(&mut self) {
        if !self.dirty {
            return;
        }
        let rows = &self.rows;
        let newest_first = self.order == EventOrder::Newest;
        let keep = self.keep.take();
        self.listing.refresh(
            rows.len(),
            |i, needle| rows[i].search.contains(needle),
            |a, b| if newest_first { b.cmp(a) } else { a.cmp(b) },
            keep.map(|seq| move |i: usize| rows[i].event.seq == seq),
        );
        self.dirty = false;
    }

    /// All events kept, oldest first.
    pub fn rows(&self) -> &VecDeque<Event> {
        &self.rows
    }

    /// The selected event.
    pub fn selected(&self) -> Option<&Event> {
        self.listing.selected_row().and_then(|i| self.rows.get(i))
    }

    /// The event numbered `seq`.
    pub fn get(&self, seq: u64) -> Option<&Event> {
        let i = self.rows.binary_search_by_key(&seq, |e| e.event.seq).ok()?;
        self.rows.get(i)
    }

    /// How many jobs' travels the log holds (bounded by the events kept).
    pub fn jobs_tracked(&self) -> usize {
        self.travels.len()
    }

    /// The hosts where job `job_id` started, oldest first, as far as the events kept tell.
    pub fn travels(&self, job_id: &str) -> Option<&VecDeque<String>> {
        self.travels.get(job_id)
    }

    /// The order.
    pub fn order(&self) -> EventOrder {
        self.order
    }

    /// Switches between newest and oldest first.
    pub fn next_order(&mut self) {
        self.order = match self.order {
            EventOrder::Newest => EventOrder::Oldest,
            EventOrder::Oldest => EventOrder::Newest,
        };
        self.touch();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(seq: u64, kind: Kind, host: &str, job: &str) -> ClusterEvent {
        ClusterEvent {
            seq,
            unix_ms: i64::try_from(seq).unwrap() * 1000,
            kind: kind as i32,
            host: host.into(),
            job_id: job.into(),
            ..ClusterEvent::default()
        }
    }

    fn seqs(log: &EventLog) -> Vec<u64> {
        log.listing
            .order()
            .iter()
            .map(|&i| log.rows()[i].event.seq)
            .collect()
    }

    #[test]
    fn newest_first_without_duplicates_and_filterable() {
        let mut users = Users::default();
        let mut log = EventLog::default();
        log.listing.set_height(10);
        assert!(log.push(event(1, Kind::HostUp, "a", ""), &mut users));
        assert!(log.push(event(2, Kind::LeaseGranted, "b", ""), &mut users));
        assert!(!log.push(event(2, Kind::LeaseGranted, "b", ""), &mut users));
        assert!(log.push(event(3, Kind::HostBusy, "b", ""), &mut users));
        log.prepare();
        assert_eq!(seqs(&log), [3, 2, 1]);
        log.listing.set_filter("lease".into());
        log.mark_dirty();
        log.prepare();
        assert_eq!(seqs(&log), [2]);
        log.listing.set_filter(String::new());
        log.next_order();
        log.prepare();
        assert_eq!(seqs(&log), [1, 2, 3]);
        assert_eq!(log.get(2).unwrap().event.host, "b");
    }

    #[test]
    fn the_top_row_follows_new_events_and_others_stay_put() {
        let mut users = Users::default();
        let mut log = EventLog::default();
        log.listing.set_height(10);
        for seq in 1..=3 {
            log.push(event(seq, Kind::HostIdle, "a", ""), &mut users);
        }
        log.prepare();
        log.push(event(4, Kind::HostIdle, "a", ""), &mut users);
        log.prepare();
        assert_eq!(log.selected().unwrap().event.seq, 4);
        log.listing.move_by(2);
        log.push(event(5, Kind::HostIdle, "a", ""), &mut users);
        log.prepare();
        assert_eq!(log.selected().unwrap().event.seq, 2);
    }

    #[test]
    fn travels_follow_process_starts_and_are_forgotten_with_their_events() {
        let mut users = Users::default();
        let mut log = EventLog::default();
        log.push(event(1, Kind::ProcessStarted, "b", "j1"), &mut users);
        log.push(event(2, Kind::ProcessEnded, "b", "j1"), &mut users);
        log.push(event(3, Kind::ProcessStarted, "c", "j1"), &mut users);
        assert_eq!(log.travels("j1").unwrap(), &["b", "c"]);
        for seq in 4..(CAPACITY as u64 + 2) {
            log.push(event(seq, Kind::HostIdle, "a", ""), &mut users);
        }
        assert_eq!(log.travels("j1").unwrap(), &["c"]);
        log.clear();
        assert!(log.travels("j1").is_none());
    }
}
