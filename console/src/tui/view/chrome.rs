//! The lines around the table: the title with the tabs, the cluster totals, the connection
//! (with the sort and filter of the tab), and the status bar at the bottom.

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::humanize;
use crate::totals::REQUESTER_WINDOW_MS;
use crate::tui::state::{App, Link, Tab};

/// How long a message stays in the status bar.
const MESSAGE_MS: i64 = 10_000;

/// Screens at least this wide get the long forms of the totals and the key hints.
const WIDE: u16 = 120;

/// The key hints the status bar shows when it has nothing else to say, long and short.
const HINTS: &str = "Tab/1-3 view  ↑↓ jk move  / filter  s sort  Enter details  e evict  d drain  m migrate  K kill  ? help  q quit";
const SHORT_HINTS: &str =
    "Tab:view j/k:move /:filter s:sort Enter:details e:evict d:drain ?:help q:quit";

/// The title line: the console's name, migserver's address and the tabs.
pub fn title(frame: &mut Frame, area: Rect, app: &App) {
    let mut spans = vec![
        Span::styled(" roam ", Style::new().add_modifier(Modifier::BOLD)),
        Span::raw(format!("migserver {}  ", app.server)),
    ];
    for (n, tab) in Tab::ALL.iter().enumerate() {
        let text = format!(" {} {} ", n + 1, tab.title());
        spans.push(if *tab == app.tab {
            Span::styled(
                text,
                Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD),
            )
        } else {
            Span::raw(text)
        });
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The cluster totals; on a narrow screen, without the foreign process count (the processes
/// tab shows it).
pub fn totals(frame: &mut Frame, area: Rect, app: &App) {
    let t = app.hosts.totals();
    let text = if area.width >= WIDE {
        format!(
            " hosts {}: {} idle, {} in use, {} down, {} drained │ slots {} free, {} used │ foreign {} │ requesters {} ({})",
            t.hosts,
            t.idle,
            t.busy,
            t.down,
            t.drained,
            t.slots_free,
            t.slots_used,
            t.foreign_processes,
            app.requesters,
            humanize::span(REQUESTER_WINDOW_MS as u64),
        )
    } else {
        format!(
            " hosts {} idle {} in use {} down {} drained │ slots {} free {} used │ requesters {}",
            t.idle, t.busy, t.down, t.drained, t.slots_free, t.slots_used, app.requesters,
        )
    };
    frame.render_widget(Paragraph::new(text), area);
}

/// The connection line: live, connecting, or the unreachable banner; on the right, the tab's
/// order, filter and row count.
pub fn link(frame: &mut Frame, area: Rect, app: &App, now_ms: i64) {
    let left = match &app.link {
        Link::Up => Line::styled(" ● live", Style::new().fg(Color::Green)),
        Link::Connecting => Line::styled(
            format!(" connecting to migserver at {}…", app.server),
            Style::new().fg(Color::Yellow),
        ),
        Link::Down {
            reason,
            retry_at_ms,
        } => {
            let wait = humanize::span(humanize::age(*retry_at_ms, now_ms) + 999);
            Line::styled(
                format!(" migserver unreachable — retrying in {wait}: {reason}"),
                Style::new()
                    .fg(Color::White)
                    .bg(Color::Red)
                    .add_modifier(Modifier::BOLD),
            )
        }
    };
    // The tab's position shows on the right only when it leaves the left part whole: a banner
    // saying why migserver is unreachable matters more.
    let right = Line::from(where_am_i(app)).alignment(Alignment::Right);
    if left.width() + right.width() < usize::from(area.width) {
        frame.render_widget(Paragraph::new(right), area);
    }
    frame.render_widget(Paragraph::new(left), area);
}

/// `sort load ▼  filter "b"  3 of 40`.
fn where_am_i(app: &App) -> String {
    let (order, reversed) = match app.tab {
        Tab::Hosts => (app.hosts.sort().0.label(), app.hosts.sort().1),
        Tab::Processes => (app.processes.sort().0.label(), app.processes.sort().1),
        Tab::Events => (app.events.order().label(), false),
    };
    let total = match app.tab {
        Tab::Hosts => app.hosts.rows().len(),
        Tab::Processes => app.processes.rows().len(),
        Tab::Events => app.events.rows().len(),
    };
    let listing = app.listing();
    let mut text = format!("sort {order}{}", if reversed { " (reversed)" } else { "" });
    if !listing.filter().is_empty() {
        text.push_str(&format!("  filter \"{}\"", listing.filter()));
    }
    let position = if listing.len() == 0 {
        0
    } else {
        listing.selected() + 1
    };
    text.push_str(&format!("  {position}/{} of {total} ", listing.len()));
    text
}

/// The bottom line: the filter being typed, a recent message, or the key hints.
pub fn status(frame: &mut Frame, area: Rect, app: &App, now_ms: i64) {
    let line = if app.editing_filter {
        Line::from(vec![
            Span::styled(" filter: ", Style::new().add_modifier(Modifier::BOLD)),
            Span::raw(app.listing().filter().to_owned()),
            Span::styled("█", Style::new().add_modifier(Modifier::SLOW_BLINK)),
            Span::raw("   Enter keep  Esc clear"),
        ])
    } else if let Some(m) = app
        .message
        .as_ref()
        .filter(|m| now_ms - m.at_ms < MESSAGE_MS)
    {
        let style = if m.error {
            Style::new().fg(Color::Red)
        } else {
            Style::new().fg(Color::Green)
        };
        Line::styled(format!(" {}", m.text), style)
    } else {
        let hints = if area.width >= WIDE {
            HINTS
        } else {
            SHORT_HINTS
        };
        Line::styled(format!(" {hints}"), Style::new().fg(Color::DarkGray))
    };
    frame.render_widget(Paragraph::new(line), area);
}
