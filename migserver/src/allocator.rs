//! The fair-share allocator: which host slots are free, who holds which lease, and who gets
//! what. A plain data structure driven by explicit times, with no I/O and no clock.
//!
//! Free slots sit in an ordered index of eligible hosts (longest idle first), one for every
//! platform and one for all, so a request costs O(log hosts) per host it takes slots from, never
//! a scan of the cluster. Fair share only looks at the active requesters, and only when it binds.
//!
//! Fair share, precisely: the active requesters are those holding leases plus those that asked
//! within the last lease TTL and got less than they asked (the asker is one; a request for a
//! platform that no eligible host offers competes with no one). `total` is the slot count of the eligible hosts the request can use; each requester's share is
//! `total / active`, and the `total % active` left over go one each to the requesters that became
//! active first (a stable order: giving the odd slot to whoever holds fewest would hand it back
//! and forth on every request). A request gets `min(count, free, share - held)`; if that leaves
//! it short of `min(count, share - held)` the shortfall is taken from requesters over their share
//! (the most over first, their newest leases first) and granted to the asker on the same hosts.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use crate::leases::{HostId, Lease, LeaseTable, Requester};

/// What a host offers, as the host table sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Offer {
    /// Idle, undrained and up: new leases may go here.
    pub eligible: bool,
    /// Its compatibility class; a request for "" takes any.
    pub platform: Arc<str>,
    /// How many leases it takes at once.
    pub slots: u32,
    /// When its owner last touched it (Unix ms); the smallest is the longest idle.
    pub last_input_ms: i64,
}

/// What a request got: its new leases, and the leases revoked from others to make room (whose
/// hosts must be told).
#[derive(Debug, Default)]
pub struct Grant {
    /// The new leases, longest-idle host first.
    pub granted: Vec<Lease>,
    /// Leases taken from requesters over their share.
    pub revoked: Vec<Lease>,
}

/// The result of a renewal.
#[derive(Debug, Default)]
pub struct Renewal {
    /// Leases renewed, with their new expiry.
    pub renewed: Vec<Lease>,
    /// The caller's leases that had expired and were freed now.
    pub expired: Vec<Lease>,
    /// Ids that are not (or no longer) the caller's live leases.
    pub gone: Vec<String>,
}

/// Order key of a host with free slots: longest idle first, then by name.
type IdleKey = (i64, Arc<str>, HostId);

#[derive(Debug, Default)]
struct HostSlots {
    name: Arc<str>,
    offer: Offer,
    leases: HashSet<Arc<str>>,
}

impl HostSlots {
    fn used(&self) -> u32 {
        self.leases.len() as u32
    }
    fn free(&self) -> u32 {
        self.offer.slots.saturating_sub(self.used())
    }
    fn key(&self, id: HostId) -> IdleKey {
        (self.offer.last_input_ms, self.name.clone(), id)
    }
}

/// The eligible hosts of one platform (or of all).
#[derive(Debug, Default)]
struct Pool {
    /// Eligible hosts with at least one free slot.
    idle: BTreeSet<IdleKey>,
    /// Slots on eligible hosts.
    capacity: u64,
    /// Free slots on eligible hosts.
    free: u64,
}

impl Pool {
    fn add(&mut self, key: &IdleKey, slots: u32, free: u32) {
        self.capacity += u64::from(slots);
        self.free += u64::from(free);
        if free > 0 {
            self.idle.insert(key.clone());
        }
    }
    fn remove(&mut self, key: &IdleKey, slots: u32, free: u32) {
        self.capacity -= u64::from(slots);
        self.free -= u64::from(free);
        if free > 0 {
            self.idle.remove(key);
        }
    }
}

#[derive(Debug, Default)]
struct RequesterState {
    /// Its leases by grant order (newest last).
    held: BTreeMap<u64, Arc<str>>,
    /// Counts as active until then although it may hold nothing (0: not waiting).
    wait_until_ms: i64,
    /// When it became active (its place in the remainder order).
    since_ms: i64,
    active: bool,
}

/// The allocator.
#[derive(Debug)]
pub struct Allocator {
    ttl_ms: i64,
    hosts: Vec<HostSlots>,
    all: Pool,
    by_platform: HashMap<Arc<str>, Pool>,
    leases: LeaseTable,
    requesters: HashMap<Arc<Requester>, RequesterState>,
    /// Active requesters, in the order they became active.
    active: BTreeSet<(i64, Arc<Requester>)>,
    /// Requesters that count as active until a time, by that time.
    waits: BTreeSet<(i64, Arc<Requester>)>,
}

