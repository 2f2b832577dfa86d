//! migserver as a real process on loopback: fake hosts are real Report streams signed with the
//! cluster key, clients are real gRPC callers. Every wait has a deadline; every process started
//! here is killed when its owner is dropped.

use std::future::Future;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use migserver::store::Store;
use roam_shared::auth::attach;
use roam_shared::credential::ClusterKey;
use roam_shared::proto::cluster_event::Kind;
use roam_shared::proto::host_command;
use roam_shared::proto::host_info::State;
use roam_shared::proto::mig_server_client::MigServerClient;
use roam_shared::proto::{
    ClusterEvent, ForeignProcess, HostCommand, HostInfo, HostRef, HostReport, HostStatus,
    HostsRequest, Lease, LeaseIds, ListHostsRequest, ListProcessesRequest, WatchRequest,
};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::service::Interceptor;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;
use tonic::{Code, Request, Status, Streaming};

const DEADLINE: Duration = Duration::from_secs(10);

// ---- the harness -------------------------------------------------------------------------

struct Options {
    lease_ttl: &'static str,
    down_after: &'static str,
    admin_group: String,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            lease_ttl: "30s",
            down_after: "10s",
            admin_group: "roam-test-no-such-group".into(),
        }
    }
}

/// A migserver process with its own directory, key and address.
struct Migserver {
    child: Option<Child>,
    addr: SocketAddr,
    dir: tempfile::TempDir,
    config: PathBuf,
    key: ClusterKey,
}

/// A free port on a loopback address of its own (127.0.0.20 – 127.0.0.219).
fn free_addr() -> SocketAddr {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = std::process::id() + NEXT.fetch_add(1, Ordering::Relaxed);
    let ip = Ipv4Addr::new(127, 0, 0, 20 + (n % 200) as u8);
    TcpListener::bind((ip, 0)).unwrap().local_addr().unwrap()
}

impl Migserver {
    async fn start(options: Options) -> Migserver {
        let dir = tempfile::tempdir().unwrap();
        let key = ClusterKey::generate();
        key.write_new(&dir.path().join("cluster.key")).unwrap();
        let addr = free_addr();
        let config = dir.path().join("roam.toml");
        std::fs::write(
            &config,
            format!(
                "name = \"server\"\nkey_file = \"cluster.key\"\nstate_dir = \"state\"\n\
                 [migserver]\naddr = \"{addr}\"\nadmin_group = \"{}\"\nlease_ttl = \"{}\"\n\
                 down_after = \"{}\"\n",
                options.admin_group, options.lease_ttl, options.down_after
            ),
        )
        .unwrap();
        let mut server = Migserver {
            child: None,
            addr,
            dir,
            config,
            key,
        };
        server.spawn().await;
        server
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join("migserver.log")
    }

    /// Starts the process and waits until it answers.
    async fn spawn(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path())
            .unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_migserver"))
            .arg("--config")
            .arg(&self.config)
            .env("RUST_LOG", "info,migserver=debug")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        self.child = Some(child);
        let admin = self.client(0, &[], "probe");
        eventually("migserver answers", || {
            let mut admin = admin.clone();
            async move { admin.list_hosts(ListHostsRequest {}).await.is_ok() }
        })
        .await;
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    fn pid(&self) -> nix::unistd::Pid {
        nix::unistd::Pid::from_raw(self.child.as_ref().unwrap().id() as i32)
    }

    fn kill9(&mut self) {
        let mut child = self.child.take().unwrap();
        child.kill().unwrap();
        child.wait().unwrap();
    }

    /// SIGTERM, and the exit status once it is gone (the caller's runtime keeps running, so
    /// its streams see the server go).
    async fn stop(&mut self) -> ExitStatus {
        nix::sys::signal::kill(self.pid(), nix::sys::signal::Signal::SIGTERM).unwrap();
        let mut child = self.child.take().unwrap();
        let deadline = Instant::now() + DEADLINE;
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "migserver did not stop on SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn channel(&self) -> Channel {
        Channel::from_shared(format!("http://{}", self.addr))
            .unwrap()
            .connect_lazy()
    }

    /// A client whose every call carries a fresh credential for `uid`/`gids` at `home`.
    fn client(&self, uid: u32, gids: &[u32], home: &str) -> Client {
        let signer = Signer {
            key: self.key.clone(),
            uid,
            gids: gids.to_vec(),
            home: home.into(),
        };
        MigServerClient::with_interceptor(self.channel(), signer)
    }

