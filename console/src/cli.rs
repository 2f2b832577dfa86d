//! roam's command line, defined once: `--help` and the man page come from here.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use roam_shared::config::Config;

use crate::admin::Action;

/// The Roam cluster console.
///
/// Without a command, the live console: hosts, foreign processes and the cluster's events, with
/// admin actions.
#[derive(Debug, Parser)]
#[command(name = "roam", version = roam_shared::VERSION)]
pub struct Cli {
    /// Config file (default: $ROAM_CONFIG, else /etc/roam/roam.toml)
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// What to do (nothing: open the live console).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// roam's subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Bring up a loopback cluster of 4 hosts (127.0.0.11-14) and run mig jobs across it: on a
    /// terminal, in the live console (`o`: the selected host's owner returns); otherwise print
    /// where each ran. Stops everything on exit. Needs no root and no config.
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
    /// List the foreign processes running in the cluster: host, home host, user, pid, CPU time,
    /// memory, start time, command.
    Ps {
        /// Only those running on HOST
        #[arg(long, value_name = "HOST")]
        host: Option<String>,
        /// Only those of USER (a name or a uid)
        #[arg(long, value_name = "USER")]
        user: Option<String>,
        /// Print JSON instead of a table
        #[arg(long)]
        json: bool,
    },
    /// Print the cluster's events (hosts up, down, idle, busy, drained; leases; foreign processes
    /// started, ended, evicted), oldest first: the last 20, or all since --since.
    Events {
        /// Keep printing new events as they happen
        #[arg(short, long)]
        follow: bool,
        /// Events since T: a span back from now (10m, 2h30m) or an RFC 3339 time
        #[arg(long, value_name = "T", value_parser = crate::since::parse)]
        since: Option<i64>,
        /// Print one JSON object per line instead of text
        #[arg(long)]
        json: bool,
    },
    /// Tell whether migserver and this host's migd answer, their versions, and the cluster's
    /// totals. Fails when migserver is unreachable.
    Status {
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Stop leasing HOST to new jobs (its running jobs stay). Root or the admin group only.
    Drain {
        /// The host
        host: String,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Lease HOST again after `roam drain`. Root or the admin group only.
    Undrain {
        /// The host
        host: String,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Evict every foreign process on HOST now and revoke its leases. Root or the admin group
    /// only.
    Evict {
        /// The host
        host: String,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Kill the foreign process PID on HOST, with every process of its job (its home sees it
    /// die of SIGKILL). Its owner, root or the admin group only.
    Kill {
        /// The process id on HOST (see `roam ps`)
        pid: u32,
        /// The host it runs on
        #[arg(long)]
        host: String,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
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
        None => config().and_then(|c| crate::tui::run(c, None)),
        Some(Command::Demo { keep }) => crate::demo::run(*keep),
        Some(Command::Hosts { json }) => config().and_then(|c| crate::hosts::run(&c, *json)),
        Some(Command::Ps { host, user, json }) => {
            config().and_then(|c| crate::ps::run(&c, host.as_deref(), user.as_deref(), *json))
        }
        Some(Command::Events {
            follow,
            since,
            json,
        }) => config().and_then(|c| crate::events::run(&c, *follow, *since, *json)),
        Some(Command::Status { json }) => config().and_then(|c| crate::status::run(&c, *json)),
        Some(Command::Drain { host, json }) => {
            config().and_then(|c| crate::admin::run(&c, Action::Drain, host, *json))
        }
        Some(Command::Undrain { host, json }) => {
            config().and_then(|c| crate::admin::run(&c, Action::Undrain, host, *json))
        }
        Some(Command::Evict { host, json }) => {
            config().and_then(|c| crate::admin::run(&c, Action::Evict, host, *json))
        }
        Some(Command::Kill { pid, host, json }) => {
            config().and_then(|c| crate::admin::run(&c, Action::Kill(*pid), host, *json))
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
