//! pmake: a make engine compatible with GNU make 4.3.
//!
//! Reading makefiles (`parser`) fills a rule database (`rules`) and variables (`vars`);
//! `scheduler` brings goals up to date, running recipes through a [`runner::JobRunner`]
//! so they can run locally or elsewhere, and sharing job slots with other makes through
//! the GNU `jobserver`.

pub mod archive;
pub mod assign;
pub mod cli;
pub mod cluster_runner;
pub mod conditionals;
pub mod debug;
pub mod dircache;
pub mod engine;
pub mod error;
pub mod expand;
pub mod filesearch;
pub mod functions;
pub mod implicit;
pub mod jobs;
pub mod jobserver;
pub mod manual;
pub mod migd_link;
pub mod options;
pub mod output_relay;
pub mod outsync;
pub mod parser;
pub mod placement;
mod print_db;
pub mod progress;
pub mod recipe;
pub mod remote_spec;
pub mod rule_line;
pub mod rules;
pub mod runner;
pub mod scheduler;
pub mod scope;
pub mod shell;
pub mod signals;
pub mod slots;
pub mod sys;
pub mod text;
pub mod vars;

pub use cli::main_entry;
