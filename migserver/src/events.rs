//! The cluster event log: numbers each event, keeps the newest in memory for Watch's history,
//! broadcasts it to live watchers, and queues it for the database. Emitting never blocks: a
//! watcher that falls behind loses the events it missed (it is told how many), and the database
//! writes in batches behind the scenes.

use std::collections::VecDeque;
use std::sync::Arc;

use roam_shared::proto::ClusterEvent;
use roam_shared::proto::cluster_event::Kind;
use tokio::sync::broadcast;

use crate::store::{Op, Sink};

/// How many events stay in memory.
pub const RECENT: usize = 10_000;
/// How many events a live watcher may fall behind before it skips some.
pub const WATCH_BUFFER: usize = 16_384;

/// A new event's content; the log fills in seq and time.
pub fn event(kind: Kind, host: &str) -> ClusterEvent {
    ClusterEvent {
        kind: kind.into(),
        host: host.to_owned(),
        ..ClusterEvent::default()
    }
}

/// What a new watcher gets: the history it asked for, then the live events.
#[derive(Debug)]
pub struct Subscription {
    /// The part of the history still in memory, oldest first.
    pub recent: Vec<Arc<ClusterEvent>>,
    /// How many more (older) events to read from the database, and the seq they precede.
    pub older: Option<(usize, u64)>,
    /// Every event after `recent`.
    pub live: broadcast::Receiver<Arc<ClusterEvent>>,
}

/// The log.
#[derive(Debug)]
pub struct EventLog {
    next_seq: u64,
    recent: VecDeque<Arc<ClusterEvent>>,
    live: broadcast::Sender<Arc<ClusterEvent>>,
    sink: Sink,
}

impl EventLog {
    /// A log continuing after `recent` (the newest stored events), numbering from `next_seq`.
    pub fn new(recent: Vec<ClusterEvent>, next_seq: u64, sink: Sink) -> Self {
        let start = recent.len().saturating_sub(RECENT);
        EventLog {
            next_seq,
            recent: recent.into_iter().skip(start).map(Arc::new).collect(),
            live: broadcast::channel(WATCH_BUFFER).0,
            sink,
        }
    }

    /// Numbers, timestamps, keeps, broadcasts and persists an event.
    pub fn emit(&mut self, mut event: ClusterEvent, now_ms: i64) {
        event.seq = self.next_seq;
        event.unix_ms = now_ms;
        self.next_seq += 1;
        let event = Arc::new(event);
        if self.recent.len() == RECENT {
            self.recent.pop_front();
        }
        self.recent.push_back(event.clone());
        // No receivers is not an error: nobody watches.
        let _ = self.live.send(event.clone());
        self.sink.send(Op::Event(event));
    }

    /// The last `history` events and every later one.
    pub fn subscribe(&self, history: usize) -> Subscription {
        let in_memory = history.min(self.recent.len());
        let recent: Vec<_> = self
            .recent
            .range(self.recent.len() - in_memory..)
            .cloned()
            .collect();
        let first = recent.first().map_or(self.next_seq, |e| e.seq);
        let older = (history > in_memory && first > 1).then_some((history - in_memory, first));
        Subscription {
            recent,
            older,
            live: self.live.subscribe(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn history_then_live_events_with_continuing_seqs() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(Store::open(&dir.path().join("db")).unwrap());
        let writer = store.writer().unwrap();
        let stored: Vec<ClusterEvent> = (1..=RECENT as u64 + 5)
            .map(|seq| ClusterEvent {
                seq,
                ..event(Kind::HostUp, "old")
            })
            .collect();
        let mut log = EventLog::new(stored, RECENT as u64 + 6, writer.sink());
        let sub = log.subscribe(3);
        assert_eq!(sub.recent.len(), 3);
        assert_eq!(sub.recent[2].seq, RECENT as u64 + 5);
        assert!(sub.older.is_none());
        let mut sub = log.subscribe(RECENT + 2);
        assert_eq!(sub.recent[0].seq, 6);
        assert_eq!(sub.older, Some((2, 6)));
        log.emit(event(Kind::HostDown, "a"), 42);
        let live = sub.live.try_recv().unwrap();
        assert_eq!(
            (live.seq, live.unix_ms, &*live.host),
            (RECENT as u64 + 6, 42, "a")
        );
        assert_eq!(log.subscribe(1).recent[0].seq, RECENT as u64 + 6);
        writer.finish();
    }
}
