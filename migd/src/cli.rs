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
    /// Say whether process PID can be checkpointed, or every reason it cannot.
    Check {
        /// The process.
        pid: i32,
    },
    /// Freeze process PID, write its whole state to IMAGE, and kill it (unless --leave-running).
    Checkpoint {
        /// The process (threads included; it must have no children).
        pid: i32,
        /// Where to write the image.
        #[arg(short = 'o', long = "output", value_name = "IMAGE")]
        image: PathBuf,
        /// Let the process run on after the image is written
        #[arg(long)]
        leave_running: bool,
    },
    /// Bring the process in IMAGE back to life; it runs on after this command returns.
    Restore {
        /// The image, from `migd checkpoint`.
        image: PathBuf,
        /// Give the process this command's stdin, stdout and stderr in place of pipes that led
        /// outside it
        #[arg(long)]
        stdio: bool,
        /// Give pipes that led outside the process no other end
        #[arg(long)]
        orphan_pipes: bool,
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
        Some(Command::Check { pid }) => crate::by_hand::check(pid),
        Some(Command::Checkpoint {
            pid,
            image,
            leave_running,
        }) => crate::by_hand::checkpoint(pid, &image, leave_running),
        Some(Command::Restore {
            image,
            stdio,
            orphan_pipes,
        }) => crate::by_hand::restore(&image, stdio, orphan_pipes),
        None => {
            roam_shared::logging::init("info");
            let path = Config::locate(cli.config.as_deref());
            let config = Config::load(&path)?;
            let key = ClusterKey::load(&config.key_file)?;
            crate::daemon::run(config, key)
        }
    }
}
