//! Open file descriptors: what each one is, its flags, offset and, for pipes the process holds
//! both ends of, the unread data. Anonymous kernel objects are described by `anon_fds`, memfds
//! by `memfd`.

use std::collections::HashMap;

use super::anon_fds::{self, Borrower};
use super::memfd;
use crate::check::{FdClass, classify_fd};
use crate::error::{Error, Result};
use crate::fd_peek;
use crate::image::format::{FdImage, FdKind};
use crate::proc_info;

/// Describes every fd of `pid` (which must be frozen, so offsets and pipe contents hold still).
pub fn dump_fds(pid: i32) -> Result<Vec<FdImage>> {
    let fds = proc_info::fds(pid).map_err(|e| Error::os(format!("listing fds of {pid}"), e))?;
    let mut classes = Vec::new();
    for fd in fds {
        let class = classify_fd(pid, fd).map_err(|r| Error::Refused(vec![r]))?;
        let info =
            proc_info::fdinfo(pid, fd).map_err(|e| Error::os(format!("fdinfo of fd {fd}"), e))?;
        if let Some(lock) = info.lock.clone() {
            return Err(Error::Refused(vec![crate::Refusal::FileLock {
                pid,
                fd,
                lock,
            }]));
        }
        classes.push((fd, class, info));
    }
    // Which pipes the process holds the read and the write end of.
    let mut ends: HashMap<u64, (bool, bool)> = HashMap::new();
    for (_, class, info) in &classes {
        if let FdClass::Pipe(id) | FdClass::Fifo(_, id) = class {
            let e = ends.entry(*id).or_default();
            match info.flags & libc::O_ACCMODE as u32 {
                m if m == libc::O_RDONLY as u32 => e.0 = true,
                m if m == libc::O_WRONLY as u32 => e.1 = true,
                _ => *e = (true, true),
            }
        }
    }
    // Capacity of every pipe, and the unread data of pipes whose both ends travel (the data of
    // an outside pipe stays in it for whoever holds it).
    let mut borrow = Borrower::new(pid);
    let mut peeked: HashMap<u64, (Vec<u8>, u32)> = HashMap::new();
    for (fd, class, info) in &classes {
        let (FdClass::Pipe(id) | FdClass::Fifo(_, id)) = class else {
            continue;
        };
        let readable = info.flags & libc::O_ACCMODE as u32 != libc::O_WRONLY as u32;
        let want_data = ends.get(id) == Some(&(true, true));
        if peeked.get(id).is_some_and(|_| !(want_data && readable)) {
            continue;
        }
        let borrowed = borrow.get(*fd)?;
        let cap = fd_peek::pipe_capacity(&borrowed).unwrap_or(65536);
        let data = if want_data && readable {
            fd_peek::peek_pipe(&borrowed)
                .map_err(|e| Error::os(format!("reading pipe fd {fd}"), e))?
        } else {
            Vec::new()
        };
        peeked.insert(*id, (data, cap));
    }
    let numbers: Vec<i32> = classes.iter().map(|(fd, _, _)| *fd).collect();
    let mut out: Vec<FdImage> = Vec::new();
    let mut seen: Vec<(i32, FdClass, u32)> = Vec::new();
    for (fd, class, info) in classes {
        let cloexec = info.flags & libc::O_CLOEXEC as u32 != 0;
        let flags = info.flags & !(libc::O_CLOEXEC as u32);
        // Share the description with an earlier fd that is the same open file (only fds that
        // name the same object can be, which keeps the kcmp calls few).
        let description = seen
            .iter()
            .find(|(o, c, _)| *c == class && fd_peek::same_description(pid, *o, fd))
            .map(|(_, _, d)| *d)
            .unwrap_or(out.len() as u32);
        seen.push((fd, class.clone(), description));
        let shared = description != out.len() as u32;
        let kind = match class {
            // A description shared with an earlier fd is recreated from that one.
            FdClass::Eventfd | FdClass::Timerfd | FdClass::Signalfd | FdClass::Epoll if shared => {
                out[description as usize].kind.clone()
            }
            FdClass::Eventfd => anon_fds::eventfd(pid, fd, flags)?,
            FdClass::Timerfd => anon_fds::timerfd(pid, fd, flags, &mut borrow)?,
            FdClass::Signalfd => anon_fds::signalfd(pid, fd, flags)?,
            FdClass::Epoll => anon_fds::epoll(pid, fd, flags, &numbers)?,
            FdClass::Memfd(id) => memfd::memfd(pid, fd, id, flags, info.pos)?,
            FdClass::Path(path) => FdKind::Path {
                path,
                flags,
                pos: info.pos,
            },
            FdClass::Pipe(id) | FdClass::Fifo(_, id) => {
                let fifo = match &class {
                    FdClass::Fifo(p, _) => p.clone(),
                    _ => String::new(),
                };
                let internal = ends.get(&id) == Some(&(true, true));
                let (data, capacity) = peeked.get(&id).cloned().unwrap_or((Vec::new(), 65536));
                FdKind::Pipe {
                    id,
                    fifo,
                    flags,
                    internal,
                    // The data travels once, with the first end of the pipe.
                    data: if out
                        .iter()
                        .any(|o| matches!(&o.kind, FdKind::Pipe { id: i, .. } if *i == id))
                    {
                        Vec::new()
                    } else {
                        data
                    },
                    capacity,
                }
            }
        };
        out.push(FdImage {
            fd,
            cloexec,
            description,
            kind,
        });
    }
    Ok(out)
}
