//! Threads: recreated from the main thread with an injected `clone3` (`CLONE_THREAD`, the
//! original tid when free, `CLONE_PTRACE` so they start stopped under our control), then each
//! gets its own state back: tid address, robust list, rseq, alternate stack, name, pending
//! signals, credentials, registers and XSAVE state.

use crate::error::{Error, Result};
use crate::image::format::{ProcessImage, ThreadImage};
use crate::ptrace::{Regs, Running, Stopped, Tracee, words_to_regs};
use crate::remote_memory::RemoteMemory;
use crate::remote_syscall::Remote;

const ERESTARTSYS: i64 = -512;
const ERESTARTNOINTR: i64 = -513;
const ERESTARTNOHAND: i64 = -514;
const ERESTART_RESTARTBLOCK: i64 = -516;

/// Creates a thread like the main thread and returns it stopped.
pub fn create(
    remote: &Remote,
    mem: &RemoteMemory,
    scratch: u64,
    tid: i32,
) -> Result<Tracee<Stopped>> {
    let flags = libc::CLONE_VM
        | libc::CLONE_FS
        | libc::CLONE_FILES
        | libc::CLONE_SIGHAND
        | libc::CLONE_THREAD
        | libc::CLONE_SYSVSEM
        | libc::CLONE_PTRACE;
    let clone = |want: i32| -> Result<u64> {
        // struct clone_args: flags, pidfd, child_tid, parent_tid, exit_signal, stack,
        // stack_size, tls, set_tid, set_tid_size, cgroup. The stack stays the caller's: the
        // thread runs no instruction before its registers are replaced.
        let set_tid_at = scratch + 128;
        let mut args = [0u64; 11];
        args[0] = flags as u64;
        if want > 0 {
            args[8] = set_tid_at;
            args[9] = 1;
        }
        let mut bytes: Vec<u8> = args.iter().flat_map(|w| w.to_le_bytes()).collect();
        bytes.resize(128, 0);
        bytes.extend_from_slice(&(want as i64).to_le_bytes());
        mem.write(scratch, &bytes)
            .map_err(|e| Error::os("writing clone3 arguments", e))?;
        remote.call("clone3", libc::SYS_clone3, &[scratch, 88])
    };
    let new = match clone(tid) {
        Ok(t) => t,
        Err(_) => clone(0)?,
    } as i32;
    Tracee::<Running>::adopt(new)
        .wait_for_event_stop()
        .map_err(|e| Error::os(format!("waiting for the new thread {new}"), e))
}

