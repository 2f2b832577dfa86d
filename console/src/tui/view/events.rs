//! The events tab: the live log of hosts coming and going, leases, process starts, ends and
//! evictions, with the timings migrations and evictions carry.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Color, Style};
use ratatui::widgets::Cell;
use roam_shared::proto::cluster_event::Kind;

use super::table;
use crate::tui::state::{App, Event};
use crate::{event_kind, humanize};

const HEADER: [&str; 6] = ["AGE", "KIND", "HOST", "WHO", "TIMING", "DETAIL"];

/// Draws the event log.
pub fn draw(frame: &mut Frame, area: Rect, app: &App, now_ms: i64, nothing: &str) {
    let wide = area.width >= 120;
    let widths = [
        Constraint::Length(5),
        Constraint::Length(15),
        Constraint::Length(if wide { 14 } else { 8 }),
        Constraint::Length(if wide { 20 } else { 12 }),
        Constraint::Length(if wide { 30 } else { 12 }),
        Constraint::Fill(1),
    ];
    let rows = app.events.rows();
    let empty = table::empty_text(&app.events.listing, nothing);
    table::draw(
        frame,
        area,
        &app.events.listing,
        &HEADER,
        &widths,
        &empty,
        |i| cells(&rows[i], now_ms),
    );
}

fn cells(row: &Event, now_ms: i64) -> Vec<Cell<'static>> {
    let e = &row.event;
    vec![
        Cell::from(humanize::span(humanize::age(now_ms, e.unix_ms))),
        Cell::from(event_kind::name(e.kind())).style(kind_style(e.kind())),
        Cell::from(e.host.clone()),
        Cell::from(who(row)),
        Cell::from(row.timing.clone()),
        Cell::from(e.detail.clone()),
    ]
}

/// The user and home host an event concerns: `alice@a`.
pub fn who(row: &Event) -> String {
    match (row.user.as_str(), row.event.home.as_str()) {
        ("", _) => String::new(),
        (user, "") => user.to_owned(),
        (user, home) => format!("{user}@{home}"),
    }
}

fn kind_style(kind: Kind) -> Style {
    Style::new().fg(match kind {
        Kind::HostDown | Kind::ProcessEvicted | Kind::LeaseRevoked | Kind::LeaseExpired => {
            Color::Red
        }
        Kind::HostUp | Kind::HostIdle | Kind::LeaseGranted | Kind::ProcessStarted => Color::Green,
        Kind::HostBusy | Kind::HostDrained => Color::Yellow,
        _ => Color::Reset,
    })
}
