//! Restoring a process from an image.
//!
//! The image's header is checked against this host first. Descriptors are opened here, then a
//! fresh process is started (a grandchild, so it outlives the restoring command) and seized. Its
//! address space is replaced through injected system calls, every memory record is verified
//! and written, and the threads, signals and timers are recreated. Only after the end marker
//! has been verified are the threads released; on any error the new process is killed, so an
//! image is never half restored.

mod anon_fds;
mod files;
mod memfd;
mod memory;
mod spawn;
mod threads;
mod vdso;

use std::io::Read;
use std::os::fd::OwnedFd;

use crate::error::{Error, Result};
use crate::host;
use crate::image::format::{FdImage, HostInfo, Kind, ProcessImage, ThreadImage, VmaImage};
use crate::image::reader::ImageReader;
use crate::maps;
use crate::ptrace::{Stopped, Tracee};
use crate::remote_memory::RemoteMemory;
use crate::remote_syscall::{Remote, find_syscall_insn};

const SCRATCH_LEN: u64 = 4 * 4096;
const RSEQ_FLAG_UNREGISTER: u64 = 1;

/// How to restore.
#[derive(Debug, Default)]
pub struct RestoreOptions {
    inherit: Vec<(i32, OwnedFd)>,
    orphan_outside_pipes: bool,
}

impl RestoreOptions {
    /// Options with nothing inherited.
    pub fn new() -> Self {
        Self::default()
    }

    /// Installs `file` as descriptor `fd` of the restored process instead of what the image
    /// describes. Needed for pipes that led outside the process (its stdio, typically).
    pub fn inherit_fd(mut self, fd: i32, file: OwnedFd) -> Self {
        self.inherit.push((fd, file));
        self
    }

    /// Gives each pipe end that led outside the process, and that no [`inherit_fd`] replaces,
    /// a fresh pipe whose other end is closed (reads see end-of-file, writes `EPIPE`), instead
    /// of refusing the restore. For stray descriptors a process inherited and never uses.
    ///
    /// [`inherit_fd`]: RestoreOptions::inherit_fd
    pub fn orphan_outside_pipes(mut self) -> Self {
        self.orphan_outside_pipes = true;
        self
    }
}

/// Restores the process in `source` and returns its pid. See [`restore_with`].
pub fn restore<R: Read>(source: R) -> Result<crate::Pid> {
    restore_with(source, RestoreOptions::default())
}

/// Everything of an image but the memory.
struct Metadata {
    process: ProcessImage,
    threads: Vec<ThreadImage>,
    fds: Vec<FdImage>,
    vmas: Vec<VmaImage>,
}

