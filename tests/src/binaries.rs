//! Where the executables the harness runs come from.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use anyhow::{Context, bail};

/// Paths of the executables a cluster runs.
#[derive(Debug, Clone)]
pub struct Binaries {
    /// The migd executable.
    pub migd: PathBuf,
    /// The mig executable.
    pub mig: PathBuf,
    /// The console, `roam`.
    pub roam: PathBuf,
    /// The migration server.
    pub migserver: PathBuf,
    /// The idle-host daemon.
    pub loadavgd: PathBuf,
    /// The distributed make.
    pub pmake: PathBuf,
}

impl Binaries {
    /// Executables in `dir`, named `migd`, `mig`, `roam`, `migserver`, `loadavgd` and `pmake`.
    pub fn in_dir(dir: &Path) -> Self {
        Binaries {
            migd: dir.join("migd"),
            mig: dir.join("mig"),
            roam: dir.join("roam"),
            migserver: dir.join("migserver"),
            loadavgd: dir.join("loadavgd"),
            pmake: dir.join("pmake"),
        }
    }

    /// The workspace's own binaries, built (once per process) with the profile the calling test
    /// or benchmark was built with, so they are never stale.
    pub fn from_workspace() -> anyhow::Result<&'static Binaries> {
        static BUILT: OnceLock<Result<Binaries, String>> = OnceLock::new();
        BUILT
            .get_or_init(|| build().map_err(|e| format!("{e:#}")))
            .as_ref()
            .map_err(|e| anyhow::anyhow!("{e}"))
    }
}

fn build() -> anyhow::Result<Binaries> {
    // The calling executable lives in target/<profile>/deps (tests) or target/<profile> (bench).
    let exe = std::env::current_exe()?;
    let mut dir = exe.parent().context("executable without a directory")?;
    if dir.ends_with("deps") {
        dir = dir.parent().context("deps without a parent")?;
    }
    let profile = dir
        .file_name()
        .and_then(|n| n.to_str())
        .context("target directory without a profile name")?;
    let target_dir = dir.parent().context("profile directory without a parent")?;
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.args([
        "build",
        "--quiet",
        "-p",
        "migd",
        "-p",
        "mig",
        "-p",
        "roam-console",
        "-p",
        "migserver",
        "-p",
        "loadavgd",
        "-p",
        "pmake",
    ])
    .arg("--target-dir")
    .arg(target_dir)
    .current_dir(env!("CARGO_MANIFEST_DIR"));
    match profile {
        "debug" => {}
        "release" => {
            cmd.arg("--release");
        }
        other => {
            cmd.args(["--profile", other]);
        }
    }
    let status = cmd
        .status()
        .context("cannot run cargo to build the workspace's binaries")?;
    if !status.success() {
        bail!("building the workspace's binaries failed ({status})");
    }
    Ok(Binaries::in_dir(dir))
}
