//! The persistent part of migserver: a redb file holding the event log (seq → prost-encoded
//! `ClusterEvent`), the usage account (uid → lease-slot milliseconds) and the drained hosts.
//!
//! Writes go through one writer thread that gathers operations for [`BATCH_WINDOW`] and commits
//! them in one durable (fsynced) transaction — so requests never wait on the disk, and a
//! `kill -9` loses at most the events of the last batch window (plus a commit in progress).
//!
//! The log lives in segment tables of [`SEGMENT`] events each (`events.<seq / SEGMENT>`, zero
//! padded). It keeps at least the newest [`KEEP_EVENTS`] events: trimming drops whole segments,
//! because deleting keys one by one costs redb far more than appending them.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use prost::Message;
use redb::{Database, ReadableTable, TableDefinition, TableError, TableHandle};
use roam_shared::proto::ClusterEvent;

/// How long the writer gathers operations before it commits.
pub const BATCH_WINDOW: Duration = Duration::from_millis(50);
/// How many events the log keeps at least; older ones are trimmed.
pub const KEEP_EVENTS: u64 = 1_000_000;
/// Events per segment table.
pub const SEGMENT: u64 = 100_000;

/// redb's page cache (its default is 1 GiB); the log is mostly appended, rarely read.
const CACHE_BYTES: usize = 32 << 20;

const SEGMENT_PREFIX: &str = "events.";
const USAGE: TableDefinition<u32, u64> = TableDefinition::new("usage");
const DRAINED: TableDefinition<&str, ()> = TableDefinition::new("drained");

/// The database could not be used.
#[derive(Debug, thiserror::Error)]
#[error("state database {path}: {source}")]
pub struct StoreError {
    /// The database file.
    pub path: PathBuf,
    /// What redb said.
    pub source: Box<redb::Error>,
}

/// One change for the writer.
#[derive(Debug)]
pub enum Op {
    /// Append an event to the log.
    Event(Arc<ClusterEvent>),
    /// Add lease-slot milliseconds to a user's account.
    Usage {
        /// The user.
        uid: u32,
        /// How much.
        ms: u64,
    },
    /// Remember or forget an admin drain.
    Drained {
        /// The host.
        host: String,
        /// Drained or not.
        drained: bool,
    },
}

/// What the database held at start.
#[derive(Debug, Default)]
pub struct Recovered {
    /// The newest events (up to the number asked for), oldest first.
    pub recent: Vec<ClusterEvent>,
    /// The seq the next event gets.
    pub next_seq: u64,
    /// Drained host names.
    pub drained: HashSet<String>,
}

/// The open database.
#[derive(Debug)]
pub struct Store {
    db: Database,
    path: PathBuf,
}

