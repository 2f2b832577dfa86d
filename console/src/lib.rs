//! The Roam console: the `roam` command line (its definition, for the man page), `roam demo`,
//! and the commands that show and steer the cluster through migserver.

mod admin;
pub mod cli;
mod demo;
mod hosts;
mod server;

pub use cli::main;