/// Restores the process in `source` and returns its pid (the original one when it is free).
///
/// The process runs when this returns; it is not a child of the caller (it is reaped by the
/// nearest subreaper or init). A corrupt, truncated or incompatible image is refused and
/// nothing runs.
pub fn restore_with<R: Read>(source: R, opts: RestoreOptions) -> Result<crate::Pid> {
    let mut reader = ImageReader::new(source)?;
    let (kind, payload) = reader.next_record()?;
    if kind != Kind::Host {
        return Err(Error::BadImage(
            "it does not start with a host record".into(),
        ));
    }
    let image_host = HostInfo::decode(payload)?;
    let here = host::host_info(local_xstate_size(image_host.xstate_size));
    let refusals = host::compatible(&image_host, &here);
    if !refusals.is_empty() {
        return Err(Error::Refused(refusals));
    }
    let mut process = None;
    let mut thread_images = Vec::new();
    let mut fds = Vec::new();
    let mut vmas = Vec::new();
    // Memfd contents go into their objects as they are read.
    let mut memfds = memfd::Memfds::default();
    let first_pages: Option<Vec<u8>> = loop {
        let (kind, payload) = reader.next_record()?;
        match kind {
            Kind::Process => process = Some(ProcessImage::decode(payload)?),
            Kind::Thread => thread_images.push(ThreadImage::decode(payload)?),
            Kind::Fd => fds.push(FdImage::decode(payload)?),
            Kind::FileData => memfds.write(&fds, payload)?,
            Kind::Vma => vmas.push(VmaImage::decode(payload)?),
            Kind::Pages => break Some(payload.to_vec()),
            Kind::End => break None,
            Kind::Host => return Err(Error::BadImage("it has two host records".into())),
        }
    };
    let process = process.ok_or_else(|| Error::BadImage("it has no process record".into()))?;
    if thread_images.is_empty() {
        return Err(Error::BadImage("it has no thread".into()));
    }
    if thread_images
        .iter()
        .any(|t| t.xstate.len() != image_host.xstate_size as usize)
    {
        return Err(Error::BadImage(
            "a thread's XSAVE area has the wrong size".into(),
        ));
    }
    vmas.sort_by_key(|v| v.start);
    if vmas.windows(2).any(|w| w[0].end > w[1].start) {
        return Err(Error::BadImage("its mappings overlap".into()));
    }
    let meta = Metadata {
        process,
        threads: thread_images,
        fds,
        vmas,
    };

    let prepared = files::prepare(&meta.fds, memfds, opts.inherit, opts.orphan_outside_pipes)?;
    let plan = spawn::Plan::new(&meta.process)?;
    let pid = spawn::spawn(&plan)?;
    // The new process inherited the descriptors; only their numbers matter from here on, and
    // this process must not keep pipe ends open behind the restored one's back. It keeps the
    // timerfds only, to arm them last.
    let install = prepared.into_plan();
    let mut main: Option<Tracee<Stopped>> = None;
    let mut others: Vec<Tracee<Stopped>> = Vec::new();
    // Dropped before the tracees (declared after them): should this function unwind, the
    // half-built process is killed before they detach from it.
    let mut guard = KillOnDrop(Some(pid));
    let result = (|| {
        let t = Tracee::seize(pid, libc::PTRACE_O_EXITKILL as u64)
            .and_then(|t| t.interrupt())
            .map_err(|e| Error::os(format!("seizing the new process {pid}"), e))?;
        build(
            pid,
            main.insert(t),
            &mut others,
            &meta,
            &install,
            &mut reader,
            first_pages,
        )?;
        // Verified and complete: release the threads, the main thread last. A process that
        // was stopped by job control is released with a SIGSTOP, first to the main thread so
        // that the group stop is pending before any other thread runs.
        if meta.process.stopped {
            let main = main.take().expect("seized");
            main.detach_with(libc::SIGSTOP)
                .map_err(|e| Error::os("releasing the main thread", e))?;
        }
        for t in others.drain(..) {
            t.detach().map_err(|e| Error::os("releasing a thread", e))?;
        }
        Ok(())
    })();
    match result {
        Ok(()) => {
            guard.0 = None;
            if let Some(main) = main.take() {
                main.detach()
                    .map_err(|e| Error::os("releasing the main thread", e))?;
            }
            Ok(pid)
        }
        Err(e) => {
            guard.0 = None;
            crate::ptrace::kill_and_reap(pid, main.into_iter().chain(others).collect());
            Err(e)
        }
    }
}

/// Kills a process being restored unless disarmed.
struct KillOnDrop(Option<i32>);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if let Some(pid) = self.0 {
            // SAFETY: kill takes integers only; the process is ours and not yet released.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
    }
}

/// The size of this CPU's XSAVE area for the features the OS enabled (CPUID 0xD.0 EBX, the
/// standard layout ptrace uses), or the image's size if the CPU reports none.
fn local_xstate_size(image_size: u32) -> u32 {
    let leaf = std::arch::x86_64::__cpuid_count(0xd, 0);
    if leaf.ebx == 0 { image_size } else { leaf.ebx }
}

