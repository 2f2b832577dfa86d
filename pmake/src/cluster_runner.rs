//! Running recipes across the cluster: a [`JobRunner`] that starts each command on a free slot,
//! this host's own (a child, as [`LocalRunner`] runs it) or a host leased through the home migd.
//!
//! Make may hand it more commands than it has slots (`-j` without a number means "as many as
//! the slots held"): those wait in a queue while more leases are asked for. Leases free for a
//! short while go back. A command whose host's owner returned, or whose host was lost, runs
//! again (recipes are assumed re-runnable, as Sprite's pmake assumed).

use std::collections::{HashMap, VecDeque};
use std::fs::File;
use std::io;
use std::os::fd::{AsFd, OwnedFd, RawFd};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use roam_shared::proto::failure::Kind;
use roam_shared::proto::job_input::Kind as In;
use roam_shared::proto::{Exit, JobInput, exit};
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

use crate::jobserver::Jobserver;
use crate::migd_link::{LinkEvent, MigdLink, RemoteJob};
use crate::progress::ProgressLine;
use crate::runner::{CommandSpec, ExitStatus, JobId, JobRunner, LocalRunner};
use crate::slots::{Slot, SlotPool};

/// How long a lease may stay free before it goes back.
const IDLE_RELEASE: Duration = Duration::from_secs(1);
/// How long to wait before asking again after migserver granted fewer leases than asked.
const RETRY_AFTER: Duration = Duration::from_secs(2);
/// How often to look at what sub-makes took from the jobserver, while they run.
const SUBMAKE_CHECK: Duration = Duration::from_millis(50);

/// A command make handed over, kept until it has ended (it may have to run again).
struct Queued {
    id: JobId,
    argv: Vec<String>,
    env: std::rc::Rc<[(String, String)]>,
    cwd: PathBuf,
    output: Option<(File, File)>,
    /// Run it here: a host refused it.
    local_only: bool,
}

/// A command running on a leased host.
struct Running {
    job: Queued,
    slot: Slot,
    signals: UnboundedSender<JobInput>,
}

/// Runs commands on this host and on leased hosts.
pub struct ClusterRunner {
    local: LocalRunner,
    link: MigdLink,
    slots: SlotPool,
    /// Make's name, for messages.
    prog: String,
    /// The jobserver sub-makes get (`-j` alone), holding a token per free slot.
    tokens: Option<Jobserver>,
    next: JobId,
    queue: VecDeque<Queued>,
    /// Children of this make: the local runner's id → ours, and whether it holds the local slot.
    children: HashMap<JobId, (JobId, bool)>,
    remote: HashMap<JobId, Running>,
    /// Ended and not yet reported to make.
    finished: VecDeque<(JobId, ExitStatus)>,
    /// No new lease requests before this.
    retry_at: Option<Instant>,
    progress: Option<ProgressLine>,
}

impl ClusterRunner {
    /// Connects to the migd at `socket`; `jobs` is make's `-j` (`None`: as many as granted).
    pub fn start(
        socket: &Path,
        jobs: Option<usize>,
        prog: &str,
        progress: Option<ProgressLine>,
    ) -> io::Result<ClusterRunner> {
        let link = MigdLink::start(socket, format!("pmake:{}", std::process::id()))?;
        let mut slots = SlotPool::new(jobs);
        // Ask at once for the parallelism make was given.
        let initial = slots.wanted(jobs.unwrap_or(1));
        if initial > 0 {
            slots.asked(initial);
            link.acquire(initial);
        }
        Ok(ClusterRunner {
            local: LocalRunner::new()?,
            link,
            slots,
            prog: prog.to_owned(),
            tokens: None,
            next: 1,
            queue: VecDeque::new(),
            children: HashMap::new(),
            remote: HashMap::new(),
            finished: VecDeque::new(),
            retry_at: None,
            progress,
        })
    }

    /// Collects ended children and the link's news, gives back idle leases, starts what can
    /// start.
    fn pump(&mut self) -> io::Result<()> {
        while let Some((child, status)) = self.local.try_wait_any()? {
            if let Some((id, holds_slot)) = self.children.remove(&child) {
                if holds_slot {
                    self.free_slot(&Slot::Local);
                }
                self.finish(id, status);
            }
        }
        while let Ok(event) = self.link.events.try_recv() {
            self.handle(event);
        }
        if self.queue.is_empty() {
            // A free slot whose token a sub-make holds is in use: it is kept.
            let tokens = &self.tokens;
            let idle = self.slots.idle(Instant::now(), IDLE_RELEASE, || {
                tokens.as_ref().is_none_or(Jobserver::remove_token)
            });
            if !idle.is_empty() {
                self.link.release(idle);
            }
        }
        self.dispatch();
        Ok(())
    }

