//! The event-rate benchmark: a watch stream of synthetic events, applied to the console state
//! the way the event loop does (every event, then a refresh of the listings before each frame),
//! to show that the console keeps up and that its memory stays bounded.

use std::time::{Duration, Instant};

use roam_shared::proto::ClusterEvent;
use roam_shared::proto::cluster_event::Kind;

use super::state::{App, Update};

/// Frames per second the event loop draws at most (one every 50 ms).
const FRAMES_PER_SECOND: u64 = 20;

/// What [`bench_events`] measured.
#[derive(Debug, Clone)]
pub struct EventRate {
    /// Events applied.
    pub events: u64,
    /// Wall time to apply them and refresh the listings at every frame.
    pub elapsed: Duration,
    /// `elapsed` divided by `events`.
    pub per_event: Duration,
    /// The slowest second of the stream: under a second means the console kept up.
    pub slowest_second: Duration,
    /// Events the log held at the end of each simulated second.
    pub rows: Vec<usize>,
    /// Jobs whose travels it tracked at the end of each simulated second.
    pub jobs: Vec<usize>,
}

/// Applies `per_second` synthetic events per simulated second for `seconds` seconds to a fresh
/// console state: each job's start, then its end, on hosts of a 1,000-host cluster, with every
/// job id new (the worst case for the per-job travel map). The listings are refreshed
/// `FRAMES_PER_SECOND` times per simulated second, as before drawing. `rows` and `jobs` must
/// stop growing once the log is full (`EVENT_CAPACITY` events).
pub fn bench_events(per_second: u64, seconds: u64) -> EventRate {
    const NOW_MS: i64 = 1_800_000_000_000;
    let mut app = App::new("10.0.0.1:7000".into());
    app.apply(Update::Connected, NOW_MS);
    let per_frame = (per_second / FRAMES_PER_SECOND).max(1);
    let mut seq = 0u64;
    let mut rate = EventRate {
        events: 0,
        elapsed: Duration::ZERO,
        per_event: Duration::ZERO,
        slowest_second: Duration::ZERO,
        rows: Vec::new(),
        jobs: Vec::new(),
    };
    for second in 0..seconds {
        let start = Instant::now();
        let mut sent = 0;
        while sent < per_second {
            for _ in 0..per_frame.min(per_second - sent) {
                seq += 1;
                let job = seq / 2;
                let event = ClusterEvent {
                    seq,
                    unix_ms: NOW_MS + i64::try_from(second * 1000).unwrap_or(0),
                    kind: if seq % 2 == 1 {
                        Kind::ProcessStarted
                    } else {
                        Kind::ProcessEnded
                    } as i32,
                    host: format!("node{:05}", job % 1000),
                    uid: 1000 + u32::try_from(job % 50).unwrap_or(0),
                    home: format!("node{:05}", (job * 7) % 1000),
                    client: "pmake-1".into(),
                    lease_id: format!("lease{job}"),
                    job_id: format!("job{job:08}"),
                    detail: "cc -c file.c".into(),
                };
                app.apply(Update::Event(event), NOW_MS);
                sent += 1;
            }
            app.prepare(NOW_MS);
        }
        let took = start.elapsed();
        rate.elapsed += took;
        rate.slowest_second = rate.slowest_second.max(took);
        rate.events += sent;
        rate.rows.push(app.events.rows().len());
        rate.jobs.push(app.events.jobs_tracked());
    }
    rate.per_event = rate
        .elapsed
        .checked_div(u32::try_from(rate.events).unwrap_or(u32::MAX))
        .unwrap_or_default();
    rate
}

#[cfg(test)]
mod tests {
    use crate::tui::state::EVENT_CAPACITY;

    #[test]
    fn ten_thousand_events_a_second_keep_the_log_bounded() {
        let rate = super::bench_events(10_000, 3);
        assert_eq!(rate.events, 30_000);
        assert_eq!(rate.rows, [EVENT_CAPACITY; 3]);
        // Half the events kept are starts, one per job.
        assert!(
            rate.jobs.iter().all(|&j| j <= EVENT_CAPACITY / 2 + 1),
            "{rate:?}"
        );
    }
}
