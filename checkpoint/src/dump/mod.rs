//! Checkpointing a running process into an image.
//!
//! The process is refused (from `/proc`, without stopping it) or frozen with ptrace; its state is
//! read with ptrace, `/proc` and a few injected system calls, and its memory is streamed to the
//! sink while it is frozen (stop-and-copy). The freeze ends when it is detached (or killed, if
//! it moves).

mod anon_fds;
mod files;
mod freeze;
mod memfd;
mod memory;
mod state;

use std::collections::HashSet;
use std::fs;
use std::io::Write;
use std::time::{Duration, Instant};

use crate::check;
use crate::error::{Error, Result};
use crate::host;
use crate::image::format::{FdKind, Kind, MmFields, ProcessImage};
use crate::image::writer::ImageWriter;
use crate::maps;
use crate::proc_info;
use crate::ptrace::{Stopped, Tracee};
use crate::remote_memory::RemoteMemory;
use crate::remote_syscall::{Injection, Remote, find_syscall_insn};

/// How to dump.
#[derive(Debug, Clone, Copy, Default)]
pub struct DumpOptions {
    /// Let the process run on after the dump (otherwise it is killed once the image is
    /// complete: it has moved into the image).
    pub leave_running: bool,
}

/// What a dump cost.
#[derive(Debug, Clone, Copy, Default)]
pub struct DumpStats {
    /// How long the process was stopped.
    pub freeze_time: Duration,
    /// Of the freeze, the time spent streaming memory.
    pub memory_time: Duration,
    /// From the call to the return.
    pub total_time: Duration,
    /// Bytes written to the sink.
    pub image_bytes: u64,
    /// Memory bytes in the image.
    pub memory_bytes: u64,
    /// Number of threads.
    pub threads: usize,
}

/// Checkpoints `pid` into `sink`.
///
/// On success the image is complete and flushed; the process then runs on
/// (`leave_running`) or has been killed. On failure it runs on unchanged.
pub fn dump<W: Write>(pid: crate::Pid, sink: W, opts: DumpOptions) -> Result<DumpStats> {
    let t0 = Instant::now();
    let refusals = check::refusals(pid);
    if !refusals.is_empty() {
        return Err(Error::Refused(refusals));
    }
    let mut writer = ImageWriter::new(sink)?;
    let freeze_start = Instant::now();
    // Once traced, a job-control stop shows as a tracing stop: look before.
    let stopped = proc_info::status(pid).is_ok_and(|s| s.state == 'T');
    let threads = freeze::freeze(pid)?;
    let mut stats = DumpStats {
        threads: threads.len(),
        ..Default::default()
    };
    let result = capture(pid, stopped, &threads, &mut writer, &mut stats).and_then(|()| {
        stats.memory_bytes = writer.page_bytes();
        writer.finish()
    });
    match result {
        Ok(bytes) => {
            stats.image_bytes = bytes;
            if opts.leave_running {
                for t in threads {
                    t.detach()
                        .map_err(|e| Error::os(format!("detaching from pid {pid}"), e))?;
                }
            } else {
                // Killed while still stopped: it never runs past the image.
                crate::ptrace::kill_and_reap(pid, threads);
            }
            stats.freeze_time = freeze_start.elapsed();
            stats.total_time = t0.elapsed();
            tracing::debug!(pid, ?stats, "dumped");
            Ok(stats)
        }
        // Dropping the tracees detaches them: the process runs on.
        Err(e) => Err(e),
    }
}

