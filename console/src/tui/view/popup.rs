//! Windows drawn over the table: a bordered, titled box in the middle of the screen; the y/n
//! question and the notice are such boxes.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Text};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

/// Draws `text` in a box of at most `width` × `height` cells centred in `area`, wrapped.
pub fn draw(frame: &mut Frame, area: Rect, title: &str, text: Text<'_>, width: u16, height: u16) {
    let rect = area.centered(
        Constraint::Length(width.min(area.width)),
        Constraint::Length(height.min(area.height)),
    );
    frame.render_widget(Clear, rect);
    let block = Block::bordered()
        .title(format!(" {title} "))
        .border_style(Style::new().fg(Color::Cyan));
    frame.render_widget(
        Paragraph::new(text).block(block).wrap(Wrap { trim: false }),
        rect,
    );
}

/// The y/n question before an admin call.
pub fn confirm(frame: &mut Frame, area: Rect, question: String) {
    let text = Text::from(vec![
        Line::raw(question),
        Line::raw(""),
        Line::styled("y: yes    n: no", Style::new().add_modifier(Modifier::BOLD)),
    ]);
    draw(frame, area, "Confirm", text, 64, 7);
}

/// A notice, closed with Esc.
pub fn notice(frame: &mut Frame, area: Rect, message: &str) {
    let text = Text::from(vec![
        Line::raw(message.to_owned()),
        Line::raw(""),
        Line::styled("Esc: close", Style::new().add_modifier(Modifier::BOLD)),
    ]);
    draw(frame, area, "Not available", text, 72, 10);
}
