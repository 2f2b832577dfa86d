//! The records of an image and their byte encoding (see `FORMAT.md`).
//!
//! Every integer is little-endian; strings and byte strings are a `u32` length and the bytes.

use crate::error::{Error, Result};
use crate::ptrace::{REGS_WORDS, SIGINFO_SIZE};

/// First bytes of every image.
pub const MAGIC: [u8; 8] = *b"ROAMCKPT";
/// Version of the format this crate writes and reads.
pub const VERSION: u32 = 2;
/// Largest payload of one record.
pub const MAX_RECORD: usize = 16 << 20;
/// Largest amount of memory carried by one `Pages` record.
pub const PAGES_CHUNK: usize = 1 << 20;

/// Kind of a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum Kind {
    /// Host facts for the compatibility check ([`HostInfo`]).
    Host = 1,
    /// Process-wide state ([`ProcessImage`]).
    Process = 2,
    /// One thread ([`ThreadImage`]).
    Thread = 3,
    /// One file descriptor ([`FdImage`]).
    Fd = 4,
    /// One mapping ([`VmaImage`]).
    Vma = 5,
    /// Memory contents: an address and whole pages.
    Pages = 6,
    /// End marker ([`EndImage`]).
    End = 7,
    /// Contents of a memfd: its id, an offset and bytes ([`split_file_data`]).
    FileData = 8,
}

impl Kind {
    /// Decodes a kind number.
    pub fn from_u32(v: u32) -> Option<Kind> {
        Some(match v {
            1 => Kind::Host,
            2 => Kind::Process,
            3 => Kind::Thread,
            4 => Kind::Fd,
            5 => Kind::Vma,
            6 => Kind::Pages,
            7 => Kind::End,
            8 => Kind::FileData,
            _ => return None,
        })
    }
}

/// Encoder of record payloads.
#[derive(Debug, Default)]
pub struct Enc(pub Vec<u8>);

impl Enc {
    /// Appends a u32.
    pub fn u32(&mut self, v: u32) -> &mut Self {
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }
    /// Appends a u64.
    pub fn u64(&mut self, v: u64) -> &mut Self {
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }
    /// Appends an i32.
    pub fn i32(&mut self, v: i32) -> &mut Self {
        self.u32(v as u32)
    }
    /// Appends a length-prefixed byte string.
    pub fn bytes(&mut self, v: &[u8]) -> &mut Self {
        self.u32(v.len() as u32);
        self.0.extend_from_slice(v);
        self
    }
    /// Appends a length-prefixed string.
    pub fn str(&mut self, v: &str) -> &mut Self {
        self.bytes(v.as_bytes())
    }
}

/// Decoder of record payloads; every read checks bounds.
#[derive(Debug)]
pub struct Dec<'a> {
    buf: &'a [u8],
}

impl<'a> Dec<'a> {
    /// Decodes `buf`.
    pub fn new(buf: &'a [u8]) -> Self {
        Dec { buf }
    }
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if self.buf.len() < n {
            return Err(Error::BadImage(
                "a record is shorter than its fields".into(),
            ));
        }
        let (a, b) = self.buf.split_at(n);
        self.buf = b;
        Ok(a)
    }
    /// Reads a u32.
    pub fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(
            self.take(4)?.try_into().expect("4 bytes"),
        ))
    }
    /// Reads a u64.
    pub fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(
            self.take(8)?.try_into().expect("8 bytes"),
        ))
    }
    /// Reads an i32.
    pub fn i32(&mut self) -> Result<i32> {
        Ok(self.u32()? as i32)
    }
    /// Reads a length-prefixed byte string.
    pub fn bytes(&mut self) -> Result<&'a [u8]> {
        let n = self.u32()? as usize;
        self.take(n)
    }
    /// Reads a length-prefixed string.
    pub fn str(&mut self) -> Result<String> {
        String::from_utf8(self.bytes()?.to_vec())
            .map_err(|_| Error::BadImage("a string is not UTF-8".into()))
    }
    /// Reads a count that must be plausible for the remaining bytes.
    fn count(&mut self, min_item: usize) -> Result<usize> {
        let n = self.u32()? as usize;
        if n.saturating_mul(min_item) > self.buf.len() {
            return Err(Error::BadImage("a count exceeds its record".into()));
        }
        Ok(n)
    }
    fn siginfos(&mut self) -> Result<Vec<[u8; SIGINFO_SIZE]>> {
        let n = self.count(SIGINFO_SIZE)?;
        (0..n)
            .map(|_| Ok(self.take(SIGINFO_SIZE)?.try_into().expect("siginfo size")))
            .collect()
    }
}

