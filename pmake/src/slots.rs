//! The job slots a distributed make holds: this host's own slot and the leases granted by the
//! home migd. A plain data structure: which slots are free, how many more to ask for, and which
//! leases have been idle long enough to give back.

use std::time::{Duration, Instant};

/// Where a job runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Slot {
    /// This host.
    Local,
    /// A leased slot on another host (or on this one, through migd).
    Lease { id: String, host: String },
}

#[derive(Debug)]
struct LeaseSlot {
    id: String,
    host: String,
    busy: bool,
    /// When it last became free.
    free_since: Instant,
}

/// The slots held, and the leases asked for but not yet granted.
#[derive(Debug)]
pub struct SlotPool {
    local_busy: bool,
    leases: Vec<LeaseSlot>,
    /// Leases asked for and not answered yet.
    pending: usize,
    /// At most this many slots in all, this host's included (`-j N`).
    cap: Option<usize>,
}

impl SlotPool {
    /// A pool with only this host's slot; `cap` bounds the slots held in all.
    pub fn new(cap: Option<usize>) -> SlotPool {
        SlotPool {
            local_busy: false,
            leases: Vec::new(),
            pending: 0,
            cap,
        }
    }

    /// Takes a free slot: this host's first, then the lease free the longest. `local_only`
    /// jobs take only this host's.
    pub fn take(&mut self, local_only: bool) -> Option<Slot> {
        if !self.local_busy {
            self.local_busy = true;
            return Some(Slot::Local);
        }
        if local_only {
            return None;
        }
        let lease = self
            .leases
            .iter_mut()
            .filter(|l| !l.busy)
            .min_by_key(|l| l.free_since)?;
        lease.busy = true;
        Some(Slot::Lease {
            id: lease.id.clone(),
            host: lease.host.clone(),
        })
    }

    /// A job on `slot` ended.
    pub fn give_back(&mut self, slot: &Slot, now: Instant) {
        match slot {
            Slot::Local => self.local_busy = false,
            Slot::Lease { id, .. } => {
                if let Some(l) = self.leases.iter_mut().find(|l| &l.id == id) {
                    l.busy = false;
                    l.free_since = now;
                }
            }
        }
    }

    /// Forgets lease `id` (its host was lost or its owner returned).
    pub fn remove(&mut self, id: &str) {
        self.leases.retain(|l| l.id != id);
    }

    /// Records that `count` more leases were asked for.
    pub fn asked(&mut self, count: usize) {
        self.pending += count;
    }

    /// The answer to a request for `asked` leases: the ones granted, free from `now`.
    pub fn granted(&mut self, asked: usize, grants: Vec<(String, String)>, now: Instant) {
        self.pending = self.pending.saturating_sub(asked);
        self.leases
            .extend(grants.into_iter().map(|(id, host)| LeaseSlot {
                id,
                host,
                busy: false,
                free_since: now,
            }));
    }

    /// How many more leases to ask for so that `waiting` jobs could all start, within the cap.
    pub fn wanted(&self, waiting: usize) -> usize {
        let free = self.leases.iter().filter(|l| !l.busy).count() + usize::from(!self.local_busy);
        let held = 1 + self.leases.len() + self.pending;
        let room = self.cap.map_or(usize::MAX, |cap| cap.saturating_sub(held));
        waiting.saturating_sub(free + self.pending).min(room)
    }

    /// Removes and returns the leases that have been free for `after` or longer and that
    /// `may_go` lets go (asked once per such lease).
    pub fn idle(
        &mut self,
        now: Instant,
        after: Duration,
        mut may_go: impl FnMut() -> bool,
    ) -> Vec<String> {
        let (idle, kept) = std::mem::take(&mut self.leases)
            .into_iter()
            .partition(|l| !l.busy && now.duration_since(l.free_since) >= after && may_go());
        self.leases = kept;
        idle.into_iter().map(|l: LeaseSlot| l.id).collect()
    }

