//! roam's command line, defined once: `--help` and the man page come from here.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// The Roam cluster console.
#[derive(Debug, Parser)]
#[command(name = "roam", version = roam_shared::VERSION)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// roam's subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Bring up a loopback cluster of 3 hosts (127.0.0.11-13), run a few mig jobs across it,
    /// show where each ran, and stop everything. Needs no root and no config.
    Demo {
        /// Keep the cluster up until Ctrl-C and print how to use it by hand
        #[arg(long)]
        keep: bool,
    },
}

/// roam's entry point.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Demo { keep } => crate::demo::run(keep),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("roam: {e:#}");
            ExitCode::FAILURE
        }
    }
}