fn capture<W: Write>(
    pid: i32,
    stopped: bool,
    threads: &[Tracee<Stopped>],
    out: &mut ImageWriter<W>,
    stats: &mut DumpStats,
) -> Result<()> {
    // Frozen now: what the check saw may have changed, so look again.
    let mut refusals = Vec::new();
    if let Ok(children) = proc_info::children(pid)
        && !children.is_empty()
    {
        refusals.push(crate::Refusal::HasChildren { pid, children });
    }
    let mappings = maps::read(pid).map_err(|e| Error::os(format!("reading maps of {pid}"), e))?;
    for m in &mappings {
        check::check_mapping(pid, m, &mut refusals);
    }
    if !refusals.is_empty() {
        return Err(Error::Refused(refusals));
    }
    let mem =
        RemoteMemory::open(pid).map_err(|e| Error::os(format!("opening memory of {pid}"), e))?;
    let vdso_block = maps::vdso_block(&mappings).ok_or_else(|| Error::Unsupported {
        pid,
        why: "it has no vdso".into(),
    })?;
    let mut vdso = vec![0u8; (vdso_block.1 - vdso_block.0 - vdso_block.2) as usize];
    let vdso_start = vdso_block.0 + vdso_block.2;
    mem.read(vdso_start, &mut vdso)
        .map_err(|e| Error::os("reading the vdso", e))?;
    let insn = vdso_start
        + find_syscall_insn(&vdso).ok_or_else(|| Error::Unsupported {
            pid,
            why: "its vdso has no syscall instruction to inject system calls with".into(),
        })? as u64;

    let main = &threads[0];
    let os = |what: &'static str| move |e| Error::os(what, e);
    let injection = Injection::begin(main).map_err(os("preparing the main thread"))?;
    let remote = Remote::new(main, pid, insn, *injection.regs());
    let scratch = remote.call(
        "mmap",
        libc::SYS_mmap,
        &[
            0,
            state::SCRATCH_LEN,
            (libc::PROT_READ | libc::PROT_WRITE) as u64,
            (libc::MAP_PRIVATE | libc::MAP_ANONYMOUS) as u64,
            u64::MAX,
            0,
        ],
    )?;
    let injected = (|| -> Result<_> {
        let sigactions =
            state::sigactions(&remote, &mem, scratch, state::non_default_signals(pid))?;
        let itimers = state::itimers(&remote, &mem, scratch)?;
        let brk = remote.call("brk", libc::SYS_brk, &[0])?;
        let timers = state::posix_timers(pid, &remote, &mem, scratch)?;
        let dumpable = remote.call(
            "prctl(PR_GET_DUMPABLE)",
            libc::SYS_prctl,
            &[libc::PR_GET_DUMPABLE as u64],
        )? as u32;
        remote.call(
            "prctl(PR_GET_PDEATHSIG)",
            libc::SYS_prctl,
            &[libc::PR_GET_PDEATHSIG as u64, scratch],
        )?;
        let pdeathsig = mem
            .read_u64(scratch)
            .map_err(|e| Error::os("reading pdeathsig", e))? as u32;
        // Shared file mappings travel in their file: flush them there.
        for m in mappings
            .iter()
            .filter(|m| m.shared && m.write && m.inode != 0)
        {
            if !check::is_shared_mem(m) {
                remote.call(
                    "msync",
                    libc::SYS_msync,
                    &[m.start, m.end - m.start, libc::MS_SYNC as u64],
                )?;
            }
        }
        Ok((sigactions, itimers, brk, timers, dumpable, pdeathsig))
    })();
    injection
        .finish()
        .map_err(os("restoring the main thread"))?;
    let thread_images: Result<Vec<_>> = threads
        .iter()
        .map(|t| state::thread(pid, t, &mem, insn, scratch))
        .collect();
    // Unmap the scratch memory whatever happened above.
    let injection = Injection::begin(main).map_err(os("preparing the main thread"))?;
    let remote = Remote::new(main, pid, insn, *injection.regs());
    let unmapped = remote.call("munmap", libc::SYS_munmap, &[scratch, state::SCRATCH_LEN]);
    injection
        .finish()
        .map_err(os("restoring the main thread"))?;
    unmapped?;
    let (sigactions, itimers, brk, posix_timers, dumpable, pdeathsig) = injected?;
    let thread_images = thread_images?;
    let shared_pending = main
        .pending_siginfo(true)
        .map_err(|e| Error::os("reading pending signals", e))?;

    let status = proc_info::status(pid).map_err(|e| Error::os("reading status", e))?;
    let stat = proc_info::stat(pid).map_err(|e| Error::os("reading stat", e))?;
    let link = |what: &str| {
        fs::read_link(format!("/proc/{pid}/{what}"))
            .map(|p| p.to_string_lossy().into_owned())
            .map_err(|e| Error::os(format!("reading /proc/{pid}/{what}"), e))
    };
    let auxv = fs::read(format!("/proc/{pid}/auxv")).map_err(|e| Error::os("reading auxv", e))?;
    let process = ProcessImage {
        pid,
        session_leader: stat.session() == pid,
        pgrp_leader: stat.pgrp() == pid,
        exe: link("exe")?,
        cwd: link("cwd")?,
        umask: status.umask,
        nice: stat.nice(),
        rlimits: proc_info::limits(pid).map_err(|e| Error::os("reading limits", e))?,
        sigactions,
        shared_pending,
        itimers,
        mm: MmFields {
            start_code: stat.field(26),
            end_code: stat.field(27),
            start_stack: stat.field(28),
            start_data: stat.field(45),
            end_data: stat.field(46),
            start_brk: stat.field(47),
            brk,
            arg_start: stat.field(48),
            arg_end: stat.field(49),
            env_start: stat.field(50),
            env_end: stat.field(51),
            auxv: auxv
                .chunks_exact(8)
                .map(|c| u64::from_le_bytes(c.try_into().expect("8 bytes")))
                .collect(),
        },
        vdso_block,
        uids: status.uids,
        gids: status.gids,
        posix_timers,
        groups: status.groups,
        caps: status.caps,
        no_new_privs: status.no_new_privs,
        dumpable,
        pdeathsig,
        stopped,
        personality: fs::read_to_string(format!("/proc/{pid}/personality"))
            .ok()
            .and_then(|v| u32::from_str_radix(v.trim(), 16).ok())
            .unwrap_or(0),
    };
    let fds = files::dump_fds(pid)?;
    let vmas = memory::vmas(pid, &mappings)?;

    let host = host::host_info(thread_images[0].xstate.len() as u32);
    out.record(Kind::Host, &[&host.encode()])?;
    out.record(Kind::Process, &[&process.encode()])?;
    for t in &thread_images {
        out.record(Kind::Thread, &[&t.encode()])?;
    }
    for f in &fds {
        out.record(Kind::Fd, &[&f.encode()])?;
    }
    let t = Instant::now();
    memfd::write_contents(pid, &fds, out)?;
    for v in &vmas {
        out.record(Kind::Vma, &[&v.encode()])?;
    }
    // A memfd that also has a descriptor travels once, in its `FileData` records.
    let memfds: HashSet<u64> = fds
        .iter()
        .filter_map(|f| match f.kind {
            FdKind::Memfd { id, .. } => Some(id),
            _ => None,
        })
        .collect();
    memory::write_pages(pid, &vmas, &memfds, &mem, out)?;
    stats.memory_time = t.elapsed();
    Ok(())
}
