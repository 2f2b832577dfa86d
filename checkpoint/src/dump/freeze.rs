//! Stopping every thread of a process with `PTRACE_SEIZE` + `PTRACE_INTERRUPT`.

use std::collections::HashSet;

use crate::error::{Error, Result};
use crate::proc_info;
use crate::ptrace::{Stopped, Tracee};

/// Seizes and stops every thread of `pid`, main thread first. Threads created meanwhile are
/// caught by listing `/proc/PID/task` again until the list is stable.
pub fn freeze(pid: i32) -> Result<Vec<Tracee<Stopped>>> {
    let mut stopped: Vec<Tracee<Stopped>> = Vec::new();
    let mut seen = HashSet::new();
    loop {
        let tids =
            proc_info::tasks(pid).map_err(|e| Error::os(format!("listing threads of {pid}"), e))?;
        let mut new = false;
        for tid in tids {
            if !seen.insert(tid) {
                continue;
            }
            new = true;
            let t = match Tracee::seize(tid, 0) {
                Ok(t) => t,
                // The thread exited between the listing and the seize.
                Err(e) if e.raw_os_error() == Some(libc::ESRCH) && tid != pid => continue,
                Err(e) => return Err(Error::os(format!("PTRACE_SEIZE of thread {tid}"), e)),
            };
            match t.interrupt() {
                Ok(t) => stopped.push(t),
                Err(e) if e.raw_os_error() == Some(libc::ESRCH) && tid != pid => {}
                Err(e) => return Err(Error::os(format!("stopping thread {tid}"), e)),
            }
        }
        if !new {
            break;
        }
    }
    if stopped.first().map(|t| t.tid()) != Some(pid) {
        return Err(Error::Unsupported {
            pid,
            why: "its main thread has exited".into(),
        });
    }
    Ok(stopped)
}