/// Gives a thread its kernel-side state back (through calls injected into that thread).
pub fn apply_state(
    remote: &Remote,
    mem: &RemoteMemory,
    scratch: u64,
    pid: i32,
    t: &ThreadImage,
    p: &ProcessImage,
) -> Result<()> {
    let w = |at: u64, b: &[u8]| {
        mem.write(at, b)
            .map_err(|e| Error::os("writing into the new process", e))
    };
    remote.call(
        "set_tid_address",
        libc::SYS_set_tid_address,
        &[t.clear_child_tid],
    )?;
    remote.call(
        "set_robust_list",
        libc::SYS_set_robust_list,
        &[t.robust_list.0, t.robust_list.1],
    )?;
    if t.rseq.0 != 0 {
        remote.call(
            "rseq",
            libc::SYS_rseq,
            &[t.rseq.0, u64::from(t.rseq.1), 0, u64::from(t.rseq.2)],
        )?;
    }
    // stack_t: ss_sp, ss_flags (int, padded), ss_size. SS_ONSTACK is a state, not a setting.
    let mut ss = Vec::with_capacity(24);
    ss.extend_from_slice(&t.altstack.0.to_le_bytes());
    ss.extend_from_slice(&u64::from(t.altstack.1 & !(libc::SS_ONSTACK as u32)).to_le_bytes());
    ss.extend_from_slice(&t.altstack.2.to_le_bytes());
    w(scratch, &ss)?;
    remote.call("sigaltstack", libc::SYS_sigaltstack, &[scratch, 0])?;
    if !t.comm.is_empty() {
        let mut name = t.comm.as_bytes().to_vec();
        name.truncate(15);
        name.push(0);
        w(scratch, &name)?;
        remote.call(
            "prctl(PR_SET_NAME)",
            libc::SYS_prctl,
            &[libc::PR_SET_NAME as u64, scratch],
        )?;
    }
    let me = remote.tracee().tid();
    for info in &t.pending {
        w(scratch, info)?;
        let sig = i32::from_le_bytes(info[..4].try_into().expect("4 bytes"));
        remote.call(
            "rt_tgsigqueueinfo",
            libc::SYS_rt_tgsigqueueinfo,
            &[pid as u64, me as u64, sig as u64, scratch],
        )?;
    }
    // Credentials are per thread in the kernel; drop to them last, in the order that keeps
    // the privilege each step needs: bounding set (needs CAP_SETPCAP), groups and gids, uids
    // with keep-caps, then the capability sets, then the ambient ones.
    let [inh, prm, eff, bnd, amb] = p.caps;
    let last_cap = std::fs::read_to_string("/proc/sys/kernel/cap_last_cap")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(40)
        .min(63);
    for cap in (0..=last_cap).filter(|c| bnd & (1 << c) == 0) {
        remote.call(
            "prctl(PR_CAPBSET_DROP)",
            libc::SYS_prctl,
            &[libc::PR_CAPBSET_DROP as u64, cap],
        )?;
    }
    let groups: Vec<u8> = p.groups.iter().flat_map(|g| g.to_le_bytes()).collect();
    if groups.len() > 2048 {
        return Err(Error::BadImage(
            "it lists too many supplementary groups".into(),
        ));
    }
    w(scratch, &groups)?;
    remote.call(
        "setgroups",
        libc::SYS_setgroups,
        &[p.groups.len() as u64, scratch],
    )?;
    remote.call(
        "setresgid",
        libc::SYS_setresgid,
        &[p.gids[0] as u64, p.gids[1] as u64, p.gids[2] as u64],
    )?;
    remote.call(
        "prctl(PR_SET_KEEPCAPS)",
        libc::SYS_prctl,
        &[libc::PR_SET_KEEPCAPS as u64, 1],
    )?;
    remote.call(
        "setresuid",
        libc::SYS_setresuid,
        &[p.uids[0] as u64, p.uids[1] as u64, p.uids[2] as u64],
    )?;
    remote.call(
        "prctl(PR_SET_KEEPCAPS)",
        libc::SYS_prctl,
        &[libc::PR_SET_KEEPCAPS as u64, 0],
    )?;
    // struct __user_cap_header_struct { version = _LINUX_CAPABILITY_VERSION_3, pid = 0 } and
    // two struct __user_cap_data_struct { effective, permitted, inheritable } (low, high words).
    let mut cap = Vec::with_capacity(32);
    cap.extend_from_slice(&0x2008_0522u32.to_le_bytes());
    cap.extend_from_slice(&0u32.to_le_bytes());
    for half in [0, 32] {
        for set in [eff, prm, inh] {
            cap.extend_from_slice(&((set >> half) as u32).to_le_bytes());
        }
    }
    w(scratch, &cap)?;
    remote.call("capset", libc::SYS_capset, &[scratch, scratch + 8])?;
    for c in (0..=last_cap).filter(|c| amb & (1 << c) != 0) {
        remote.call(
            "prctl(PR_CAP_AMBIENT_RAISE)",
            libc::SYS_prctl,
            &[
                libc::PR_CAP_AMBIENT as u64,
                libc::PR_CAP_AMBIENT_RAISE as u64,
                c,
                0,
                0,
            ],
        )?;
    }
    // Changing credentials clears the parent-death signal and the dumpable flag; put them back
    // (the parent is now the restorer's subreaper or init).
    if p.pdeathsig != 0 {
        remote.call(
            "prctl(PR_SET_PDEATHSIG)",
            libc::SYS_prctl,
            &[libc::PR_SET_PDEATHSIG as u64, u64::from(p.pdeathsig)],
        )?;
    }
    // The dumpable flag belongs to the process; setting it in each thread is harmless.
    remote.call(
        "prctl(PR_SET_DUMPABLE)",
        libc::SYS_prctl,
        &[libc::PR_SET_DUMPABLE as u64, u64::from(p.dumpable.min(1))],
    )?;
    if p.no_new_privs {
        remote.call(
            "prctl(PR_SET_NO_NEW_PRIVS)",
            libc::SYS_prctl,
            &[libc::PR_SET_NO_NEW_PRIVS as u64, 1, 0, 0, 0],
        )?;
    }
    Ok(())
}

