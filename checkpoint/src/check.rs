//! Whether a process can be checkpointed, decided from `/proc` without stopping it.

use std::collections::HashSet;
use std::fs;
use std::os::unix::fs::{FileTypeExt, MetadataExt};

use crate::error::Refusal;
use crate::fdinfo;
use crate::maps::{self, Mapping};
use crate::proc_info;

/// Devices that are recreated by opening their path: null, zero, full, random, urandom.
const SIMPLE_DEVICES: [(u32, u32); 5] = [(1, 3), (1, 5), (1, 7), (1, 8), (1, 9)];

/// Whether a shared mapping is anonymous shared memory or a memfd (recreated as a memfd).
pub(crate) fn is_shared_mem(m: &Mapping) -> bool {
    m.shared
        && (m.name.starts_with("/dev/zero (deleted)")
            || m.name.starts_with("/memfd:")
            || m.name.starts_with("[anon_shmem:")
            || m.name == "/dev/zero")
}

/// Whether a mapping, shared or private, is of a memfd (mapped from the restored memfd).
pub(crate) fn is_memfd(m: &Mapping) -> bool {
    m.name.starts_with("/memfd:") && m.name.ends_with(" (deleted)")
}

/// What an fd is, from its link in `/proc/PID/fd`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FdClass {
    /// Reopened by path (regular file, directory, simple device, `O_PATH`).
    Path(String),
    /// An anonymous pipe with this inode.
    Pipe(u64),
    /// A FIFO at this path with this inode.
    Fifo(String, u64),
    /// An eventfd.
    Eventfd,
    /// A timerfd.
    Timerfd,
    /// A signalfd.
    Signalfd,
    /// An epoll instance.
    Epoll,
    /// A memfd with this inode.
    Memfd(u64),
}

/// Classifies fd `fd` of `pid`, or says why it cannot be migrated.
pub(crate) fn classify_fd(pid: i32, fd: i32) -> Result<FdClass, Refusal> {
    let gone = || Refusal::NotRunning {
        pid,
        why: format!("fd {fd} vanished while it was inspected"),
    };
    let link = proc_info::fd_link(pid, fd).map_err(|_| gone())?;
    let unsupported = |what: &str| Refusal::UnsupportedFd {
        pid,
        fd,
        what: what.to_string(),
    };
    if link.starts_with("socket:") {
        return Err(Refusal::Socket {
            pid,
            fd,
            what: link,
        });
    }
    if let Some(ino) = link
        .strip_prefix("pipe:[")
        .and_then(|r| r.strip_suffix(']'))
    {
        return Ok(FdClass::Pipe(ino.parse().map_err(|_| unsupported(&link))?));
    }
    match link.as_str() {
        "anon_inode:[eventfd]" => return Ok(FdClass::Eventfd),
        "anon_inode:[timerfd]" => return Ok(FdClass::Timerfd),
        "anon_inode:[signalfd]" => return Ok(FdClass::Signalfd),
        "anon_inode:[eventpoll]" => return Ok(FdClass::Epoll),
        _ => {}
    }
    if !link.starts_with('/') {
        return Err(unsupported(&link));
    }
    let meta = fs::metadata(format!("/proc/{pid}/fd/{fd}")).map_err(|_| gone())?;
    if link.starts_with("/memfd:") && link.ends_with(" (deleted)") && meta.is_file() {
        return Ok(FdClass::Memfd(meta.ino()));
    }
    if link.ends_with(" (deleted)") || meta.nlink() == 0 && meta.is_file() {
        return Err(Refusal::DeletedFile {
            pid,
            place: format!("fd {fd}"),
            path: link.trim_end_matches(" (deleted)").to_string(),
        });
    }
    let ft = meta.file_type();
    if ft.is_char_device() || ft.is_block_device() {
        let rdev = meta.rdev();
        let dev = (libc::major(rdev), libc::minor(rdev));
        if ft.is_block_device() || !SIMPLE_DEVICES.contains(&dev) {
            return Err(Refusal::Device {
                pid,
                fd,
                path: link,
            });
        }
    }
    if ft.is_socket() {
        return Err(Refusal::Socket {
            pid,
            fd,
            what: link,
        });
    }
    if ft.is_fifo() {
        return Ok(FdClass::Fifo(link, meta.ino()));
    }
    Ok(FdClass::Path(link))
}

