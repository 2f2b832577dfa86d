//! Leases: one slot on one host, held by one requester until it is released, revoked or expires.
//! The table indexes them by id and by expiry; it knows nothing of hosts or fair share.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// A host, as numbered by the host table (dense, from 0, never reused).
pub type HostId = u32;

/// Who holds leases: a user (credential uid) at a home host (credential home), and a client id
/// that tells apart several requesters of one user on one host.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Requester {
    /// The user.
    pub uid: u32,
    /// The home host the requests come from.
    pub home: String,
    /// The client at that home ("" for leases re-adopted after a restart).
    pub client: String,
}

impl Requester {
    /// Whether a caller with credential `uid` and `home` owns leases held by this requester.
    pub fn is_owned_by(&self, uid: u32, home: &str) -> bool {
        self.uid == uid && self.home == home
    }
}

/// One lease.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    /// Unique id (also across restarts).
    pub id: Arc<str>,
    /// The host whose slot this is.
    pub host: HostId,
    /// Who holds it.
    pub owner: Arc<Requester>,
    /// When it was granted (or re-adopted), in Unix milliseconds.
    pub granted_ms: i64,
    /// When it expires unless renewed, in Unix milliseconds.
    pub expires_ms: i64,
    /// Grant order: larger is newer.
    pub seq: u64,
}

/// Every live lease.
#[derive(Debug)]
pub struct LeaseTable {
    by_id: HashMap<Arc<str>, Lease>,
    by_expiry: BTreeMap<(i64, u64), Arc<str>>,
    next_number: u64,
    next_seq: u64,
}

impl LeaseTable {
    /// An empty table whose fresh ids count up from `first_number` (seed it from the clock so
    /// that ids stay unique across restarts).
    pub fn new(first_number: u64) -> Self {
        LeaseTable {
            by_id: HashMap::new(),
            by_expiry: BTreeMap::new(),
            next_number: first_number,
            next_seq: 0,
        }
    }

    /// Records a new lease with a fresh id.
    pub fn grant(
        &mut self,
        host: HostId,
        owner: Arc<Requester>,
        now_ms: i64,
        expires_ms: i64,
    ) -> Lease {
        let id: Arc<str> = loop {
            let id = format!("{:x}", self.next_number);
            self.next_number += 1;
            // A re-adopted lease may already carry an id this counter would produce.
            if !self.by_id.contains_key(id.as_str()) {
                break id.into();
            }
        };
        self.insert(id, host, owner, now_ms, expires_ms)
    }

    /// Records a lease under an id chosen elsewhere (re-adoption); `None` if the id is taken.
    pub fn adopt(
        &mut self,
        id: &str,
        host: HostId,
        owner: Arc<Requester>,
        now_ms: i64,
        expires_ms: i64,
    ) -> Option<Lease> {
        if self.by_id.contains_key(id) {
            return None;
        }
        Some(self.insert(id.into(), host, owner, now_ms, expires_ms))
    }

    fn insert(
        &mut self,
        id: Arc<str>,
        host: HostId,
        owner: Arc<Requester>,
        now_ms: i64,
        expires_ms: i64,
    ) -> Lease {
        let seq = self.next_seq;
        self.next_seq += 1;
        let lease = Lease {
            id: id.clone(),
            host,
            owner,
            granted_ms: now_ms,
            expires_ms,
            seq,
        };
        self.by_expiry.insert((expires_ms, seq), id.clone());
        self.by_id.insert(id, lease.clone());
        lease
    }

    /// The lease with this id.
    pub fn get(&self, id: &str) -> Option<&Lease> {
        self.by_id.get(id)
    }

    /// Whether a lease with this id is live.
    pub fn contains(&self, id: &str) -> bool {
        self.by_id.contains_key(id)
    }

    /// Removes and returns a lease.
    pub fn remove(&mut self, id: &str) -> Option<Lease> {
        let lease = self.by_id.remove(id)?;
        self.by_expiry.remove(&(lease.expires_ms, lease.seq));
        Some(lease)
    }

    /// Moves a lease's expiry; returns the updated lease.
    pub fn renew(&mut self, id: &str, expires_ms: i64) -> Option<Lease> {
        let lease = self.by_id.get_mut(id)?;
        self.by_expiry.remove(&(lease.expires_ms, lease.seq));
        lease.expires_ms = expires_ms;
        self.by_expiry
            .insert((expires_ms, lease.seq), lease.id.clone());
        Some(lease.clone())
    }

    /// The id of the lease that expires first, if it has expired at `now_ms`.
    pub fn first_expired(&self, now_ms: i64) -> Option<Arc<str>> {
        let (&(expires, _), id) = self.by_expiry.first_key_value()?;
        (expires <= now_ms).then(|| id.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owner() -> Arc<Requester> {
        Arc::new(Requester {
            uid: 1000,
            home: "a".into(),
            client: "c".into(),
        })
    }

    #[test]
    fn fresh_ids_skip_adopted_ones_and_expiry_follows_renewal() {
        let mut t = LeaseTable::new(0x10);
        t.adopt("11", 0, owner(), 0, 50).unwrap();
        assert!(t.adopt("11", 0, owner(), 0, 50).is_none());
        let a = t.grant(0, owner(), 0, 100);
        let b = t.grant(0, owner(), 0, 100);
        assert_eq!((&*a.id, &*b.id), ("10", "12"));
        assert!(b.seq > a.seq);
        assert_eq!(t.first_expired(49), None);
        assert_eq!(t.first_expired(50).as_deref(), Some("11"));
        t.remove("11").unwrap();
        t.renew("10", 300).unwrap();
        assert_eq!(t.first_expired(100).as_deref(), Some("12"));
        t.remove("12").unwrap();
        assert_eq!(t.first_expired(299), None);
        assert!(t.contains("10") && !t.contains("11") && !t.contains("12"));
    }
}