    fn handle(&mut self, event: LinkEvent) {
        let now = Instant::now();
        match event {
            LinkEvent::Granted { asked, leases } => {
                if leases.len() < asked {
                    self.retry_at = Some(now + RETRY_AFTER);
                }
                if let Some(t) = &self.tokens {
                    t.add_tokens(leases.len());
                }
                self.slots.granted(asked, leases, now);
            }
            LinkEvent::Ended { id, exit } => {
                if let Some(r) = self.remote.remove(&id) {
                    self.free_slot(&r.slot);
                    self.finish(id, exit_status(&exit));
                }
            }
            LinkEvent::Evicted { id, host } => {
                if let Some(r) = self.lose(id) {
                    self.say(&format!(
                        "{} evicted from {host} (owner returned); running it again",
                        command_text(&r.argv)
                    ));
                    self.queue.push_front(r);
                }
            }
            LinkEvent::Lost { id, why } => {
                if let Some(r) = self.lose(id) {
                    self.say(&format!(
                        "{}: {why}; running it again",
                        command_text(&r.argv)
                    ));
                    self.queue.push_front(r);
                }
            }
            LinkEvent::Refused {
                id,
                kind,
                what,
                why,
            } => match kind {
                Kind::NotFound | Kind::NotExecutable => {
                    if let Some(r) = self.remote.remove(&id) {
                        self.free_slot(&r.slot);
                        self.say(&format!("{what}: {why}"));
                        let code = if kind == Kind::NotFound { 127 } else { 126 };
                        self.finish(id, ExitStatus::Code(code));
                    }
                }
                _ => {
                    if let Some(mut r) = self.lose(id) {
                        self.say(&format!("{what}: {why}; running it here"));
                        r.local_only = true;
                        self.queue.push_front(r);
                    }
                }
            },
        }
    }

    /// Forgets remote job `id` and the lease it ran under, which is given back.
    fn lose(&mut self, id: JobId) -> Option<Queued> {
        let r = self.remote.remove(&id)?;
        if let Slot::Lease { id: lease, .. } = &r.slot {
            self.slots.remove(lease);
            self.link.release(vec![lease.clone()]);
        }
        Some(r.job)
    }

    fn finish(&mut self, id: JobId, status: ExitStatus) {
        self.finished.push_back((id, status));
        if let Some(p) = &self.progress {
            p.job_done();
        }
    }

    /// Takes a free slot (and its token, when sub-makes share the slots: a slot whose token
    /// a sub-make holds is not free).
    fn take_slot(&mut self, local_only: bool) -> Option<Slot> {
        let slot = self.slots.take(local_only)?;
        if self.tokens.as_ref().is_some_and(|t| !t.remove_token()) {
            self.slots.give_back(&slot, Instant::now());
            return None;
        }
        Some(slot)
    }

    /// A job on `slot` ended: the slot (and its token) is free again.
    fn free_slot(&mut self, slot: &Slot) {
        self.slots.give_back(slot, Instant::now());
        if let Some(t) = &self.tokens {
            t.add_tokens(1);
        }
    }

    /// Sub-makes running beside the slots.
    fn submakes(&self) -> usize {
        self.children.values().filter(|(_, slot)| !slot).count()
    }

    /// Slots the pool counts as free whose tokens sub-makes hold, plus one more when sub-makes
    /// have taken every token (they may want more).
    fn submake_demand(&self) -> usize {
        let Some(t) = &self.tokens else {
            return 0;
        };
        let free_tokens = t.free_tokens();
        let borrowed = self.slots.free_count().saturating_sub(free_tokens);
        borrowed + usize::from(self.submakes() > 0 && free_tokens == 0)
    }

    /// Starts queued commands on free slots, and asks for more leases when some must wait.
    fn dispatch(&mut self) {
        while let Some(front) = self.queue.front() {
            let Some(slot) = self.take_slot(front.local_only) else {
                break;
            };
            let job = self.queue.pop_front().expect("a front");
            self.start_on(job, slot);
        }
        let now = Instant::now();
        let waiting = self.queue.len() + self.submake_demand();
        if waiting > 0 && self.retry_at.is_none_or(|t| now >= t) {
            let wanted = self.slots.wanted(waiting);
            if wanted > 0 {
                self.slots.asked(wanted);
                self.link.acquire(wanted);
                self.retry_at = None;
            }
        }
        self.show();
    }

