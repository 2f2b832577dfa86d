//! The Roam console: the `roam` command line (its definition, for the man page) and `roam demo`.

pub mod cli;
mod demo;

pub use cli::main;
