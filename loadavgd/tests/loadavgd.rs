//! The real loadavgd binary against stand-in migserver and migd.

mod support;

use std::process::{Child, Command};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use roam_shared::proto::{EvictAll, ForeignJob, Revoke, host_command};
use serde_json::Value;
use support::{Host, Settings, migd, migserver, press, wait_until};

const LONG: Duration = Duration::from_secs(10);

fn addr(last: u8) -> std::net::SocketAddr {
    (std::net::Ipv4Addr::new(127, 0, 0, last), 0).into()
}

/// A process that burns CPU until killed.
struct Spinner(Child);

impl Spinner {
    fn start() -> Spinner {
        Spinner(
            Command::new("sh")
                .args(["-c", "while :; do :; done"])
                .spawn()
                .unwrap(),
        )
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn job(pid: u32) -> ForeignJob {
    ForeignJob {
        job_id: "b-17".into(),
        home: "b".into(),
        uid: 1000,
        pid,
        command: "spin".into(),
        started_unix_ms: 1,
        lease_id: "L1".into(),
        pids: vec![pid],
        evicting: false,
    }
}

#[test]
fn reports_idle_after_idle_after_and_busy_within_a_second_of_input() {
    let seen = Arc::new(migserver::Seen::default());
    let mut host = Host::new(Settings::default());
    let server = migserver::StandIn::start(addr(31), host.key(), seen.clone());
    host = host.with_migserver(server.addr);
    let migd = migd::StandIn::start(&host.migd_socket());
    let daemon = host.start();

    wait_until("an idle report arrives", LONG, || {
        seen.reports()
            .iter()
            .any(|r| r.report.status.as_ref().unwrap().idle)
    });
    let first = seen.reports()[0].clone();
    assert_eq!(first.home, "a", "signed by the host itself");
    assert_eq!(first.report.host, "a");
    assert_eq!(first.report.migd_addr, "127.0.0.21:7420");
    assert_eq!(
        first.report.platform,
        format!("{}-linux", std::env::consts::ARCH)
    );
    assert_eq!(first.report.interval_ms, 200);
    let status = first.report.status.unwrap();
    assert!(status.cpus >= 1 && status.slots == status.cpus);
    assert!(status.mem_total_bytes >= status.mem_available_bytes);
    assert!(status.mem_available_bytes > 0);
    let idle = seen
        .reports()
        .into_iter()
        .find(|r| r.report.status.as_ref().unwrap().idle)
        .unwrap();
    assert!(idle.report.status.unwrap().input_idle_ms >= 1000);

    let mut input = host.input();
    let pressed = Instant::now();
    press(&mut input);
    wait_until("a busy report arrives", Duration::from_secs(1), || {
        seen.reports()
            .iter()
            .any(|r| r.at >= pressed && !r.report.status.as_ref().unwrap().idle)
    });
    wait_until(
        "migd is asked to evict everything",
        Duration::from_secs(1),
        || {
            migd.seen.evictions().iter().any(|(at, e)| {
                *at >= pressed && e.lease_ids.is_empty() && e.reason == "owner returned"
            })
        },
    );
    let busy = seen
        .reports()
        .into_iter()
        .find(|r| r.at >= pressed && !r.report.status.as_ref().unwrap().idle)
        .unwrap();
    assert!(busy.report.status.unwrap().input_idle_ms < 1000);
    // And idle again once input stays away.
    wait_until("idle again", LONG, || {
        seen.reports().iter().any(|r| {
            r.at >= pressed + Duration::from_secs(1) && r.report.status.as_ref().unwrap().idle
        })
    });
    assert!(daemon.stop().success());
}

#[test]
fn reconnects_within_two_report_intervals_after_a_server_restart() {
    let every = Duration::from_millis(500);
    let seen = Arc::new(migserver::Seen::default());
    let host = Host::new(Settings {
        report_every: "500ms",
        ..Settings::default()
    });
    let server = migserver::StandIn::start(addr(32), host.key(), seen.clone());
    let at = server.addr;
    let host = host.with_migserver(at);
    let daemon = host.start();
    wait_until("a first report", LONG, || !seen.reports().is_empty());

    drop(server);
    daemon.wait_for_log("reconnecting", LONG);
    // Down for longer than the backoff takes to reach its cap, so the quick retries are over.
    std::thread::sleep(2 * every);
    let seen_again = Arc::new(migserver::Seen::default());
    let restarted = Instant::now();
    let _server = migserver::StandIn::start(at, host.key(), seen_again.clone());
    wait_until("a report to the restarted server", LONG, || {
        !seen_again.reports().is_empty()
    });
    let took = seen_again.reports()[0].at - restarted;
    assert!(
        took <= 2 * every + Duration::from_millis(300),
        "the host reappeared {took:?} after the restart"
    );
    assert!(daemon.stop().success());
}

#[test]
fn migserver_commands_become_evictions_by_migd() {
    let seen = Arc::new(migserver::Seen::default());
    let host = Host::new(Settings::default());
    let server = migserver::StandIn::start(addr(33), host.key(), seen.clone());
    let host = host.with_migserver(server.addr);
    let migd = migd::StandIn::start(&host.migd_socket());
    let _daemon = host.start();
    wait_until("a first report", LONG, || !seen.reports().is_empty());

    seen.command(host_command::Kind::Revoke(Revoke {
        lease_ids: vec!["L1".into(), "L2".into()],
    }));
    wait_until("migd is asked to evict leases L1 and L2", LONG, || {
        migd.seen
            .evictions()
            .iter()
            .any(|(_, e)| e.lease_ids == ["L1", "L2"] && e.reason == "lease revoked for fair share")
    });
    seen.command(host_command::Kind::EvictAll(EvictAll {}));
    wait_until("migd is asked to evict everything", LONG, || {
        migd.seen
            .evictions()
            .iter()
            .any(|(_, e)| e.lease_ids.is_empty() && e.reason == "evicted by an administrator")
    });
    // A revocation of nothing is not an eviction of everything.
    let before = migd.seen.evictions().len();
    seen.command(host_command::Kind::Revoke(Revoke { lease_ids: vec![] }));
    seen.command(host_command::Kind::Revoke(Revoke {
        lease_ids: vec!["L3".into()],
    }));
    wait_until("the revocation of L3", LONG, || {
        migd.seen
            .evictions()
            .iter()
            .any(|(_, e)| e.lease_ids == ["L3"])
    });
    assert_eq!(migd.seen.evictions().len(), before + 1);
}

#[test]
fn evictions_on_continuing_input_are_rate_limited() {
    let host = Host::new(Settings {
        idle_after: "1h",
        ..Settings::default()
    });
    let migd = migd::StandIn::start(&host.migd_socket());
    // A foreign job that migd (the stand-in) never gets round to evicting.
    let spinner = Spinner::start();
    migd.seen.foreign.lock().unwrap().push(job(spinner.0.id()));
    let daemon = host.start();
    daemon.wait_for_log("ready", LONG);

    let mut input = host.input();
    let start = Instant::now();
    while start.elapsed() < Duration::from_millis(1500) {
        press(&mut input);
        std::thread::sleep(Duration::from_millis(10));
    }
    let evictions = migd.seen.evictions();
    assert!(
        (3..=8).contains(&evictions.len()),
        "{} evictions for 150 inputs over 1.5s",
        evictions.len()
    );
    assert!(evictions.iter().all(|(_, e)| e.reason == "owner returned"));
}

#[test]
fn status_reports_this_host_its_input_idle_time_and_foreign_jobs() {
    let host = Host::new(Settings {
        idle_after: "10s",
        inputs: "stamped",
        slots: Some(3),
        ..Settings::default()
    });
    let stamped = host.dir.path().join("stamped");
    let touched = SystemTime::now() - Duration::from_secs(42);
    std::fs::File::create(&stamped)
        .unwrap()
        .set_times(
            std::fs::FileTimes::new()
                .set_accessed(touched)
                .set_modified(touched),
        )
        .unwrap();
    let migd = migd::StandIn::start(&host.migd_socket());
    let spinner = Spinner::start();
    migd.seen.foreign.lock().unwrap().push(job(spinner.0.id()));

    let out = host.run(&["status", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["host"], "a");
    assert_eq!(json["idle"], true, "{json}");
    let input_idle = json["input_idle_ms"].as_u64().unwrap();
    assert!((42_000..50_000).contains(&input_idle), "{json}");
    let cpus = json["cpus"].as_u64().unwrap();
    assert!(cpus >= 1);
    assert_eq!(json["slots"], 3);
    let load = json["load"].as_f64().unwrap();
    let cpu_use = json["cpu_use"].as_f64().unwrap();
    assert!(
        load >= 0.0 && (0.0..=cpus as f64).contains(&cpu_use),
        "{json}"
    );
    let total = json["mem_total_bytes"].as_u64().unwrap();
    let available = json["mem_available_bytes"].as_u64().unwrap();
    assert!(total >= available && available > 0);
    assert_eq!(json["migd_reachable"], true);
    let foreign = json["foreign"].as_array().unwrap();
    assert_eq!(foreign.len(), 1, "{json}");
    assert_eq!(foreign[0]["job_id"], "b-17");
    assert_eq!(foreign[0]["pid"], spinner.0.id());
    assert!(foreign[0]["rss_bytes"].as_u64().unwrap() > 0, "{json}");
    // The spinning job's CPU is measured, and not counted as the owner's.
    assert!(json["foreign_cpu_use"].as_f64().unwrap() > 0.05, "{json}");
    assert!(json["foreign_load"].as_f64().unwrap() > 0.05, "{json}");

    let out = host.run(&["status"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("state        idle"), "{text}");
    assert!(text.contains("b-17"), "{text}");
}

#[test]
fn runs_without_migd_or_migserver() {
    let host = Host::new(Settings::default());
    let daemon = host.start();
    daemon.wait_for_log("idle: no input for", LONG);
    let mut input = host.input();
    press(&mut input);
    daemon.wait_for_log("busy: input", Duration::from_secs(1));
    let log = daemon.log();
    assert_eq!(log.matches("no [migserver]").count(), 1, "{log}");
    assert_eq!(log.matches("cannot reach migd").count(), 1, "{log}");

    let out = host.run(&["status", "--json"]);
    assert!(out.status.success());
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["migd_reachable"], false);
    assert_eq!(json["foreign"], Value::Array(vec![]));

    assert!(daemon.stop().success());
}

#[test]
fn unusable_configs_are_one_line_errors() {
    let host = Host::new(Settings {
        inputs: "[",
        ..Settings::default()
    });
    let out = host.run(&[]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.starts_with("loadavgd: [loadavgd] inputs: "), "{err}");

    let host = Host::new(Settings::default()).with_migserver(addr(34));
    std::fs::remove_file(host.dir.path().join("cluster.key")).unwrap();
    let out = host.run(&[]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.starts_with("loadavgd: cluster key "), "{err}");
}