fn build<R: Read>(
    pid: i32,
    main: &Tracee<Stopped>,
    others: &mut Vec<Tracee<Stopped>>,
    meta: &Metadata,
    install: &files::InstallPlan,
    reader: &mut ImageReader<R>,
    first_pages: Option<Vec<u8>>,
) -> Result<()> {
    let p = &meta.process;
    let mem =
        RemoteMemory::open(pid).map_err(|e| Error::os("opening the new process's memory", e))?;
    let child_maps = maps::read(pid).map_err(|e| Error::os("reading the new process's maps", e))?;
    let child_block = maps::vdso_block(&child_maps)
        .ok_or_else(|| Error::Restore("this process has no vdso to restore with".into()))?;
    let mut vdso = vec![0u8; (child_block.1 - child_block.0 - child_block.2) as usize];
    let vdso_start = child_block.0 + child_block.2;
    mem.read(vdso_start, &mut vdso)
        .map_err(|e| Error::os("reading the vdso", e))?;
    let insn_off = child_block.2
        + find_syscall_insn(&vdso)
            .ok_or_else(|| Error::Restore("the vdso has no syscall instruction".into()))?
            as u64;

    let base = main.regs().map_err(|e| Error::os("reading registers", e))?;
    main.set_sigmask(!0)
        .map_err(|e| Error::os("blocking signals", e))?;
    let mut remote = Remote::new(main, pid, child_block.0 + insn_off, base);

    // The fork inherited the restorer's rseq registration; its memory is about to go.
    let rs = main.rseq().map_err(|e| Error::os("reading rseq", e))?;
    if rs.addr != 0 {
        remote.call(
            "rseq",
            libc::SYS_rseq,
            &[
                rs.addr,
                u64::from(rs.len),
                RSEQ_FLAG_UNREGISTER,
                u64::from(rs.signature),
            ],
        )?;
    }

    // Scratch memory and a spare range, away from everything the image and the vdso need.
    let block_len = child_block.1 - child_block.0;
    let mut avoid: Vec<(u64, u64)> = meta.vmas.iter().map(|v| (v.start, v.end)).collect();
    avoid.push((p.vdso_block.0, p.vdso_block.1));
    avoid.push((child_block.0, child_block.1));
    let scratch = memory::free_range(&avoid, SCRATCH_LEN + block_len)
        .ok_or_else(|| Error::Restore("no free address range for scratch memory".into()))?;
    let spare = scratch + SCRATCH_LEN;
    remote.call(
        "mmap",
        libc::SYS_mmap,
        &[
            scratch,
            SCRATCH_LEN,
            (libc::PROT_READ | libc::PROT_WRITE) as u64,
            (libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED) as u64,
            u64::MAX,
            0,
        ],
    )?;

    // Away with the restorer's address space: everything but the vdso block and the scratch.
    let mut keep = [
        (child_block.0, child_block.1),
        (scratch, scratch + SCRATCH_LEN),
    ];
    keep.sort_unstable();
    let mut at = 0u64;
    for (s, e) in keep
        .iter()
        .copied()
        .chain([(memory::TASK_SIZE, memory::TASK_SIZE)])
    {
        if s > at {
            remote.call("munmap", libc::SYS_munmap, &[at, s - at])?;
        }
        at = e;
    }

    vdso::move_block(&remote, child_block, p.vdso_block, spare)?;
    remote.set_insn(p.vdso_block.0 + insn_off);

    let fixups = memory::create_vmas(&remote, &mem, scratch, &meta.vmas, &install.memfds)?;

    // Memory: every record verified before it is written; nothing runs until the end marker.
    // The first memory record was read with the metadata (it ended the metadata); without
    // one, the end marker was.
    if let Some(first) = first_pages {
        memory::write_memory(&remote, &mem, &meta.vmas, reader, first)?;
    }
    memory::protect(&remote, &fixups)?;

    set_mm_map(pid, &remote, &mem, scratch, p)?;
    remote.call(
        "personality",
        libc::SYS_personality,
        &[u64::from(p.personality)],
    )?;
    files::install(&remote, &mem, scratch, install)?;

    for a in &p.sigactions {
        let act: Vec<u8> = [a.handler, a.flags, a.restorer, a.mask]
            .iter()
            .flat_map(|w| w.to_le_bytes())
            .collect();
        mem.write(scratch, &act)
            .map_err(|e| Error::os("writing a sigaction", e))?;
        remote.call(
            "rt_sigaction",
            libc::SYS_rt_sigaction,
            &[u64::from(a.sig), scratch, 0, 8],
        )?;
    }

    // Threads: created from the main thread before anyone drops privileges.
    for t in &meta.threads[1..] {
        others.push(threads::create(&remote, &mem, scratch, t.tid)?);
    }
    for (t, img) in others.iter().zip(&meta.threads[1..]) {
        let base = t.regs().map_err(|e| Error::os("reading registers", e))?;
        t.set_sigmask(!0)
            .map_err(|e| Error::os("blocking signals", e))?;
        let r = Remote::new(t, pid, p.vdso_block.0 + insn_off, base);
        threads::apply_state(&r, &mem, scratch, pid, img, p)?;
    }

    for info in &p.shared_pending {
        mem.write(scratch, info)
            .map_err(|e| Error::os("writing a siginfo", e))?;
        let sig = i32::from_le_bytes(info[..4].try_into().expect("4 bytes"));
        remote.call(
            "rt_sigqueueinfo",
            libc::SYS_rt_sigqueueinfo,
            &[pid as u64, sig as u64, scratch],
        )?;
    }

    let tids: Vec<(i32, i32)> = meta
        .threads
        .iter()
        .map(|t| t.tid)
        .zip(std::iter::once(pid).chain(others.iter().map(|t| t.tid())))
        .collect();
    // Restoring timer ids needs CAP_CHECKPOINT_RESTORE: before the main thread drops it.
    posix_timers(&remote, &mem, scratch, p, &tids)?;

    threads::apply_state(&remote, &mem, scratch, pid, &meta.threads[0], p)?;

    // Timers last, so that they lose as little time as possible before the process runs.
    install.timers.arm()?;
    for (which, t) in p.itimers.iter().enumerate() {
        let (mut value_sec, mut value_usec) = (t.value_sec, t.value_usec);
        if value_sec == 0 && value_usec == 0 {
            if t.interval_sec == 0 && t.interval_usec == 0 {
                continue;
            }
            // A periodic ITIMER_REAL that fired while the process was stopped reads as 0 until
            // its SIGALRM (saved as pending) is dequeued, which is when the kernel re-arms it:
            // re-arm it for one interval here.
            (value_sec, value_usec) = (t.interval_sec, t.interval_usec);
        }
        let v: Vec<u8> = [t.interval_sec, t.interval_usec, value_sec, value_usec]
            .iter()
            .flat_map(|w| w.to_le_bytes())
            .collect();
        mem.write(scratch, &v)
            .map_err(|e| Error::os("writing an itimer", e))?;
        remote.call(
            "setitimer",
            libc::SYS_setitimer,
            &[which as u64, scratch, 0],
        )?;
    }
    remote.call("munmap", libc::SYS_munmap, &[scratch, SCRATCH_LEN])?;

    threads::set_final(main, &meta.threads[0])?;
    for (t, img) in others.iter().zip(&meta.threads[1..]) {
        threads::set_final(t, img)?;
    }
    Ok(())
}