fn put_siginfos(e: &mut Enc, v: &[[u8; SIGINFO_SIZE]]) {
    e.u32(v.len() as u32);
    for s in v {
        e.0.extend_from_slice(s);
    }
}

/// Facts about the host that made the image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostInfo {
    /// `uname -r`.
    pub kernel_release: String,
    /// XCR0: the XSAVE features the OS enabled.
    pub xcr0: u64,
    /// Size of the XSAVE area in bytes.
    pub xstate_size: u32,
    /// CPU feature flags (`/proc/cpuinfo`).
    pub cpu_flags: Vec<String>,
}

impl HostInfo {
    /// Encodes.
    pub fn encode(&self) -> Vec<u8> {
        let mut e = Enc::default();
        e.str(&self.kernel_release)
            .u64(self.xcr0)
            .u32(self.xstate_size);
        e.u32(self.cpu_flags.len() as u32);
        for f in &self.cpu_flags {
            e.str(f);
        }
        e.0
    }
    /// Decodes.
    pub fn decode(b: &[u8]) -> Result<Self> {
        let mut d = Dec::new(b);
        let kernel_release = d.str()?;
        let xcr0 = d.u64()?;
        let xstate_size = d.u32()?;
        let n = d.count(4)?;
        let cpu_flags = (0..n).map(|_| d.str()).collect::<Result<_>>()?;
        Ok(HostInfo {
            kernel_release,
            xcr0,
            xstate_size,
            cpu_flags,
        })
    }
}

/// A signal disposition (`struct kernel_sigaction`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SigAction {
    /// Signal number.
    pub sig: u32,
    /// Handler address, `SIG_DFL` (0) or `SIG_IGN` (1).
    pub handler: u64,
    /// `SA_*` flags.
    pub flags: u64,
    /// `sa_restorer`.
    pub restorer: u64,
    /// Signals blocked while the handler runs.
    pub mask: u64,
}

/// The fields of `prctl(PR_SET_MM, PR_SET_MM_MAP)`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MmFields {
    /// Start of text.
    pub start_code: u64,
    /// End of text.
    pub end_code: u64,
    /// Start of data.
    pub start_data: u64,
    /// End of data.
    pub end_data: u64,
    /// Start of the heap.
    pub start_brk: u64,
    /// Current program break.
    pub brk: u64,
    /// Start of the main stack.
    pub start_stack: u64,
    /// Command line range.
    pub arg_start: u64,
    /// Command line range end.
    pub arg_end: u64,
    /// Environment range.
    pub env_start: u64,
    /// Environment range end.
    pub env_end: u64,
    /// The auxiliary vector (`/proc/PID/auxv`), as words.
    pub auxv: Vec<u64>,
}

impl MmFields {
    /// The address fields in the order both the image and `struct prctl_mm_map` use.
    pub fn addresses(&self) -> [u64; 11] {
        [
            self.start_code,
            self.end_code,
            self.start_data,
            self.end_data,
            self.start_brk,
            self.brk,
            self.start_stack,
            self.arg_start,
            self.arg_end,
            self.env_start,
            self.env_end,
        ]
    }
}

/// An interval timer (`struct itimerval`, microseconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Itimer {
    /// Interval seconds.
    pub interval_sec: u64,
    /// Interval microseconds.
    pub interval_usec: u64,
    /// Remaining seconds.
    pub value_sec: u64,
    /// Remaining microseconds.
    pub value_usec: u64,
}

/// A POSIX timer (`timer_create`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PosixTimer {
    /// Timer id, as the process knows it.
    pub id: i32,
    /// Clock id.
    pub clock: i32,
    /// `sigev_notify` (`SIGEV_SIGNAL`, `SIGEV_NONE`, with `SIGEV_THREAD_ID` when aimed at a thread).
    pub notify: i32,
    /// Signal number.
    pub signo: i32,
    /// `sigev_value`.
    pub sigval: u64,
    /// Target thread for `SIGEV_THREAD_ID` (source-host tid).
    pub tid: i32,
    /// Interval seconds.
    pub interval_sec: u64,
    /// Interval nanoseconds.
    pub interval_nsec: u64,
    /// Remaining seconds (0 and 0: disarmed).
    pub value_sec: u64,
    /// Remaining nanoseconds.
    pub value_nsec: u64,
}

