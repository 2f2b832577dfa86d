//! `roam`, the cluster console. The binary also answers to the names `migd`, `mig`, `loadavgd`,
//! `migserver` and `pmake`, so that
//! `cargo run --bin roam -- demo` builds everything the demo starts (see `demo`).

use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let argv0 = std::env::args_os().next().unwrap_or_default();
    match Path::new(&argv0).file_name().and_then(|n| n.to_str()) {
        Some("migd") => migd::main(),
        Some("mig") => mig::main(),
        Some("loadavgd") => loadavgd::main(),
        Some("migserver") => migserver::main(),
        Some("pmake") => {
            let status = pmake::main_entry(std::env::args().collect());
            ExitCode::from(u8::try_from(status).unwrap_or(2))
        }
        _ => roam_console::main(),
    }
}
