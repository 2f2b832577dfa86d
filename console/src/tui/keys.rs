//! Keys and mouse: how input changes the console state. Admin calls leave as an [`Outcome`]
//! for the event loop to hand to the feed.

use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseEventKind};

use super::state::{AdminCall, App, Overlay, Tab};
use crate::admin::Action;

/// Rows one turn of the mouse wheel scrolls.
const WHEEL_ROWS: isize = 3;

/// What an input asks of the event loop.
#[derive(Debug)]
pub enum Outcome {
    /// Nothing changed.
    Ignored,
    /// The state changed: draw again.
    Redraw,
    /// Leave the console.
    Quit,
    /// Make this call to migserver (the user said yes).
    Call(AdminCall),
    /// In the demo: the owner of this host comes back.
    OwnerReturns(String),
}

/// Applies one terminal event to `app` (whose listings must be prepared).
pub fn handle(app: &mut App, event: &Event, now_ms: i64) -> Outcome {
    match event {
        Event::Key(key) if key.kind != KeyEventKind::Release => press(app, key, now_ms),
        Event::Mouse(mouse) if app.overlay.is_none() => match mouse.kind {
            MouseEventKind::ScrollDown => scroll(app, WHEEL_ROWS),
            MouseEventKind::ScrollUp => scroll(app, -WHEEL_ROWS),
            _ => Outcome::Ignored,
        },
        Event::Resize(..) => Outcome::Redraw,
        _ => Outcome::Ignored,
    }
}

fn scroll(app: &mut App, rows: isize) -> Outcome {
    app.listing_mut().move_by(rows);
    Outcome::Redraw
}

fn press(app: &mut App, key: &KeyEvent, now_ms: i64) -> Outcome {
    if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
        return Outcome::Quit;
    }
    if app.editing_filter {
        return edit_filter(app, key.code);
    }
    match app.overlay.take() {
        Some(overlay) => in_overlay(app, overlay, key.code, now_ms),
        None => in_table(app, key.code, now_ms),
    }
}

fn edit_filter(app: &mut App, code: KeyCode) -> Outcome {
    let mut filter = app.listing().filter().to_owned();
    match code {
        KeyCode::Char(c) => filter.push(c),
        KeyCode::Backspace => {
            filter.pop();
        }
        KeyCode::Enter => app.editing_filter = false,
        KeyCode::Esc => {
            app.editing_filter = false;
            filter.clear();
        }
        _ => return Outcome::Ignored,
    }
    app.set_filter(filter);
    Outcome::Redraw
}

fn in_overlay(app: &mut App, overlay: Overlay, code: KeyCode, now_ms: i64) -> Outcome {
    match (overlay, code) {
        (Overlay::Confirm(call), KeyCode::Char('y' | 'Y')) => {
            app.say(call.progress(), false, now_ms);
            Outcome::Call(call)
        }
        (Overlay::Confirm(_), KeyCode::Char('n' | 'N' | 'q') | KeyCode::Esc) => {
            app.say("cancelled".into(), false, now_ms);
            Outcome::Redraw
        }
        (Overlay::Details(_), KeyCode::Up | KeyCode::Char('k')) => browse(app, -1),
        (Overlay::Details(_), KeyCode::Down | KeyCode::Char('j')) => browse(app, 1),
        (
            Overlay::Help | Overlay::Details(_) | Overlay::Notice(_),
            KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q' | '?' | ' '),
        ) => Outcome::Redraw,
        (overlay, _) => {
            app.overlay = Some(overlay);
            Outcome::Ignored
        }
    }
}

/// Moves the selection under an open details window, which follows it.
fn browse(app: &mut App, rows: isize) -> Outcome {
    app.listing_mut().move_by(rows);
    app.overlay = app.selected().map(Overlay::Details);
    Outcome::Redraw
}