    /// A host that has sent its first report.
    async fn host(&self, name: &str, status: HostStatus) -> FakeHost {
        let host = self.host_claiming(name, name).await;
        host.report(status).await;
        host
    }

    /// A Report stream signed as host `home` that reports under the name `claims`.
    async fn host_claiming(&self, home: &str, claims: &str) -> FakeHost {
        let (reports, rx) = mpsc::channel(16);
        let mut client = self.client(0, &[], home);
        let commands = client
            .report(ReceiverStream::new(rx))
            .await
            .unwrap()
            .into_inner();
        FakeHost {
            name: claims.into(),
            reports,
            commands,
        }
    }
}

impl Drop for Migserver {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

#[derive(Clone)]
struct Signer {
    key: ClusterKey,
    uid: u32,
    gids: Vec<u32>,
    home: String,
}

impl Interceptor for Signer {
    fn call(&mut self, mut request: Request<()>) -> Result<Request<()>, Status> {
        let credential = self.key.sign(self.uid, self.gids.clone(), &self.home, "");
        attach(&mut request, &credential);
        Ok(request)
    }
}

type Client = MigServerClient<InterceptedService<Channel, Signer>>;

/// One host's end of a Report stream.
struct FakeHost {
    name: String,
    reports: mpsc::Sender<HostReport>,
    commands: Streaming<HostCommand>,
}

impl FakeHost {
    async fn report(&self, status: HostStatus) {
        self.reports
            .send(HostReport {
                host: self.name.clone(),
                migd_addr: "0.0.0.0:7420".into(),
                platform: "x86_64-linux".into(),
                interval_ms: 50,
                status: Some(status),
            })
            .await
            .unwrap();
    }

    /// The next command (or the stream's end status), within the deadline.
    async fn next(&mut self) -> Result<Option<HostCommand>, Status> {
        tokio::time::timeout(DEADLINE, self.commands.message())
            .await
            .expect("no command from migserver in time")
    }

