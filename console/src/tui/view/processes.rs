//! The processes tab: every foreign process with its home, host, user, CPU time, memory, age,
//! the hosts it has run on, whether it can migrate, and its command.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::widgets::Cell;

use super::table;
use crate::humanize;
use crate::ps::NO_LIVE_MIGRATION;
use crate::tui::state::{App, Process};

const HEADER: [&str; 9] = [
    "USER", "HOME", "HOST", "CPU", "MEM", "AGE", "BEEN ON", "MIGRATE", "COMMAND",
];

/// What the MIGRATE column says of a process that cannot move (see [`NO_LIVE_MIGRATION`]).
pub const PINNED: &str = "not yet";

/// Draws the processes table.
pub fn draw(frame: &mut Frame, area: Rect, app: &App, now_ms: i64, nothing: &str) {
    let wide = area.width >= 120;
    let (user, host, been) = if wide { (10, 14, 24) } else { (8, 8, 10) };
    let widths = [
        Constraint::Length(user),
        Constraint::Length(host),
        Constraint::Length(host),
        Constraint::Length(8),
        Constraint::Length(5),
        Constraint::Length(5),
        Constraint::Length(been),
        Constraint::Length(7),
        Constraint::Fill(1),
    ];
    let rows = app.processes.rows();
    let empty = table::empty_text(&app.processes.listing, nothing);
    table::draw(
        frame,
        area,
        &app.processes.listing,
        &HEADER,
        &widths,
        &empty,
        |i| cells(app, &rows[i], now_ms),
    );
}

fn cells(app: &App, row: &Process, now_ms: i64) -> Vec<Cell<'static>> {
    let p = &row.process;
    vec![
        Cell::from(row.user.clone()),
        Cell::from(p.home.clone()),
        Cell::from(row.host.clone()),
        Cell::from(humanize::cpu_time(p.cpu_ms)),
        Cell::from(humanize::bytes(p.rss_bytes)),
        Cell::from(humanize::span(humanize::age(now_ms, p.started_unix_ms))),
        Cell::from(been_on(app, row)),
        Cell::from(PINNED),
        Cell::from(p.command.clone()),
    ]
}

/// The hosts a process has run on, oldest first, ending with the one it runs on: `b→c`.
pub fn been_on(app: &App, row: &Process) -> String {
    let mut hosts: Vec<&str> = app
        .events
        .travels(&row.process.job_id)
        .map(|t| t.iter().map(String::as_str).collect())
        .unwrap_or_default();
    if hosts.last() != Some(&row.host.as_str()) {
        hosts.push(&row.host);
    }
    hosts.join("→")
}

/// Why a process cannot migrate, for its details.
pub fn why_pinned() -> String {
    format!(
        "{NO_LIVE_MIGRATION}: Roam places a process when it starts and sends it away when its \
         host's owner returns, but cannot yet move it while it runs"
    )
}