/// Inode of descriptor `fd` of `pid` (what an epoll fdinfo line names its target by).
fn fd_ino(pid: i32, fd: i32) -> Option<u64> {
    fs::metadata(format!("/proc/{pid}/fd/{fd}"))
        .ok()
        .map(|m| m.ino())
}

/// The descriptors of `pid` that may hold the file an epoll watch names: the number it was
/// registered under first, then every other descriptor with the same inode. (Anonymous-inode
/// files share one inode; `dump` tells them apart exactly with kcmp.)
pub(crate) fn epoll_candidates(pid: i32, fds: &[i32], target: &fdinfo::EpollTarget) -> Vec<i32> {
    let mut out: Vec<i32> = fds
        .iter()
        .copied()
        .filter(|&f| fd_ino(pid, f) == Some(target.ino))
        .collect();
    if let Some(i) = out.iter().position(|&f| f == target.fd) {
        out.swap(0, i);
    }
    out
}

/// Refusals caused by what the epoll instance `fd` of `pid` watches: each target must be a
/// file the process holds open under some descriptor the engine can migrate.
pub(crate) fn epoll_refusals(pid: i32, fd: i32, text: &str) -> Vec<Refusal> {
    let watches = match fdinfo::epoll(text) {
        Ok(w) => w,
        Err(e) => {
            return vec![Refusal::UnsupportedFd {
                pid,
                fd,
                what: format!("an epoll instance whose fdinfo cannot be read ({e})"),
            }];
        }
    };
    let fds = proc_info::fds(pid).unwrap_or_default();
    let mut out = Vec::new();
    for w in watches {
        let refuse = |what: String| Refusal::EpollTarget {
            pid,
            fd,
            target: w.fd,
            what,
        };
        let Some(&holder) = epoll_candidates(pid, &fds, &w).first() else {
            out.push(refuse(
                "closed, and its file is not open under another descriptor of the process".into(),
            ));
            continue;
        };
        match classify_fd(pid, holder) {
            Ok(_) => {}
            Err(Refusal::NotRunning { .. }) => out.push(refuse("closed".into())),
            Err(Refusal::Socket { what, .. }) => out.push(refuse(format!("a socket ({what})"))),
            Err(Refusal::Device { path, .. }) => out.push(refuse(format!("the device {path}"))),
            Err(r) => out.push(refuse(format!("not migratable ({r})"))),
        }
    }
    out
}

/// Refusals caused by a mapping.
pub(crate) fn check_mapping(pid: i32, m: &Mapping, out: &mut Vec<Refusal>) {
    let name = m.name.as_str();
    if name.starts_with("/SYSV") {
        out.push(Refusal::SysvIpc {
            pid,
            range: m.range(),
        });
        return;
    }
    if name.starts_with('[') {
        // `[anon:NAME]` and `[anon_shmem:NAME]` are anonymous memory named with
        // PR_SET_VMA_ANON_NAME.
        let known = matches!(
            name,
            "[heap]" | "[stack]" | "[vdso]" | "[vvar]" | "[vvar_vclock]" | "[vsyscall]"
        ) || name.starts_with("[anon:")
            || is_shared_mem(m);
        if !known {
            out.push(Refusal::UnsupportedMapping {
                pid,
                range: m.range(),
                what: name.to_string(),
            });
        }
        return;
    }
    if name.is_empty() || is_shared_mem(m) || is_memfd(m) {
        return;
    }
    if name.ends_with(" (deleted)") {
        out.push(Refusal::DeletedFile {
            pid,
            place: format!("the mapping at {}", m.range()),
            path: name.trim_end_matches(" (deleted)").to_string(),
        });
        return;
    }
    if name.starts_with("/dev/") || !name.starts_with('/') {
        out.push(Refusal::UnsupportedMapping {
            pid,
            range: m.range(),
            what: name.to_string(),
        });
    }
}