impl Store {
    /// Opens (or creates) the database at `path`.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let err = |e: redb::Error| StoreError {
            path: path.to_owned(),
            source: Box::new(e),
        };
        let db = redb::Builder::new()
            .set_cache_size(CACHE_BYTES)
            .create(path)
            .map_err(|e| err(e.into()))?;
        let store = Store {
            db,
            path: path.to_owned(),
        };
        // Create the tables, so that readers never meet a missing one.
        let tx = store.db.begin_write().map_err(|e| err(e.into()))?;
        tx.open_table(USAGE).map_err(|e| err(e.into()))?;
        tx.open_table(DRAINED).map_err(|e| err(e.into()))?;
        tx.commit().map_err(|e| err(e.into()))?;
        Ok(store)
    }

    fn err(&self, e: impl Into<redb::Error>) -> StoreError {
        StoreError {
            path: self.path.clone(),
            source: Box::new(e.into()),
        }
    }

    /// The newest `recent` events, the next seq and the drained hosts.
    pub fn recover(&self, recent: usize) -> Result<Recovered, StoreError> {
        let tx = self.db.begin_read().map_err(|e| self.err(e))?;
        let newest = tx
            .list_tables()
            .map_err(|e| self.err(e))?
            .filter_map(|t| segment_index(t.name()))
            .max();
        let mut next_seq = 1;
        if let Some(index) = newest {
            let name = segment_name(index);
            let table = tx.open_table(segment(&name)).map_err(|e| self.err(e))?;
            if let Some((seq, _)) = table.last().map_err(|e| self.err(e))? {
                next_seq = seq.value() + 1;
            }
        }
        let mut out = Recovered {
            recent: self.read(next_seq, recent)?,
            next_seq,
            ..Recovered::default()
        };
        let drained = tx.open_table(DRAINED).map_err(|e| self.err(e))?;
        for entry in drained.iter().map_err(|e| self.err(e))? {
            let (host, _) = entry.map_err(|e| self.err(e))?;
            out.drained.insert(host.value().to_owned());
        }
        Ok(out)
    }

    /// Up to `count` events with seq below `before`, oldest first.
    pub fn read(&self, before: u64, count: usize) -> Result<Vec<ClusterEvent>, StoreError> {
        let tx = self.db.begin_read().map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        let Some(mut index) = before.checked_sub(1).map(|last| last / SEGMENT) else {
            return Ok(out);
        };
        while out.len() < count {
            let name = segment_name(index);
            let table = match tx.open_table(segment(&name)) {
                Ok(table) => table,
                // Trimmed (or never written): nothing older exists.
                Err(TableError::TableDoesNotExist(_)) => break,
                Err(e) => return Err(self.err(e)),
            };
            for entry in table.range(..before).map_err(|e| self.err(e))?.rev() {
                if out.len() >= count {
                    break;
                }
                let (seq, bytes) = entry.map_err(|e| self.err(e))?;
                match ClusterEvent::decode(bytes.value()) {
                    Ok(event) => out.push(event),
                    Err(e) => {
                        tracing::warn!(seq = seq.value(), "skipping an undecodable event: {e}")
                    }
                }
            }
            let Some(older) = index.checked_sub(1) else {
                break;
            };
            index = older;
        }
        out.reverse();
        Ok(out)
    }

    /// The lease-slot milliseconds accounted to `uid`.
    pub fn usage_ms(&self, uid: u32) -> Result<u64, StoreError> {
        let tx = self.db.begin_read().map_err(|e| self.err(e))?;
        let table = tx.open_table(USAGE).map_err(|e| self.err(e))?;
        Ok(table
            .get(uid)
            .map_err(|e| self.err(e))?
            .map_or(0, |v| v.value()))
    }

    /// Starts the writer thread.
    pub fn writer(self: &Arc<Self>) -> std::io::Result<Writer> {
        let (sender, receiver) = mpsc::channel();
        let store = self.clone();
        let thread = std::thread::Builder::new()
            .name("migserver-store".into())
            .spawn(move || store.write_loop(&receiver))?;
        Ok(Writer { sender, thread })
    }

    fn write_loop(&self, ops: &mpsc::Receiver<Option<Op>>) {
        let mut batch = Vec::new();
        // Wait on the channel only while idle; while a batch gathers, sleep instead, so that
        // senders never have to wake this thread (that would cost a system call per event).
        while let Ok(Some(first)) = ops.recv() {
            batch.push(first);
            std::thread::sleep(BATCH_WINDOW);
            let mut open = true;
            loop {
                match ops.try_recv() {
                    Ok(Some(op)) => batch.push(op),
                    Err(mpsc::TryRecvError::Empty) => break,
                    Ok(None) | Err(mpsc::TryRecvError::Disconnected) => {
                        open = false;
                        break;
                    }
                }
            }
            match self.commit(&batch) {
                Ok(Some(through)) => tracing::debug!(through, "events committed"),
                Ok(None) => {}
                Err(e) => tracing::error!("{} changes not saved: {e}", batch.len()),
            }
            batch.clear();
            if !open {
                return;
            }
        }
    }

    /// Writes a batch in one durable transaction; returns the last event seq written.
    fn commit(&self, batch: &[Op]) -> Result<Option<u64>, StoreError> {
        let tx = self.db.begin_write().map_err(|e| self.err(e))?;
        let mut last = None;
        {
            let mut usage = tx.open_table(USAGE).map_err(|e| self.err(e))?;
            let mut drained = tx.open_table(DRAINED).map_err(|e| self.err(e))?;
            let mut events = None;
            let mut added: HashMap<u32, u64> = HashMap::new();
            let mut buf = Vec::new();
            for op in batch {
                match op {
                    Op::Event(event) => {
                        let index = event.seq / SEGMENT;
                        let table = match &mut events {
                            Some((open, table)) if *open == index => table,
                            _ => {
                                let name = segment_name(index);
                                let table =
                                    tx.open_table(segment(&name)).map_err(|e| self.err(e))?;
                                &mut events.insert((index, table)).1
                            }
                        };
                        buf.clear();
                        event.encode(&mut buf).expect("a Vec grows as needed");
                        table
                            .insert(event.seq, buf.as_slice())
                            .map_err(|e| self.err(e))?;
                        last = Some(event.seq);
                    }
                    Op::Usage { uid, ms } => *added.entry(*uid).or_default() += ms,
                    Op::Drained {
                        host,
                        drained: true,
                    } => {
                        drained.insert(host.as_str(), ()).map_err(|e| self.err(e))?;
                    }
                    Op::Drained {
                        host,
                        drained: false,
                    } => {
                        drained.remove(host.as_str()).map_err(|e| self.err(e))?;
                    }
                }
            }
            for (uid, ms) in added {
                let before = usage
                    .get(uid)
                    .map_err(|e| self.err(e))?
                    .map_or(0, |v| v.value());
                usage
                    .insert(uid, before.saturating_add(ms))
                    .map_err(|e| self.err(e))?;
            }
        }
        if let Some(last) = last {
            // Segments wholly older than the newest KEEP_EVENTS go.
            let oldest_kept = last.saturating_sub(KEEP_EVENTS) / SEGMENT;
            let old: Vec<u64> = tx
                .list_tables()
                .map_err(|e| self.err(e))?
                .filter_map(|t| segment_index(t.name()))
                .filter(|&index| index < oldest_kept)
                .collect();
            for index in old {
                let name = segment_name(index);
                tx.delete_table(segment(&name)).map_err(|e| self.err(e))?;
            }
        }
        tx.commit().map_err(|e| self.err(e))?;
        Ok(last)
    }
}

