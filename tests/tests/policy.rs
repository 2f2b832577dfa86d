//! Idle hosts, fair share and eviction, end to end: migserver, a loadavgd and a migd per host,
//! all real processes on loopback; the owner's return is a key press on a host's fake input FIFO.

use std::collections::HashMap;
use std::io::Read as _;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use roam_harness::{Binaries, Cluster, ClusterOptions, PolicyOptions, block_on, wait_until};
use roam_shared::proto::cluster_event::Kind as EventKind;
use roam_shared::proto::host_info::State;
use roam_shared::proto::{
    ClusterEvent, HostRef, HostReport, HostStatus, HostsRequest, LeaseIds, ListHostsRequest,
    WatchRequest,
};
use tokio_stream::StreamExt;

fn cluster(policy: PolicyOptions) -> Cluster {
    let c = Cluster::start(
        Binaries::from_workspace().expect("build the binaries"),
        ClusterOptions {
            policy: Some(policy),
            ..ClusterOptions::default()
        },
    )
    .expect("start the cluster");
    c.wait_all_idle(Duration::from_secs(10))
        .expect("hosts become idle");
    c
}

fn state_of(c: &Cluster, host: &str) -> Option<State> {
    c.list_hosts()
        .ok()?
        .into_iter()
        .find(|h| h.name == host)
        .map(|h| h.state())
}

/// Asks migserver for `count` slots as `uid` at `home` with client id `client`; returns
/// the hosts of the leases granted, and their ids.
fn request(c: &Cluster, count: u32, uid: u32, home: &str, client: &str) -> Vec<(String, String)> {
    block_on(async {
        let mut server = c.migserver().await.unwrap();
        let message = HostsRequest {
            count,
            client: client.into(),
            platform: String::new(),
        };
        let grant = server
            .request_hosts(c.signed(message, uid, &[uid], home))
            .await
            .expect("RequestHosts")
            .into_inner();
        grant.leases.into_iter().map(|l| (l.host, l.id)).collect()
    })
}

#[test]
fn idle_hosts_show_in_list_hosts_with_their_slots() {
    let c = cluster(PolicyOptions::default());
    let hosts = c.list_hosts().unwrap();
    let mut names: Vec<_> = hosts.iter().map(|h| h.name.as_str()).collect();
    names.sort();
    assert_eq!(names, ["a", "b", "c"]);
    for h in &hosts {
        assert_eq!(h.state(), State::Idle, "{h:?}");
        assert_eq!(h.status.as_ref().unwrap().slots, 2);
        assert_eq!(
            h.migd_addr,
            c.host(["a", "b", "c"].iter().position(|n| *n == h.name).unwrap())
                .addr
                .to_string()
        );
    }
}

#[test]
fn owner_input_makes_a_host_busy_within_a_second_and_it_is_never_allocated() {
    let c = cluster(PolicyOptions::default());
    let started = Instant::now();
    c.owner_input(1).unwrap();
    assert!(
        wait_until(Duration::from_secs(1), || state_of(&c, "b")
            == Some(State::Busy)),
        "b still {:?} after {:?}",
        state_of(&c, "b"),
        started.elapsed()
    );
    // Keep the owner busy while asking for every slot there is.
    c.owner_input(1).unwrap();
    let granted = request(&c, 100, 1000, "a", "t");
    assert_eq!(granted.len(), 4, "{granted:?}");
    assert!(granted.iter().all(|(host, _)| host != "b"), "{granted:?}");
}

/// The timestamps (ns) a job appended to `file`.
fn stamps(file: &std::path::Path) -> Vec<u128> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect()
}

fn now_ns() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

