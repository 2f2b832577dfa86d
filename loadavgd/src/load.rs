//! The load not counting foreign processes (HTCondor's `NonCondorLoadAvg`).
//!
//! Between two samples: non-foreign CPU use = busy CPU time − the foreign processes' CPU time,
//! in CPUs. The foreign load is an exponential moving average of the foreign CPU use with the
//! kernel's 1-minute time constant, so it decays like the 1-minute load average it is
//! subtracted from. Pure: samples and their times are passed in.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::proc_files::{CpuTicks, ProcessSample, SystemSample};

/// The time constant of the 1-minute load average.
pub const LOAD_WINDOW: Duration = Duration::from_secs(60);

/// The figures derived from one sample.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Load {
    /// 1-minute load average minus the foreign load, ≥ 0.
    pub load: f64,
    /// CPU use over the last interval not counting foreign processes, in CPUs, ≥ 0.
    pub cpu_use: f64,
    /// The foreign processes' CPU use over the last interval, in CPUs.
    pub foreign_cpu_use: f64,
    /// The moving average subtracted from the load average.
    pub foreign_load: f64,
}

/// Carries what one sample needs from the one before.
#[derive(Debug, Default)]
pub struct LoadTracker {
    previous: Option<Previous>,
    /// `None` until foreign CPU use has been measured over one interval.
    foreign_load: Option<f64>,
}

#[derive(Debug)]
struct Previous {
    at: Instant,
    cpu: CpuTicks,
    uptime_ticks: u64,
    /// CPU ticks of each foreign process, by (pid, start time).
    foreign: HashMap<(u32, u64), u64>,
}

impl LoadTracker {
    /// Takes the sample made at `at`. `foreign` lists the foreign processes, or is `None` when
    /// migd could not be asked: then the foreign load counts as 0.
    pub fn update(
        &mut self,
        at: Instant,
        system: &SystemSample,
        foreign: Option<&[ProcessSample]>,
    ) -> Load {
        let previous = self.previous.take();
        let cpus = f64::from(system.cpus.max(1));
        let mut measured = None;
        if let Some(prev) = &previous {
            let per_cpu_ticks = system.cpu.total.saturating_sub(prev.cpu.total) as f64 / cpus;
            if per_cpu_ticks > 0.0 {
                let busy = system.cpu.busy.saturating_sub(prev.cpu.busy) as f64 / per_cpu_ticks;
                let foreign_ticks = foreign.map_or(0, |f| foreign_ticks(prev, f));
                let foreign_use = (foreign_ticks as f64 / per_cpu_ticks).min(cpus);
                measured = Some((
                    (busy - foreign_use).max(0.0),
                    foreign_use,
                    at.saturating_duration_since(prev.at),
                ));
            }
        }
        self.foreign_load = match (foreign, measured, self.foreign_load) {
            (None, _, _) => None,
            (Some(_), Some((_, used, elapsed)), Some(average)) => {
                Some(moving_average(average, used, elapsed))
            }
            // The first measurement stands for the processes' recent past.
            (Some(_), Some((_, used, _)), None) => Some(used),
            (Some(_), None, average) => average,
        };
        self.previous = Some(Previous {
            at,
            cpu: system.cpu,
            uptime_ticks: system.uptime_ticks,
            foreign: foreign
                .unwrap_or_default()
                .iter()
                .map(|p| ((p.pid, p.start_ticks), p.cpu_ticks))
                .collect(),
        });
        let foreign_load = self.foreign_load.unwrap_or(0.0);
        let (cpu_use, foreign_cpu_use) = measured.map_or((0.0, 0.0), |(c, f, _)| (c, f));
        Load {
            load: non_foreign_load(system.loadavg1, foreign_load),
            cpu_use,
            foreign_cpu_use,
            foreign_load,
        }
    }
}

/// The load average not counting a foreign load, never below 0.
pub fn non_foreign_load(loadavg1: f64, foreign_load: f64) -> f64 {
    (loadavg1 - foreign_load).max(0.0)
}

/// One step of the kernel's exponential moving average: `average` decays towards `value` with
/// time constant [`LOAD_WINDOW`].
pub fn moving_average(average: f64, value: f64, elapsed: Duration) -> f64 {
    let decay = (-elapsed.as_secs_f64() / LOAD_WINDOW.as_secs_f64()).exp();
    average * decay + value * (1.0 - decay)
}