impl Allocator {
    /// An allocator whose leases live `ttl_ms` unless renewed; fresh lease ids count up from
    /// `first_lease_number`.
    pub fn new(ttl_ms: i64, first_lease_number: u64) -> Self {
        Allocator {
            ttl_ms,
            hosts: Vec::new(),
            all: Pool::default(),
            by_platform: HashMap::new(),
            leases: LeaseTable::new(first_lease_number),
            requesters: HashMap::new(),
            active: BTreeSet::new(),
            waits: BTreeSet::new(),
        }
    }

    /// Sets (or first announces) what host `id`, named `name`, offers. Its leases stay.
    pub fn set_offer(&mut self, id: HostId, name: &Arc<str>, offer: Offer) {
        let index = id as usize;
        if index >= self.hosts.len() {
            self.hosts.resize_with(index + 1, HostSlots::default);
        }
        if self.hosts[index].offer == offer && self.hosts[index].name == *name {
            return;
        }
        self.unlist(id);
        let host = &mut self.hosts[index];
        host.name = name.clone();
        host.offer = offer;
        self.list(id);
    }

    /// How many leases host `id` holds.
    pub fn used(&self, id: HostId) -> u32 {
        self.hosts.get(id as usize).map_or(0, HostSlots::used)
    }

    /// Leases up to `count` slots for `who` on hosts of `platform` ("" = any) at `now_ms`.
    pub fn request(&mut self, who: Requester, count: u32, platform: &str, now_ms: i64) -> Grant {
        self.refresh(now_ms);
        let who = self.intern(who);
        let mut grant = Grant::default();
        let (total, free) = self.pool(platform).map_or((0, 0), |p| (p.capacity, p.free));
        if total == 0 {
            // Nothing it could use exists: it competes with no one.
            self.settle(&who, now_ms);
            return grant;
        }
        // Asking makes it active; it stays so for a TTL unless it gets all it asked for.
        self.set_wait(&who, now_ms + self.ttl_ms);
        self.settle(&who, now_ms);
        let active = self.active.len() as u64;
        let held = self.held(&who);
        let count = u64::from(count);
        let base = total / active;
        let share = if held + count <= base {
            base
        } else {
            base + u64::from(self.gets_remainder(&who, total % active))
        };
        let entitled = count.min(share.saturating_sub(held));

        self.take_free(&who, platform, entitled.min(free), now_ms, &mut grant);
        let short = entitled - grant.granted.len() as u64;
        if short > 0 {
            self.reclaim(&who, platform, short, (total, active), now_ms, &mut grant);
        }
        if grant.granted.len() as u64 >= count {
            self.set_wait(&who, 0);
        }
        self.settle(&who, now_ms);
        grant
    }

    /// Renews the leases in `ids` that the caller (`uid` at `home`) holds, to `now_ms` + TTL.
    pub fn renew(&mut self, uid: u32, home: &str, ids: &[String], now_ms: i64) -> Renewal {
        let mut out = Renewal::default();
        for id in ids {
            let Some(lease) = self.leases.get(id) else {
                out.gone.push(id.clone());
                continue;
            };
            if !lease.owner.is_owned_by(uid, home) {
                out.gone.push(id.clone());
            } else if lease.expires_ms <= now_ms {
                out.gone.push(id.clone());
                out.expired.extend(self.end(id, now_ms));
            } else {
                out.renewed
                    .extend(self.leases.renew(id, now_ms + self.ttl_ms));
            }
        }
        out
    }

    /// Frees the leases in `ids` that the caller (`uid` at `home`) holds; others are ignored.
    pub fn release(&mut self, uid: u32, home: &str, ids: &[String], now_ms: i64) -> Vec<Lease> {
        let mut freed = Vec::new();
        for id in ids {
            if self
                .leases
                .get(id)
                .is_some_and(|l| l.owner.is_owned_by(uid, home))
            {
                freed.extend(self.end(id, now_ms));
            }
        }
        freed
    }