fn set_mm_map(
    pid: i32,
    remote: &Remote,
    mem: &RemoteMemory,
    scratch: u64,
    p: &ProcessImage,
) -> Result<()> {
    let m = &p.mm;
    // The new process's executable is the restorer's. When that is already the image's
    // executable it stays (and the kernel would refuse to replace it by itself: EBUSY while
    // a mapping of it exists).
    let same_exe = std::fs::read_link(format!("/proc/{pid}/exe"))
        .is_ok_and(|e| e.as_os_str() == std::ffi::OsStr::new(&p.exe));
    let exe_fd = if same_exe {
        u64::from(u32::MAX)
    } else {
        memory::remote_open(remote, mem, scratch + 2048, &p.exe, libc::O_RDONLY)?
    };
    let auxv_at = scratch + 1024;
    let auxv: Vec<u8> = m.auxv.iter().flat_map(|w| w.to_le_bytes()).collect();
    if auxv.len() > 1024 {
        return Err(Error::BadImage("its auxiliary vector is too long".into()));
    }
    let mut map: Vec<u8> = m
        .addresses()
        .iter()
        .chain([auxv_at].iter())
        .flat_map(|w| w.to_le_bytes())
        .collect();
    map.extend_from_slice(&(auxv.len() as u32).to_le_bytes());
    map.extend_from_slice(&(exe_fd as u32).to_le_bytes());
    mem.write(scratch, &map)
        .map_err(|e| Error::os("writing prctl_mm_map", e))?;
    mem.write(auxv_at, &auxv)
        .map_err(|e| Error::os("writing auxv", e))?;
    let r = remote.call(
        "prctl(PR_SET_MM_MAP)",
        libc::SYS_prctl,
        &[
            libc::PR_SET_MM as u64,
            libc::PR_SET_MM_MAP as u64,
            scratch,
            map.len() as u64,
            0,
        ],
    );
    if !same_exe {
        remote.call("close", libc::SYS_close, &[exe_fd])?;
    }
    r.map(drop)
}

