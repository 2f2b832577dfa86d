//! A small cluster for the console's tests: hosts a (idle), b (in use, running two foreign
//! jobs), c (down) and d (drained), and the events that led there.

use roam_shared::proto::cluster_event::Kind;
use roam_shared::proto::host_info::State;
use roam_shared::proto::{ClusterEvent, ForeignProcess, HostInfo, HostProcess, HostStatus};

use super::state::{App, Update};

/// The time the tests see the cluster at, Unix ms.
pub const NOW: i64 = 1_800_000_000_000;

fn job(id: &str, command: &str, cpu_ms: u64, started_s_ago: i64) -> ForeignProcess {
    ForeignProcess {
        job_id: id.into(),
        home: "a".into(),
        uid: 0,
        pid: 4242,
        command: command.into(),
        started_unix_ms: NOW - started_s_ago * 1000,
        lease_id: format!("lease-{id}"),
        cpu_ms,
        rss_bytes: 300 << 20,
    }
}

fn host(
    name: &str,
    state: State,
    load: f64,
    report_at: i64,
    foreign: Vec<ForeignProcess>,
) -> HostInfo {
    HostInfo {
        name: name.into(),
        state: state as i32,
        migd_addr: "127.0.0.12:7001".into(),
        platform: "x86_64-linux".into(),
        status: Some(HostStatus {
            idle: state == State::Idle,
            input_idle_ms: 125_000,
            load,
            cpu_use: 0.25,
            cpus: 4,
            mem_total_bytes: 16 << 30,
            mem_available_bytes: 12 << 30,
            slots: 4,
            foreign,
        }),
        slots_used: 0,
        last_report_unix_ms: report_at,
        drained: state == State::Drained,
    }
}

fn hosts(report_at: i64, cpu: u64) -> Vec<HostInfo> {
    let mut b = host(
        "b",
        State::Busy,
        1.5,
        report_at,
        vec![
            job("j1", "make -C kernel", cpu, 600),
            job("j2", "sim --steps 9", cpu / 2, 30),
        ],
    );
    b.slots_used = 2;
    vec![
        host("a", State::Idle, 0.25, report_at, vec![]),
        b,
        host("c", State::Down, 0.0, report_at - 300_000, vec![]),
        host("d", State::Drained, 0.5, report_at, vec![]),
    ]
}

fn event(seq: u64, kind: Kind, host: &str, job_id: &str, detail: &str) -> ClusterEvent {
    ClusterEvent {
        seq,
        unix_ms: NOW - 60_000 + i64::try_from(seq).unwrap() * 1000,
        kind: kind as i32,
        host: host.into(),
        uid: 0,
        home: "a".into(),
        client: "pmake-1".into(),
        lease_id: format!("lease-{seq}"),
        job_id: job_id.into(),
        detail: detail.into(),
    }
}

/// The connected cluster, prepared for a 80×24 screen.
pub fn cluster() -> App {
    let mut app = App::new("127.0.0.10:7000".into());
    app.apply(Update::Connected, NOW);
    app.apply(Update::Hosts(hosts(NOW - 4000, 10_000)), NOW);
    app.apply(Update::Hosts(hosts(NOW - 2000, 14_000)), NOW);
    let processes = app.hosts.rows()[1]
        .info
        .status
        .iter()
        .flat_map(|s| s.foreign.clone())
        .map(|p| HostProcess {
            host: "b".into(),
            process: Some(p),
        })
        .collect();
    app.apply(Update::Processes(processes), NOW);
    for e in [
        event(1, Kind::LeaseGranted, "c", "", "1 slot"),
        event(2, Kind::ProcessStarted, "c", "j1", "make -C kernel"),
        event(3, Kind::HostBusy, "c", "", "load 2.00"),
        event(
            4,
            Kind::ProcessEvicted,
            "c",
            "j1",
            "owner returned, latency=8ms",
        ),
        event(5, Kind::ProcessStarted, "b", "j1", "make -C kernel"),
        event(6, Kind::ProcessStarted, "b", "j2", "sim --steps 9"),
        event(7, Kind::HostDown, "c", "", "no report for 30s"),
    ] {
        app.apply(Update::Event(e), NOW);
    }
    app.set_body_rows(super::view::body_rows(24));
    app.prepare(NOW);
    app
}
