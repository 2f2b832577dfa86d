//! `migd check`, `migd checkpoint` and `migd restore`: the checkpoint engine by hand, for an
//! administrator (and for trying migration's mechanism without a cluster).

use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::os::fd::AsFd;
use std::path::Path;

use anyhow::{Context, bail};
use checkpoint::{DumpOptions, RestoreOptions};

/// Says whether `pid` can be checkpointed, or every reason it cannot.
pub fn check(pid: i32) -> anyhow::Result<()> {
    match checkpoint::check(pid) {
        Ok(()) => {
            println!("pid {pid} can be checkpointed");
            Ok(())
        }
        Err(reasons) => {
            for reason in &reasons {
                eprintln!("migd: {reason}");
            }
            bail!(
                "pid {pid} cannot be checkpointed ({} reasons)",
                reasons.len()
            )
        }
    }
}

/// Writes an image of `pid` to `image`; the process is killed unless `leave_running`.
pub fn checkpoint(pid: i32, image: &Path, leave_running: bool) -> anyhow::Result<()> {
    let file = File::create(image).with_context(|| format!("cannot create {}", image.display()))?;
    let stats = checkpoint::dump(
        pid,
        BufWriter::with_capacity(1 << 20, file),
        DumpOptions { leave_running },
    )
    .inspect_err(|_| {
        let _ = std::fs::remove_file(image);
    })?;
    println!(
        "checkpointed pid {pid} to {}: frozen {:.2} ms, {} threads, {} bytes of memory, \
         image {} bytes, {:.2} ms in all{}",
        image.display(),
        stats.freeze_time.as_secs_f64() * 1e3,
        stats.threads,
        stats.memory_bytes,
        stats.image_bytes,
        stats.total_time.as_secs_f64() * 1e3,
        if leave_running { "; left running" } else { "" },
    );
    Ok(())
}

/// Restores the process in `image`; it runs on after this command returns.
///
/// Pipes that led outside the process cannot be recreated: with `stdio` the process gets this
/// command's stdin, stdout and stderr instead; with `orphan_pipes` such pipes get no other end.
pub fn restore(image: &Path, stdio: bool, orphan_pipes: bool) -> anyhow::Result<()> {
    let file = File::open(image).with_context(|| format!("cannot open {}", image.display()))?;
    let mut options = RestoreOptions::new();
    if orphan_pipes {
        options = options.orphan_outside_pipes();
    }
    if stdio {
        let fds = [
            std::io::stdin().as_fd().try_clone_to_owned()?,
            std::io::stdout().as_fd().try_clone_to_owned()?,
            std::io::stderr().as_fd().try_clone_to_owned()?,
        ];
        for (n, fd) in fds.into_iter().enumerate() {
            options = options.inherit_fd(n as i32, fd);
        }
    }
    let pid = checkpoint::restore_with(BufReader::with_capacity(1 << 20, file), options)?;
    println!("restored {} as pid {pid}", image.display());
    Ok(())
}
