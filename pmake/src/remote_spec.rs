//! What a recipe line needs on another host, as migd's `JobSpec`: argv, environment, working
//! directory, umask and resource limits (no terminal: output goes to make's descriptors).

use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use roam_shared::proto::{EnvVar, JobSpec, Rlimit};

/// The spec for `argv` with `env` in `cwd`.
pub fn job_spec(argv: &[String], env: &[(String, String)], cwd: &Path) -> JobSpec {
    JobSpec {
        argv: argv.iter().map(|a| a.as_bytes().to_vec()).collect(),
        env: env
            .iter()
            .map(|(name, value)| EnvVar {
                name: name.as_bytes().to_vec(),
                value: value.as_bytes().to_vec(),
            })
            .collect(),
        cwd: cwd.as_os_str().as_bytes().to_vec(),
        umask: current_umask(),
        rlimits: rlimits(),
        terminal: None,
        // The home migd sets these.
        stdout_on_data_link: false,
        lease_id: String::new(),
    }
}

fn current_umask() -> u32 {
    // SAFETY: umask(2) cannot fail; it can only be read by setting it, so put it straight back.
    unsafe {
        let old = libc::umask(0o022);
        libc::umask(old);
        old
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spec_carries_argv_env_and_cwd() {
        let spec = job_spec(
            &["/bin/sh".into(), "-c".into(), "true".into()],
            &[("A".into(), "b".into())],
            Path::new("/tmp"),
        );
        assert_eq!(spec.argv[2], b"true");
        assert_eq!(spec.env[0].name, b"A");
        assert_eq!(spec.cwd, b"/tmp");
        assert!(
            spec.rlimits
                .iter()
                .any(|r| r.resource == libc::RLIMIT_NOFILE)
        );
    }
}