#[test]
fn a_returning_owner_stops_foreign_work_at_once_and_mig_exits_254() {
    let c = cluster(PolicyOptions::default());
    let file = c.dir().join("stamps");
    let script = format!(
        "echo $ROAM_HOST; while :; do date +%s%N >> {}; done",
        file.display()
    );
    let mut mig = c.mig(0);
    let mut child = mig
        .args(["-v", "sh", "-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut host = [0u8; 2];
    child.stdout.take().unwrap().read_exact(&mut host).unwrap();
    let i = usize::from(host[0] - b'a');
    assert!(wait_until(Duration::from_secs(5), || stamps(&file).len() > 20));

    let input_at = now_ns();
    c.owner_input(i).unwrap();
    assert!(
        wait_until(Duration::from_secs(5), || matches!(
            child.try_wait(),
            Ok(Some(_))
        )),
        "mig did not end after the owner returned"
    );
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(254), "{stderr}");
    let name = (host[0] as char).to_string();
    assert!(
        stderr.contains(&format!("mig: evicted from {name}: owner returned")),
        "{stderr}"
    );
    assert!(stderr.contains("host from migserver"), "{stderr}");
    // The job made no progress later than 100 ms after the key press.
    let last = *stamps(&file).last().unwrap();
    assert!(
        last < input_at + 100_000_000,
        "the job still ran {} ms after the owner's input",
        (last - input_at) / 1_000_000
    );
    // Nothing of it is left on the host.
    assert!(wait_until(Duration::from_secs(2), || c
        .list_jobs(i)
        .unwrap()
        .foreign
        .is_empty()));
}

#[test]
fn two_requesters_share_six_slots_three_each_and_the_surplus_is_evicted() {
    let c = cluster(PolicyOptions::default());
    // Six mig jobs from host a take every slot (one requester: root's "mig" at a).
    let mut jobs: Vec<_> = (0..6)
        .map(|_| {
            let mut job = c.spawn_mig(
                0,
                &["-v", "sh", "-c", "echo $ROAM_HOST; exec sleep 60"],
                Stdio::null(),
            );
            let host = job.line();
            (job, host)
        })
        .collect();
    let mut per_host: HashMap<String, usize> = HashMap::new();
    for (_, host) in &jobs {
        *per_host.entry(host.clone()).or_default() += 1;
    }
    assert_eq!(
        per_host
            .values()
            .copied()
            .collect::<Vec<_>>()
            .iter()
            .sum::<usize>(),
        6
    );
    assert!(per_host.values().all(|&n| n == 2), "{per_host:?}");

    // A second requester arrives and asks for six: it gets its fair share, three.
    let granted = request(&c, 6, 1000, "b", "pmake");
    assert_eq!(granted.len(), 3, "{granted:?}");
    // Three of the first requester's jobs are evicted to make room.
    let evicted = wait_until(Duration::from_secs(10), || {
        jobs.iter_mut()
            .map(|(job, _)| job.child.try_wait())
            .filter(|status| matches!(status, Ok(Some(s)) if s.code() == Some(254)))
            .count()
            == 3
    });
    assert!(evicted, "three jobs were not evicted");
    let still_running = jobs
        .iter_mut()
        .map(|(job, _)| job.child.try_wait())
        .filter(|status| matches!(status, Ok(None)))
        .count();
    assert_eq!(still_running, 3);
    for (job, _) in &mut jobs {
        let _ = job.child.kill();
        let _ = job.child.wait();
    }
}

#[test]
fn expired_leases_free_their_slots() {
    let c = cluster(PolicyOptions {
        lease_ttl: Duration::from_millis(600),
        ..PolicyOptions::default()
    });
    assert_eq!(request(&c, 6, 1000, "a", "t").len(), 6);
    // Nobody renews them; until they lapse nothing is free.
    assert!(request(&c, 1, 1000, "a", "t").is_empty());
    assert!(
        wait_until(Duration::from_secs(5), || {
            c.list_hosts().unwrap().iter().all(|h| h.slots_used == 0)
        }),
        "slots still used after the leases' lifetime"
    );
    assert_eq!(request(&c, 6, 1001, "b", "t").len(), 6);
}

#[test]
fn released_and_renewed_leases() {
    let c = cluster(PolicyOptions::default());
    let granted = request(&c, 2, 1000, "a", "t");
    let ids: Vec<String> = granted.iter().map(|(_, id)| id.clone()).collect();
    block_on(async {
        let mut server = c.migserver().await.unwrap();
        let renewed = server
            .renew_leases(c.signed(LeaseIds { ids: ids.clone() }, 1000, &[1000], "a"))
            .await
            .unwrap()
            .into_inner();
        assert!(renewed.gone.is_empty(), "{renewed:?}");
        // Another user cannot renew them.
        let theirs = server
            .renew_leases(c.signed(LeaseIds { ids: ids.clone() }, 1001, &[1001], "a"))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(theirs.gone.len(), 2);
        server
            .release_leases(c.signed(LeaseIds { ids: ids.clone() }, 1000, &[1000], "a"))
            .await
            .unwrap();
    });
    assert!(c.list_hosts().unwrap().iter().all(|h| h.slots_used == 0));
}

#[test]
fn migserver_killed_and_restarted_keeps_its_history_and_hosts_come_back() {
    let mut c = cluster(PolicyOptions::default());
    let granted = request(&c, 1, 1000, "a", "before-crash");
    assert_eq!(granted.len(), 1);
    let is_grant =
        |e: &ClusterEvent| e.kind() == EventKind::LeaseGranted && e.client == "before-crash";
    let before = history(&c);
    let grant = before
        .iter()
        .find(|e| is_grant(e))
        .expect("the grant is an event")
        .seq;
    // Events are written in batches; a kill -9 may lose the last 50 ms, not what is on disk.
    assert!(wait_until(Duration::from_secs(5), || c.migserver_committed(grant)));
    c.kill_migserver().unwrap();
    c.start_migserver().unwrap();
    // Hosts report again within two report intervals (plus start-up slack).
    c.wait_all_idle(Duration::from_secs(3)).unwrap();
    let after = history(&c);
    assert!(
        after.iter().any(|e| is_grant(e) && e.seq == grant),
        "the grant from before the crash is not in the history: {after:?}"
    );
    assert!(after.windows(2).all(|w| w[0].seq < w[1].seq));
    assert!(
        after
            .iter()
            .any(|e| e.kind() == EventKind::HostUp && e.seq > grant)
    );
}

/// Every event in migserver's log, oldest first.
fn history(c: &Cluster) -> Vec<ClusterEvent> {
    block_on(async {
        let mut server = c.migserver().await.unwrap();
        let mut events = server
            .watch(c.signed(WatchRequest { history: 10_000 }, 0, &[0], "a"))
            .await
            .unwrap()
            .into_inner();
        let mut history = Vec::new();
        while let Ok(Some(Ok(e))) =
            tokio::time::timeout(Duration::from_millis(300), events.next()).await
        {
            history.push(e);
        }
        history
    })
}

#[test]
fn a_host_whose_loadavgd_stops_is_marked_down() {
    let mut c = cluster(PolicyOptions::default());
    c.stop_loadavgd(2).unwrap();
    assert!(
        wait_until(Duration::from_secs(6), || state_of(&c, "c")
            == Some(State::Down)),
        "c is {:?}",
        state_of(&c, "c")
    );
    assert!(
        request(&c, 100, 1000, "a", "t")
            .iter()
            .all(|(h, _)| h != "c")
    );
}

#[test]
fn a_drained_host_is_never_allocated() {
    let c = cluster(PolicyOptions::default());
    let roam = |args: &[&str]| {
        Command::new(&Binaries::from_workspace().unwrap().roam)
            .args(args)
            .env("ROAM_CONFIG", &c.host(0).config)
            .output()
            .unwrap()
    };
    let out = roam(&["drain", "b"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = roam(&["hosts", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let hosts: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let b = hosts
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["name"] == "b")
        .unwrap();
    assert_eq!(b["state"], "drained");
    let granted = request(&c, 100, 1000, "a", "t");
    assert_eq!(granted.len(), 4, "{granted:?}");
    assert!(granted.iter().all(|(h, _)| h != "b"));
    let out = roam(&["undrain", "b"]);
    assert!(out.status.success());
    assert!(
        request(&c, 100, 1001, "a", "u")
            .iter()
            .any(|(h, _)| h == "b")
    );
    let out = roam(&["drain", "nosuchhost"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("nosuchhost"));
}

#[test]
fn forged_host_reports_and_non_admin_evicts_are_refused() {
    let c = cluster(PolicyOptions::default());
    block_on(async {
        let mut server = c.migserver().await.unwrap();
        // Host a's credential, reporting as b.
        let forged = HostReport {
            host: "b".into(),
            migd_addr: "127.0.0.66:1".into(),
            platform: String::new(),
            interval_ms: 200,
            status: Some(HostStatus {
                idle: true,
                slots: 64,
                ..HostStatus::default()
            }),
        };
        let stream = tokio_stream::iter(vec![forged]);
        let refused = match server.report(c.signed(stream, 0, &[0], "a")).await {
            Err(status) => status,
            Ok(response) => {
                let mut commands = response.into_inner();
                loop {
                    match commands.next().await {
                        Some(Err(status)) => break status,
                        Some(Ok(_)) => continue,
                        None => panic!("a forged report was accepted"),
                    }
                }
            }
        };
        assert_eq!(refused.code(), tonic::Code::PermissionDenied, "{refused:?}");
        let hosts = server
            .list_hosts(c.signed(ListHostsRequest {}, 1000, &[1000], "a"))
            .await
            .unwrap()
            .into_inner()
            .hosts;
        let b = hosts.iter().find(|h| h.name == "b").unwrap();
        assert_ne!(b.migd_addr, "127.0.0.66:1");

        let denied = server
            .evict(c.signed(HostRef { host: "b".into() }, 1000, &[1000], "a"))
            .await
            .unwrap_err();
        assert_eq!(denied.code(), tonic::Code::PermissionDenied, "{denied:?}");
        server
            .evict(c.signed(HostRef { host: "b".into() }, 0, &[0], "a"))
            .await
            .expect("root may evict");
    });
}
