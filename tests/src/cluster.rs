//! A loopback cluster of real migd processes.

use std::ffi::OsStr;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::Duration;

use anyhow::{Context, bail};
use roam_shared::credential::ClusterKey;
use roam_shared::proto::JobTable;
use roam_shared::proto::local_client::LocalClient;

use crate::cpu_cap::CpuCaps;
use crate::{Binaries, wait_until};

/// How to set up a cluster.
#[derive(Debug, Clone)]
pub struct ClusterOptions {
    /// Number of hosts, named `a`, `b`, `c`, … at 127.0.0.11, .12, .13, …
    pub hosts: usize,
    /// `[migd] allow_root` on every host.
    pub allow_root: bool,
    /// `[migd] hangup_grace` on every host.
    pub hangup_grace: Duration,
    /// Run the migds as this user instead of the caller (needs root).
    pub migd_uid: Option<u32>,
    /// Also run migserver and a loadavgd per host (each with a fake input device).
    pub policy: Option<PolicyOptions>,
    /// Cap each host's daemons, and so every job they start, to this share of a CPU (a cgroup
    /// v1 `cpu` cgroup per host; needs root). `None`: no cap.
    pub cpu_share: Option<f64>,
}

/// The policy half of a cluster: migserver on 127.0.0.10 and a loadavgd per host whose only
/// input device is a FIFO the test writes to ([`Cluster::owner_input`]).
#[derive(Debug, Clone)]
pub struct PolicyOptions {
    /// `[loadavgd] idle_after`.
    pub idle_after: Duration,
    /// `[loadavgd] report_every`.
    pub report_every: Duration,
    /// `[loadavgd] max_load` (high by default: the test machine's own load must not matter).
    pub max_load: f64,
    /// `[loadavgd] slots`.
    pub slots: Option<u32>,
    /// `[migserver] lease_ttl`.
    pub lease_ttl: Duration,
    /// `[migserver] down_after`.
    pub down_after: Duration,
    /// `[migd] evict_grace`.
    pub evict_grace: Duration,
    /// `[loadavgd] watch_terminals` (off by default: a test's terminal is not the owner's).
    pub watch_terminals: bool,
}

impl Default for PolicyOptions {
    fn default() -> Self {
        PolicyOptions {
            idle_after: Duration::from_millis(500),
            report_every: Duration::from_millis(200),
            max_load: 1000.0,
            slots: Some(2),
            lease_ttl: Duration::from_secs(5),
            down_after: Duration::from_secs(2),
            evict_grace: Duration::from_millis(500),
            watch_terminals: false,
        }
    }
}

impl Default for ClusterOptions {
    fn default() -> Self {
        ClusterOptions {
            hosts: 3,
            allow_root: true,
            hangup_grace: Duration::from_secs(1),
            migd_uid: None,
            policy: None,
            cpu_share: None,
        }
    }
}

/// One host of the cluster.
#[derive(Debug)]
pub struct Host {
    /// Its name (`a`, `b`, …).
    pub name: String,
    /// Its migd's TCP address.
    pub addr: SocketAddr,
    /// Its config file.
    pub config: PathBuf,
    /// Its migd's local socket.
    pub socket: PathBuf,
    /// Its migd's log file.
    pub log: PathBuf,
    /// Its fake input device (a FIFO), when the cluster runs loadavgd.
    pub input: PathBuf,
    /// Its loadavgd's log file.
    pub loadavgd_log: PathBuf,
    migd: Option<Child>,
    pub(crate) loadavgd: Option<Child>,
}

/// The cluster's migserver.
#[derive(Debug)]
pub(crate) struct Server {
    pub(crate) addr: SocketAddr,
    pub(crate) config: PathBuf,
    pub(crate) log: PathBuf,
    pub(crate) child: Option<Child>,
}

/// A running cluster; dropping it stops every process it started.
pub struct Cluster {
    dir: tempfile::TempDir,
    pub(crate) bin: Binaries,
    pub(crate) hosts: Vec<Host>,
    pub(crate) server: Option<Server>,
    options: ClusterOptions,
    /// Dropped after the processes are gone (see `Drop`).
    pub(crate) cpu_caps: Option<CpuCaps>,
}