    fn start_on(&mut self, job: Queued, slot: Slot) {
        let id = job.id;
        match &slot {
            Slot::Local => match self.spawn_here(&job) {
                Ok(child) => {
                    self.children.insert(child, (id, true));
                }
                Err(e) => {
                    self.free_slot(&slot);
                    self.say(&format!("{}: {}", job.argv[0], crate::sys::strerror(&e)));
                    self.finish(id, ExitStatus::Code(127));
                }
            },
            Slot::Lease { id: lease, .. } => {
                let (stdout, stderr) = match output_fds(&job.output) {
                    Ok(fds) => fds,
                    Err(e) => {
                        self.free_slot(&slot);
                        self.say(&format!("{}: {}", job.argv[0], crate::sys::strerror(&e)));
                        self.finish(id, ExitStatus::Code(127));
                        return;
                    }
                };
                let (signals, input) = unbounded_channel();
                self.link.run(RemoteJob {
                    id,
                    spec: crate::remote_spec::job_spec(&job.argv, &job.env, &job.cwd),
                    lease: lease.clone(),
                    stdout,
                    stderr,
                    input,
                });
                self.remote.insert(id, Running { job, slot, signals });
            }
        }
    }

    fn spawn_here(&mut self, job: &Queued) -> io::Result<JobId> {
        let output = match &job.output {
            Some((out, err)) => Some((out.try_clone()?, err.try_clone()?)),
            None => None,
        };
        self.local.spawn(&CommandSpec {
            argv: job.argv.clone(),
            env: job.env.clone(),
            cwd: Some(job.cwd.clone()),
            inherit_fds: Vec::new(),
            output,
            local_only: true,
        })
    }

    /// One line on stderr (which the output relay keeps clear of the progress line).
    fn say(&self, message: &str) {
        eprintln!("{}: {message}", self.prog);
    }

    fn show(&self) {
        if let Some(p) = &self.progress {
            p.update(
                self.children.len() + self.remote.len(),
                self.slots.hosts_in_use(),
            );
        }
    }

    /// How long to wait for news before looking at leases and retries again.
    fn timeout(&self) -> Option<Duration> {
        let now = Instant::now();
        let own = if !self.queue.is_empty() {
            self.retry_at.map(|t| t.saturating_duration_since(now))
        } else {
            self.slots.any_free_lease().then_some(IDLE_RELEASE)
        };
        // Sub-makes take tokens without a word: look at their demand now and then.
        if self.tokens.is_some() && self.submakes() > 0 {
            return Some(own.map_or(SUBMAKE_CHECK, |t| t.min(SUBMAKE_CHECK)));
        }
        own
    }
}

impl JobRunner for ClusterRunner {
    fn spawn(&mut self, cmd: &CommandSpec) -> io::Result<JobId> {
        let id = self.next;
        self.next += 1;
        if let Some(p) = &self.progress {
            p.job_started();
        }
        if cmd.local_only || !cmd.inherit_fds.is_empty() {
            // A recursive make runs beside the slots: it mostly waits for its own jobs.
            let child = self.local.spawn(cmd)?;
            self.children.insert(child, (id, false));
            return Ok(id);
        }
        let output = match &cmd.output {
            Some((out, err)) => Some((out.try_clone()?, err.try_clone()?)),
            None => None,
        };
        let cwd = match &cmd.cwd {
            Some(d) => d.clone(),
            None => std::env::current_dir()?,
        };
        let job = Queued {
            id,
            argv: cmd.argv.clone(),
            env: cmd.env.clone(),
            cwd,
            output,
            local_only: false,
        };
        // On this host's slot, a command that cannot start fails now, as with the local runner.
        if self.queue.is_empty()
            && let Some(slot) = self.take_slot(true)
        {
            match self.spawn_here(&job) {
                Ok(child) => {
                    self.children.insert(child, (id, true));
                    self.show();
                    return Ok(id);
                }
                Err(e) => {
                    self.free_slot(&slot);
                    return Err(e);
                }
            }
        }
        self.queue.push_back(job);
        self.dispatch();
        Ok(id)
    }