    /// Takes back a lease that a host reports but this allocator does not know (it was granted
    /// before a restart). `None` if the id is live already.
    pub fn adopt(
        &mut self,
        id: &str,
        host: HostId,
        owner: Requester,
        now_ms: i64,
    ) -> Option<Lease> {
        if self.leases.contains(id) || host as usize >= self.hosts.len() {
            return None;
        }
        let owner = self.intern(owner);
        let lease = self
            .leases
            .adopt(id, host, owner.clone(), now_ms, now_ms + self.ttl_ms)?;
        self.attach(&lease);
        self.settle(&owner, now_ms);
        Some(lease)
    }

    /// Ends every lease on host `id` (it went down or was evicted).
    pub fn revoke_host(&mut self, id: HostId, now_ms: i64) -> Vec<Lease> {
        let ids: Vec<Arc<str>> = match self.hosts.get(id as usize) {
            Some(host) => host.leases.iter().cloned().collect(),
            None => return Vec::new(),
        };
        let mut ended: Vec<Lease> = ids.iter().filter_map(|l| self.end(l, now_ms)).collect();
        ended.sort_by_key(|l| l.seq);
        ended
    }

    /// Ends up to `limit` leases that expired by `now_ms` (soonest first), and forgets
    /// requesters no longer active.
    pub fn expire(&mut self, now_ms: i64, limit: usize) -> Vec<Lease> {
        let mut ended = Vec::new();
        while ended.len() < limit
            && let Some(id) = self.leases.first_expired(now_ms)
        {
            ended.extend(self.end(&id, now_ms));
        }
        self.refresh(now_ms);
        ended
    }

    fn pool(&self, platform: &str) -> Option<&Pool> {
        if platform.is_empty() {
            Some(&self.all)
        } else {
            self.by_platform.get(platform)
        }
    }

    fn matches(&self, id: HostId, platform: &str) -> bool {
        let offer = &self.hosts[id as usize].offer;
        offer.eligible && (platform.is_empty() || *offer.platform == *platform)
    }

    fn held(&self, who: &Requester) -> u64 {
        self.requesters.get(who).map_or(0, |r| r.held.len() as u64)
    }

    /// Whether `who` is among the `remainder` earliest active requesters.
    fn gets_remainder(&self, who: &Arc<Requester>, remainder: u64) -> bool {
        self.active
            .iter()
            .take(remainder as usize)
            .any(|(_, r)| r == who)
    }

    /// Grants up to `n` free slots, longest-idle host first, several on one host if it has them.
    fn take_free(
        &mut self,
        who: &Arc<Requester>,
        platform: &str,
        mut n: u64,
        now_ms: i64,
        grant: &mut Grant,
    ) {
        while n > 0 {
            let Some((_, _, host)) = self.pool(platform).and_then(|p| p.idle.first().cloned())
            else {
                break;
            };
            let take = n.min(u64::from(self.hosts[host as usize].free()));
            for _ in 0..take {
                grant.granted.push(self.grant_on(host, who, now_ms));
            }
            n -= take;
        }
    }

    /// Revokes up to `short` leases from requesters over their share, on hosts the asker can
    /// use, and grants those slots to the asker.
    fn reclaim(
        &mut self,
        who: &Arc<Requester>,
        platform: &str,
        mut short: u64,
        (total, active): (u64, u64),
        now_ms: i64,
        grant: &mut Grant,
    ) {
        let (base, remainder) = (total / active, total % active);
        // (surplus, since, requester), for every other active requester over its share.
        let mut over: Vec<(u64, i64, Arc<Requester>)> = self
            .active
            .iter()
            .enumerate()
            .filter(|(_, (_, r))| r != who)
            .filter_map(|(rank, (since, r))| {
                let share = base + u64::from((rank as u64) < remainder);
                let held = self.held(r);
                (held > share).then(|| (held - share, *since, r.clone()))
            })
            .collect();
        while short > 0 {
            // The most over its share first; among equals, the one that came last.
            let Some(victim) = over
                .iter_mut()
                .filter(|v| v.0 > 0)
                .max_by_key(|v| (v.0, v.1))
            else {
                break;
            };
            let newest = self.requesters[&victim.2]
                .held
                .values()
                .rev()
                .find(|id| {
                    self.leases
                        .get(id)
                        .is_some_and(|l| self.matches(l.host, platform))
                })
                .cloned();
            let Some(id) = newest else {
                victim.0 = 0;
                continue;
            };
            victim.0 -= 1;
            let Some(lease) = self.end(&id, now_ms) else {
                continue;
            };
            let host = lease.host;
            grant.revoked.push(lease);
            grant.granted.push(self.grant_on(host, who, now_ms));
            short -= 1;
        }
    }