/// The registers a thread resumes with. A thread stopped inside an interrupted system call
/// has `-ERESTART*` in `rax`; the kernel would restart the call on its way back to user space
/// (rewind over the 2-byte `syscall` instruction, put the call number back). In the new
/// process the kernel's restart state is gone, so do it here; a call that would have used
/// `restart_syscall` is issued again with its original arguments.
pub fn final_regs(t: &ThreadImage) -> Regs {
    let mut r = words_to_regs(&t.regs);
    let rax = r.rax as i64;
    if (r.orig_rax as i64) >= 0
        && matches!(
            rax,
            ERESTARTSYS | ERESTARTNOINTR | ERESTARTNOHAND | ERESTART_RESTARTBLOCK
        )
    {
        r.rip -= 2;
        r.rax = r.orig_rax;
    }
    r.orig_rax = u64::MAX;
    r
}

/// Sets registers, XSAVE state and signal mask, ready to run.
pub fn set_final(t: &Tracee<Stopped>, img: &ThreadImage) -> Result<()> {
    let tid = t.tid();
    t.set_xstate(&img.xstate)
        .map_err(|e| Error::os(format!("setting the XSAVE state of thread {tid}"), e))?;
    t.set_regs(&final_regs(img))
        .map_err(|e| Error::os(format!("setting the registers of thread {tid}"), e))?;
    t.set_sigmask(img.sigmask)
        .map_err(|e| Error::os(format!("setting the signal mask of thread {tid}"), e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ptrace::{REGS_WORDS, regs_to_words};

    fn stopped_in_syscall(rax: i64, orig_rax: u64) -> ThreadImage {
        let mut r = words_to_regs(&[0; REGS_WORDS]);
        r.rip = 0x1000;
        r.rax = rax as u64;
        r.orig_rax = orig_rax;
        ThreadImage {
            tid: 1,
            regs: regs_to_words(&r),
            xstate: Vec::new(),
            sigmask: 0,
            pending: Vec::new(),
            clear_child_tid: 0,
            robust_list: (0, 0),
            rseq: (0, 0, 0),
            altstack: (0, 0, 0),
            comm: String::new(),
        }
    }

    #[test]
    fn interrupted_calls_are_restarted_like_the_kernel_does() {
        for code in [
            ERESTARTSYS,
            ERESTARTNOINTR,
            ERESTARTNOHAND,
            ERESTART_RESTARTBLOCK,
        ] {
            // read(2) (0) and clock_nanosleep (230), interrupted by the freeze.
            for nr in [0u64, 230] {
                let r = final_regs(&stopped_in_syscall(code, nr));
                assert_eq!(
                    (r.rip, r.rax, r.orig_rax),
                    (0x1000 - 2, nr, u64::MAX),
                    "{code}"
                );
            }
        }
        // A completed call (a result, or -EINTR for user space) and user-space code stay as
        // they are.
        for (rax, orig) in [(-4, 0u64), (5, 0), (-512, u64::MAX)] {
            let r = final_regs(&stopped_in_syscall(rax, orig));
            assert_eq!((r.rip, r.rax), (0x1000, rax as u64));
        }
    }
}