const HOST_NAMES: &str = "abcdefghijklmnopqrstuvwxyz";

impl Cluster {
    /// Starts `options.hosts` migds and waits until each answers on its socket.
    pub fn start(bin: &Binaries, options: ClusterOptions) -> anyhow::Result<Cluster> {
        // The port is chosen free, but something else may take it before migd binds it.
        let mut attempt = 0;
        loop {
            match Cluster::start_once(bin, options.clone()) {
                Err(e) if attempt < 3 && format!("{e:#}").contains("cannot listen on") => {
                    attempt += 1;
                }
                result => return result,
            }
        }
    }

    fn start_once(bin: &Binaries, options: ClusterOptions) -> anyhow::Result<Cluster> {
        if options.hosts == 0 || options.hosts > HOST_NAMES.len() {
            bail!("a cluster has 1 to {} hosts", HOST_NAMES.len());
        }
        let dir = tempfile::Builder::new().prefix("roam-cluster.").tempdir()?;
        let ips: Vec<Ipv4Addr> = (0..options.hosts)
            .map(|i| Ipv4Addr::new(127, 0, 0, 11 + i as u8))
            .collect();
        let port = free_port(&ips)?;
        let server_addr = SocketAddr::new(
            SERVER_IP.into(),
            free_port(&[SERVER_IP]).context("no port for migserver")?,
        );
        let key_file = dir.path().join("cluster.key");
        ClusterKey::generate().write_new(&key_file)?;
        if let Some(uid) = options.migd_uid {
            // The daemons' user owns the cluster's directory and key; others may read configs.
            for path in [dir.path(), key_file.as_path()] {
                std::os::unix::fs::chown(path, Some(uid), Some(uid))?;
            }
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))?;
        }
        let mut hosts_toml = String::new();
        let names: Vec<String> = HOST_NAMES
            .chars()
            .take(options.hosts)
            .map(String::from)
            .collect();
        for (name, ip) in names.iter().zip(&ips) {
            write!(
                hosts_toml,
                "\n[[hosts]]\nname = \"{name}\"\naddr = \"{ip}:{port}\"\n"
            )?;
        }
        let policy_toml = options
            .policy
            .as_ref()
            .map(|p| policy_sections(p, server_addr))
            .unwrap_or_default();
        let mut hosts = Vec::new();
        for (name, ip) in names.iter().zip(&ips) {
            let config = dir.path().join(format!("{name}.toml"));
            let socket = dir.path().join(format!("{name}.sock"));
            let input = dir.path().join(format!("{name}.input"));
            let mut text = format!(
                "name = \"{name}\"\nkey_file = \"cluster.key\"\nstate_dir = \"state-{name}\"\n\n\
                 [migd]\nlisten = \"{ip}:{port}\"\nsocket = \"{name}.sock\"\nallow_root = {}\n\
                 hangup_grace = \"{}ms\"\n",
                options.allow_root,
                options.hangup_grace.as_millis()
            );
            if let Some(policy) = &options.policy {
                writeln!(
                    text,
                    "evict_grace = \"{}ms\"",
                    policy.evict_grace.as_millis()
                )?;
                text.push_str(&policy_toml);
                writeln!(text, "inputs = [\"{}\"]", input.display())?;
                nix_mkfifo(&input)?;
            }
            text.push_str(&hosts_toml);
            std::fs::write(&config, text)?;
            hosts.push(Host {
                name: name.clone(),
                addr: SocketAddr::new((*ip).into(), port),
                log: dir.path().join(format!("{name}.log")),
                loadavgd_log: dir.path().join(format!("{name}.loadavgd.log")),
                config,
                socket,
                input,
                migd: None,
                loadavgd: None,
            });
        }
        let server = match &options.policy {
            Some(_) => {
                let config = dir.path().join("server.toml");
                let text = format!(
                    "name = \"server\"\nkey_file = \"cluster.key\"\nstate_dir = \"state-server\"\n{policy_toml}"
                );
                std::fs::write(&config, text)?;
                Some(Server {
                    addr: server_addr,
                    config,
                    log: dir.path().join("migserver.log"),
                    child: None,
                })
            }
            None => None,
        };
        let cpu_caps = match options.cpu_share {
            Some(share) => {
                let name = dir.path().file_name().context("cluster directory")?;
                Some(CpuCaps::create(&name.to_string_lossy(), &names, share)?)
            }
            None => None,
        };
        let mut cluster = Cluster {
            dir,
            bin: bin.clone(),
            hosts,
            server,
            options,
            cpu_caps,
        };
        if cluster.server.is_some() {
            cluster.start_migserver()?;
        }
        for i in 0..cluster.hosts.len() {
            cluster.start_host(i)?;
            if cluster.server.is_some() {
                cluster.start_loadavgd(i)?;
            }
        }
        Ok(cluster)
    }

    /// The cluster's directory (configs, key, sockets, logs).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Host `i` (0 is `a`).
    pub fn host(&self, i: usize) -> &Host {
        &self.hosts[i]
    }

    /// The hosts.
    pub fn hosts(&self) -> &[Host] {
        &self.hosts
    }

    /// The shared cluster key file.
    pub fn key_file(&self) -> PathBuf {
        self.dir.path().join("cluster.key")
    }

    /// The executables this cluster runs.
    pub fn binaries(&self) -> &Binaries {
        &self.bin
    }

    /// A `mig` command as a user on host `i` would run it (`ROAM_CONFIG` set).
    pub fn mig(&self, i: usize) -> Command {
        let mut cmd = Command::new(&self.bin.mig);
        cmd.env("ROAM_CONFIG", &self.hosts[i].config);
        cmd
    }

    /// A command that runs `program` as a user of host `i` would: `ROAM_CONFIG` set and, when
    /// the cluster has a `cpu_share`, in host `i`'s CPU cgroup.
    pub fn host_command(&self, i: usize, program: impl AsRef<OsStr>) -> anyhow::Result<Command> {
        let mut cmd = Command::new(program);
        cmd.env("ROAM_CONFIG", &self.hosts[i].config);
        if let Some(caps) = &self.cpu_caps {
            caps.place(i, &mut cmd)?;
        }
        Ok(cmd)
    }

    /// Starts `mig ARGS` from host `i` with its stdout piped to the caller (stdin: `stdin`).
    pub fn spawn_mig(&self, i: usize, args: &[&str], stdin: Stdio) -> MigJob {
        let mut child = self
            .mig(i)
            .args(args)
            .stdin(stdin)
            .stdout(Stdio::piped())
            .spawn()
            .expect("start mig");
        let stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        MigJob { child, stdout }
    }

    /// Starts (or restarts) host `i`'s migd and waits until it serves its socket.
    pub fn start_host(&mut self, i: usize) -> anyhow::Result<()> {
        let host = &mut self.hosts[i];
        let mut cmd = Command::new(&self.bin.migd);
        if let Some(uid) = self.options.migd_uid {
            cmd.uid(uid).gid(uid);
        }
        if let Some(caps) = &self.cpu_caps {
            caps.place(i, &mut cmd)?;
        }
        host.migd = Some(spawn_daemon(cmd, &host.config, &host.log)?);
        let ready = wait_until(Duration::from_secs(10), || {
            self.list_jobs(i).is_ok() || self.hosts[i].has_exited()
        });
        if !ready || self.hosts[i].has_exited() {
            let log = std::fs::read_to_string(&self.hosts[i].log).unwrap_or_default();
            bail!("migd of host {} did not start:\n{log}", self.hosts[i].name);
        }
        Ok(())
    }

    /// Stops host `i`'s migd with SIGTERM and waits for it to exit.
    pub fn stop_host(&mut self, i: usize) -> anyhow::Result<std::process::ExitStatus> {
        let child = self.hosts[i].migd.as_mut().context("host is not running")?;
        terminate(child)
    }

    /// Host `i`'s migd process id, while it runs.
    pub fn migd_pid(&self, i: usize) -> Option<u32> {
        self.hosts[i].migd.as_ref().map(Child::id)
    }

    /// Host `i`'s process tables, read through its local API.
    pub fn list_jobs(&self, i: usize) -> anyhow::Result<JobTable> {
        let socket = self.hosts[i].socket.clone();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        runtime.block_on(async move {
            let channel = roam_shared::uds::connect(&socket).await?;
            let table = LocalClient::new(channel)
                .list_jobs(roam_shared::proto::ListJobsRequest {})
                .await?
                .into_inner();
            Ok(table)
        })
    }
}

