//! The Roam console: the `roam` command line (its definition, for the man page), the live TUI,
//! `roam demo`, and the commands that show and steer the cluster through migserver.

mod admin;
pub mod cli;
mod demo;
mod event_kind;
mod events;
mod hosts;
mod humanize;
mod kill;
mod ps;
mod server;
mod since;
mod status;
mod totals;
pub mod tui;
mod users;

pub use cli::main;
