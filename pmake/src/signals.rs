//! Fatal signals (SIGINT, SIGTERM, SIGHUP, SIGQUIT): make notes the signal, lets the
//! running commands end, deletes the targets they were making, then dies by the same
//! signal, as GNU make does.

use std::sync::atomic::{AtomicI32, Ordering};

static PENDING: AtomicI32 = AtomicI32::new(0);

extern "C" fn on_fatal(sig: libc::c_int) {
    PENDING.store(sig, Ordering::SeqCst);
    crate::runner::wake();
}

const FATAL: [libc::c_int; 4] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT];

/// Installs the handlers. Without SA_RESTART, so a blocking wait returns EINTR.
pub fn install() {
    for sig in FATAL {
        // SAFETY: sigaction with a zeroed struct and a handler that only stores to an atomic.
        unsafe {
            let mut old: libc::sigaction = std::mem::zeroed();
            libc::sigaction(sig, std::ptr::null(), &mut old);
            // A signal ignored when make started stays ignored (as with nohup).
            if old.sa_sigaction == libc::SIG_IGN {
                continue;
            }
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = on_fatal as *const () as usize;
            libc::sigemptyset(&mut sa.sa_mask);
            libc::sigaction(sig, &sa, std::ptr::null_mut());
        }
    }
}

/// The fatal signal received, if any.
pub fn pending() -> Option<i32> {
    match PENDING.load(Ordering::SeqCst) {
        0 => None,
        s => Some(s),
    }
}

/// Forgets the pending signal (make is now dying by it and waits for its commands).
pub fn clear() {
    PENDING.store(0, Ordering::SeqCst);
}

/// Restores the default action and sends the signal to ourselves.
pub fn die(sig: i32) -> ! {
    // SAFETY: resetting a signal to its default action and raising it.
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = libc::SIG_DFL;
        libc::sigaction(sig, &sa, std::ptr::null_mut());
        libc::raise(sig);
    }
    std::process::exit(128 + sig)
}