fn in_table(app: &mut App, code: KeyCode, now_ms: i64) -> Outcome {
    match code {
        KeyCode::Char('q') => return Outcome::Quit,
        KeyCode::Tab => app.tab = app.tab.next(),
        KeyCode::BackTab => app.tab = app.tab.previous(),
        KeyCode::Char('1') => app.tab = Tab::Hosts,
        KeyCode::Char('2') => app.tab = Tab::Processes,
        KeyCode::Char('3') => app.tab = Tab::Events,
        KeyCode::Up | KeyCode::Char('k') => app.listing_mut().move_by(-1),
        KeyCode::Down | KeyCode::Char('j') => app.listing_mut().move_by(1),
        KeyCode::PageUp => app.listing_mut().page(-1),
        KeyCode::PageDown => app.listing_mut().page(1),
        KeyCode::Home | KeyCode::Char('g') => app.listing_mut().first(),
        KeyCode::End | KeyCode::Char('G') => app.listing_mut().last(),
        KeyCode::Char('/') => app.editing_filter = true,
        KeyCode::Esc if !app.listing().filter().is_empty() => app.set_filter(String::new()),
        KeyCode::Char('s') => app.next_sort(),
        KeyCode::Char('S') => app.reverse_sort(),
        KeyCode::Char('?') => app.overlay = Some(Overlay::Help),
        KeyCode::Enter => app.overlay = app.selected().map(Overlay::Details),
        KeyCode::Char('e') => ask(app, |_| Action::Evict, now_ms),
        KeyCode::Char('d') => ask(
            app,
            |drained| {
                if drained {
                    Action::Undrain
                } else {
                    Action::Drain
                }
            },
            now_ms,
        ),
        KeyCode::Char('m') => migrate(app, now_ms),
        KeyCode::Char('K') => kill(app, now_ms),
        KeyCode::Char('o') if app.demo => return owner_returns(app, now_ms),
        _ => return Outcome::Ignored,
    }
    Outcome::Redraw
}

/// Opens the y/n question for an admin call on the selected host; `action` chooses the call
/// from whether the host is drained.
fn ask(app: &mut App, action: impl Fn(bool) -> Action, now_ms: i64) {
    let Some(host) = app.selected_host() else {
        app.say("no host selected".into(), true, now_ms);
        return;
    };
    let call = AdminCall {
        action: action(host.info.drained),
        host: host.info.name.clone(),
        foreign: host.foreign(),
    };
    app.overlay = Some(Overlay::Confirm(call));
}

/// The demo's `o`: the owner of the selected host (or the selected row's host) returns.
fn owner_returns(app: &mut App, now_ms: i64) -> Outcome {
    match app.selected_host() {
        Some(host) => Outcome::OwnerReturns(host.info.name.clone()),
        None => {
            app.say("no host selected".into(), true, now_ms);
            Outcome::Redraw
        }
    }
}

fn migrate(app: &mut App, now_ms: i64) {
    let Some(p) = app
        .processes
        .selected()
        .filter(|_| app.tab == Tab::Processes)
    else {
        app.say(
            "select a process in the Processes tab (2) to migrate it".into(),
            true,
            now_ms,
        );
        return;
    };
    app.overlay = Some(Overlay::Notice(format!(
        "Migrate job {} ({}) from {} to another host: live migration is not available yet. \
         Roam places a process on a host when it starts (mig, pmake) and sends it away when the \
         host's owner returns; moving a running process is not built yet.",
        p.process.job_id, p.process.command, p.host
    )));
}

