//! migserver's command line, defined once: `--help` and the man page come from here.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use roam_shared::config::Config;
use roam_shared::credential::ClusterKey;

use crate::settings::Settings;

/// Roam's migration server: the cluster's idle-host database and fair-share allocator.
///
/// Runs in the foreground, logs to stderr, and stops cleanly on SIGTERM or SIGINT. Hosts report
/// to it over TCP gRPC; homes lease slots on idle hosts from it; the console watches its events.
#[derive(Debug, Parser)]
#[command(name = "migserver", version = roam_shared::VERSION)]
pub struct Cli {
    /// Config file [default: $ROAM_CONFIG, else /etc/roam/roam.toml]
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// migserver's entry point: `migserver: <what>: <why>` and status 1 on failure.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    roam_shared::logging::init("info");
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("migserver: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: &Cli) -> anyhow::Result<()> {
    let path = Config::locate(cli.config.as_deref());
    let config = Config::load(&path)?;
    let settings = Settings::from_config(&config, &path)?;
    let key = ClusterKey::load(&config.key_file)?;
    crate::daemon::run(settings, key)?;
    Ok(())
}
