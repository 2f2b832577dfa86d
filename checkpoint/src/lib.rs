//! Checkpoint and restore of a running Linux process: the engine behind Roam's active
//! migration.
//!
//! - [`check`] tells, from `/proc` and without stopping it, whether a process can move, or every
//!   reason it cannot.
//! - [`dump`] freezes a process with ptrace, streams its state into an image and lets it run on
//!   or kills it; [`DumpStats::freeze_time`] says how long it was stopped.
//! - [`restore`] rebuilds the process from an image in a fresh, stopped process that is not a
//!   child of the caller, verifies the whole image, and only then lets it run.
//!
//! Use [`restore_with`] and [`RestoreOptions::inherit_fd`] to give the restored process the
//! descriptors that led outside it (its stdio pipes, typically).
//!
//! The image format is in `FORMAT.md`. Unsafe code is confined to the modules that own a kernel
//! interface, each behind a safe API: `ptrace` (ptrace, waitpid, get_robust_list),
//! `remote_memory` (process_vm_readv/writev), `fd_peek` (pidfd_getfd, tee, kcmp,
//! timerfd_gettime, seals, SEEK_DATA), `maps` (the PAGEMAP_SCAN ioctl), `host` (xgetbv),
//! `restore::spawn` (fork and clone3), `restore::files` (opening descriptors in the restorer),
//! `restore::anon_fds` (eventfd, timerfd, signalfd, epoll) and `restore::memfd`
//! (memfd_create). Everything done *inside* the target
//! goes through `remote_syscall`, which is safe: it only sets registers of a stopped thread.

#![warn(missing_docs)]

mod check;
mod dump;
mod error;
mod fd_peek;
mod fdinfo;
mod host;
pub mod image;
mod maps;
mod proc_info;
mod ptrace;
mod remote_memory;
mod remote_syscall;
mod restore;

/// A process id (`pid_t`).
pub type Pid = i32;

pub use check::check;
pub use dump::{DumpOptions, DumpStats, dump};
pub use error::{Error, Refusal, Result};
pub use restore::{RestoreOptions, restore, restore_with};
