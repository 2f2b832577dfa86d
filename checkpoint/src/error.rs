//! Errors of the engine and the reasons a process is refused.
//!
//! Every `Display` is a sentence a user can act on; the facts (pid, fd, path) travel as fields.

use std::io;

/// Why a process cannot be checkpointed, or an image cannot be restored on this host.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The process holds a socket.
    #[error("cannot checkpoint pid {pid}: fd {fd} is a socket ({what}); sockets are not migrated")]
    Socket {
        /// Process id.
        pid: i32,
        /// File descriptor number.
        fd: i32,
        /// What the kernel calls it (e.g. `socket:[1234]`).
        what: String,
    },
    /// The process holds a kind of file descriptor the engine does not know how to recreate.
    #[error(
        "cannot checkpoint pid {pid}: fd {fd} is {what}, a kind of file that is not migrated; close it first"
    )]
    UnsupportedFd {
        /// Process id.
        pid: i32,
        /// File descriptor number.
        fd: i32,
        /// What the kernel calls it (e.g. `anon_inode:[eventfd]`).
        what: String,
    },
    /// An epoll instance watches a descriptor that cannot be migrated (or that was closed).
    #[error(
        "cannot checkpoint pid {pid}: the epoll fd {fd} watches fd {target}, which is {what}; an epoll instance is migrated only with everything it watches"
    )]
    EpollTarget {
        /// Process id.
        pid: i32,
        /// The epoll descriptor.
        fd: i32,
        /// The watched descriptor's number.
        target: i32,
        /// What it is (e.g. `a socket (socket:[1234])`).
        what: String,
    },
    /// The process holds a device other than null, zero, full, random and urandom.
    #[error(
        "cannot checkpoint pid {pid}: fd {fd} is the device {path}; only /dev/null, zero, full, random and urandom are migrated"
    )]
    Device {
        /// Process id.
        pid: i32,
        /// File descriptor number.
        fd: i32,
        /// Device path.
        path: String,
    },
    /// The process holds (or maps) a file that has been deleted.
    #[error(
        "cannot checkpoint pid {pid}: {place} is the deleted file {path}; a deleted file cannot be reopened elsewhere"
    )]
    DeletedFile {
        /// Process id.
        pid: i32,
        /// `fd N` or `the mapping at 0x…`.
        place: String,
        /// Path the file had.
        path: String,
    },
    /// A writable shared mapping that another live process also maps.
    #[error(
        "cannot checkpoint pid {pid}: the shared writable mapping {range} ({path}) is also mapped by pid {other}; shared memory between processes is not migrated"
    )]
    SharedMapping {
        /// Process id.
        pid: i32,
        /// Address range.
        range: String,
        /// What is mapped.
        path: String,
        /// The other process.
        other: i32,
    },
    /// A System V shared memory segment is attached.
    #[error(
        "cannot checkpoint pid {pid}: it has a System V shared memory segment attached at {range}; SysV IPC is not migrated"
    )]
    SysvIpc {
        /// Process id.
        pid: i32,
        /// Address range of the segment.
        range: String,
    },
    /// A special kernel mapping the engine cannot recreate.
    #[error("cannot checkpoint pid {pid}: the mapping {range} is {what}, which is not migrated")]
    UnsupportedMapping {
        /// Process id.
        pid: i32,
        /// Address range.
        range: String,
        /// Its name in /proc/PID/maps.
        what: String,
    },
    /// The process is already traced by a debugger or another tool.
    #[error(
        "cannot checkpoint pid {pid}: it is being traced by pid {tracer}; detach the debugger first"
    )]
    Traced {
        /// Process id.
        pid: i32,
        /// The tracer.
        tracer: i32,
    },
    /// The process has children; a process tree is not migrated.
    #[error(
        "cannot checkpoint pid {pid}: it has child processes ({children:?}); only single processes are migrated"
    )]
    HasChildren {
        /// Process id.
        pid: i32,
        /// The children.
        children: Vec<i32>,
    },
    /// The process runs under seccomp, whose filters are not migrated.
    #[error(
        "cannot checkpoint pid {pid}: it runs under seccomp (mode {mode}); seccomp filters are not migrated"
    )]
    Seccomp {
        /// Process id.
        pid: i32,
        /// 1 strict, 2 filter.
        mode: u32,
    },
    /// The process holds a file lock, which would silently be lost.
    #[error(
        "cannot checkpoint pid {pid}: fd {fd} holds a file lock ({lock}); file locks are not migrated"
    )]
    FileLock {
        /// Process id.
        pid: i32,
        /// File descriptor number.
        fd: i32,
        /// The lock as `/proc/PID/fdinfo` shows it.
        lock: String,
    },
    /// The process lives in other namespaces than the engine, so its paths and ids mean
    /// something else.
    #[error(
        "cannot checkpoint pid {pid}: it lives in another {which} namespace than the checkpoint engine; run the engine inside it"
    )]
    Namespace {
        /// Process id.
        pid: i32,
        /// `mnt`, `pid` or `user`.
        which: &'static str,
    },
    /// The process does not exist or is a zombie.
    #[error("cannot checkpoint pid {pid}: {why}")]
    NotRunning {
        /// Process id.
        pid: i32,
        /// Why.
        why: String,
    },
    /// The image comes from an incompatible kernel.
    #[error(
        "cannot restore: the image was made on kernel {image}, this host runs {host}; migrate only between hosts with the same kernel major.minor"
    )]
    KernelMismatch {
        /// Kernel of the image.
        image: String,
        /// Kernel of this host.
        host: String,
    },
    /// The image comes from an incompatible CPU.
    #[error("cannot restore: {what}; migrate only to a host whose CPU offers what the source had")]
    CpuMismatch {
        /// What differs.
        what: String,
    },
}

/// Errors of `dump` and `restore`.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The process (or the image) was refused; nothing was changed.
    #[error("{}", display_refusals(.0))]
    Refused(Vec<Refusal>),
    /// A system call on the engine's side failed.
    #[error("{what}: {source}")]
    Os {
        /// What the engine was doing.
        what: String,
        /// The error.
        #[source]
        source: io::Error,
    },
    /// A system call injected into the target process failed.
    #[error("pid {pid}: injected {syscall} failed: {source}")]
    Remote {
        /// Target.
        pid: i32,
        /// Which system call.
        syscall: &'static str,
        /// The error it returned.
        #[source]
        source: io::Error,
    },
    /// The image is corrupt, truncated or of an unknown version.
    #[error("the image is unusable: {0}; nothing was restored")]
    BadImage(String),
    /// Writing the image failed.
    #[error("cannot write the image: {0}")]
    Sink(#[source] io::Error),
    /// Something about the process the engine does not support (found while dumping).
    #[error("cannot checkpoint pid {pid}: {why}")]
    Unsupported {
        /// Target.
        pid: i32,
        /// Why.
        why: String,
    },
    /// The image needs something from the caller that was not given.
    #[error("cannot restore: {0}")]
    Restore(String),
}

fn display_refusals(r: &[Refusal]) -> String {
    r.iter()
        .map(|r| r.to_string())
        .collect::<Vec<_>>()
        .join("; ")
}

/// Result of this crate.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// An `Error::Os` from the last OS error.
    pub(crate) fn last_os(what: impl Into<String>) -> Self {
        Error::Os {
            what: what.into(),
            source: io::Error::last_os_error(),
        }
    }
    /// An `Error::Os` from an io error.
    pub(crate) fn os(what: impl Into<String>, source: io::Error) -> Self {
        Error::Os {
            what: what.into(),
            source,
        }
    }
}
