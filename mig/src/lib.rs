//! mig: run a command on another host of the cluster as if it ran here — same files,
//! environment, terminal, signals and exit status. mig talks only to the local migd.

pub mod cli;
mod job_spec;
mod session;
mod terminal;

pub use cli::main;
