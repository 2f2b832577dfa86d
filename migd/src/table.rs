//! migd's process tables: the foreign processes running here for other hosts, and the processes
//! whose home is here. Entries are removed by dropping the guard their insertion returned, so a
//! job that ends any way at all leaves its table.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use roam_shared::proto::{ForeignJob, HomeJob, JobTable};

use crate::evict::Evictable;

/// Both tables.
#[derive(Default, Clone)]
pub struct Tables {
    foreign: Arc<Mutex<HashMap<String, Foreign>>>,
    home: Arc<Mutex<HashMap<String, HomeJob>>>,
}

/// A foreign process and the means to evict it.
struct Foreign {
    job: ForeignJob,
    control: Arc<Evictable>,
}

/// Removes its entry from its table when dropped.
pub struct Entry {
    tables: Tables,
    job_id: String,
    foreign: bool,
}

impl Tables {
    /// Records a foreign process.
    pub fn add_foreign(&self, job: ForeignJob, control: Arc<Evictable>) -> Entry {
        let job_id = job.job_id.clone();
        lock(&self.foreign).insert(job_id.clone(), Foreign { job, control });
        Entry {
            tables: self.clone(),
            job_id,
            foreign: true,
        }
    }

    /// Records a process whose home is here.
    pub fn add_home(&self, job: HomeJob) -> Entry {
        let job_id = job.job_id.clone();
        lock(&self.home).insert(job_id.clone(), job);
        Entry {
            tables: self.clone(),
            job_id,
            foreign: false,
        }
    }

    /// The process groups of all foreign processes (for shutdown).
    pub fn foreign_pids(&self) -> Vec<i32> {
        lock(&self.foreign)
            .values()
            .map(|f| f.job.pid as i32)
            .collect()
    }

    /// The foreign jobs running under one of `lease_ids` (all of them when empty), with their
    /// job ids.
    pub fn foreign_under(&self, lease_ids: &[String]) -> Vec<(String, Arc<Evictable>)> {
        lock(&self.foreign)
            .values()
            .filter(|f| lease_ids.is_empty() || lease_ids.contains(&f.job.lease_id))
            .map(|f| (f.job.job_id.clone(), f.control.clone()))
            .collect()
    }

    /// The foreign job that process `pid` belongs to (its leader or any of its processes).
    pub fn foreign_with_pid(&self, pid: u32) -> Option<(ForeignJob, Arc<Evictable>)> {
        lock(&self.foreign)
            .values()
            .find(|f| f.job.pid == pid || f.control.pids().contains(&pid))
            .map(|f| (f.job.clone(), f.control.clone()))
    }

    /// A copy of both tables, sorted by start time.
    pub fn snapshot(&self) -> JobTable {
        let mut foreign: Vec<_> = lock(&self.foreign)
            .values()
            .map(|f| ForeignJob {
                pids: f.control.pids(),
                evicting: f.control.is_evicting(),
                ..f.job.clone()
            })
            .collect();
        let mut home: Vec<_> = lock(&self.home).values().cloned().collect();
        foreign.sort_by_key(|j| j.started_unix_ms);
        home.sort_by_key(|j| j.started_unix_ms);
        JobTable { foreign, home }
    }
}

impl Drop for Entry {
    fn drop(&mut self) {
        if self.foreign {
            lock(&self.tables.foreign).remove(&self.job_id);
        } else {
            lock(&self.tables.home).remove(&self.job_id);
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