    fn grant_on(&mut self, host: HostId, who: &Arc<Requester>, now_ms: i64) -> Lease {
        let lease = self
            .leases
            .grant(host, who.clone(), now_ms, now_ms + self.ttl_ms);
        self.attach(&lease);
        lease
    }

    /// Puts a lease's slot on its host and in its holder's list.
    fn attach(&mut self, lease: &Lease) {
        self.unlist(lease.host);
        self.hosts[lease.host as usize]
            .leases
            .insert(lease.id.clone());
        self.list(lease.host);
        self.requesters
            .entry(lease.owner.clone())
            .or_default()
            .held
            .insert(lease.seq, lease.id.clone());
    }

    /// Ends a lease: frees its slot and takes it from its holder.
    fn end(&mut self, id: &str, now_ms: i64) -> Option<Lease> {
        let lease = self.leases.remove(id)?;
        self.unlist(lease.host);
        self.hosts[lease.host as usize].leases.remove(id);
        self.list(lease.host);
        if let Some(r) = self.requesters.get_mut(&lease.owner) {
            r.held.remove(&lease.seq);
        }
        self.settle(&lease.owner, now_ms);
        Some(lease)
    }

    fn unlist(&mut self, id: HostId) {
        let host = &self.hosts[id as usize];
        if !host.offer.eligible {
            return;
        }
        let (key, slots, free) = (host.key(id), host.offer.slots, host.free());
        self.all.remove(&key, slots, free);
        if let Some(pool) = self.by_platform.get_mut(&host.offer.platform) {
            pool.remove(&key, slots, free);
        }
    }

    fn list(&mut self, id: HostId) {
        let host = &self.hosts[id as usize];
        if !host.offer.eligible {
            return;
        }
        let (key, slots, free) = (host.key(id), host.offer.slots, host.free());
        self.all.add(&key, slots, free);
        self.by_platform
            .entry(host.offer.platform.clone())
            .or_default()
            .add(&key, slots, free);
    }

    /// The shared key for a requester, so leases and indexes hold one allocation.
    fn intern(&mut self, who: Requester) -> Arc<Requester> {
        match self.requesters.get_key_value(&who) {
            Some((key, _)) => key.clone(),
            None => {
                let key = Arc::new(who);
                self.requesters
                    .insert(key.clone(), RequesterState::default());
                key
            }
        }
    }

    fn set_wait(&mut self, who: &Arc<Requester>, until_ms: i64) {
        let Some(state) = self.requesters.get_mut(who) else {
            return;
        };
        if state.wait_until_ms != 0 {
            self.waits.remove(&(state.wait_until_ms, who.clone()));
        }
        state.wait_until_ms = until_ms;
        if until_ms != 0 {
            self.waits.insert((until_ms, who.clone()));
        }
    }

    /// Ends the waits that are over.
    fn refresh(&mut self, now_ms: i64) {
        while let Some((until, who)) = self.waits.first().cloned() {
            if until > now_ms {
                break;
            }
            self.set_wait(&who, 0);
            self.settle(&who, now_ms);
        }
    }