fn kill(app: &mut App, now_ms: i64) {
    let Some(p) = app
        .processes
        .selected()
        .filter(|_| app.tab == Tab::Processes)
    else {
        app.say(
            "select a process in the Processes tab (2) to kill it".into(),
            true,
            now_ms,
        );
        return;
    };
    let call = AdminCall {
        action: Action::Kill(p.process.pid),
        host: p.host.clone(),
        foreign: 1,
    };
    app.overlay = Some(Overlay::Confirm(call));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::state::Target;
    use crate::tui::testdata;

    fn key(app: &mut App, code: KeyCode) -> Outcome {
        app.prepare(testdata::NOW);
        let event = Event::Key(KeyEvent::new(code, KeyModifiers::NONE));
        handle(app, &event, testdata::NOW)
    }

    fn chars(app: &mut App, text: &str) {
        for c in text.chars() {
            key(app, KeyCode::Char(c));
        }
    }

    #[test]
    fn tabs_and_movement() {
        let mut app = testdata::cluster();
        key(&mut app, KeyCode::Char('j'));
        assert_eq!(app.selected(), Some(Target::Host("b".into())));
        key(&mut app, KeyCode::Tab);
        assert_eq!(app.tab, Tab::Processes);
        key(&mut app, KeyCode::Char('3'));
        assert_eq!(app.tab, Tab::Events);
        key(&mut app, KeyCode::BackTab);
        assert_eq!(app.tab, Tab::Processes);
        assert!(matches!(key(&mut app, KeyCode::Char('q')), Outcome::Quit));
    }

    #[test]
    fn typing_a_filter_then_escape_clears_it() {
        let mut app = testdata::cluster();
        key(&mut app, KeyCode::Char('/'));
        chars(&mut app, "dra");
        key(&mut app, KeyCode::Enter);
        app.prepare(testdata::NOW);
        assert!(!app.editing_filter);
        assert_eq!(app.hosts.listing.len(), 1);
        assert_eq!(app.selected(), Some(Target::Host("d".into())));
        key(&mut app, KeyCode::Esc);
        app.prepare(testdata::NOW);
        assert_eq!(app.hosts.listing.len(), 4);
    }

    #[test]
    fn drain_asks_first_and_undrains_a_drained_host() {
        let mut app = testdata::cluster();
        key(&mut app, KeyCode::Char('d'));
        let Some(Overlay::Confirm(call)) = &app.overlay else {
            panic!("no question: {:?}", app.overlay);
        };
        assert!(matches!(call.action, Action::Drain));
        assert!(matches!(key(&mut app, KeyCode::Char('n')), Outcome::Redraw));
        assert!(app.overlay.is_none());
        key(&mut app, KeyCode::End);
        key(&mut app, KeyCode::Char('d'));
        match key(&mut app, KeyCode::Char('y')) {
            Outcome::Call(call) => {
                assert!(matches!(call.action, Action::Undrain));
                assert_eq!(call.host, "d");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn evict_from_the_processes_tab_means_the_process_host() {
        let mut app = testdata::cluster();
        key(&mut app, KeyCode::Char('2'));
        key(&mut app, KeyCode::Char('e'));
        let Some(Overlay::Confirm(call)) = &app.overlay else {
            panic!("no question");
        };
        assert!(matches!(call.action, Action::Evict));
        assert_eq!(call.host, "b");
    }

    #[test]
    fn migrate_says_it_is_not_available_yet_and_kill_asks_first() {
        let mut app = testdata::cluster();
        key(&mut app, KeyCode::Char('m'));
        assert!(app.message.as_ref().unwrap().error);
        key(&mut app, KeyCode::Char('2'));
        key(&mut app, KeyCode::Char('m'));
        let Some(Overlay::Notice(text)) = &app.overlay else {
            panic!("no notice");
        };
        assert!(text.contains("live migration is not available yet"));
        key(&mut app, KeyCode::Esc);
        key(&mut app, KeyCode::Char('K'));
        let Some(Overlay::Confirm(call)) = &app.overlay else {
            panic!("no question");
        };
        assert!(matches!(call.action, Action::Kill(_)));
        assert!(call.question().starts_with("Kill pid "));
    }

    #[test]
    fn details_follow_the_selection() {
        let mut app = testdata::cluster();
        key(&mut app, KeyCode::Enter);
        assert!(matches!(&app.overlay, Some(Overlay::Details(Target::Host(h))) if h == "a"));
        key(&mut app, KeyCode::Down);
        assert!(matches!(&app.overlay, Some(Overlay::Details(Target::Host(h))) if h == "b"));
        key(&mut app, KeyCode::Esc);
        assert!(app.overlay.is_none());
    }

    #[test]
    fn o_plays_the_owner_returning_only_in_the_demo() {
        let mut app = testdata::cluster();
        key(&mut app, KeyCode::Char('j'));
        assert!(matches!(
            key(&mut app, KeyCode::Char('o')),
            Outcome::Ignored
        ));
        app.demo = true;
        match key(&mut app, KeyCode::Char('o')) {
            Outcome::OwnerReturns(host) => assert_eq!(host, "b"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn sort_keys_change_the_order() {
        let mut app = testdata::cluster();
        key(&mut app, KeyCode::Char('s'));
        key(&mut app, KeyCode::Char('S'));
        let (order, reversed) = app.hosts.sort();
        assert_eq!((order.label(), reversed), ("state", true));
    }
}
