//! loadavgd's command line, defined once: `--help` and the man page come from here.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use roam_shared::config::Config;

/// Roam's idle-host daemon.
///
/// Watches input devices, terminals and the load not counting foreign processes, decides
/// whether this host is idle, reports to migserver, and tells the local migd to evict foreign
/// processes the instant the owner returns. Runs in the foreground, logs to stderr, and stops
/// cleanly on SIGTERM.
#[derive(Debug, Parser)]
#[command(name = "loadavgd", version = roam_shared::VERSION)]
pub struct Cli {
    /// Config file [default: $ROAM_CONFIG, else /etc/roam/roam.toml]
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// A one-off command instead of running the daemon.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// loadavgd's subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print what loadavgd would report now, from one sample: idle or busy, input idle time,
    /// load, CPU use, CPUs, memory and foreign processes.
    Status {
        /// Print JSON (the fields of a report, plus host, foreign_load, foreign_cpu_use and
        /// migd_reachable)
        #[arg(long)]
        json: bool,
    },
}

/// loadavgd's entry point.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("loadavgd: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let path = Config::locate(cli.config.as_deref());
    match cli.command {
        Some(Command::Status { json }) => {
            roam_shared::logging::init("warn");
            let config = Config::load(&path)?;
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            let report = runtime
                .block_on(crate::status::take(&config))
                .context("cannot sample this host")?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print!("{}", crate::status::render(&report, &config));
            }
            Ok(())
        }
        None => {
            roam_shared::logging::init("info");
            crate::daemon::run(Config::load(&path)?)
        }
    }
}
