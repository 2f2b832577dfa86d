//! roam's `--json` output end to end, as scripts read it: each command against a loopback policy
//! cluster with a job running, parsed with serde_json; and its failures (an unknown host,
//! migserver down) as a script sees them: a non-zero exit and a message that says why.

use std::process::{Command, Output, Stdio};
use std::time::Duration;

use roam_harness::{Binaries, Cluster, ClusterOptions, MigJob, PolicyOptions, wait_until};
use roam_shared::proto::host_info::State;
use serde_json::Value;

fn cluster() -> Cluster {
    let c = Cluster::start(
        Binaries::from_workspace().expect("build the binaries"),
        ClusterOptions {
            policy: Some(PolicyOptions::default()),
            ..ClusterOptions::default()
        },
    )
    .expect("start the cluster");
    c.wait_all_idle(Duration::from_secs(10)).unwrap();
    c
}

/// `roam ARGS` as root at host a.
fn roam(c: &Cluster, args: &[&str]) -> Output {
    Command::new(&Binaries::from_workspace().unwrap().roam)
        .arg("--config")
        .arg(&c.host(0).config)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// `roam ARGS`, which must succeed, parsed as one JSON value.
fn json(c: &Cluster, args: &[&str]) -> Value {
    let out = roam(c, args);
    assert!(out.status.success(), "roam {args:?}: {out:?}");
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("roam {args:?} printed no JSON ({e}): {out:?}"))
}

/// `roam ARGS`, which must succeed, parsed as one JSON value per line.
fn json_lines(c: &Cluster, args: &[&str]) -> Vec<Value> {
    let out = roam(c, args);
    assert!(out.status.success(), "roam {args:?}: {out:?}");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// Starts a long job from host a (whose user is typing, so it leaves a); returns it and its host.
fn long_job(c: &Cluster) -> (MigJob, String) {
    c.owner_input(0).unwrap();
    assert!(wait_until(Duration::from_secs(5), || {
        c.list_hosts()
            .is_ok_and(|h| h.iter().any(|h| h.name == "a" && h.state() == State::Busy))
    }));
    let mut job = c.spawn_mig(
        0,
        &["sh", "-c", "echo $ROAM_HOST; exec sleep 600"],
        Stdio::null(),
    );
    let host = job.line();
    assert_ne!(host, "a", "the job stayed home");
    (job, host)
}

fn host<'a>(hosts: &'a Value, name: &str) -> &'a Value {
    hosts
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["name"] == name)
        .unwrap_or_else(|| panic!("no host {name} in {hosts}"))
}

#[test]
fn json_output_describes_the_cluster_and_its_job() {
    let c = cluster();
    let (mut job, on) = long_job(&c);
    let i = c.hosts().iter().position(|h| h.name == on).unwrap();
    // migserver learns of the job from the host's next report.
    let listed = || {
        json(&c, &["ps", "--json"])
            .as_array()
            .is_some_and(|p| p.len() == 1)
    };
    assert!(wait_until(Duration::from_secs(10), listed));

    let hosts = json(&c, &["hosts", "--json"]);
    let mut names: Vec<&str> = hosts
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["name"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["a", "b", "c"]);
    assert_eq!(host(&hosts, &on)["state"], "idle");
    assert_eq!(host(&hosts, &on)["foreign"], 1);
    assert_eq!(host(&hosts, &on)["slots"], 2);
    assert_eq!(
        host(&hosts, &on)["migd_addr"],
        c.host(i).addr.to_string().as_str()
    );

    let ps = json(&c, &["ps", "--json"]);
    let p = &ps[0];
    assert_eq!(p["host"], on.as_str());
    assert_eq!(p["home"], "a");
    assert_eq!(p["uid"], 0);
    assert_eq!(p["user"], "root");
    assert!(p["command"].as_str().unwrap().contains("sleep 600"), "{p}");
    let job_id = p["job_id"].as_str().unwrap().to_owned();
    let lease_id = p["lease_id"].as_str().unwrap().to_owned();
    assert!(!lease_id.is_empty(), "placed through migserver: {p}");
    assert_eq!(json(&c, &["ps", "--json", "--host", &on]), ps);
    assert_eq!(json(&c, &["ps", "--json", "--user", "root"]), ps);
    assert_eq!(json(&c, &["ps", "--json", "--user", "0"]), ps);
    assert_eq!(
        json(&c, &["ps", "--json", "--host", "a"]),
        Value::Array(vec![])
    );
    assert_eq!(
        json(&c, &["ps", "--json", "--user", "65534"]),
        Value::Array(vec![])
    );

    let granted = |events: &[Value]| {
        events.iter().any(|e| {
            e["kind"] == "lease_granted"
                && e["host"] == on.as_str()
                && e["lease_id"] == lease_id.as_str()
        })
    };
    let events = json_lines(&c, &["events", "--json"]);
    assert!(
        granted(&events),
        "no lease_granted for {lease_id}: {events:?}"
    );
    let seqs: Vec<u64> = events.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert!(
        seqs.windows(2).all(|w| w[0] < w[1]),
        "oldest first: {seqs:?}"
    );
    let recent = json_lines(&c, &["events", "--json", "--since", "1m"]);
    assert!(granted(&recent));
    assert!(recent.iter().any(|e| e["kind"] == "host_up"), "{recent:?}");

    let status = json(&c, &["status", "--json"]);
    assert_eq!(status["migserver"]["reachable"], true, "{status}");
    assert_eq!(status["migd"]["reachable"], true, "{status}");
    for part in ["migserver", "migd"] {
        assert_eq!(status[part]["version"], roam_shared::VERSION, "{status}");
    }
    assert_eq!(status["cluster"]["hosts"], 3, "{status}");
    assert_eq!(status["cluster"]["foreign_processes"], 1, "{status}");
    assert_eq!(status["cluster"]["slots"], 6, "{status}");

    let drained = json(&c, &["drain", &on, "--json"]);
    assert_eq!(drained["host"], on.as_str());
    assert_eq!(drained["action"], "drain");
    assert!(drained["message"].as_str().is_some_and(|m| !m.is_empty()));
    let is = |state: &str| {
        json(&c, &["hosts", "--json"])
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["name"] == on.as_str() && h["state"] == state)
    };
    assert!(wait_until(Duration::from_secs(5), || is("drained")));
    let undrained = json(&c, &["undrain", &on, "--json"]);
    assert_eq!(
        (&undrained["host"], &undrained["action"]),
        (&Value::from(on.as_str()), &Value::from("undrain"))
    );
    assert!(wait_until(Duration::from_secs(5), || is("idle")));

    let evicted = json(&c, &["evict", &on, "--json"]);
    assert_eq!(evicted["action"], "evict");
    assert!(wait_until(Duration::from_secs(10), || {
        c.list_jobs(i).is_ok_and(|t| t.foreign.is_empty())
    }));
    assert!(wait_until(Duration::from_secs(10), || {
        matches!(job.child.try_wait(), Ok(Some(_)))
    }));
    let evictions = |events: Vec<Value>| {
        events
            .iter()
            .any(|e| e["kind"] == "process_evicted" && e["job_id"] == job_id.as_str())
    };
    assert!(wait_until(Duration::from_secs(5), || evictions(
        json_lines(&c, &["events", "--json"])
    )));
}