fn segment_name(index: u64) -> String {
    format!("{SEGMENT_PREFIX}{index:010}")
}

fn segment_index(name: &str) -> Option<u64> {
    name.strip_prefix(SEGMENT_PREFIX)?.parse().ok()
}

fn segment(name: &str) -> TableDefinition<'_, u64, &'static [u8]> {
    TableDefinition::new(name)
}

/// The handle of the writer thread.
#[derive(Debug)]
pub struct Writer {
    sender: mpsc::Sender<Option<Op>>,
    thread: std::thread::JoinHandle<()>,
}

impl Writer {
    /// A handle to queue operations with.
    pub fn sink(&self) -> Sink {
        Sink(self.sender.clone())
    }

    /// Commits what is queued and stops the thread.
    pub fn finish(self) {
        let _ = self.sender.send(None);
        if self.thread.join().is_err() {
            tracing::error!("the store writer panicked");
        }
    }
}

/// Queues operations for the writer; never blocks.
#[derive(Debug, Clone)]
pub struct Sink(mpsc::Sender<Option<Op>>);

impl Sink {
    /// Queues one operation (dropped silently once the writer has finished).
    pub fn send(&self, op: Op) {
        let _ = self.0.send(Some(op));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use roam_shared::proto::cluster_event::Kind;

    fn event(seq: u64) -> Arc<ClusterEvent> {
        Arc::new(ClusterEvent {
            seq,
            kind: Kind::HostUp.into(),
            host: format!("h{seq}"),
            ..Default::default()
        })
    }

    #[test]
    fn events_usage_and_drains_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("migserver.redb");
        {
            let store = Arc::new(Store::open(&path).unwrap());
            let recovered = store.recover(10).unwrap();
            assert_eq!(recovered.next_seq, 1);
            let writer = store.writer().unwrap();
            let sink = writer.sink();
            for seq in 1..=5 {
                sink.send(Op::Event(event(seq)));
            }
            sink.send(Op::Usage { uid: 7, ms: 40 });
            sink.send(Op::Usage { uid: 7, ms: 2 });
            for (host, drained) in [("a", true), ("b", true), ("a", false)] {
                sink.send(Op::Drained {
                    host: host.into(),
                    drained,
                });
            }
            writer.finish();
        }
        let store = Store::open(&path).unwrap();
        let recovered = store.recover(3).unwrap();
        assert_eq!(recovered.next_seq, 6);
        let seqs: Vec<u64> = recovered.recent.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, [3, 4, 5]);
        assert_eq!(recovered.recent[0].host, "h3");
        assert_eq!(recovered.drained, HashSet::from(["b".to_owned()]));
        assert_eq!(store.usage_ms(7).unwrap(), 42);
        assert_eq!(store.usage_ms(8).unwrap(), 0);
        let older: Vec<u64> = store.read(3, 10).unwrap().iter().map(|e| e.seq).collect();
        assert_eq!(older, [1, 2]);
    }

    #[test]
    fn the_log_spans_segments_and_drops_the_oldest_whole() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(Store::open(&dir.path().join("db")).unwrap());
        // Seqs around segment borders and far enough on that the first segments are trimmed.
        let seqs: Vec<u64> = (1..4)
            .chain(SEGMENT - 2..SEGMENT + 2)
            .chain(KEEP_EVENTS + 2 * SEGMENT..KEEP_EVENTS + 2 * SEGMENT + 3)
            .collect();
        let batch: Vec<Op> = seqs.iter().map(|&s| Op::Event(event(s))).collect();
        store.commit(&batch[..7]).unwrap();
        let read: Vec<u64> = store
            .read(SEGMENT + 2, 5)
            .unwrap()
            .iter()
            .map(|e| e.seq)
            .collect();
        assert_eq!(read, [3, SEGMENT - 2, SEGMENT - 1, SEGMENT, SEGMENT + 1]);
        assert_eq!(store.commit(&batch[7..]).unwrap(), seqs.last().copied());
        let recovered = store.recover(100).unwrap();
        assert_eq!(recovered.next_seq, KEEP_EVENTS + 2 * SEGMENT + 3);
        // Segments 0 and 1 are gone: only the three newest events remain.
        assert_eq!(recovered.recent.len(), 3);
    }
}
