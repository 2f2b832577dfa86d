//! migd's command line, defined once: `--help` and the man page come from here.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use roam_shared::config::Config;
use roam_shared::credential::ClusterKey;

/// Roam's node-local migration daemon.
///
/// Runs in the foreground, logs to stderr, and stops cleanly on SIGTERM. It serves mig, pmake
/// and roam on a Unix socket and other hosts' migds on TCP.
#[derive(Debug, Parser)]
#[command(name = "migd", version = roam_shared::VERSION)]
pub struct Cli {
    /// Config file [default: $ROAM_CONFIG, else /etc/roam/roam.toml]
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// An admin action instead of running the daemon.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// migd's admin subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a new random cluster key to PATH (mode 0600). Copy it to every host's key_file.
    Keygen {
        /// Where to write the key; an existing file is never overwritten.
        path: PathBuf,
    },
}

/// migd's entry point.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("migd: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Some(Command::Keygen { path }) => {
            ClusterKey::generate().write_new(&path)?;
            println!("wrote a new cluster key to {}", path.display());
            Ok(())
        }
        None => {
            roam_shared::logging::init("info");
            let path = Config::locate(cli.config.as_deref());
            let config = Config::load(&path)?;
            let key = ClusterKey::load(&config.key_file)?;
            crate::daemon::run(config, key)
        }
    }
}