#[test]
fn an_unknown_host_fails_with_its_name() {
    let c = cluster();
    for action in ["drain", "undrain", "evict"] {
        let out = roam(&c, &[action, "nosuch", "--json"]);
        assert!(!out.status.success(), "roam {action} nosuch: {out:?}");
        assert!(out.stdout.is_empty(), "{out:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("nosuch"), "roam {action}: {stderr}");
    }
}

#[test]
fn status_fails_when_migserver_is_down() {
    let mut c = cluster();
    c.kill_migserver().unwrap();
    let out = roam(&c, &["status"]);
    assert!(!out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout) + String::from_utf8_lossy(&out.stderr);
    assert!(
        text.contains("migserver") && text.contains("unreachable"),
        "{text}"
    );

    let out = roam(&c, &["status", "--json"]);
    assert!(!out.status.success(), "{out:?}");
    let status: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(status["migserver"]["reachable"], false, "{status}");
    assert!(status["migserver"]["error"].is_string(), "{status}");
    assert_eq!(status["cluster"], Value::Null);
}

#[test]
fn kill_ends_a_foreign_job_and_refuses_other_users() {
    let c = cluster();
    let (mut job, on) = long_job(&c);
    let i = c.hosts().iter().position(|h| h.name == on).unwrap();
    let pid = c.list_jobs(i).unwrap().foreign[0].pid;

    // Another user may not kill it: the host's migd checks the credential against the owner.
    let refused = roam_harness::block_on(async {
        let addr = c.host(i).addr;
        let mut client =
            roam_shared::proto::remote_client::RemoteClient::connect(format!("http://{addr}"))
                .await
                .unwrap();
        let request = roam_shared::proto::KillRequest { pid };
        client
            .kill(c.signed(request, 1000, &[1000], "a"))
            .await
            .unwrap_err()
    });
    assert_eq!(refused.code(), tonic::Code::PermissionDenied, "{refused:?}");
    assert!(
        matches!(job.child.try_wait(), Ok(None)),
        "a refused kill ended the job"
    );

    // Its owner (root, here) may: the job dies of SIGKILL and mig reports 128 + 9.
    let pid_arg = pid.to_string();
    let done = json(&c, &["kill", &pid_arg, "--host", &on, "--json"]);
    assert_eq!(done["action"], "kill");
    assert_eq!(done["host"], on.as_str());
    assert!(
        done["message"].as_str().unwrap().contains("sleep 600"),
        "{done}"
    );
    assert!(wait_until(Duration::from_secs(5), || matches!(
        job.child.try_wait(),
        Ok(Some(_))
    )));
    assert_eq!(job.child.wait().unwrap().code(), Some(137));
    assert!(c.list_jobs(i).unwrap().foreign.is_empty());

    // A pid that is no foreign process there: a clear error.
    let out = roam(&c, &["kill", &pid_arg, "--host", &on]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("no foreign process with pid {pid}")),
        "{stderr}"
    );
}