/// Process-wide state.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProcessImage {
    /// Pid on the source host.
    pub pid: i32,
    /// Whether it led its session.
    pub session_leader: bool,
    /// Whether it led its process group.
    pub pgrp_leader: bool,
    /// Path of the executable.
    pub exe: String,
    /// Working directory.
    pub cwd: String,
    /// File mode creation mask.
    pub umask: u32,
    /// Nice value.
    pub nice: i32,
    /// `(resource, soft, hard)`.
    pub rlimits: Vec<(u32, u64, u64)>,
    /// Dispositions that are not `SIG_DFL` with no flags.
    pub sigactions: Vec<SigAction>,
    /// The process-wide pending-signal queue.
    pub shared_pending: Vec<[u8; SIGINFO_SIZE]>,
    /// `ITIMER_REAL`, `ITIMER_VIRTUAL`, `ITIMER_PROF`.
    pub itimers: [Itimer; 3],
    /// Memory-descriptor fields.
    pub mm: MmFields,
    /// The vvar/vdso block `[start, end)` and the offset of the vdso in it.
    pub vdso_block: (u64, u64, u64),
    /// Real, effective, saved uid.
    pub uids: [u32; 3],
    /// Real, effective, saved gid.
    pub gids: [u32; 3],
    /// POSIX timers.
    pub posix_timers: Vec<PosixTimer>,
    /// Supplementary groups.
    pub groups: Vec<u32>,
    /// `PR_SET_NO_NEW_PRIVS`.
    pub no_new_privs: bool,
    /// `PR_GET_DUMPABLE`.
    pub dumpable: u32,
    /// `PR_GET_PDEATHSIG`.
    pub pdeathsig: u32,
    /// `personality(2)` flags.
    pub personality: u32,
    /// Capability sets: inheritable, permitted, effective, bounding, ambient.
    pub caps: [u64; 5],
    /// Stopped by job control (`SIGSTOP`, `SIGTSTP`…) when it was frozen.
    pub stopped: bool,
}

impl ProcessImage {
    /// Encodes.
    pub fn encode(&self) -> Vec<u8> {
        let mut e = Enc::default();
        e.i32(self.pid)
            .u32(self.session_leader as u32)
            .u32(self.pgrp_leader as u32)
            .str(&self.exe)
            .str(&self.cwd)
            .u32(self.umask)
            .i32(self.nice);
        e.u32(self.rlimits.len() as u32);
        for &(r, s, h) in &self.rlimits {
            e.u32(r).u64(s).u64(h);
        }
        e.u32(self.sigactions.len() as u32);
        for a in &self.sigactions {
            e.u32(a.sig)
                .u64(a.handler)
                .u64(a.flags)
                .u64(a.restorer)
                .u64(a.mask);
        }
        put_siginfos(&mut e, &self.shared_pending);
        for t in &self.itimers {
            e.u64(t.interval_sec)
                .u64(t.interval_usec)
                .u64(t.value_sec)
                .u64(t.value_usec);
        }
        let m = &self.mm;
        for v in m.addresses() {
            e.u64(v);
        }
        e.u32(m.auxv.len() as u32);
        for &w in &m.auxv {
            e.u64(w);
        }
        e.u64(self.vdso_block.0)
            .u64(self.vdso_block.1)
            .u64(self.vdso_block.2);
        for v in self.uids.iter().chain(&self.gids) {
            e.u32(*v);
        }
        e.u32(self.posix_timers.len() as u32);
        for t in &self.posix_timers {
            e.i32(t.id)
                .i32(t.clock)
                .i32(t.notify)
                .i32(t.signo)
                .u64(t.sigval)
                .i32(t.tid)
                .u64(t.interval_sec)
                .u64(t.interval_nsec)
                .u64(t.value_sec)
                .u64(t.value_nsec);
        }
        e.u32(self.groups.len() as u32);
        for g in &self.groups {
            e.u32(*g);
        }
        e.u32(self.no_new_privs as u32)
            .u32(self.dumpable)
            .u32(self.pdeathsig)
            .u32(self.personality);
        for c in self.caps {
            e.u64(c);
        }
        e.u32(self.stopped as u32);
        e.0
    }

