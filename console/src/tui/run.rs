//! The event loop: terminal input, updates from the feed and signals change the state; the
//! screen is redrawn when something changed, at most every [`FRAME`].

use std::time::Duration;

use crossterm::event::{Event, EventStream};
use roam_shared::config::Config;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_stream::StreamExt as _;

use super::keys::{self, Outcome};
use super::state::{AdminCall, App, Update};
use super::terminal::Screen;
use super::{feed, view};
use crate::humanize::now_ms;
use crate::server::block_on;

/// The shortest time between two frames.
const FRAME: Duration = Duration::from_millis(50);
/// Ages and idle times on screen move on at least this often.
const CLOCK: Duration = Duration::from_secs(1);

/// In `roam demo`, what the `o` key does: the owner of the named host comes back.
pub type OwnerReturns<'a> = &'a dyn Fn(&str) -> anyhow::Result<()>;

/// Runs the console until the user quits or a signal (TERM, INT, HUP) ends it; with
/// `owner_returns` (the demo), `o` calls it for the selected host.
pub fn run(config: Config, owner_returns: Option<OwnerReturns>) -> anyhow::Result<()> {
    let server = config
        .migserver
        .as_ref()
        .map_or_else(|| "(none configured)".to_owned(), |m| m.addr.to_string());
    block_on(async move {
        let mut screen = Screen::open()?;
        let (update_tx, mut updates) = mpsc::channel(1024);
        let (calls, call_rx) = mpsc::channel(8);
        let mut feed = tokio::spawn(feed::run(config, update_tx, call_rx));
        let mut app = App::new(server);
        app.demo = owner_returns.is_some();
        let result = tokio::select! {
            result = event_loop(&mut screen, app, &mut updates, &calls, owner_returns) => result,
            // The feed runs until the console hangs up; ending sooner means it panicked (the
            // panic hook has already restored the terminal, so the console cannot go on).
            ended = &mut feed => {
                let why = ended.err().map_or_else(|| "it ended".to_owned(), |e| e.to_string());
                Err(anyhow::anyhow!("the connection to migserver stopped: {why}"))
            }
        };
        feed.abort();
        result
    })
}

async fn event_loop(
    screen: &mut Screen,
    mut app: App,
    updates: &mut mpsc::Receiver<Update>,
    calls: &mpsc::Sender<AdminCall>,
    owner_returns: Option<OwnerReturns<'_>>,
) -> anyhow::Result<()> {
    let mut term = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut hangup = signal(SignalKind::hangup())?;
    let mut input = EventStream::new();
    let mut clock = tokio::time::interval(CLOCK);
    let size = screen.terminal.size()?;
    app.set_body_rows(view::body_rows(size.height));
    let mut dirty = true;
    let mut last_frame = Instant::now() - FRAME;
    loop {
        tokio::select! {
            _ = term.recv() => return Ok(()),
            _ = interrupt.recv() => return Ok(()),
            _ = hangup.recv() => return Ok(()),
            event = input.next() => {
                let Some(event) = event else { return Ok(()) };
                let event = event?;
                if let Event::Resize(_, height) = event {
                    app.set_body_rows(view::body_rows(height));
                }
                let now = now_ms();
                app.prepare(now);
                match keys::handle(&mut app, &event, now) {
                    Outcome::Ignored => {}
                    Outcome::Redraw => dirty = true,
                    Outcome::Quit => return Ok(()),
                    Outcome::Call(call) => {
                        if calls.try_send(call).is_err() {
                            app.say("busy with earlier calls; try again".into(), true, now);
                        }
                        dirty = true;
                    }
                    Outcome::OwnerReturns(host) => {
                        let said = owner_returns.map(|returns| returns(&host));
                        match said {
                            Some(Ok(())) => app.say(
                                format!("the owner of {host} is back: its foreign processes leave"),
                                false,
                                now,
                            ),
                            Some(Err(e)) => app.say(format!("{e:#}"), true, now),
                            None => {}
                        }
                        dirty = true;
                    }
                }
            }
            Some(update) = updates.recv() => {
                let now = now_ms();
                dirty |= app.apply(update, now);
                while let Ok(update) = updates.try_recv() {
                    dirty |= app.apply(update, now);
                }
            }
            _ = clock.tick() => dirty = true,
            () = tokio::time::sleep_until(last_frame + FRAME), if dirty => {
                let now = now_ms();
                app.prepare(now);
                screen.terminal.draw(|frame| view::draw(frame, &app, now))?;
                last_frame = Instant::now();
                dirty = false;
            }
        }
    }
}