/// Foreign CPU ticks spent since `prev`. A process seen before counts its growth; one started
/// since counts all its time; one that was already running but not listed before (migd was
/// unreachable, or its list lagged) starts counting now.
fn foreign_ticks(prev: &Previous, foreign: &[ProcessSample]) -> u64 {
    foreign
        .iter()
        .map(|p| {
            let before = match prev.foreign.get(&(p.pid, p.start_ticks)) {
                Some(&ticks) => ticks,
                None if p.start_ticks >= prev.uptime_ticks => 0,
                None => p.cpu_ticks,
            };
            p.cpu_ticks.saturating_sub(before)
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use std::time::SystemTime;

    use super::*;

    const TICKS: u64 = 100;

    /// The host after `secs` seconds on 2 CPUs, `busy` of them busy throughout.
    fn system(secs: u64, busy: f64, loadavg1: f64) -> SystemSample {
        let total = 2 * TICKS * secs;
        SystemSample {
            loadavg1,
            cpu: CpuTicks {
                busy: (busy * (TICKS * secs) as f64) as u64,
                total,
            },
            cpus: 2,
            boot_time: SystemTime::UNIX_EPOCH,
            uptime_ticks: TICKS * secs,
            mem_total_bytes: 1 << 30,
            mem_available_bytes: 1 << 29,
        }
    }

    fn process(pid: u32, start_secs: u64, cpu_secs: f64) -> ProcessSample {
        ProcessSample {
            pid,
            start_ticks: start_secs * TICKS,
            cpu_ticks: (cpu_secs * TICKS as f64) as u64,
            rss_pages: 10,
            tty: 0,
        }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-6
    }

    #[test]
    fn non_foreign_load_is_clamped_at_zero() {
        assert!(close(non_foreign_load(1.5, 1.0), 0.5));
        assert_eq!(non_foreign_load(0.2, 1.0), 0.0);
    }

    #[test]
    fn moving_average_has_a_one_minute_time_constant() {
        assert!(close(moving_average(1.0, 0.0, Duration::ZERO), 1.0));
        assert!(close(
            moving_average(1.0, 0.0, LOAD_WINDOW),
            (-1.0f64).exp()
        ));
        assert!(close(
            moving_average(0.0, 2.0, LOAD_WINDOW),
            2.0 * (1.0 - (-1.0f64).exp())
        ));
        // Steps compose: two half-minute steps equal one minute.
        let half = moving_average(
            moving_average(1.0, 0.0, LOAD_WINDOW / 2),
            0.0,
            LOAD_WINDOW / 2,
        );
        assert!(close(half, (-1.0f64).exp()));
    }

    #[test]
    fn foreign_cpu_time_is_subtracted_from_cpu_use_and_load() {
        let t0 = Instant::now();
        let mut tracker = LoadTracker::default();
        let first = tracker.update(t0, &system(100, 1.5, 1.5), Some(&[process(7, 10, 50.0)]));
        // No interval yet: nothing measured, the whole load average counts.
        assert_eq!(first.cpu_use, 0.0);
        assert!(close(first.load, 1.5));
        // 10 s later: 1.5 CPUs busy, of which the foreign process used 1 CPU.
        let second = tracker.update(
            t0 + Duration::from_secs(10),
            &system(110, 1.5, 1.5),
            Some(&[process(7, 10, 60.0)]),
        );
        assert!(close(second.foreign_cpu_use, 1.0), "{second:?}");
        assert!(close(second.cpu_use, 0.5), "{second:?}");
        // The first measurement seeds the average.
        assert!(close(second.foreign_load, 1.0));
        assert!(close(second.load, 0.5));
        // The foreign process stops using CPU: its load decays over a minute.
        let third = tracker.update(
            t0 + Duration::from_secs(70),
            &system(170, 0.0, 1.0),
            Some(&[process(7, 10, 60.0)]),
        );
        assert!(close(third.foreign_cpu_use, 0.0));
        assert!(close(third.foreign_load, (-1.0f64).exp()), "{third:?}");
        assert!(close(third.load, 1.0 - (-1.0f64).exp()));
    }

    #[test]
    fn cpu_use_never_goes_negative() {
        let t0 = Instant::now();
        let mut tracker = LoadTracker::default();
        tracker.update(t0, &system(100, 0.2, 0.2), Some(&[process(7, 10, 0.0)]));
        let l = tracker.update(
            t0 + Duration::from_secs(10),
            &system(110, 0.2, 0.2),
            Some(&[process(7, 10, 5.0)]),
        );
        assert_eq!(l.cpu_use, 0.0);
        assert_eq!(l.load, 0.0);
    }

    #[test]
    fn new_processes_count_from_their_start_and_late_listed_ones_from_now() {
        let t0 = Instant::now();
        let mut tracker = LoadTracker::default();
        tracker.update(t0, &system(100, 1.0, 1.0), Some(&[]));
        let l = tracker.update(
            t0 + Duration::from_secs(10),
            &system(110, 1.0, 1.0),
            Some(&[
                // Started 5 s ago: its 5 s count.
                process(8, 105, 5.0),
                // Running for long, listed only now: its past is not this interval's.
                process(9, 50, 40.0),
            ]),
        );
        assert!(close(l.foreign_cpu_use, 0.5), "{l:?}");
        // A reused pid is a new process.
        let l = tracker.update(
            t0 + Duration::from_secs(20),
            &system(120, 1.0, 1.0),
            Some(&[process(8, 115, 2.0), process(9, 50, 45.0)]),
        );
        assert!(close(l.foreign_cpu_use, 0.7), "{l:?}");
    }

    #[test]
    fn without_migd_the_foreign_load_is_zero() {
        let t0 = Instant::now();
        let mut tracker = LoadTracker::default();
        tracker.update(t0, &system(100, 1.0, 1.0), Some(&[process(7, 10, 0.0)]));
        let l = tracker.update(
            t0 + Duration::from_secs(10),
            &system(110, 1.0, 1.0),
            Some(&[process(7, 10, 10.0)]),
        );
        assert!(close(l.load, 0.0));
        let l = tracker.update(t0 + Duration::from_secs(20), &system(120, 1.0, 1.0), None);
        assert_eq!(l.foreign_load, 0.0);
        assert!(close(l.load, 1.0));
        assert!(close(l.cpu_use, 1.0));
    }
}