    /// How many slots are free, this host's included.
    pub fn free_count(&self) -> usize {
        self.leases.iter().filter(|l| !l.busy).count() + usize::from(!self.local_busy)
    }

    /// Whether some lease is free (and may become idle).
    pub fn any_free_lease(&self) -> bool {
        self.leases.iter().any(|l| !l.busy)
    }

    /// The ids of every lease held.
    pub fn all(&self) -> Vec<String> {
        self.leases.iter().map(|l| l.id.clone()).collect()
    }

    /// The number of distinct hosts running a job (this one included).
    pub fn hosts_in_use(&self) -> usize {
        let mut hosts: Vec<&str> = self
            .leases
            .iter()
            .filter(|l| l.busy)
            .map(|l| l.host.as_str())
            .collect();
        hosts.sort_unstable();
        hosts.dedup();
        hosts.len() + usize::from(self.local_busy)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lease(id: &str) -> Slot {
        Slot::Lease {
            id: id.into(),
            host: format!("host-{id}"),
        }
    }

    #[test]
    fn the_local_slot_comes_first_then_leases() {
        let now = Instant::now();
        let mut pool = SlotPool::new(None);
        pool.granted(0, vec![("1".into(), "host-1".into())], now);
        assert_eq!(pool.take(false), Some(Slot::Local));
        assert_eq!(pool.take(false), Some(lease("1")));
        assert_eq!(pool.take(false), None);
        pool.give_back(&Slot::Local, now);
        assert_eq!(pool.take(true), Some(Slot::Local));
    }

    #[test]
    fn local_only_jobs_never_take_a_lease() {
        let mut pool = SlotPool::new(None);
        pool.granted(0, vec![("1".into(), "b".into())], Instant::now());
        assert_eq!(pool.take(true), Some(Slot::Local));
        assert_eq!(pool.take(true), None);
    }

    #[test]
    fn wanted_counts_free_and_pending_slots_and_respects_the_cap() {
        let mut pool = SlotPool::new(Some(4));
        assert_eq!(pool.wanted(1), 0, "the local slot is free");
        assert_eq!(pool.wanted(10), 3, "-j4: this host and three leases");
        pool.asked(3);
        assert_eq!(pool.wanted(10), 0, "three are on their way");
        pool.granted(3, vec![("1".into(), "b".into())], Instant::now());
        assert_eq!(pool.wanted(10), 2);
        let mut unbounded = SlotPool::new(None);
        assert_eq!(unbounded.wanted(100), 99);
        unbounded.take(false);
        assert_eq!(unbounded.wanted(5), 5);
    }

    #[test]
    fn leases_are_idle_only_after_being_free_long_enough() {
        let start = Instant::now();
        let mut pool = SlotPool::new(None);
        pool.granted(
            0,
            vec![("1".into(), "b".into()), ("2".into(), "c".into())],
            start,
        );
        pool.take(false);
        let busy = pool.take(false).expect("a lease");
        let later = start + Duration::from_secs(3);
        assert_eq!(pool.idle(later, Duration::from_secs(2), || true).len(), 1);
        assert!(pool.idle(later, Duration::from_secs(2), || true).is_empty());
        pool.give_back(&busy, later);
        assert!(pool.idle(later, Duration::from_secs(2), || true).is_empty());
        assert_eq!(pool.all().len(), 1);
    }

    #[test]
    fn hosts_in_use_counts_each_host_once() {
        let now = Instant::now();
        let mut pool = SlotPool::new(None);
        pool.granted(
            0,
            vec![
                ("1".into(), "b".into()),
                ("2".into(), "b".into()),
                ("3".into(), "c".into()),
            ],
            now,
        );
        for _ in 0..4 {
            pool.take(false);
        }
        assert_eq!(pool.hosts_in_use(), 3);
        pool.remove("3");
        assert_eq!(pool.hosts_in_use(), 2);
    }
}