    /// Reports `status` every `every` until the returned task is dropped.
    fn heartbeat(&self, status: HostStatus, every: Duration) -> AbortOnDrop {
        let (reports, name) = (self.reports.clone(), self.name.clone());
        AbortOnDrop(tokio::spawn(async move {
            loop {
                let report = HostReport {
                    host: name.clone(),
                    migd_addr: "0.0.0.0:7420".into(),
                    platform: "x86_64-linux".into(),
                    interval_ms: every.as_millis() as u64,
                    status: Some(status.clone()),
                };
                if reports.send(report).await.is_err() {
                    return;
                }
                tokio::time::sleep(every).await;
            }
        }))
    }
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Polls `cond` until it holds; panics naming `what` after the deadline.
async fn eventually<F, Fut>(what: &str, mut cond: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + DEADLINE;
    let mut pause = Duration::from_millis(2);
    while !cond().await {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_millis(50));
    }
}

fn idle(slots: u32, input_idle_ms: u64) -> HostStatus {
    HostStatus {
        idle: true,
        input_idle_ms,
        cpus: 4,
        slots,
        ..HostStatus::default()
    }
}

fn busy(slots: u32) -> HostStatus {
    HostStatus {
        idle: false,
        cpus: 4,
        slots,
        load: 1.5,
        ..HostStatus::default()
    }
}

fn process(job_id: &str, uid: u32, home: &str, lease_id: &str) -> ForeignProcess {
    ForeignProcess {
        job_id: job_id.into(),
        home: home.into(),
        uid,
        pid: 4242,
        command: "sim --long".into(),
        lease_id: lease_id.into(),
        ..ForeignProcess::default()
    }
}

async fn hosts(client: &Client) -> Vec<HostInfo> {
    client
        .clone()
        .list_hosts(ListHostsRequest {})
        .await
        .unwrap()
        .into_inner()
        .hosts
}

async fn host_state(client: &Client, name: &str) -> Option<State> {
    hosts(client)
        .await
        .into_iter()
        .find(|h| h.name == name)
        .map(|h| h.state())
}

async fn wait_state(client: &Client, name: &str, state: State) {
    eventually(&format!("{name} is {state:?}"), || async {
        host_state(client, name).await == Some(state)
    })
    .await;
}

async fn request(client: &Client, count: u32) -> Vec<Lease> {
    client
        .clone()
        .request_hosts(HostsRequest {
            count,
            client: "test".into(),
            platform: String::new(),
        })
        .await
        .unwrap()
        .into_inner()
        .leases
}

async fn renew(client: &Client, leases: &[String]) -> Vec<String> {
    client
        .clone()
        .renew_leases(LeaseIds {
            ids: leases.to_vec(),
        })
        .await
        .unwrap()
        .into_inner()
        .gone
}

fn ids(leases: &[Lease]) -> Vec<String> {
    leases.iter().map(|l| l.id.clone()).collect()
}

/// Events from Watch(history), read until `done` holds for all read so far.
async fn watch_until(
    client: &Client,
    history: u32,
    done: impl Fn(&[ClusterEvent]) -> bool,
) -> Vec<ClusterEvent> {
    let mut stream = client
        .clone()
        .watch(WatchRequest { history })
        .await
        .unwrap()
        .into_inner();
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + DEADLINE;
    while !done(&seen) {
        match tokio::time::timeout_at(deadline, stream.message()).await {
            Ok(Ok(Some(event))) => seen.push(event),
            other => panic!("watch ended ({other:?}) before the expected events: {seen:#?}"),
        }
    }
    seen
}

fn count(events: &[ClusterEvent], kind: Kind) -> usize {
    events.iter().filter(|e| e.kind() == kind).count()
}

// ---- the tests ---------------------------------------------------------------------------

#[tokio::test]
async fn hosts_show_in_list_hosts_with_their_state_and_processes() {
    let server = Migserver::start(Options::default()).await;
    let a = server.host("a", idle(2, 60_000)).await;
    let _b = server.host("b", busy(0)).await;
    let user = server.client(1000, &[1000], "home");
    eventually("both hosts are listed", || async {
        hosts(&user).await.len() == 2
    })
    .await;
    let list = hosts(&user).await;
    let ha = list.iter().find(|h| h.name == "a").unwrap();
    let hb = list.iter().find(|h| h.name == "b").unwrap();
    assert_eq!((ha.name.as_str(), ha.state()), ("a", State::Idle));
    assert_eq!((hb.name.as_str(), hb.state()), ("b", State::Busy));
    // 0.0.0.0 is replaced by the address the report came from.
    let migd: SocketAddr = ha.migd_addr.parse().unwrap();
    assert!(migd.ip().is_loopback(), "{migd}");
    assert_eq!(migd.port(), 7420);
    assert_eq!(ha.status.as_ref().unwrap().slots, 2);
    assert_eq!((ha.platform.as_str(), ha.slots_used), ("x86_64-linux", 0));
    assert!(ha.last_report_unix_ms > 0);

    let mut status = busy(2);
    status.foreign = vec![process("home.1", 1000, "home", "")];
    a.report(status).await;
    wait_state(&user, "a", State::Busy).await;
    let procs = user
        .clone()
        .list_processes(ListProcessesRequest {})
        .await
        .unwrap()
        .into_inner()
        .processes;
    assert_eq!(procs.len(), 1);
    assert_eq!(procs[0].host, "a");
    assert_eq!(procs[0].process.as_ref().unwrap().job_id, "home.1");
    a.report(idle(2, 0)).await;
    let events = watch_until(&user, 100, |e| count(e, Kind::ProcessEnded) == 1).await;
    assert_eq!(count(&events, Kind::HostUp), 2);
    assert_eq!(count(&events, Kind::HostBusy), 1);
    assert_eq!(count(&events, Kind::ProcessStarted), 1);
    assert_eq!(count(&events, Kind::HostIdle), 1);
    assert!(events.windows(2).all(|w| w[0].seq < w[1].seq));
}

#[tokio::test]
async fn longest_idle_host_first_and_only_matching_platforms() {
    let server = Migserver::start(Options::default()).await;
    let _fresh = server.host("fresh", idle(1, 1_000)).await;
    let _old = server.host("old", idle(1, 3_600_000)).await;
    let user = server.client(1000, &[1000], "home");
    wait_state(&user, "old", State::Idle).await;
    wait_state(&user, "fresh", State::Idle).await;
    let other_platform = user
        .clone()
        .request_hosts(HostsRequest {
            count: 1,
            client: "c".into(),
            platform: "aarch64-linux".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .leases;
    assert!(other_platform.is_empty());
    let leases = request(&user, 1).await;
    assert_eq!(leases[0].host, "old");
    assert!(leases[0].migd_addr.ends_with(":7420"));
    assert_eq!(request(&user, 1).await[0].host, "fresh");
}

#[tokio::test]
async fn fair_share_gives_three_and_three_and_revokes_on_the_host_stream() {
    let server = Migserver::start(Options::default()).await;
    let mut host = server.host("h", idle(6, 10_000)).await;
    let alice = server.client(1000, &[1000], "ha");
    let bob = server.client(1001, &[1001], "hb");
    wait_state(&alice, "h", State::Idle).await;

    let first = request(&alice, 6).await;
    assert_eq!(first.len(), 6);
    assert!(first.iter().all(|l| l.host == "h"));
    let second = request(&bob, 6).await;
    assert_eq!(second.len(), 3);

    let mut gone = renew(&alice, &ids(&first)).await;
    assert_eq!(gone.len(), 3);
    let Some(HostCommand {
        kind: Some(host_command::Kind::Revoke(revoke)),
    }) = host.next().await.unwrap()
    else {
        panic!("expected a Revoke");
    };
    let mut revoked = revoke.lease_ids;
    revoked.sort();
    gone.sort();
    assert_eq!(revoked, gone);
    assert!(renew(&bob, &ids(&second)).await.is_empty());
    assert_eq!(hosts(&alice).await[0].slots_used, 6);

    let events = watch_until(&bob, 1000, |e| count(e, Kind::LeaseRevoked) == 3).await;
    assert!(
        events
            .iter()
            .filter(|e| e.kind() == Kind::LeaseRevoked)
            .all(|e| e.uid == 1000 && e.home == "ha" && e.host == "h")
    );
    // Both are at their share: asking again moves nothing.
    assert!(request(&alice, 6).await.is_empty());
    assert!(request(&bob, 6).await.is_empty());
}

#[tokio::test]
async fn expired_leases_free_their_slots_and_renewal_keeps_one_alive() {
    let server = Migserver::start(Options {
        lease_ttl: "300ms",
        ..Options::default()
    })
    .await;
    let _host = server.host("h", idle(2, 10_000)).await;
    let user = server.client(1000, &[1000], "home");
    wait_state(&user, "h", State::Idle).await;
    let leases = request(&user, 2).await;
    assert_eq!(leases.len(), 2);
    assert!(request(&user, 1).await.is_empty());
    eventually("the leases expire", || async {
        hosts(&user).await[0].slots_used == 0
    })
    .await;
    assert_eq!(renew(&user, &ids(&leases)).await.len(), 2);
    let events = watch_until(&user, 100, |e| count(e, Kind::LeaseExpired) == 2).await;
    assert!(
        events
            .iter()
            .any(|e| e.kind() == Kind::LeaseExpired && e.detail == "not renewed")
    );

    // Renewed every 100 ms, a lease outlives several TTLs.
    let kept = ids(&request(&user, 1).await);
    let until = Instant::now() + Duration::from_millis(1200);
    while Instant::now() < until {
        assert!(
            renew(&user, &kept).await.is_empty(),
            "a renewed lease expired"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(hosts(&user).await[0].slots_used, 1);
}

#[tokio::test]
async fn a_silent_host_goes_down_and_loses_its_leases() {
    let server = Migserver::start(Options {
        down_after: "300ms",
        ..Options::default()
    })
    .await;
    let alive = server.host("alive", idle(2, 1_000)).await;
    let _beat = alive.heartbeat(idle(2, 1_000), Duration::from_millis(50));
    let silent = server.host("silent", idle(2, 100_000)).await;
    let user = server.client(1000, &[1000], "home");
    wait_state(&user, "silent", State::Idle).await;
    let leases = request(&user, 2).await;
    assert!(leases.iter().all(|l| l.host == "silent"), "{leases:?}");

    wait_state(&user, "silent", State::Down).await;
    assert_eq!(host_state(&user, "alive").await, Some(State::Idle));
    assert_eq!(renew(&user, &ids(&leases)).await.len(), 2);
    let events = watch_until(&user, 1000, |e| {
        count(e, Kind::HostDown) == 1 && count(e, Kind::LeaseRevoked) == 2
    })
    .await;
    assert!(
        events
            .iter()
            .any(|e| e.kind() == Kind::HostDown && e.host == "silent")
    );
    let moved = request(&user, 4).await;
    assert!(
        moved.len() == 2 && moved.iter().all(|l| l.host == "alive"),
        "{moved:?}"
    );

    silent.report(idle(2, 100_000)).await;
    wait_state(&user, "silent", State::Idle).await;
}

#[tokio::test]
async fn a_drained_host_is_never_allocated() {
    let server = Migserver::start(Options::default()).await;
    let _x = server.host("x", idle(2, 100_000)).await;
    let _y = server.host("y", idle(2, 1_000)).await;
    let root = server.client(0, &[], "console");
    let user = server.client(1000, &[1000], "home");
    wait_state(&user, "y", State::Idle).await;

    let reply = root
        .clone()
        .drain(HostRef { host: "x".into() })
        .await
        .unwrap()
        .into_inner();
    assert!(
        reply.message.contains("drained host x"),
        "{}",
        reply.message
    );
    let x = hosts(&user)
        .await
        .into_iter()
        .find(|h| h.name == "x")
        .unwrap();
    assert_eq!((x.state(), x.drained), (State::Drained, true));
    let leases = request(&user, 4).await;
    assert_eq!(leases.len(), 2);
    assert!(leases.iter().all(|l| l.host == "y"));

    root.clone()
        .undrain(HostRef { host: "x".into() })
        .await
        .unwrap();
    wait_state(&user, "x", State::Idle).await;
    let more = request(&user, 2).await;
    assert!(
        more.len() == 2 && more.iter().all(|l| l.host == "x"),
        "{more:?}"
    );
    let unknown = root
        .clone()
        .drain(HostRef {
            host: "nowhere".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(unknown.code(), Code::NotFound);
}

#[tokio::test]
async fn a_forged_report_is_refused_and_the_server_keeps_running() {
    let server = Migserver::start(Options::default()).await;
    let mut forged = server.host_claiming("mallory", "victim").await;
    forged.report(idle(8, 100_000)).await;
    let refusal = forged.next().await.unwrap_err();
    assert_eq!(refusal.code(), Code::PermissionDenied);
    assert!(
        refusal.message().contains("victim"),
        "{}",
        refusal.message()
    );
    // The stream is over, and the server still serves.
    let user = server.client(1000, &[1000], "home");
    assert!(hosts(&user).await.is_empty());
    let _real = server.host("mallory", idle(1, 0)).await;
    wait_state(&user, "mallory", State::Idle).await;
    assert!(hosts(&user).await.iter().all(|h| h.name != "victim"));
}

#[tokio::test]
async fn evict_needs_root_or_the_admin_group() {
    // Some group of this machine other than root's serves as the admin group.
    let group = std::fs::read_to_string("/etc/group")
        .unwrap()
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            Some((f.first()?.to_string(), f.get(2)?.parse::<u32>().ok()?))
        })
        .find(|(_, gid)| *gid != 0)
        .expect("a group besides root's");
    let server = Migserver::start(Options {
        admin_group: group.0.clone(),
        ..Options::default()
    })
    .await;
    let mut status = idle(4, 10_000);
    status.foreign = vec![process("ha.1", 1000, "ha", "")];
    let mut host = server.host("h", status).await;
    let user = server.client(1000, &[1000], "ha");
    wait_state(&user, "h", State::Idle).await;
    let leases = request(&user, 2).await;

    let refused = user
        .clone()
        .evict(HostRef { host: "h".into() })
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::PermissionDenied);
    assert!(
        refused.message().contains(&group.0),
        "{}",
        refused.message()
    );

    let member = server.client(1000, &[1000, group.1], "ha");
    member
        .clone()
        .drain(HostRef { host: "h".into() })
        .await
        .unwrap();
    member
        .clone()
        .undrain(HostRef { host: "h".into() })
        .await
        .unwrap();

    let root = server.client(0, &[], "console");
    let reply = root
        .clone()
        .evict(HostRef { host: "h".into() })
        .await
        .unwrap()
        .into_inner();
    assert!(
        reply.message.contains("revoked 2 leases"),
        "{}",
        reply.message
    );
    assert!(matches!(
        host.next().await.unwrap(),
        Some(HostCommand {
            kind: Some(host_command::Kind::EvictAll(_))
        })
    ));
    assert_eq!(renew(&user, &ids(&leases)).await.len(), 2);
    let events = watch_until(&user, 1000, |e| count(e, Kind::ProcessEvicted) == 1).await;
    let evicted = events
        .iter()
        .find(|e| e.kind() == Kind::ProcessEvicted)
        .unwrap();
    assert_eq!((evicted.job_id.as_str(), evicted.uid), ("ha.1", 1000));
    let unknown = root
        .clone()
        .evict(HostRef {
            host: "nowhere".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(unknown.code(), Code::NotFound);
}

#[tokio::test]
async fn kill_9_and_restart_keep_the_log_the_drains_and_the_leases() {
    let mut server = Migserver::start(Options::default()).await;
    let user = server.client(1000, &[1000], "ha");
    let root = server.client(0, &[], "console");
    let a = server.host("a", idle(2, 100_000)).await;
    let _b = server.host("b", idle(2, 1_000)).await;
    wait_state(&user, "b", State::Idle).await;
    let lease = request(&user, 1).await.remove(0);
    assert_eq!(lease.host, "a");
    let mut status = idle(2, 100_000);
    status.foreign = vec![process("ha.7", 1000, "ha", &lease.id)];
    a.report(status.clone()).await;
    root.clone()
        .drain(HostRef { host: "b".into() })
        .await
        .unwrap();
    let short = request(&user, 1).await;
    user.clone()
        .release_leases(LeaseIds { ids: ids(&short) })
        .await
        .unwrap();
    let before = watch_until(&user, 1000, |e| {
        count(e, Kind::LeaseReleased) == 1 && count(e, Kind::ProcessStarted) == 1
    })
    .await;
    let last = before.last().unwrap().seq;

    // The writer commits in batches: wait until it says this seq is on disk.
    eventually("the events are committed", || async {
        server.log().lines().any(|line| {
            line.contains("events committed")
                && line
                    .rsplit("through=")
                    .next()
                    .and_then(|n| n.trim().parse::<u64>().ok())
                    .is_some_and(|n| n >= last)
        })
    })
    .await;
    server.kill9();
    server.spawn().await;

    // Hosts are soft state; the log is not.
    assert!(hosts(&user).await.is_empty());
    let after = watch_until(&user, 1000, |e| e.len() >= before.len()).await;
    assert_eq!(after[..before.len()], before[..]);

    // The host reports again: it is back, and so is the lease its process runs under.
    let a = server.host("a", status).await;
    let _b = server.host("b", idle(2, 1_000)).await;
    wait_state(&user, "b", State::Drained).await;
    wait_state(&user, "a", State::Idle).await;
    assert!(
        renew(&user, std::slice::from_ref(&lease.id))
            .await
            .is_empty()
    );
    let ha = hosts(&user)
        .await
        .into_iter()
        .find(|h| h.name == "a")
        .unwrap();
    assert_eq!(ha.slots_used, 1);
    let events = watch_until(&user, 1000, |e| {
        e.iter()
            .any(|e| e.seq > last && e.kind() == Kind::LeaseGranted)
    })
    .await;
    let readopted = events
        .iter()
        .find(|e| e.seq > last && e.kind() == Kind::LeaseGranted)
        .unwrap();
    assert_eq!(readopted.lease_id, lease.id);
    user.clone()
        .release_leases(LeaseIds {
            ids: vec![lease.id.clone()],
        })
        .await
        .unwrap();
    drop(a);

    assert!(server.stop().await.success());
    assert!(server.log().contains("stopped"));
    let store = Store::open(&server.dir.path().join("state/migserver.redb")).unwrap();
    assert!(store.usage_ms(1000).unwrap() > 0);
}

#[tokio::test]
async fn garbage_bad_credentials_and_bad_requests_are_refused_while_serving_goes_on() {
    let server = Migserver::start(Options::default()).await;
    // Bytes that are not HTTP/2, and a valid preface followed by nonsense frames.
    for junk in [
        &b"GET / HTTP/1.1\r\nHost: x\r\n\r\n\x00\xff\xfe garbage"[..],
        &b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\xff\xff\xff\x09\x00\x00\x00\x00\x01junkjunk"[..],
    ] {
        let mut conn = TcpStream::connect(server.addr).unwrap();
        conn.set_read_timeout(Some(DEADLINE)).unwrap();
        conn.write_all(junk).unwrap();
        let mut sink = Vec::new();
        // The server hangs up (EOF or reset) rather than waiting for more.
        let _ = conn.read_to_end(&mut sink);
    }

    let mut anonymous = MigServerClient::new(server.channel());
    let refused = anonymous.list_hosts(ListHostsRequest {}).await.unwrap_err();
    assert_eq!(refused.code(), Code::Unauthenticated);
    let stranger = Signer {
        key: ClusterKey::generate(),
        uid: 0,
        gids: vec![],
        home: "x".into(),
    };
    let mut stranger = MigServerClient::with_interceptor(server.channel(), stranger);
    let refused = stranger.list_hosts(ListHostsRequest {}).await.unwrap_err();
    assert_eq!(refused.code(), Code::Unauthenticated);
    let once = server.key.sign(0, vec![], "x", "");
    let mut replayer =
        MigServerClient::with_interceptor(server.channel(), move |mut r: Request<()>| {
            attach(&mut r, &once);
            Ok(r)
        });
    replayer.list_hosts(ListHostsRequest {}).await.unwrap();
    let replayed = replayer.list_hosts(ListHostsRequest {}).await.unwrap_err();
    assert_eq!(replayed.code(), Code::Unauthenticated);

    let user = server.client(1000, &[1000], "home");
    let _host = server.host("h", idle(3, 0)).await;
    wait_state(&user, "h", State::Idle).await;
    let zero = user
        .clone()
        .request_hosts(HostsRequest::default())
        .await
        .unwrap_err();
    assert_eq!(zero.code(), Code::InvalidArgument);
    assert_eq!(request(&user, u32::MAX).await.len(), 3);
    let huge = user
        .clone()
        .request_hosts(HostsRequest {
            count: 1,
            client: "x".repeat(5 << 20),
            platform: String::new(),
        })
        .await
        .unwrap_err();
    assert_ne!(huge.code(), Code::Ok);
    let too_many = user
        .clone()
        .renew_leases(LeaseIds {
            ids: vec![String::new(); 70_000],
        })
        .await
        .unwrap_err();
    assert_eq!(too_many.code(), Code::InvalidArgument);

    for (name, migd_addr) in [("", "0.0.0.0:7420"), ("h2", "not an address")] {
        let (reports, rx) = mpsc::channel(1);
        let mut stream = server
            .client(0, &[], name)
            .report(ReceiverStream::new(rx))
            .await
            .unwrap()
            .into_inner();
        reports
            .send(HostReport {
                host: name.into(),
                migd_addr: migd_addr.into(),
                ..HostReport::default()
            })
            .await
            .unwrap();
        let refused = tokio::time::timeout(DEADLINE, stream.message())
            .await
            .unwrap()
            .unwrap_err();
        assert_eq!(refused.code(), Code::InvalidArgument, "{refused:?}");
    }
    assert_eq!(hosts(&user).await.len(), 1);
}

#[tokio::test]
async fn configuration_errors_are_clear_and_sigterm_stops_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("roam.toml");
    std::fs::write(&config, "name = \"s\"\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_migserver"))
        .arg("--config")
        .arg(&config)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr.starts_with("migserver: ")
            && stderr.contains("add a [migserver] section with addr ="),
        "{stderr}"
    );

    let mut server = Migserver::start(Options::default()).await;
    let out = Command::new(env!("CARGO_BIN_EXE_migserver"))
        .env("ROAM_CONFIG", &server.config)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr.contains("cannot listen on"), "{stderr}");

    // Open streams do not hold up a stop: they end with it.
    let mut host = server.host("h", idle(1, 0)).await;
    let user = server.client(1000, &[1000], "home");
    wait_state(&user, "h", State::Idle).await;
    let mut watch = user
        .clone()
        .watch(WatchRequest { history: 0 })
        .await
        .unwrap()
        .into_inner();
    let watcher = tokio::spawn(async move { watch.message().await });
    let reporter = tokio::spawn(async move { host.next().await });
    let started = Instant::now();
    assert!(server.stop().await.success());
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "{:?}",
        started.elapsed()
    );
    assert!(matches!(watcher.await.unwrap(), Ok(None)));
    assert!(matches!(reporter.await.unwrap(), Ok(None)));
    assert!(server.log().contains("SIGTERM: stopping"));
}
