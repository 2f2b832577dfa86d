//! The hosts tab: one row per host with its state, load, foreign processes, idle time, CPUs,
//! slots, memory and load history.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Color, Style};
use ratatui::widgets::Cell;
use roam_shared::proto::host_info::State;
use roam_shared::proto::{HostInfo, HostStatus};

use super::{sparkline, table};
use crate::humanize;
use crate::tui::state::{App, Host, word};

const HEADER: [&str; 9] = [
    "HOST",
    "STATE",
    "LOAD",
    "FOREIGN",
    "IDLE",
    "CPUS",
    "SLOTS",
    "MEM",
    "LOAD HISTORY",
];

/// Draws the hosts table.
pub fn draw(frame: &mut Frame, area: Rect, app: &App, now_ms: i64, nothing: &str) {
    let wide = area.width >= 120;
    let name = if wide { 20 } else { 12 };
    let widths = [
        Constraint::Length(name),
        Constraint::Length(7),
        Constraint::Length(5),
        Constraint::Length(9),
        Constraint::Length(6),
        Constraint::Length(4),
        Constraint::Length(if wide { 7 } else { 5 }),
        Constraint::Length(9),
        Constraint::Fill(1),
    ];
    let fixed: u16 = widths[..8]
        .iter()
        .map(|c| match c {
            Constraint::Length(n) => n + 1,
            _ => 0,
        })
        .sum();
    let history = usize::from(area.width.saturating_sub(fixed));
    let rows = app.hosts.rows();
    let empty = table::empty_text(&app.hosts.listing, nothing);
    table::draw(
        frame,
        area,
        &app.hosts.listing,
        &HEADER,
        &widths,
        &empty,
        |i| cells(&rows[i], now_ms, history),
    );
}

fn cells(host: &Host, now_ms: i64, history: usize) -> Vec<Cell<'static>> {
    let info = &host.info;
    let none = HostStatus::default();
    let status = info.status.as_ref().unwrap_or(&none);
    let down = info.state() == State::Down;
    let dim = |text: String| {
        if down {
            Cell::from(text).style(Style::new().fg(Color::DarkGray))
        } else {
            Cell::from(text)
        }
    };
    let foreign = host.foreign();
    vec![
        dim(info.name.clone()),
        Cell::from(word(info)).style(state_style(info.state())),
        dim(format!("{:.2}", status.load)),
        dim(if foreign == 0 {
            "-".into()
        } else {
            format!("{foreign} / {:.1}", host.foreign_cpu)
        }),
        dim(idle_text(info, now_ms)),
        dim(status.cpus.to_string()),
        dim(format!("{}/{}", info.slots_used, status.slots)),
        dim(memory(status.mem_total_bytes, status.mem_available_bytes)),
        Cell::from(sparkline::bars(
            host.history.iter(),
            status.cpus.max(1) as f32,
            history,
        ))
        .style(Style::new().fg(Color::Cyan)),
    ]
}

/// The colour of a state word.
pub fn state_style(state: State) -> Style {
    Style::new().fg(match state {
        State::Idle => Color::Green,
        State::Busy => Color::Yellow,
        State::Down => Color::Red,
        State::Drained => Color::Magenta,
        State::Unknown => Color::DarkGray,
    })
}

/// How long the owner has been away as of `now_ms`: the reported idle time plus the time since
/// the report. "-" for a host that is down (its idle time is unknown).
pub fn idle_text(info: &HostInfo, now_ms: i64) -> String {
    if info.state() == State::Down || info.last_report_unix_ms == 0 {
        return "-".into();
    }
    let reported = info.status.as_ref().map_or(0, |s| s.input_idle_ms);
    humanize::span(reported + humanize::age(now_ms, info.last_report_unix_ms))
}

/// Memory in use over memory total: `3.1G/16G`.
pub fn memory(total: u64, available: u64) -> String {
    if total == 0 {
        return "-".into();
    }
    format!(
        "{}/{}",
        humanize::bytes(total.saturating_sub(available)),
        humanize::bytes(total)
    )
}
