//! loadavgd, Roam's idle-host daemon (DESIGN.md section 5). It watches the owner's input
//! (`inputs`, `input_event`) and the load not counting foreign processes (`proc_files`,
//! `load`, `sampler`), decides whether the host is idle (`idle`, pure, driven by `monitor`),
//! streams the host's status to migserver (`report`), and has the local migd evict foreign
//! processes the instant the owner returns (`activity`, `evict`, `migd_link`).

pub mod activity;
mod async_fd;
pub mod cli;
pub mod daemon;
pub mod evict;
pub mod host_status;
pub mod idle;
pub mod input_event;
pub mod inputs;
pub mod load;
pub mod migd_link;
pub mod monitor;
pub mod proc_files;
pub mod report;
pub mod sampler;
pub mod status;

pub use cli::main;