/// Another live process that maps the object `(dev, inode)`, if any.
fn other_mapper(pid: i32, dev: &str, inode: u64) -> Option<i32> {
    let dir = fs::read_dir("/proc").ok()?;
    for e in dir.flatten() {
        let Some(other) = e.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else {
            continue;
        };
        if other == pid {
            continue;
        }
        let Ok(text) = fs::read_to_string(format!("/proc/{other}/maps")) else {
            continue;
        };
        let Ok(ms) = maps::parse(&text) else { continue };
        if ms.iter().any(|m| m.inode == inode && m.dev == dev) {
            return Some(other);
        }
    }
    None
}

/// Every reason `pid` cannot be checkpointed (empty: it can).
pub(crate) fn refusals(pid: i32) -> Vec<Refusal> {
    let mut out = Vec::new();
    let status = match proc_info::status(pid) {
        Ok(s) if s.state != 'Z' && s.state != 'X' => s,
        Ok(_) => {
            return vec![Refusal::NotRunning {
                pid,
                why: "it is a zombie".into(),
            }];
        }
        Err(e) => {
            return vec![Refusal::NotRunning {
                pid,
                why: format!("it cannot be inspected ({e})"),
            }];
        }
    };
    if status.tracer != 0 {
        out.push(Refusal::Traced {
            pid,
            tracer: status.tracer,
        });
    }
    if status.seccomp != 0 {
        out.push(Refusal::Seccomp {
            pid,
            mode: status.seccomp,
        });
    }
    if let Ok(children) = proc_info::children(pid)
        && !children.is_empty()
    {
        out.push(Refusal::HasChildren { pid, children });
    }
    for which in ["mnt", "pid", "user"] {
        let ns = |p: &str| fs::read_link(format!("/proc/{p}/ns/{which}")).ok();
        if ns(&pid.to_string()) != ns("self") {
            out.push(Refusal::Namespace { pid, which });
        }
    }
    if let Ok(cwd) = fs::read_link(format!("/proc/{pid}/cwd"))
        && let Some(path) = cwd.to_string_lossy().strip_suffix(" (deleted)")
    {
        out.push(Refusal::DeletedFile {
            pid,
            place: "its working directory".into(),
            path: path.to_string(),
        });
    }
    for fd in proc_info::fds(pid).unwrap_or_default() {
        let class = classify_fd(pid, fd);
        if let Err(r) = class {
            out.push(r);
            continue;
        }
        if class == Ok(FdClass::Epoll)
            && let Ok(text) = proc_info::fdinfo_text(pid, fd)
        {
            out.extend(epoll_refusals(pid, fd, &text));
        }
        if let Ok(proc_info::FdInfo {
            lock: Some(lock), ..
        }) = proc_info::fdinfo(pid, fd)
        {
            out.push(Refusal::FileLock { pid, fd, lock });
        }
    }
    let mappings = maps::read(pid).unwrap_or_default();
    let mut seen = HashSet::new();
    for m in &mappings {
        check_mapping(pid, m, &mut out);
        if m.shared && m.write && m.inode != 0 && seen.insert((m.dev.clone(), m.inode)) {
            if m.name.starts_with("/SYSV") {
                continue;
            }
            if let Some(other) = other_mapper(pid, &m.dev, m.inode) {
                out.push(Refusal::SharedMapping {
                    pid,
                    range: m.range(),
                    path: m.name.clone(),
                    other,
                });
            }
        }
    }
    out
}

/// Checks whether `pid` can be checkpointed; without stopping it.
///
/// Returns every reason it cannot, each a sentence a user can act on.
pub fn check(pid: crate::Pid) -> Result<(), Vec<Refusal>> {
    let r = refusals(pid);
    if r.is_empty() { Ok(()) } else { Err(r) }
}
