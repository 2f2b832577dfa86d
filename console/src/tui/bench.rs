//! The frame-time benchmark: a synthetic cluster of any size drawn on a 200×60 test terminal.

use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use roam_shared::proto::cluster_event::Kind;
use roam_shared::proto::host_info::State;
use roam_shared::proto::{ClusterEvent, ForeignProcess, HostInfo, HostProcess, HostStatus};

use super::state::{App, Tab, Update};
use super::view;

/// The time the synthetic cluster is seen at, Unix ms.
const NOW_MS: i64 = 1_800_000_000_000;

/// Builds a console state with `hosts` hosts, `processes` foreign processes spread over them,
/// a load history for each host and a full event log, then draws one frame of each tab on a
/// 200×60 test terminal. Returns the longest of the three frames (building the state and
/// sorting it, which happen when data arrives rather than per frame, are not counted).
pub fn bench_frame(hosts: usize, processes: usize) -> Duration {
    let mut app = synthetic(hosts, processes);
    let mut terminal = Terminal::new(TestBackend::new(200, 60)).expect("a test terminal");
    app.set_body_rows(view::body_rows(60));
    let mut slowest = Duration::ZERO;
    for tab in Tab::ALL {
        app.tab = tab;
        app.prepare(NOW_MS);
        let start = Instant::now();
        terminal
            .draw(|frame| view::draw(frame, &app, NOW_MS))
            .expect("drawing on a test terminal");
        slowest = slowest.max(start.elapsed());
    }
    slowest
}

/// A cluster of `hosts` hosts and `processes` processes, as the console would hold it after
/// a few reports.
fn synthetic(hosts: usize, processes: usize) -> App {
    let mut app = App::new("10.0.0.1:7000".into());
    app.apply(Update::Connected, NOW_MS);
    let name = |i: usize| format!("node{i:05}");
    let process = |i: usize| HostProcess {
        host: name(i % hosts.max(1)),
        process: Some(ForeignProcess {
            job_id: format!("job{i:06}"),
            home: name((i * 7 + 1) % hosts.max(1)),
            uid: 0,
            pid: 10_000 + u32::try_from(i % 50_000).unwrap_or(0),
            command: format!("simulate --case {i} --steps 100000"),
            started_unix_ms: NOW_MS - i64::try_from(i).unwrap_or(0) * 1000,
            lease_id: format!("lease{i}"),
            cpu_ms: (i as u64 * 7919) % 3_600_000,
            rss_bytes: (i as u64 % 512 + 1) << 20,
        }),
    };
    let all: Vec<HostProcess> = (0..processes).map(process).collect();
    let mut foreign: Vec<Vec<ForeignProcess>> = vec![Vec::new(); hosts.max(1)];
    for (i, hp) in all.iter().enumerate() {
        foreign[i % hosts.max(1)].extend(hp.process.clone());
    }
    const REPORTS: i64 = 30;
    for report in 1..=REPORTS {
        let infos = (0..hosts)
            .map(|i| {
                // Only the latest report lists the foreign processes: the history needs loads.
                let foreign = if report == REPORTS {
                    std::mem::take(&mut foreign[i])
                } else {
                    Vec::new()
                };
                HostInfo {
                    name: name(i),
                    state: [State::Idle, State::Busy, State::Down, State::Drained][i % 4] as i32,
                    migd_addr: format!("10.0.{}.{}:7001", i / 250, i % 250),
                    platform: "x86_64-linux".into(),
                    status: Some(HostStatus {
                        idle: i % 4 == 0,
                        input_idle_ms: (i as u64 * 1000) % 7_200_000,
                        load: ((i as i64 + report) % 9) as f64 / 2.0,
                        cpu_use: 0.5,
                        cpus: 8,
                        mem_total_bytes: 32 << 30,
                        mem_available_bytes: 20 << 30,
                        slots: 8,
                        foreign,
                    }),
                    slots_used: u32::try_from(i % 9).unwrap_or(0),
                    last_report_unix_ms: NOW_MS - 1000 * (REPORTS - report),
                    drained: i % 4 == 3,
                }
            })
            .collect();
        app.apply(Update::Hosts(infos), NOW_MS);
    }
    app.apply(Update::Processes(all), NOW_MS);
    for seq in 1..=super::state::EVENT_CAPACITY as u64 {
        let i = usize::try_from(seq).unwrap_or(0);
        let event = ClusterEvent {
            seq,
            unix_ms: NOW_MS - 10_000 + i64::try_from(seq).unwrap_or(0),
            kind: Kind::ProcessStarted as i32,
            host: name(i % hosts.max(1)),
            uid: 0,
            home: name(0),
            client: "pmake-1".into(),
            lease_id: format!("lease{i}"),
            job_id: format!("job{:06}", i % processes.max(1)),
            detail: "simulate --case 1".into(),
        };
        app.apply(Update::Event(event), NOW_MS);
    }
    app
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_frame_of_a_large_cluster_draws() {
        let took = super::bench_frame(1000, 10_000);
        assert!(took < std::time::Duration::from_secs(1), "{took:?}");
    }
}