    /// Decodes.
    pub fn decode(b: &[u8]) -> Result<Self> {
        let mut d = Dec::new(b);
        let mut p = ProcessImage {
            pid: d.i32()?,
            session_leader: d.u32()? != 0,
            pgrp_leader: d.u32()? != 0,
            exe: d.str()?,
            cwd: d.str()?,
            umask: d.u32()?,
            nice: d.i32()?,
            ..Default::default()
        };
        for _ in 0..d.count(20)? {
            p.rlimits.push((d.u32()?, d.u64()?, d.u64()?));
        }
        for _ in 0..d.count(36)? {
            p.sigactions.push(SigAction {
                sig: d.u32()?,
                handler: d.u64()?,
                flags: d.u64()?,
                restorer: d.u64()?,
                mask: d.u64()?,
            });
        }
        p.shared_pending = d.siginfos()?;
        for t in &mut p.itimers {
            *t = Itimer {
                interval_sec: d.u64()?,
                interval_usec: d.u64()?,
                value_sec: d.u64()?,
                value_usec: d.u64()?,
            };
        }
        let m = &mut p.mm;
        for f in [
            &mut m.start_code,
            &mut m.end_code,
            &mut m.start_data,
            &mut m.end_data,
            &mut m.start_brk,
            &mut m.brk,
            &mut m.start_stack,
            &mut m.arg_start,
            &mut m.arg_end,
            &mut m.env_start,
            &mut m.env_end,
        ] {
            *f = d.u64()?;
        }
        for _ in 0..d.count(8)? {
            m.auxv.push(d.u64()?);
        }
        p.vdso_block = (d.u64()?, d.u64()?, d.u64()?);
        for v in p.uids.iter_mut().chain(p.gids.iter_mut()) {
            *v = d.u32()?;
        }
        for _ in 0..d.count(60)? {
            p.posix_timers.push(PosixTimer {
                id: d.i32()?,
                clock: d.i32()?,
                notify: d.i32()?,
                signo: d.i32()?,
                sigval: d.u64()?,
                tid: d.i32()?,
                interval_sec: d.u64()?,
                interval_nsec: d.u64()?,
                value_sec: d.u64()?,
                value_nsec: d.u64()?,
            });
        }
        for _ in 0..d.count(4)? {
            p.groups.push(d.u32()?);
        }
        p.no_new_privs = d.u32()? != 0;
        p.dumpable = d.u32()?;
        p.pdeathsig = d.u32()?;
        p.personality = d.u32()?;
        for c in &mut p.caps {
            *c = d.u64()?;
        }
        p.stopped = d.u32()? != 0;
        Ok(p)
    }
}

/// One thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadImage {
    /// Thread id on the source host.
    pub tid: i32,
    /// General registers (`user_regs_struct` words, including `fs_base`/`gs_base`).
    pub regs: [u64; REGS_WORDS],
    /// The whole XSAVE area.
    pub xstate: Vec<u8>,
    /// Blocked signals.
    pub sigmask: u64,
    /// Thread-private pending signals.
    pub pending: Vec<[u8; SIGINFO_SIZE]>,
    /// `set_tid_address` value.
    pub clear_child_tid: u64,
    /// Robust futex list head and length.
    pub robust_list: (u64, u64),
    /// rseq area, length and signature (address 0: not registered).
    pub rseq: (u64, u32, u32),
    /// Alternate signal stack: `ss_sp`, `ss_flags`, `ss_size`.
    pub altstack: (u64, u32, u64),
    /// Thread name (`comm`).
    pub comm: String,
}

