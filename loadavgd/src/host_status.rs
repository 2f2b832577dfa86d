//! What loadavgd says about its host: the body of a report to migserver and of
//! `loadavgd status`.

use roam_shared::proto;
use serde::Serialize;

/// The host's status at one moment.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct HostStatus {
    /// The idle decision.
    pub idle: bool,
    /// Time since the last input.
    pub input_idle_ms: u64,
    /// 1-minute load average not counting foreign processes.
    pub load: f64,
    /// CPU use not counting foreign processes, in CPUs.
    pub cpu_use: f64,
    /// Online CPUs.
    pub cpus: u32,
    /// Memory.
    pub mem_total_bytes: u64,
    /// Memory available without swapping.
    pub mem_available_bytes: u64,
    /// Slots offered to the cluster.
    pub slots: u32,
    /// The foreign processes running here.
    pub foreign: Vec<ForeignProcess>,
}

/// A foreign job running here, as migd lists it, with what `/proc` says about its processes.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ForeignProcess {
    /// The job.
    pub job_id: String,
    /// Its home host.
    pub home: String,
    /// Its user.
    pub uid: u32,
    /// Its main process.
    pub pid: u32,
    /// Its command line.
    pub command: String,
    /// When it started here.
    pub started_unix_ms: i64,
    /// Its lease ("" when started outside the allocator).
    pub lease_id: String,
    /// CPU time used so far by all its processes.
    pub cpu_ms: u64,
    /// Resident memory of all its processes.
    pub rss_bytes: u64,
    /// Whether migd is evicting it.
    pub evicting: bool,
}

impl From<&HostStatus> for proto::HostStatus {
    fn from(s: &HostStatus) -> Self {
        proto::HostStatus {
            idle: s.idle,
            input_idle_ms: s.input_idle_ms,
            load: s.load,
            cpu_use: s.cpu_use,
            cpus: s.cpus,
            mem_total_bytes: s.mem_total_bytes,
            mem_available_bytes: s.mem_available_bytes,
            slots: s.slots,
            foreign: s.foreign.iter().map(proto::ForeignProcess::from).collect(),
        }
    }
}

impl From<&ForeignProcess> for proto::ForeignProcess {
    fn from(p: &ForeignProcess) -> Self {
        proto::ForeignProcess {
            job_id: p.job_id.clone(),
            home: p.home.clone(),
            uid: p.uid,
            pid: p.pid,
            command: p.command.clone(),
            started_unix_ms: p.started_unix_ms,
            lease_id: p.lease_id.clone(),
            cpu_ms: p.cpu_ms,
            rss_bytes: p.rss_bytes,
        }
    }
}