const PR_TIMER_CREATE_RESTORE_IDS: u64 = 77;

/// Recreates the POSIX timers with their original ids (`PR_TIMER_CREATE_RESTORE_IDS`, Linux
/// ≥ 6.17 makes `timer_create` take the id from its output argument) and arms them. `tids`
/// maps source thread ids to the new ones.
fn posix_timers(
    remote: &Remote,
    mem: &RemoteMemory,
    scratch: u64,
    p: &ProcessImage,
    tids: &[(i32, i32)],
) -> Result<()> {
    if p.posix_timers.is_empty() {
        return Ok(());
    }
    let w = |at: u64, b: &[u8]| {
        mem.write(at, b)
            .map_err(|e| Error::os("writing a timer", e))
    };
    remote.call(
        "prctl(PR_TIMER_CREATE_RESTORE_IDS)",
        libc::SYS_prctl,
        &[PR_TIMER_CREATE_RESTORE_IDS, 1],
    )?;
    let result = (|| {
        for t in &p.posix_timers {
            // struct sigevent: sigev_value, sigev_signo, sigev_notify, then the union whose
            // first member is the target tid; 64 bytes in all.
            let mut ev = [0u8; 64];
            ev[..8].copy_from_slice(&t.sigval.to_le_bytes());
            ev[8..12].copy_from_slice(&t.signo.to_le_bytes());
            ev[12..16].copy_from_slice(&t.notify.to_le_bytes());
            if t.notify & libc::SIGEV_THREAD_ID != 0 {
                let tid = tids
                    .iter()
                    .find(|(old, _)| *old == t.tid)
                    .map(|(_, new)| *new)
                    .ok_or_else(|| {
                        Error::BadImage(format!("timer {} aims at an unknown thread", t.id))
                    })?;
                ev[16..20].copy_from_slice(&tid.to_le_bytes());
            }
            w(scratch, &ev)?;
            w(scratch + 64, &t.id.to_le_bytes())?;
            remote.call(
                "timer_create",
                libc::SYS_timer_create,
                &[t.clock as u64, scratch, scratch + 64],
            )?;
            let got = mem
                .read_u64(scratch + 64)
                .map_err(|e| Error::os("reading a timer id", e))? as i32;
            if got != t.id {
                return Err(Error::Restore(format!(
                    "timer {} came back as timer {got}",
                    t.id
                )));
            }
            if t.value_sec != 0 || t.value_nsec != 0 {
                let spec: Vec<u8> = [t.interval_sec, t.interval_nsec, t.value_sec, t.value_nsec]
                    .iter()
                    .flat_map(|v| v.to_le_bytes())
                    .collect();
                w(scratch + 128, &spec)?;
                remote.call(
                    "timer_settime",
                    libc::SYS_timer_settime,
                    &[t.id as u64, 0, scratch + 128, 0],
                )?;
            }
        }
        Ok(())
    })();
    remote.call(
        "prctl(PR_TIMER_CREATE_RESTORE_IDS)",
        libc::SYS_prctl,
        &[PR_TIMER_CREATE_RESTORE_IDS, 0],
    )?;
    result
}