impl ThreadImage {
    /// Encodes.
    pub fn encode(&self) -> Vec<u8> {
        let mut e = Enc::default();
        e.i32(self.tid);
        for &w in &self.regs {
            e.u64(w);
        }
        e.bytes(&self.xstate).u64(self.sigmask);
        put_siginfos(&mut e, &self.pending);
        e.u64(self.clear_child_tid)
            .u64(self.robust_list.0)
            .u64(self.robust_list.1)
            .u64(self.rseq.0)
            .u32(self.rseq.1)
            .u32(self.rseq.2)
            .u64(self.altstack.0)
            .u32(self.altstack.1)
            .u64(self.altstack.2)
            .str(&self.comm);
        e.0
    }
    /// Decodes.
    pub fn decode(b: &[u8]) -> Result<Self> {
        let mut d = Dec::new(b);
        let tid = d.i32()?;
        let mut regs = [0u64; REGS_WORDS];
        for w in &mut regs {
            *w = d.u64()?;
        }
        Ok(ThreadImage {
            tid,
            regs,
            xstate: d.bytes()?.to_vec(),
            sigmask: d.u64()?,
            pending: d.siginfos()?,
            clear_child_tid: d.u64()?,
            robust_list: (d.u64()?, d.u64()?),
            rseq: (d.u64()?, d.u32()?, d.u32()?),
            altstack: (d.u64()?, d.u32()?, d.u64()?),
            comm: d.str()?,
        })
    }
}

/// What an fd refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FdKind {
    /// A regular file, directory, simple device or `O_PATH` fd, reopened by path.
    Path {
        /// Path.
        path: String,
        /// Open flags (`O_ACCMODE`, `O_APPEND`, `O_PATH`, …).
        flags: u32,
        /// File offset.
        pos: u64,
    },
    /// One end of a pipe or FIFO.
    Pipe {
        /// Pipe inode on the source host (ends with the same id are one pipe).
        id: u64,
        /// FIFO path, empty for an anonymous pipe.
        fifo: String,
        /// Open flags.
        flags: u32,
        /// Whether the process also holds the other end.
        internal: bool,
        /// Unread data (internal pipes only).
        data: Vec<u8>,
        /// Pipe capacity.
        capacity: u32,
    },
    /// An eventfd.
    Eventfd {
        /// Counter value.
        count: u64,
        /// `EFD_SEMAPHORE` semantics.
        semaphore: bool,
        /// Status flags (`O_NONBLOCK`).
        flags: u32,
    },
    /// A timerfd.
    Timerfd {
        /// Status flags (`O_NONBLOCK`).
        flags: u32,
        /// Clock, expirations and times.
        state: TimerfdState,
    },
    /// A signalfd.
    Signalfd {
        /// Signals it reads.
        mask: u64,
        /// Status flags (`O_NONBLOCK`).
        flags: u32,
    },
    /// An epoll instance.
    Epoll {
        /// Status flags.
        flags: u32,
        /// What it watches, registered again once every descriptor exists.
        watches: Vec<EpollWatch>,
    },
    /// A memfd; its contents follow the `Fd` records as `FileData` records.
    Memfd {
        /// Inode on the source host (descriptors and shared mappings with the same id are one
        /// object).
        id: u64,
        /// Name given to `memfd_create`.
        name: String,
        /// Open flags (`O_ACCMODE`, `O_APPEND`, …).
        flags: u32,
        /// File offset.
        pos: u64,
        /// File size.
        size: u64,
        /// `F_SEAL_*` seals.
        seals: u32,
        /// Permission bits (`st_mode & 0o7777`).
        mode: u32,
        /// Owner: uid and gid.
        owner: (u32, u32),
    },
}

/// One target an epoll instance watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EpollWatch {
    /// The number the watched file was registered under.
    pub fd: i32,
    /// A descriptor that holds the watched file now: `fd` itself, unless `fd` was closed (or
    /// reused) after the registration while the file stayed open under another number.
    pub source: i32,
    /// `EPOLL*` event bits (including `EPOLLET`, `EPOLLONESHOT`, …).
    pub events: u32,
    /// The user data `epoll_wait` returns.
    pub data: u64,
}

/// The state of a timerfd.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TimerfdState {
    /// Clock id (`CLOCK_MONOTONIC`, `CLOCK_REALTIME`, …).
    pub clockid: i32,
    /// `timerfd_settime` flags (`TFD_TIMER_ABSTIME`, `TFD_TIMER_CANCEL_ON_SET`).
    pub settime_flags: u32,
    /// Expirations not read yet.
    pub ticks: u64,
    /// Next expiration: absolute on the timer's clock with `TFD_TIMER_ABSTIME`, otherwise the
    /// time that remained; 0 and 0: disarmed.
    pub value: (u64, u64),
    /// Period (seconds, nanoseconds); 0 and 0: one-shot.
    pub interval: (u64, u64),
}