impl Host {
    fn has_exited(&mut self) -> bool {
        self.migd
            .as_mut()
            .is_some_and(|c| matches!(c.try_wait(), Ok(Some(_))))
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for host in &mut self.hosts {
            for child in [host.loadavgd.as_mut(), host.migd.as_mut()]
                .into_iter()
                .flatten()
            {
                let _ = terminate(child);
            }
        }
        if let Some(child) = self.server.as_mut().and_then(|s| s.child.as_mut()) {
            let _ = terminate(child);
        }
    }
}

/// Where the harness runs migserver.
const SERVER_IP: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 10);

/// The `[migserver]` and `[loadavgd]` sections every host shares (`inputs` is added per host).
fn policy_sections(p: &PolicyOptions, server: SocketAddr) -> String {
    let slots = p
        .slots
        .map(|s| format!("slots = {s}\n"))
        .unwrap_or_default();
    format!(
        "\n[migserver]\naddr = \"{server}\"\nlease_ttl = \"{}ms\"\ndown_after = \"{}ms\"\n\
         \n[loadavgd]\nidle_after = \"{}ms\"\nmax_load = {:.1}\nwatch_terminals = {}\n\
         report_every = \"{}ms\"\n{slots}",
        p.lease_ttl.as_millis(),
        p.down_after.as_millis(),
        p.idle_after.as_millis(),
        p.max_load,
        p.watch_terminals,
        p.report_every.as_millis(),
    )
}

