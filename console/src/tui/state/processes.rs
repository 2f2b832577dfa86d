//! The foreign processes of the cluster, as of migserver's latest ListProcesses reply.

use std::cmp::Ordering;

use roam_shared::proto::{ForeignProcess, HostProcess};

use super::table::{Order, Row, Table};
use crate::users::Users;

/// One foreign process.
#[derive(Debug, Clone)]
pub struct Process {
    /// The host it runs on.
    pub host: String,
    /// What that host reports of it.
    pub process: ForeignProcess,
    /// Its owner's name.
    pub user: String,
    /// What the filter searches, in lower case.
    search: String,
}

impl Process {
    fn new(hp: HostProcess, users: &mut Users) -> Process {
        let process = hp.process.unwrap_or_default();
        let user = users.name(process.uid).to_owned();
        let search = format!(
            "{} {} {} {} {}",
            hp.host, process.home, user, process.job_id, process.command
        )
        .to_lowercase();
        Process {
            host: hp.host,
            process,
            user,
            search,
        }
    }
}

/// The orders of the processes view.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ProcessSort {
    /// Most CPU time first.
    #[default]
    Cpu,
    /// Most memory first.
    Memory,
    /// Newest first.
    Started,
    /// By user name.
    User,
    /// By the host it runs on.
    Host,
    /// By home host.
    Home,
}

impl Order<Process> for ProcessSort {
    fn next(self) -> ProcessSort {
        match self {
            ProcessSort::Cpu => ProcessSort::Memory,
            ProcessSort::Memory => ProcessSort::Started,
            ProcessSort::Started => ProcessSort::User,
            ProcessSort::User => ProcessSort::Host,
            ProcessSort::Host => ProcessSort::Home,
            ProcessSort::Home => ProcessSort::Cpu,
        }
    }

    fn compare(self, a: &Process, b: &Process) -> Ordering {
        let (pa, pb) = (&a.process, &b.process);
        match self {
            ProcessSort::Cpu => pb.cpu_ms.cmp(&pa.cpu_ms),
            ProcessSort::Memory => pb.rss_bytes.cmp(&pa.rss_bytes),
            ProcessSort::Started => pb.started_unix_ms.cmp(&pa.started_unix_ms),
            ProcessSort::User => a.user.cmp(&b.user),
            ProcessSort::Host => a.host.cmp(&b.host),
            ProcessSort::Home => pa.home.cmp(&pb.home),
        }
        .then_with(|| pa.job_id.cmp(&pb.job_id))
    }
}

impl ProcessSort {
    /// Its name, as the view's title shows it.
    pub fn label(self) -> &'static str {
        match self {
            ProcessSort::Cpu => "cpu time",
            ProcessSort::Memory => "memory",
            ProcessSort::Started => "newest",
            ProcessSort::User => "user",
            ProcessSort::Host => "host",
            ProcessSort::Home => "home",
        }
    }
}

/// Every foreign process, in the order and through the filter the user chose.
pub type ProcessTable = Table<Process>;

impl Row for Process {
    type Sort = ProcessSort;
    fn key(&self) -> &str {
        &self.process.job_id
    }
    fn search(&self) -> &str {
        &self.search
    }
}

impl Table<Process> {
    /// Takes a ListProcesses reply; false when nothing changed.
    pub fn replace(&mut self, processes: Vec<HostProcess>, users: &mut Users) -> bool {
        let same = processes.len() == self.rows().len()
            && processes.iter().zip(self.rows()).all(|(new, old)| {
                new.host == old.host && new.process.as_ref() == Some(&old.process)
            });
        if same {
            return false;
        }
        let rows = processes
            .into_iter()
            .map(|hp| Process::new(hp, users))
            .collect();
        self.set_rows(rows);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn process(host: &str, job: &str, cpu_ms: u64, rss: u64) -> HostProcess {
        HostProcess {
            host: host.into(),
            process: Some(ForeignProcess {
                job_id: job.into(),
                uid: 0,
                home: "a".into(),
                command: format!("sim --job {job}"),
                cpu_ms,
                rss_bytes: rss,
                ..ForeignProcess::default()
            }),
        }
    }

    fn jobs(t: &ProcessTable) -> Vec<&str> {
        t.listing
            .order()
            .iter()
            .map(|&i| t.rows()[i].process.job_id.as_str())
            .collect()
    }

    #[test]
    fn most_cpu_first_then_by_memory_and_filtered() {
        let mut users = Users::default();
        let mut t = ProcessTable::default();
        assert!(t.replace(
            vec![
                process("b", "j1", 10, 300),
                process("c", "j2", 30, 100),
                process("b", "j3", 20, 200),
            ],
            &mut users,
        ));
        assert_eq!(jobs(&t), ["j2", "j3", "j1"]);
        assert_eq!(t.rows()[0].user, "root");
        t.next_sort();
        t.prepare();
        assert_eq!(jobs(&t), ["j1", "j3", "j2"]);
        t.listing.set_filter("J3".into());
        t.mark_dirty();
        t.prepare();
        assert_eq!(jobs(&t), ["j3"]);
        assert!(!t.replace(
            vec![
                process("b", "j1", 10, 300),
                process("c", "j2", 30, 100),
                process("b", "j3", 20, 200),
            ],
            &mut users,
        ));
        assert_eq!(t.get("j2").unwrap().host, "c");
    }
}
