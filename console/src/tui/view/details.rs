//! The details window: everything the console knows about the host, process or event selected.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Text};

use super::{events, hosts, popup, processes, sparkline};
use crate::humanize;
use crate::tui::state::{App, Target, word};

/// Load samples the details show at most.
const HISTORY_SHOWN: usize = 60;
use crate::{event_kind, humanize::rfc3339};

/// Draws the details of `target`.
pub fn draw(frame: &mut Frame, area: Rect, app: &App, target: &Target, now_ms: i64) {
    let (title, lines) = match target {
        Target::Host(name) => (format!("Host {name}"), host(app, name, now_ms)),
        Target::Process(job) => (format!("Job {job}"), process(app, job, now_ms)),
        Target::Event(seq) => (format!("Event {seq}"), event(app, *seq, now_ms)),
    };
    let mut lines: Vec<Line> = lines.into_iter().map(Line::raw).collect();
    lines.push(Line::raw(""));
    lines.push(Line::raw("↑↓ next row   Esc close"));
    let width = area.width.saturating_sub(4).min(100);
    // Room for the lines, the borders and a few wrapped lines.
    let height = u16::try_from(lines.len() + 6).unwrap_or(u16::MAX);
    popup::draw(frame, area, &title, Text::from(lines), width, height);
}

fn field(name: &str, value: impl std::fmt::Display) -> String {
    format!("{name:<14} {value}")
}

fn host(app: &App, name: &str, now_ms: i64) -> Vec<String> {
    let Some(h) = app.hosts.get(name) else {
        return vec![format!("host {name} is no longer known to migserver")];
    };
    let info = &h.info;
    let s = info.status.clone().unwrap_or_default();
    let mut lines = vec![
        field("state", word(info)),
        field("drained", if info.drained { "yes" } else { "no" }),
        field("idle for", hosts::idle_text(info, now_ms)),
        field(
            "last report",
            if info.last_report_unix_ms == 0 {
                "none since migserver started".to_owned()
            } else {
                format!(
                    "{} ago",
                    humanize::span(humanize::age(now_ms, info.last_report_unix_ms))
                )
            },
        ),
        field(
            "load",
            format!("{:.2} (not counting foreign processes)", s.load),
        ),
        field("cpu use", format!("{:.2} of {} CPUs", s.cpu_use, s.cpus)),
        field(
            "memory",
            format!(
                "{} used of {}",
                humanize::bytes(s.mem_total_bytes.saturating_sub(s.mem_available_bytes)),
                humanize::bytes(s.mem_total_bytes)
            ),
        ),
        field("slots", format!("{} used of {}", info.slots_used, s.slots)),
        field("platform", &info.platform),
        field("migd", &info.migd_addr),
        field(
            "load history",
            sparkline::bars(
                h.history.iter(),
                s.cpus.max(1) as f32,
                h.history.len().min(HISTORY_SHOWN),
            ),
        ),
        field(
            "foreign",
            format!(
                "{} processes using {:.1} CPUs",
                s.foreign.len(),
                h.foreign_cpu
            ),
        ),
    ];
    lines.extend(s.foreign.iter().map(|p| {
        format!(
            "  {} pid {} from {}: {}",
            p.job_id, p.pid, p.home, p.command
        )
    }));
    lines
}

fn process(app: &App, job: &str, now_ms: i64) -> Vec<String> {
    let Some(row) = app.processes.get(job) else {
        return vec![format!("job {job} no longer runs on any host")];
    };
    let p = &row.process;
    vec![
        field("command", &p.command),
        field("user", format!("{} (uid {})", row.user, p.uid)),
        field("home", &p.home),
        field("host", format!("{} (pid {})", row.host, p.pid)),
        field("been on", processes::been_on(app, row)),
        field(
            "started",
            format!(
                "{} ({} ago)",
                rfc3339(p.started_unix_ms),
                humanize::span(humanize::age(now_ms, p.started_unix_ms))
            ),
        ),
        field("cpu time", humanize::cpu_time(p.cpu_ms)),
        field("memory", humanize::bytes(p.rss_bytes)),
        field(
            "lease",
            if p.lease_id.is_empty() {
                "none (placed with mig -H)"
            } else {
                &p.lease_id
            },
        ),
        field("migration", processes::why_pinned()),
    ]
}

fn event(app: &App, seq: u64, now_ms: i64) -> Vec<String> {
    let Some(row) = app.events.get(seq) else {
        return vec![format!("event {seq} is no longer kept")];
    };
    let e = &row.event;
    let mut lines = vec![
        field(
            "time",
            format!(
                "{} ({} ago)",
                rfc3339(e.unix_ms),
                humanize::span(humanize::age(now_ms, e.unix_ms))
            ),
        ),
        field("kind", event_kind::name(e.kind())),
        field("host", &e.host),
    ];
    let optional = [
        ("who", events::who(row)),
        (
            "uid",
            if row.user.is_empty() {
                String::new()
            } else {
                e.uid.to_string()
            },
        ),
        ("client", e.client.clone()),
        ("lease", e.lease_id.clone()),
        ("job", e.job_id.clone()),
        ("timing", row.timing.clone()),
        ("detail", e.detail.clone()),
    ];
    lines.extend(
        optional
            .into_iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(name, value)| field(name, value)),
    );
    lines
}