/// One file descriptor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FdImage {
    /// Descriptor number.
    pub fd: i32,
    /// Close-on-exec.
    pub cloexec: bool,
    /// Descriptors with the same `description` share one open file description (offset).
    pub description: u32,
    /// What it refers to.
    pub kind: FdKind,
}

impl FdImage {
    /// Encodes.
    pub fn encode(&self) -> Vec<u8> {
        let mut e = Enc::default();
        e.i32(self.fd)
            .u32(self.cloexec as u32)
            .u32(self.description);
        match &self.kind {
            FdKind::Path { path, flags, pos } => {
                e.u32(1).str(path).u32(*flags).u64(*pos);
            }
            FdKind::Pipe {
                id,
                fifo,
                flags,
                internal,
                data,
                capacity,
            } => {
                e.u32(2)
                    .u64(*id)
                    .str(fifo)
                    .u32(*flags)
                    .u32(*internal as u32)
                    .bytes(data)
                    .u32(*capacity);
            }
            FdKind::Eventfd {
                count,
                semaphore,
                flags,
            } => {
                e.u32(3).u64(*count).u32(*semaphore as u32).u32(*flags);
            }
            FdKind::Timerfd { flags, state } => {
                e.u32(4)
                    .u32(*flags)
                    .i32(state.clockid)
                    .u32(state.settime_flags)
                    .u64(state.ticks)
                    .u64(state.value.0)
                    .u64(state.value.1)
                    .u64(state.interval.0)
                    .u64(state.interval.1);
            }
            FdKind::Signalfd { mask, flags } => {
                e.u32(5).u64(*mask).u32(*flags);
            }
            FdKind::Epoll { flags, watches } => {
                e.u32(6).u32(*flags).u32(watches.len() as u32);
                for w in watches {
                    e.i32(w.fd).i32(w.source).u32(w.events).u64(w.data);
                }
            }
            FdKind::Memfd {
                id,
                name,
                flags,
                pos,
                size,
                seals,
                mode,
                owner,
            } => {
                e.u32(7)
                    .u64(*id)
                    .str(name)
                    .u32(*flags)
                    .u64(*pos)
                    .u64(*size)
                    .u32(*seals)
                    .u32(*mode)
                    .u32(owner.0)
                    .u32(owner.1);
            }
        }
        e.0
    }
    /// Decodes.
    pub fn decode(b: &[u8]) -> Result<Self> {
        let mut d = Dec::new(b);
        let fd = d.i32()?;
        let cloexec = d.u32()? != 0;
        let description = d.u32()?;
        let kind = match d.u32()? {
            1 => FdKind::Path {
                path: d.str()?,
                flags: d.u32()?,
                pos: d.u64()?,
            },
            2 => FdKind::Pipe {
                id: d.u64()?,
                fifo: d.str()?,
                flags: d.u32()?,
                internal: d.u32()? != 0,
                data: d.bytes()?.to_vec(),
                capacity: d.u32()?,
            },
            3 => FdKind::Eventfd {
                count: d.u64()?,
                semaphore: d.u32()? != 0,
                flags: d.u32()?,
            },
            4 => FdKind::Timerfd {
                flags: d.u32()?,
                state: TimerfdState {
                    clockid: d.i32()?,
                    settime_flags: d.u32()?,
                    ticks: d.u64()?,
                    value: (d.u64()?, d.u64()?),
                    interval: (d.u64()?, d.u64()?),
                },
            },
            5 => FdKind::Signalfd {
                mask: d.u64()?,
                flags: d.u32()?,
            },
            6 => {
                let flags = d.u32()?;
                let n = d.count(20)?;
                let watches = (0..n)
                    .map(|_| {
                        Ok(EpollWatch {
                            fd: d.i32()?,
                            source: d.i32()?,
                            events: d.u32()?,
                            data: d.u64()?,
                        })
                    })
                    .collect::<Result<_>>()?;
                FdKind::Epoll { flags, watches }
            }
            7 => FdKind::Memfd {
                id: d.u64()?,
                name: d.str()?,
                flags: d.u32()?,
                pos: d.u64()?,
                size: d.u64()?,
                seals: d.u32()?,
                mode: d.u32()?,
                owner: (d.u32()?, d.u32()?),
            },
            k => return Err(Error::BadImage(format!("unknown fd kind {k}"))),
        };
        Ok(FdImage {
            fd,
            cloexec,
            description,
            kind,
        })
    }
}

