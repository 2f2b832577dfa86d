//! Drawing: pure functions from the state (and the time, given) to the screen. Only the rows
//! on screen are formatted, so a frame costs the same with ten hosts or ten thousand.

mod chrome;
mod details;
mod events;
mod help;
mod hosts;
mod popup;
mod processes;
mod sparkline;
mod table;
#[cfg(test)]
mod tests;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};

use super::state::{App, Link, Overlay, Tab};

/// Rows around the table body: title, totals, connection, table header, status bar.
const CHROME_ROWS: u16 = 5;

/// How many table rows fit on a screen `height` rows high.
pub fn body_rows(height: u16) -> usize {
    usize::from(height.saturating_sub(CHROME_ROWS))
}

/// Draws the whole screen as of `now_ms` (Unix ms; ages and idle times count to it).
pub fn draw(frame: &mut Frame, app: &App, now_ms: i64) {
    let area = frame.area();
    let [title, totals, link, body, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
    ])
    .areas(area);
    chrome::title(frame, title, app);
    chrome::totals(frame, totals, app);
    chrome::link(frame, link, app, now_ms);
    let nothing = nothing(app);
    match app.tab {
        Tab::Hosts => hosts::draw(frame, body, app, now_ms, nothing),
        Tab::Processes => processes::draw(frame, body, app, now_ms, nothing),
        Tab::Events => events::draw(frame, body, app, now_ms, nothing),
    }
    chrome::status(frame, status, app, now_ms);
    overlay(frame, area, app, now_ms);
}

fn overlay(frame: &mut Frame, area: Rect, app: &App, now_ms: i64) {
    match &app.overlay {
        None => {}
        Some(Overlay::Help) => help::draw(frame, area, app.demo),
        Some(Overlay::Details(target)) => details::draw(frame, area, app, target, now_ms),
        Some(Overlay::Confirm(call)) => popup::confirm(frame, area, call.question()),
        Some(Overlay::Notice(text)) => popup::notice(frame, area, text),
    }
}

/// What an empty table says, by tab and connection.
fn nothing(app: &App) -> &'static str {
    match (&app.link, app.tab) {
        (Link::Connecting, _) => "connecting to migserver…",
        (Link::Down { .. }, _) => "no data: migserver unreachable",
        (Link::Up, Tab::Hosts) => "no host has reported to migserver yet",
        (Link::Up, Tab::Processes) => "no foreign process is running",
        (Link::Up, Tab::Events) => "no events yet",
    }
}
