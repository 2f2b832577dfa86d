//! Choosing where recipes run: through the home migd on leased hosts when this host belongs to a
//! Roam cluster (its config exists, names a migserver, and migd answers), else here. With a
//! terminal on stderr, distributed builds show a progress line.

use std::io;
use std::os::fd::AsFd;

use roam_shared::config::Config;

use crate::cluster_runner::ClusterRunner;
use crate::options::Options;
use crate::output_relay::OutputRelay;
use crate::progress::ProgressLine;
use crate::runner::{JobRunner, LocalRunner};

/// The runner for a make with `opts`; `shared_slots` when it shares a jobserver. A progress
/// line, once started, stays in `display` (make drops it at the end, after its last output).
pub fn runner(
    opts: &Options,
    shared_slots: bool,
    prog: &str,
    display: &mut Option<OutputRelay>,
) -> io::Result<Box<dyn JobRunner>> {
    let serial = opts.jobs == Some(1) && !shared_slots;
    if opts.local || serial {
        return Ok(Box::new(LocalRunner::new()?));
    }
    let path = Config::locate(None);
    if !path.exists() {
        return Ok(Box::new(LocalRunner::new()?));
    }
    let why = match Config::load(&path) {
        Err(e) => e.to_string(),
        Ok(config) if config.migserver.is_none() => {
            format!("{}: no [migserver]", path.display())
        }
        Ok(config) => {
            let line = match display {
                Some(relay) => Some(relay.progress().clone()),
                None if wants_progress(opts) => Some(ProgressLine::new(
                    io::stderr().as_fd().try_clone_to_owned()?,
                )),
                None => None,
            };
            match ClusterRunner::start(&config.migd.socket, opts.jobs, prog, line.clone()) {
                Ok(r) => {
                    if let (None, Some(line)) = (&display, line) {
                        *display = Some(OutputRelay::start(line)?);
                    }
                    return Ok(Box::new(r));
                }
                Err(e) => format!("cannot reach migd at {}: {e}", config.migd.socket.display()),
            }
        }
    };
    if opts
        .debug_level()
        .is_ok_and(|l| l & crate::debug::JOBS != 0)
    {
        println!("Running recipes on this host only ({why})");
    }
    Ok(Box::new(LocalRunner::new()?))
}

/// A progress line is drawn when stderr is a terminal, unless `--no-progress`.
fn wants_progress(opts: &Options) -> bool {
    // SAFETY: isatty only inspects the descriptor.
    !opts.no_progress && unsafe { libc::isatty(2) } == 1
}