/// What backs a mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backing {
    /// Private anonymous memory (heap, stack, `MAP_ANONYMOUS|MAP_PRIVATE`).
    Anon,
    /// A file, mapped private or shared.
    File {
        /// Path.
        path: String,
        /// Offset in the file.
        pgoff: u64,
        /// Whether it was opened writable (shared writable mappings need `O_RDWR`).
        writable: bool,
    },
    /// Shared anonymous memory or a memfd (mapped shared or private): recreated as a memfd.
    SharedMem {
        /// Identity on the source host (mappings with the same id share memory).
        id: u64,
        /// Offset in the object.
        pgoff: u64,
        /// Name for `memfd_create`.
        name: String,
    },
}

/// `VmaImage::flags` bit: mapped `MAP_SHARED`.
pub const VMA_SHARED: u32 = 1;
/// `VmaImage::flags` bit: grows down (the main stack).
pub const VMA_GROWSDOWN: u32 = 2;
/// `VmaImage::flags` bit: the heap (`[heap]`).
pub const VMA_HEAP: u32 = 4;

/// One mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VmaImage {
    /// Start address.
    pub start: u64,
    /// End address.
    pub end: u64,
    /// `PROT_*`.
    pub prot: u32,
    /// `VMA_*` bits.
    pub flags: u32,
    /// What backs it.
    pub backing: Backing,
}

impl VmaImage {
    /// Encodes.
    pub fn encode(&self) -> Vec<u8> {
        let mut e = Enc::default();
        e.u64(self.start)
            .u64(self.end)
            .u32(self.prot)
            .u32(self.flags);
        match &self.backing {
            Backing::Anon => {
                e.u32(1);
            }
            Backing::File {
                path,
                pgoff,
                writable,
            } => {
                e.u32(2).str(path).u64(*pgoff).u32(*writable as u32);
            }
            Backing::SharedMem { id, pgoff, name } => {
                e.u32(3).u64(*id).u64(*pgoff).str(name);
            }
        }
        e.0
    }
    /// Decodes.
    pub fn decode(b: &[u8]) -> Result<Self> {
        let mut d = Dec::new(b);
        let start = d.u64()?;
        let end = d.u64()?;
        let prot = d.u32()?;
        let flags = d.u32()?;
        let backing = match d.u32()? {
            1 => Backing::Anon,
            2 => Backing::File {
                path: d.str()?,
                pgoff: d.u64()?,
                writable: d.u32()? != 0,
            },
            3 => Backing::SharedMem {
                id: d.u64()?,
                pgoff: d.u64()?,
                name: d.str()?,
            },
            k => return Err(Error::BadImage(format!("unknown mapping kind {k}"))),
        };
        if start >= end || start % 4096 != 0 || end % 4096 != 0 {
            return Err(Error::BadImage(format!(
                "mapping {start:#x}-{end:#x} is not page aligned"
            )));
        }
        Ok(VmaImage {
            start,
            end,
            prot,
            flags,
            backing,
        })
    }
}

/// Splits a `FileData` payload into the memfd's id, the offset and the bytes.
pub fn split_file_data(payload: &[u8]) -> Result<(u64, u64, &[u8])> {
    let mut d = Dec::new(payload);
    let id = d.u64()?;
    let offset = d.u64()?;
    Ok((id, offset, d.buf))
}

/// The end marker: what the reader must have seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EndImage {
    /// Number of records before this one.
    pub records: u64,
    /// Number of memory bytes in `Pages` records.
    pub page_bytes: u64,
}

impl EndImage {
    /// Encodes.
    pub fn encode(&self) -> Vec<u8> {
        let mut e = Enc::default();
        e.u64(self.records).u64(self.page_bytes);
        e.0
    }
    /// Decodes.
    pub fn decode(b: &[u8]) -> Result<Self> {
        let mut d = Dec::new(b);
        Ok(EndImage {
            records: d.u64()?,
            page_bytes: d.u64()?,
        })
    }
}