fn nix_mkfifo(path: &Path) -> anyhow::Result<()> {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes())?;
    // SAFETY: `c` is a valid NUL-terminated path.
    if unsafe { libc::mkfifo(c.as_ptr(), 0o600) } < 0 {
        return Err(std::io::Error::last_os_error())
            .with_context(|| format!("mkfifo {}", path.display()));
    }
    Ok(())
}

/// Starts the daemon `cmd` with `--config config`, its stderr appended to `log`.
pub(crate) fn spawn_daemon(mut cmd: Command, config: &Path, log: &Path) -> anyhow::Result<Child> {
    let stderr = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)?;
    let program = PathBuf::from(cmd.get_program());
    cmd.arg("--config")
        .arg(config)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .with_context(|| format!("cannot start {}", program.display()))
}

/// SIGTERM, then SIGKILL if the process has not exited within 5 s; always reaps it.
pub(crate) fn terminate(child: &mut Child) -> anyhow::Result<std::process::ExitStatus> {
    if let Some(status) = child.try_wait()? {
        return Ok(status);
    }
    // SAFETY: kill has no memory arguments; the pid is our unreaped child, so it is not reused.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    if !wait_until(Duration::from_secs(5), || {
        matches!(child.try_wait(), Ok(Some(_)))
    }) {
        let _ = child.kill();
    }
    Ok(child.wait()?)
}

/// A TCP port free on every one of `ips`.
fn free_port(ips: &[Ipv4Addr]) -> anyhow::Result<u16> {
    for _ in 0..50 {
        let port = TcpListener::bind((ips[0], 0))?.local_addr()?.port();
        if ips.iter().all(|ip| TcpListener::bind((*ip, port)).is_ok()) {
            return Ok(port);
        }
    }
    bail!("no TCP port is free on all of {ips:?}")
}

/// A running `mig` whose stdout the test reads.
pub struct MigJob {
    /// The mig process (its stdin is the caller's to use).
    pub child: Child,
    /// Its stdout.
    pub stdout: BufReader<ChildStdout>,
}

impl MigJob {
    /// The next line of output, without its newline (panics at end of output).
    pub fn line(&mut self) -> String {
        let mut line = String::new();
        self.stdout.read_line(&mut line).expect("read mig's stdout");
        assert!(!line.is_empty(), "mig's output ended");
        line.trim_end_matches('\n').to_owned()
    }
}
