//! Captures what the command must see on the other host: argv, environment, working directory,
//! umask, resource limits and which standard streams are terminals.

use std::ffi::OsString;
use std::os::unix::ffi::{OsStrExt, OsStringExt};

use roam_shared::proto::{EnvVar, JobSpec, Rlimit, Terminal};

use crate::terminal;

/// The spec for running `command` with this process's context.
pub fn capture(command: &[OsString]) -> std::io::Result<JobSpec> {
    let cwd = std::env::current_dir()?;
    let terminal = {
        let (stdin, stdout, stderr) = (
            terminal::is_tty(0),
            terminal::is_tty(1),
            terminal::is_tty(2),
        );
        (stdin || stdout || stderr).then(|| Terminal {
            stdin,
            stdout,
            stderr,
            size: terminal::window_size(),
        })
    };
    Ok(JobSpec {
        argv: command.iter().map(|a| a.clone().into_vec()).collect(),
        env: std::env::vars_os()
            .map(|(name, value)| EnvVar {
                name: name.into_vec(),
                value: value.into_vec(),
            })
            .collect(),
        cwd: cwd.as_os_str().as_bytes().to_vec(),
        umask: current_umask(),
        rlimits: rlimits(),
        terminal,
        // The home migd decides how stdout travels and which lease the job runs under.
        stdout_on_data_link: false,
        lease_id: String::new(),
    })
}

fn current_umask() -> u32 {
    // umask can only be read by setting it; put it straight back.
    let old = nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(0o022));
    nix::sys::stat::umask(old);
    old.bits()
}

fn rlimits() -> Vec<Rlimit> {
    // RLIMIT_RTTIME is the last resource Linux defines.
    (0..=libc::RLIMIT_RTTIME)
        .filter_map(|resource| {
            let mut limit = libc::rlimit {
                rlim_cur: 0,
                rlim_max: 0,
            };
            // SAFETY: getrlimit writes one `rlimit` into a live local.
            let ok = unsafe { libc::getrlimit(resource as _, &mut limit) } == 0;
            ok.then_some(Rlimit {
                resource,
                soft: limit.rlim_cur,
                hard: limit.rlim_max,
            })
        })
        .collect()
}
