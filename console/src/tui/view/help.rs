//! The help window: every key.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Text};

use super::popup;

/// The keys and what they do.
const KEYS: [(&str, &str); 15] = [
    ("Tab / Shift-Tab", "next / previous view"),
    ("1 2 3", "Hosts, Processes, Events"),
    ("↑ ↓  k j", "move the selection (also the mouse wheel)"),
    ("PgUp PgDn g G", "a page up, down; first, last row"),
    ("/", "filter the view (Enter keeps it, Esc clears it)"),
    ("s / S", "next sort order / reverse it"),
    ("Enter", "details of the selected row"),
    ("e", "evict every foreign process on the host"),
    ("d", "drain the host, or undrain it"),
    ("m", "migrate a process (not available yet)"),
    ("K", "kill a process (with its whole job)"),
    ("y / n", "answer a question"),
    ("?", "this help"),
    ("Esc", "close a window, clear the filter"),
    ("q, Ctrl-C", "quit"),
];

/// The demo's own key.
const DEMO_KEY: (&str, &str) = ("o", "demo: the host's owner returns (its jobs are evicted)");

/// What the host states mean.
const STATES: [(&str, &str); 4] = [
    ("idle", "no input for a while and a low load: leasable"),
    ("in use", "its owner is active: no new foreign processes"),
    ("down", "it stopped reporting to migserver"),
    ("drained", "an admin stopped new leases there"),
];

/// Draws the help window; `demo` adds the demo's key.
pub fn draw(frame: &mut Frame, area: Rect, demo: bool) {
    let demo_key = demo.then_some(&DEMO_KEY);
    let lines: Vec<Line> = KEYS
        .iter()
        .chain(demo_key)
        .chain(&[("", "")])
        .chain(&STATES)
        .map(|(keys, what)| Line::raw(format!(" {keys:<16} {what}")))
        .collect();
    let height = u16::try_from(lines.len()).unwrap_or(u16::MAX) + 2;
    popup::draw(frame, area, "Keys", Text::from(lines), 76, height);
}
