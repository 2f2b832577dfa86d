//! mig's command line, defined once: `--help` and the man page come from here.

use std::ffi::OsString;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use roam_shared::config::Config;
use roam_shared::status::{EXIT_MIG_FAILURE, EXIT_NOT_EXECUTABLE, EXIT_NOT_FOUND};

/// Run a command on an idle host of the cluster as if it ran here.
///
/// The command sees the same files, environment, working directory, umask, limits and terminal;
/// signals sent to mig reach it, and mig exits with its status (128+N for a death by signal N).
/// mig's own failures exit 255.
#[derive(Debug, Parser)]
#[command(name = "mig", version = roam_shared::VERSION, trailing_var_arg = true)]
pub struct Cli {
    /// Run on this host (a name from the config's [[hosts]]) instead of letting migd choose
    #[arg(short = 'H', long = "host", value_name = "HOST")]
    pub host: Option<String>,
    /// Say where the command runs, and its resource use when it ends
    #[arg(short, long)]
    pub verbose: bool,
    /// Fail instead of running locally when no remote host is available
    #[arg(long)]
    pub remote_only: bool,
    /// Config file [default: $ROAM_CONFIG, else /etc/roam/roam.toml]
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The command and its arguments
    #[arg(required = true, value_name = "CMD", allow_hyphen_values = true)]
    pub command: Vec<OsString>,
}

/// mig's entry point.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let path = Config::locate(cli.config.as_deref());
    let config = match Config::load(&path) {
        Ok(c) => c,
        Err(e) => return fail("config", &e.to_string()),
    };
    match crate::session::run(&cli, &config) {
        Ok(crate::session::Outcome::Exit(code)) => ExitCode::from(code),
        Ok(crate::session::Outcome::RunLocally(why)) => {
            if cli.verbose {
                eprintln!("mig: running locally ({why})");
            }
            exec_locally(&cli.command)
        }
        Err(e) => e.report(),
    }
}

/// Prints `mig: <what>: <why>` and returns mig's failure status.
pub fn fail(what: &str, why: &str) -> ExitCode {
    eprintln!("mig: {what}: {why}");
    ExitCode::from(EXIT_MIG_FAILURE)
}

/// Replaces mig with the command, as a shell would run it.
fn exec_locally(command: &[OsString]) -> ExitCode {
    let err = std::process::Command::new(&command[0])
        .args(&command[1..])
        .exec();
    let name = command[0].to_string_lossy();
    match err.raw_os_error() {
        Some(libc::ENOENT) => {
            eprintln!("mig: {name}: command not found");
            ExitCode::from(EXIT_NOT_FOUND)
        }
        _ => {
            eprintln!("mig: {name}: {err}");
            ExitCode::from(EXIT_NOT_EXECUTABLE)
        }
    }
}
