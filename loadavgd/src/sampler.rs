//! One sample of the host: `/proc` for the load, CPU time and memory, the local migd for the
//! foreign jobs and `/proc/PID/stat` for their processes.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use roam_shared::proto::ForeignJob;
use tokio::sync::watch;
use tokio::time::MissedTickBehavior;

use crate::host_status::{ForeignProcess, HostStatus};
use crate::load::{Load, LoadTracker};
use crate::migd_link::MigdLink;
use crate::proc_files::{self, ProcError, ProcessSample, SystemSample};

/// What one sample found.
#[derive(Debug, Clone)]
pub struct Sample {
    /// Host-wide figures.
    pub system: SystemSample,
    /// The load and CPU use not counting foreign processes.
    pub load: Load,
    /// The foreign jobs (empty when migd cannot be reached).
    pub foreign: Vec<ForeignProcess>,
    /// Whether migd answered.
    pub migd_reachable: bool,
}

impl Sample {
    /// The non-foreign load per CPU, as the idle decision sees it.
    pub fn load_per_cpu(&self) -> f64 {
        self.load.load / f64::from(self.system.cpus.max(1))
    }

    /// The host's status from this sample, the idle decision and the time since the last input;
    /// `slots` defaults to the CPU count.
    pub fn status(&self, idle: bool, input_idle: Duration, slots: Option<u32>) -> HostStatus {
        HostStatus {
            idle,
            input_idle_ms: u64::try_from(input_idle.as_millis()).unwrap_or(u64::MAX),
            load: self.load.load,
            cpu_use: self.load.cpu_use,
            cpus: self.system.cpus,
            mem_total_bytes: self.system.mem_total_bytes,
            mem_available_bytes: self.system.mem_available_bytes,
            slots: slots.unwrap_or(self.system.cpus),
            foreign: self.foreign.clone(),
        }
    }
}

/// Takes samples, carrying what the load arithmetic needs from one to the next.
#[derive(Debug)]
pub struct Sampler {
    migd: Arc<MigdLink>,
    tracker: LoadTracker,
    ticks_per_second: u64,
    page_size: u64,
}

impl Sampler {
    /// A sampler asking `migd` for the foreign jobs.
    pub fn new(migd: Arc<MigdLink>) -> Self {
        Sampler {
            migd,
            tracker: LoadTracker::default(),
            ticks_per_second: proc_files::ticks_per_second(),
            page_size: proc_files::page_size(),
        }
    }

    /// Samples every `every` (the first sample is taken `every` from now), publishing each
    /// sample on `samples`, until nobody listens.
    pub async fn run(mut self, every: Duration, samples: watch::Sender<Sample>) {
        let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
        while !samples.is_closed() {
            tick.tick().await;
            match self.sample().await {
                Ok(sample) => {
                    samples.send_replace(sample);
                }
                Err(e) => tracing::warn!("cannot sample the load: {e}"),
            }
        }
    }

    /// Samples the host now.
    pub async fn sample(&mut self) -> Result<Sample, ProcError> {
        let jobs = self.migd.foreign_jobs().await.ok();
        let at = Instant::now();
        let system = proc_files::read_system(self.ticks_per_second)?;
        let processes: Option<Vec<Vec<ProcessSample>>> = jobs
            .as_ref()
            .map(|jobs| jobs.iter().map(job_processes).collect());
        let flat: Option<Vec<ProcessSample>> = processes.as_ref().map(|p| p.concat());
        let load = self.tracker.update(at, &system, flat.as_deref());
        let foreign = match (&jobs, &processes) {
            (Some(jobs), Some(processes)) => jobs
                .iter()
                .zip(processes)
                .map(|(job, procs)| self.describe(job, procs))
                .collect(),
            _ => Vec::new(),
        };
        Ok(Sample {
            system,
            load,
            foreign,
            migd_reachable: jobs.is_some(),
        })
    }

    fn describe(&self, job: &ForeignJob, processes: &[ProcessSample]) -> ForeignProcess {
        let ticks: u64 = processes.iter().map(|p| p.cpu_ticks).sum();
        let pages: u64 = processes.iter().map(|p| p.rss_pages).sum();
        ForeignProcess {
            job_id: job.job_id.clone(),
            home: job.home.clone(),
            uid: job.uid,
            pid: job.pid,
            command: job.command.clone(),
            started_unix_ms: job.started_unix_ms,
            lease_id: job.lease_id.clone(),
            cpu_ms: ticks * 1000 / self.ticks_per_second,
            rss_bytes: pages * self.page_size,
            evicting: job.evicting,
        }
    }
}

/// The controlling terminals of the foreign processes, asked of migd now: a foreign job reading
/// its own pty is not the owner typing.
pub async fn foreign_terminals(migd: &MigdLink) -> HashSet<u64> {
    let jobs = migd.foreign_jobs().await.unwrap_or_default();
    jobs.iter()
        .flat_map(job_processes)
        .map(|p| p.tty)
        .filter(|&tty| tty != 0)
        .collect()
}

/// Every live process of `job` (its main process when migd lists no others).
fn job_processes(job: &ForeignJob) -> Vec<ProcessSample> {
    let pids = if job.pids.is_empty() {
        std::slice::from_ref(&job.pid)
    } else {
        job.pids.as_slice()
    };
    pids.iter()
        .filter_map(|&pid| proc_files::read_process(pid))
        .collect()
}