    /// Brings a requester's place among the active ones up to date; forgets it when inactive.
    fn settle(&mut self, who: &Arc<Requester>, now_ms: i64) {
        let Some(state) = self.requesters.get_mut(who) else {
            return;
        };
        let active = !state.held.is_empty() || state.wait_until_ms > now_ms;
        if active && !state.active {
            state.active = true;
            state.since_ms = now_ms;
            self.active.insert((now_ms, who.clone()));
        } else if !active {
            if state.active {
                self.active.remove(&(state.since_ms, who.clone()));
            }
            self.set_wait(who, 0);
            self.requesters.remove(who);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TTL: i64 = 1000;

    fn who(uid: u32) -> Requester {
        Requester {
            uid,
            home: format!("home{uid}"),
            client: "c".into(),
        }
    }

    fn offer(slots: u32, last_input_ms: i64) -> Offer {
        Offer {
            eligible: true,
            platform: "x86_64-linux".into(),
            slots,
            last_input_ms,
        }
    }

    /// An allocator with hosts h0, h1, … offering these (slots, last input) pairs.
    fn cluster(hosts: &[(u32, i64)]) -> Allocator {
        let mut a = Allocator::new(TTL, 1);
        for (i, &(slots, input)) in hosts.iter().enumerate() {
            a.set_offer(i as HostId, &format!("h{i}").into(), offer(slots, input));
        }
        a
    }

    fn hosts_of(leases: &[Lease]) -> Vec<HostId> {
        leases.iter().map(|l| l.host).collect()
    }

    fn ids(leases: &[Lease]) -> Vec<String> {
        leases.iter().map(|l| l.id.to_string()).collect()
    }

    #[test]
    fn longest_idle_first_then_by_name() {
        // h1 was touched longest ago, h0 and h2 at the same time (name breaks the tie).
        let mut a = cluster(&[(1, 500), (2, 100), (1, 500)]);
        let g = a.request(who(1), 4, "", 1000);
        assert_eq!(hosts_of(&g.granted), [1, 1, 0, 2]);
        assert!(g.revoked.is_empty());
        assert_eq!(a.used(1), 2);
    }

    #[test]
    fn busy_drained_down_and_other_platforms_are_never_allocated() {
        let mut a = cluster(&[(2, 0), (2, 0), (2, 0)]);
        let ineligible = Offer {
            eligible: false,
            ..offer(2, 0)
        };
        a.set_offer(0, &"h0".into(), ineligible);
        a.set_offer(
            1,
            &"h1".into(),
            Offer {
                platform: "aarch64-linux".into(),
                ..offer(2, 0)
            },
        );
        let g = a.request(who(1), 10, "x86_64-linux", 0);
        assert_eq!(hosts_of(&g.granted), [2, 2]);
        let g = a.request(who(2), 10, "riscv64-linux", 0);
        assert!(g.granted.is_empty());
        // Requester 2 wants a platform nobody offers: it does not shrink the others' shares.
        let g = a.request(who(3), 10, "", 0);
        assert_eq!(hosts_of(&g.granted), [1, 1]);
    }

    #[test]
    fn two_requesters_asking_six_of_six_get_three_each() {
        let mut a = cluster(&[(4, 0), (2, 10)]);
        let first = a.request(who(1), 6, "", 0);
        assert_eq!(first.granted.len(), 6);
        let second = a.request(who(2), 6, "", 1);
        assert_eq!(second.granted.len(), 3);
        assert_eq!(second.revoked.len(), 3);
        // The first requester's newest leases go, and their slots are the ones granted.
        let mut revoked = ids(&second.revoked);
        revoked.sort();
        assert_eq!(revoked, ids(&first.granted[3..]));
        assert_eq!(hosts_of(&second.revoked), hosts_of(&second.granted));
        let gone = a.renew(1, "home1", &ids(&first.granted), 2).gone;
        assert_eq!(gone, ids(&first.granted[3..]));
        // Both are at their share now: asking again changes nothing.
        assert!(a.request(who(1), 6, "", 3).granted.is_empty());
        assert!(a.request(who(2), 6, "", 4).granted.is_empty());
        assert_eq!(a.used(0) + a.used(1), 6);
    }

    #[test]
    fn an_over_share_requester_loses_slots_as_others_arrive() {
        let mut a = cluster(&[(6, 0)]);
        assert_eq!(a.request(who(1), 6, "", 0).granted.len(), 6);
        // A second requester asking for 1 gets it from the first one's surplus.
        let g = a.request(who(2), 1, "", 1);
        assert_eq!((g.granted.len(), g.revoked.len()), (1, 1));
        // A third one asking for 4 is entitled to 2 (6 / 3) and takes them from the first.
        let g = a.request(who(3), 4, "", 2);
        assert_eq!((g.granted.len(), g.revoked.len()), (2, 2));
        assert!(g.revoked.iter().all(|l| l.owner.uid == 1));
        let held = |a: &Allocator, uid| a.held(&who(uid));
        assert_eq!((held(&a, 1), held(&a, 2), held(&a, 3)), (3, 1, 2));
        // The second, still under its share, takes from the first, who is over it.
        let g = a.request(who(2), 5, "", 3);
        assert_eq!((g.granted.len(), g.revoked.len()), (1, 1));
        assert_eq!((held(&a, 1), held(&a, 2), held(&a, 3)), (2, 2, 2));
    }

    #[test]
    fn the_odd_slot_stays_with_the_earlier_requester() {
        let mut a = cluster(&[(7, 0)]);
        assert_eq!(a.request(who(1), 7, "", 0).granted.len(), 7);
        let g = a.request(who(2), 7, "", 1);
        assert_eq!(g.granted.len(), 3);
        // Neither asking again moves a slot: no ping-pong.
        for t in 2..6 {
            assert!(
                a.request(who(t % 2 + 1), 7, "", i64::from(t))
                    .granted
                    .is_empty()
            );
        }
        assert_eq!((a.held(&who(1)), a.held(&who(2))), (4, 3));
    }

    #[test]
    fn an_unsatisfied_requester_counts_for_a_ttl_then_not() {
        let mut a = cluster(&[(4, 0)]);
        // Nothing free for the second requester's first ask beyond its share, and it waits.
        assert_eq!(a.request(who(1), 4, "", 0).granted.len(), 4);
        assert_eq!(a.request(who(2), 8, "", 0).granted.len(), 2);
        let held: Vec<String> = a.requesters[&who(2)]
            .held
            .values()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(a.release(2, "home2", &held, 10).len(), 2);
        // Requester 2 holds nothing but asked less than a TTL ago: requester 1 stays at 2.
        assert_eq!(a.request(who(1), 2, "", 20).granted.len(), 0);
        // After the TTL it no longer counts, and requester 1 may have everything.
        assert_eq!(a.request(who(1), 2, "", TTL + 10).granted.len(), 2);
        assert!(!a.requesters.contains_key(&who(2)));
    }

    #[test]
    fn expiry_and_release_free_slots_and_renewal_is_owner_only() {
        let mut a = cluster(&[(2, 0)]);
        let g = a.request(who(1), 2, "", 0);
        let (l0, l1) = (ids(&g.granted[..1]), ids(&g.granted[1..]));
        assert!(a.request(who(1), 1, "", 1).granted.is_empty());
        // Someone else's renewal or release does nothing to the leases.
        assert_eq!(a.renew(2, "home2", &l0, 500).gone, l0);
        assert!(a.release(1, "elsewhere", &l0, 500).is_empty());
        // The owner renews one; the other expires at the TTL.
        assert_eq!(a.renew(1, "home1", &l0, 500).renewed.len(), 1);
        assert!(a.expire(TTL - 1, 10).is_empty());
        assert_eq!(ids(&a.expire(TTL, 10)), l1);
        assert_eq!(a.used(0), 1);
        assert_eq!(a.renew(1, "home1", &l1, TTL).gone, l1);
        // A lease past its expiry that the sweeper has not seen yet is gone on renewal.
        let r = a.renew(1, "home1", &l0, 500 + TTL);
        assert_eq!((r.gone, r.expired.len()), (l0, 1));
        assert_eq!(a.used(0), 0);
        assert_eq!(a.request(who(3), 2, "", 2000).granted.len(), 2);
    }

    #[test]
    fn adopted_leases_take_slots_and_renew_for_their_owner() {
        let mut a = cluster(&[(2, 0)]);
        let owner = Requester {
            uid: 7,
            home: "a".into(),
            client: String::new(),
        };
        let lease = a.adopt("feed", 0, owner.clone(), 0).unwrap();
        assert!(a.adopt("feed", 0, owner, 0).is_none());
        assert_eq!(a.used(0), 1);
        assert_eq!(a.renew(7, "a", &["feed".into()], 10).renewed.len(), 1);
        assert_eq!(a.request(who(1), 5, "", 10).granted.len(), 1);
        assert_eq!(a.revoke_host(0, 20).len(), 2);
        assert!(!a.leases.contains(&lease.id));
    }

    #[test]
    fn an_ineligible_host_keeps_its_leases_but_takes_no_more() {
        let mut a = cluster(&[(2, 0), (2, 5)]);
        let g = a.request(who(1), 1, "", 0);
        assert_eq!(hosts_of(&g.granted), [0]);
        a.set_offer(
            0,
            &"h0".into(),
            Offer {
                eligible: false,
                ..offer(2, 0)
            },
        );
        assert_eq!(a.used(0), 1);
        // Its lease still counts as held: the requester's share (2) allows one more.
        assert_eq!(hosts_of(&a.request(who(1), 3, "", 1).granted), [1]);
        // Back to idle, the free slot is offered again.
        a.set_offer(0, &"h0".into(), offer(2, 0));
        assert_eq!(hosts_of(&a.request(who(2), 1, "", 2).granted), [0]);
    }
}
