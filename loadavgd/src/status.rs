//! `loadavgd status`: what loadavgd would report now, from one sample (CPU use is measured
//! over [`WINDOW`]). The input idle time is what the files remember — the newest time stamp of
//! the stamped inputs and terminals, or the boot — since event streams keep no history.

use std::fmt::Write;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use roam_shared::config::Config;
use serde::Serialize;

use crate::host_status::HostStatus;
use crate::idle::{BusyReason, IdlePolicy, IdleState};
use crate::migd_link::MigdLink;
use crate::proc_files::ProcError;
use crate::sampler::Sampler;

/// CPU use is measured over this long.
pub const WINDOW: Duration = Duration::from_millis(500);

/// The status of this host, as `loadavgd status` shows it.
#[derive(Debug, Serialize)]
pub struct StatusReport {
    /// This host.
    pub host: String,
    /// What a report would say.
    #[serde(flatten)]
    pub status: HostStatus,
    /// The foreign processes' share of the load average, not counted in `load`.
    pub foreign_load: f64,
    /// The foreign processes' CPU use, not counted in `cpu_use`.
    pub foreign_cpu_use: f64,
    /// Whether migd answered (without it, no foreign processes are known).
    pub migd_reachable: bool,
    /// Why the host is busy.
    #[serde(skip)]
    pub busy: Option<BusyReason>,
}

/// Samples the host now.
pub async fn take(config: &Config) -> Result<StatusReport, ProcError> {
    let settings = &config.loadavgd;
    let mut sampler = Sampler::new(Arc::new(MigdLink::new(&config.migd.socket)));
    sampler.sample().await?;
    tokio::time::sleep(WINDOW).await;
    let sample = sampler.sample().await?;
    let last_input = crate::inputs::newest_stamp(&settings.inputs, settings.watch_terminals)
        .map_or(sample.system.boot_time, |t| t.max(sample.system.boot_time));
    let input_idle = SystemTime::now()
        .duration_since(last_input)
        .unwrap_or_default();
    let mut idle = IdleState::new(IdlePolicy {
        idle_after: settings.idle_after,
        max_load: settings.max_load,
    });
    idle.update(input_idle, sample.load_per_cpu());
    Ok(StatusReport {
        host: config.name.clone(),
        status: sample.status(idle.is_idle(), input_idle, settings.slots),
        foreign_load: sample.load.foreign_load,
        foreign_cpu_use: sample.load.foreign_cpu_use,
        migd_reachable: sample.migd_reachable,
        busy: idle.busy_reason(input_idle),
    })
}

/// The report for a terminal.
pub fn render(report: &StatusReport, config: &Config) -> String {
    let s = &report.status;
    let gib = |bytes: u64| bytes as f64 / f64::from(1u32 << 30);
    let state = match report.busy {
        None => "idle".to_owned(),
        Some(BusyReason::Input) => format!(
            "busy: input within the last {}",
            humantime::format_duration(config.loadavgd.idle_after)
        ),
        Some(BusyReason::Load) => format!(
            "busy: load {:.2} per CPU (idle under {:.2})",
            s.load / f64::from(s.cpus.max(1)),
            config.loadavgd.max_load
        ),
    };
    let mut out = String::new();
    let _ = writeln!(out, "host         {}", report.host);
    let _ = writeln!(out, "state        {state}");
    let _ = writeln!(
        out,
        "input idle   {}",
        humantime::format_duration(Duration::from_secs(s.input_idle_ms / 1000))
    );
    let _ = writeln!(
        out,
        "load         {:.2} (not counting the foreign load, {:.2})",
        s.load, report.foreign_load
    );
    let _ = writeln!(
        out,
        "cpu use      {:.2} of {} CPUs (not counting foreign use, {:.2})",
        s.cpu_use, s.cpus, report.foreign_cpu_use
    );
    let _ = writeln!(
        out,
        "memory       {:.1} GiB available of {:.1} GiB",
        gib(s.mem_available_bytes),
        gib(s.mem_total_bytes)
    );
    let _ = writeln!(out, "slots        {}", s.slots);
    if !report.migd_reachable {
        let _ = writeln!(
            out,
            "migd         not reachable at {}",
            config.migd.socket.display()
        );
    }
    if s.foreign.is_empty() {
        let _ = writeln!(out, "foreign      none");
        return out;
    }
    let _ = writeln!(out, "foreign      {} jobs:", s.foreign.len());
    let _ = writeln!(
        out,
        "  {:<20} {:<12} {:>6} {:>8} {:>9} {:>9}  COMMAND",
        "JOB", "HOME", "UID", "PID", "CPU s", "RSS MiB"
    );
    for p in &s.foreign {
        let _ = writeln!(
            out,
            "  {:<20} {:<12} {:>6} {:>8} {:>9.1} {:>9.1}  {}{}",
            p.job_id,
            p.home,
            p.uid,
            p.pid,
            p.cpu_ms as f64 / 1000.0,
            p.rss_bytes as f64 / f64::from(1u32 << 20),
            p.command,
            if p.evicting { " (evicting)" } else { "" }
        );
    }
    out
}
