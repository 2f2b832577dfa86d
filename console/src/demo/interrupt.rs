//! SIGINT and SIGTERM during the demo: a thread catches them and raises a flag, which the demo's
//! waits check, so that it returns and drops its cluster rather than die and leave the daemons
//! running.

use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::bail;
use tokio::signal::unix::{SignalKind, signal};

static STOPPED: AtomicBool = AtomicBool::new(false);

/// Catches SIGINT and SIGTERM from now on, in a thread of their own.
pub fn watch() -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (mut interrupt, mut terminate) = {
        let _context = runtime.enter();
        (
            signal(SignalKind::interrupt())?,
            signal(SignalKind::terminate())?,
        )
    };
    let main = std::thread::current();
    std::thread::spawn(move || {
        runtime.block_on(async {
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = terminate.recv() => {}
            }
        });
        STOPPED.store(true, Ordering::SeqCst);
        main.unpark();
    });
    Ok(())
}

/// Whether a signal asked the demo to stop.
pub fn stopped() -> bool {
    STOPPED.load(Ordering::SeqCst)
}

/// An error once a signal asked the demo to stop.
pub fn check() -> anyhow::Result<()> {
    if stopped() {
        bail!("interrupted");
    }
    Ok(())
}

/// Blocks until a signal asks the demo to stop.
pub fn wait() {
    while !stopped() {
        std::thread::park();
    }
}