    fn wait_any(&mut self) -> io::Result<(JobId, ExitStatus)> {
        loop {
            if let Some(r) = self.finished.pop_front() {
                return Ok(r);
            }
            if crate::signals::pending().is_some() {
                return Err(io::Error::from(io::ErrorKind::Interrupted));
            }
            self.pump()?;
            if let Some(r) = self.finished.pop_front() {
                return Ok(r);
            }
            if self.running() == 0 {
                return Err(io::Error::other("no command is running"));
            }
            let timeout = self
                .timeout()
                .map_or(-1, |t| i32::try_from(t.as_millis()).unwrap_or(i32::MAX));
            let mut pfds = vec![libc::pollfd {
                fd: self.local.event_fd().unwrap_or(-1),
                events: libc::POLLIN,
                revents: 0,
            }];
            // Commands wait for tokens that sub-makes hold: wake when one comes back.
            if let Some(t) = &self.tokens
                && !self.queue.is_empty()
                && t.free_tokens() == 0
            {
                pfds.push(libc::pollfd {
                    fd: t.readable_fd(),
                    events: libc::POLLIN,
                    revents: 0,
                });
            }
            // SAFETY: a valid array of pollfd of the given length.
            unsafe {
                libc::poll(pfds.as_mut_ptr(), pfds.len() as libc::nfds_t, timeout);
            }
        }
    }

    fn try_wait_any(&mut self) -> io::Result<Option<(JobId, ExitStatus)>> {
        if self.finished.is_empty() {
            self.pump()?;
        }
        Ok(self.finished.pop_front())
    }

    fn event_fd(&self) -> Option<RawFd> {
        self.local.event_fd()
    }

    fn forward_fatal(&mut self, signal: i32) {
        self.local.forward_fatal(signal);
        for r in self.remote.values() {
            let _ = r.signals.send(JobInput {
                kind: Some(In::Signal(signal)),
            });
        }
        // Make is stopping: what has not started never will.
        for job in std::mem::take(&mut self.queue) {
            self.finish(
                job.id,
                ExitStatus::Signal {
                    signal,
                    core: false,
                },
            );
        }
    }

    fn running(&self) -> usize {
        self.queue.len() + self.children.len() + self.remote.len() + self.finished.len()
    }

    fn stock_jobserver(&mut self, tokens: Jobserver) -> bool {
        tokens.add_tokens(self.slots.free_count());
        self.tokens = Some(tokens);
        true
    }
}

impl Drop for ClusterRunner {
    fn drop(&mut self) {
        let held = self.slots.all();
        if !held.is_empty() {
            self.link.release(held);
        }
    }
}

/// Descriptors for a remote job's output: its `-O` files, or make's own stdout and stderr.
fn output_fds(output: &Option<(File, File)>) -> io::Result<(OwnedFd, OwnedFd)> {
    match output {
        Some((out, err)) => Ok((out.try_clone()?.into(), err.try_clone()?.into())),
        None => Ok((
            io::stdout().as_fd().try_clone_to_owned()?,
            io::stderr().as_fd().try_clone_to_owned()?,
        )),
    }
}

fn exit_status(exit: &Exit) -> ExitStatus {
    match exit.status {
        Some(exit::Status::Code(code)) => ExitStatus::Code(code),
        Some(exit::Status::Signal(signal)) => ExitStatus::Signal {
            signal,
            core: exit.core_dumped,
        },
        None => ExitStatus::Code(1),
    }
}

/// The recipe line a command runs (`sh -c LINE`), or the command itself.
fn command_text(argv: &[String]) -> String {
    match argv {
        [shell, .., flag, line]
            if shell.ends_with("sh") && flag.starts_with('-') && flag.ends_with('c') =>
        {
            line.clone()
        }
        _ => argv.join(" "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_text_is_the_shell_line() {
        let argv = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            command_text(&argv(&["/bin/sh", "-c", "cc -c a.c"])),
            "cc -c a.c"
        );
        assert_eq!(command_text(&argv(&["/bin/bash", "-ec", "true"])), "true");
        assert_eq!(command_text(&argv(&["cc", "-c", "a.c"])), "cc -c a.c");
    }

    #[test]
    fn exit_statuses_map_like_a_shell_sees_them() {
        let code = Exit {
            status: Some(exit::Status::Code(3)),
            ..Default::default()
        };
        assert_eq!(exit_status(&code), ExitStatus::Code(3));
        let signal = Exit {
            status: Some(exit::Status::Signal(9)),
            core_dumped: true,
            ..Default::default()
        };
        assert_eq!(
            exit_status(&signal),
            ExitStatus::Signal {
                signal: 9,
                core: true
            }
        );
    }
}
