//! A table of one tab: its header and only the rows on screen, the selected one highlighted.

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Cell, Paragraph, Row, Table};

use crate::tui::state::Listing;

/// Draws `listing` in `area`: `header`, then the rows on screen, each made by `row` from its
/// index; `empty` shows instead when there is no row.
pub fn draw<'a>(
    frame: &mut Frame,
    area: Rect,
    listing: &Listing,
    header: &[&'a str],
    widths: &[Constraint],
    empty: &str,
    row: impl Fn(usize) -> Vec<Cell<'a>>,
) {
    let header = Row::new(header.iter().copied()).style(Style::new().add_modifier(Modifier::BOLD));
    let body = usize::from(area.height.saturating_sub(1));
    let order = listing.order();
    let start = listing.offset().min(order.len());
    let end = (start + body).min(order.len());
    let rows = order[start..end].iter().enumerate().map(|(i, &index)| {
        let r = Row::new(row(index));
        if start + i == listing.selected() {
            r.style(Style::new().add_modifier(Modifier::REVERSED))
        } else {
            r
        }
    });
    frame.render_widget(Table::new(rows, widths).header(header), area);
    if order.is_empty() && area.height > 2 {
        let middle = Rect {
            y: area.y + area.height / 2,
            height: 1,
            ..area
        };
        frame.render_widget(
            Paragraph::new(Line::from(empty.to_owned())).alignment(Alignment::Center),
            middle,
        );
    }
}

/// What an empty table says: why it is empty.
pub fn empty_text(listing: &Listing, nothing: &str) -> String {
    if listing.filter().is_empty() {
        nothing.to_owned()
    } else {
        format!("nothing matches the filter \"{}\"", listing.filter())
    }
}
