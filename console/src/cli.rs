//! roam's command line, defined once: `--help` and the man page come from here.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use roam_shared::config::Config;

use crate::admin::Action;

/// The Roam cluster console.
#[derive(Debug, Parser)]
#[command(name = "roam", version = roam_shared::VERSION)]
pub struct Cli {
    /// Config file (default: $ROAM_CONFIG, else /etc/roam/roam.toml)
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
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
    /// List the hosts migserver knows: state (idle, busy, down, drained), time since the owner's
    /// last input, load not counting foreign processes, slots used/offered, foreign processes.
    Hosts {
        /// Print JSON instead of a table
        #[arg(long)]
        json: bool,
    },
    /// Stop leasing HOST to new jobs (its running jobs stay). Root or the admin group only.
    Drain {
        /// The host
        host: String,
    },
    /// Lease HOST again after `roam drain`. Root or the admin group only.
    Undrain {
        /// The host
        host: String,
    },
    /// Evict every foreign process on HOST now and revoke its leases. Root or the admin group
    /// only.
    Evict {
        /// The host
        host: String,
    },
}

/// roam's entry point.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = || -> anyhow::Result<Config> {
        let path = Config::locate(cli.config.as_deref());
        Config::load(&path).context("config")
    };
    let result = match &cli.command {
        Command::Demo { keep } => crate::demo::run(*keep),
        Command::Hosts { json } => config().and_then(|c| crate::hosts::run(&c, *json)),
        Command::Drain { host } => {
            config().and_then(|c| crate::admin::run(&c, Action::Drain, host))
        }
        Command::Undrain { host } => {
            config().and_then(|c| crate::admin::run(&c, Action::Undrain, host))
        }
        Command::Evict { host } => {
            config().and_then(|c| crate::admin::run(&c, Action::Evict, host))
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("roam: {e:#}");
            ExitCode::FAILURE
        }
    }
}
