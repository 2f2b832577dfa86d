//! The console's model of the cluster, built from migserver's replies and watch stream, and the
//! user's place in it (tab, selection, filter, open window). Nothing here draws or does I/O:
//! the feed turns the network into [`Update`]s, the keys turn input into calls on [`App`], and
//! the view reads it.

mod events;
mod hosts;
mod link;
mod listing;
mod overlay;
mod processes;
mod table;
mod timing;

pub use events::{CAPACITY as EVENT_CAPACITY, Event, EventLog};
pub use hosts::{Host, HostTable, word};
pub use link::Link;
pub use listing::Listing;
pub use overlay::{AdminCall, Overlay, Target};
pub use processes::{Process, ProcessTable};

use roam_shared::proto::{ClusterEvent, HostInfo, HostProcess};

use crate::totals;
use crate::users::Users;

/// The console's tabs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Tab {
    /// The hosts.
    #[default]
    Hosts,
    /// The foreign processes.
    Processes,
    /// The event log.
    Events,
}

impl Tab {
    /// All tabs, in order.
    pub const ALL: [Tab; 3] = [Tab::Hosts, Tab::Processes, Tab::Events];

    /// Its title.
    pub fn title(self) -> &'static str {
        match self {
            Tab::Hosts => "Hosts",
            Tab::Processes => "Processes",
            Tab::Events => "Events",
        }
    }

    /// The tab after this one, wrapping around.
    pub fn next(self) -> Tab {
        match self {
            Tab::Hosts => Tab::Processes,
            Tab::Processes => Tab::Events,
            Tab::Events => Tab::Hosts,
        }
    }

    /// The tab before this one, wrapping around.
    pub fn previous(self) -> Tab {
        self.next().next()
    }
}

/// What the feed tells the console.
#[derive(Debug, Clone)]
pub enum Update {
    /// Connected (again): migserver sends its event history first.
    Connected,
    /// migserver cannot be reached; the next attempt is at `retry_at_ms`.
    Unreachable {
        /// What went wrong.
        reason: String,
        /// When the next attempt starts, Unix ms.
        retry_at_ms: i64,
    },
    /// A ListHosts reply.
    Hosts(Vec<HostInfo>),
    /// A ListProcesses reply.
    Processes(Vec<HostProcess>),
    /// An event from the watch stream.
    Event(ClusterEvent),
    /// How an admin call ended: migserver's message, or why it failed.
    Done(Result<String, String>),
}

/// A line for the status bar.
#[derive(Debug, Clone)]
pub struct Message {
    /// What it says.
    pub text: String,
    /// Whether it reports a failure.
    pub error: bool,
    /// When it was set, Unix ms (it fades after a while).
    pub at_ms: i64,
}

/// The whole console state.
#[derive(Debug, Default)]
pub struct App {
    /// The tab showing.
    pub tab: Tab,
    /// The hosts.
    pub hosts: HostTable,
    /// The foreign processes.
    pub processes: ProcessTable,
    /// The event log.
    pub events: EventLog,
    /// The connection.
    pub link: Link,
    /// The window open over the tables.
    pub overlay: Option<Overlay>,
    /// Whether keys are typing the current tab's filter.
    pub editing_filter: bool,
    /// The status bar's message.
    pub message: Option<Message>,
    /// migserver's address, for the title.
    pub server: String,
    /// Distinct requesters in recent lease events (as of the last [`App::prepare`]).
    pub requesters: usize,
    /// In `roam demo`: `o` plays the owner of the selected host coming back.
    pub demo: bool,
    users: Users,
}

impl App {
    /// A console for the migserver at `server`, before any contact.
    pub fn new(server: String) -> App {
        App {
            server,
            ..App::default()
        }
    }

    /// Applies an update; false when nothing visible changed.
    pub fn apply(&mut self, update: Update, now_ms: i64) -> bool {
        match update {
            Update::Connected => {
                self.link = Link::Up;
                self.events.clear();
                true
            }
            Update::Unreachable {
                reason,
                retry_at_ms,
            } => {
                self.link = Link::Down {
                    reason,
                    retry_at_ms,
                };
                true
            }
            Update::Hosts(hosts) => self.hosts.replace(hosts),
            Update::Processes(processes) => self.processes.replace(processes, &mut self.users),
            Update::Event(event) => self.events.push(event, &mut self.users),
            Update::Done(result) => {
                let (text, error) = match result {
                    Ok(text) => (text, false),
                    Err(text) => (text, true),
                };
                self.say(text, error, now_ms);
                true
            }
        }
    }

    /// Brings every listing up to date; call before drawing and before handling a key.
    pub fn prepare(&mut self, now_ms: i64) {
        self.hosts.prepare();
        self.processes.prepare();
        self.events.prepare();
        self.requesters =
            totals::requesters(self.events.rows().iter().rev().map(|e| &e.event), now_ms);
    }

    /// Sets how many table rows fit on screen.
    pub fn set_body_rows(&mut self, rows: usize) {
        self.hosts.listing.set_height(rows);
        self.processes.listing.set_height(rows);
        self.events.listing.set_height(rows);
    }

    /// Puts `text` in the status bar.
    pub fn say(&mut self, text: String, error: bool, now_ms: i64) {
        self.message = Some(Message {
            text,
            error,
            at_ms: now_ms,
        });
    }

    /// The current tab's listing.
    pub fn listing(&self) -> &Listing {
        match self.tab {
            Tab::Hosts => &self.hosts.listing,
            Tab::Processes => &self.processes.listing,
            Tab::Events => &self.events.listing,
        }
    }

    /// The current tab's listing, to move in or to filter (then call [`App::refilter`]).
    pub fn listing_mut(&mut self) -> &mut Listing {
        match self.tab {
            Tab::Hosts => &mut self.hosts.listing,
            Tab::Processes => &mut self.processes.listing,
            Tab::Events => &mut self.events.listing,
        }
    }

    /// Sets the current tab's filter.
    pub fn set_filter(&mut self, filter: String) {
        self.listing_mut().set_filter(filter);
        match self.tab {
            Tab::Hosts => self.hosts.mark_dirty(),
            Tab::Processes => self.processes.mark_dirty(),
            Tab::Events => self.events.mark_dirty(),
        }
    }

    /// Switches the current tab to its next order.
    pub fn next_sort(&mut self) {
        match self.tab {
            Tab::Hosts => self.hosts.next_sort(),
            Tab::Processes => self.processes.next_sort(),
            Tab::Events => self.events.next_order(),
        }
    }

    /// Reverses the current tab's order.
    pub fn reverse_sort(&mut self) {
        match self.tab {
            Tab::Hosts => self.hosts.reverse(),
            Tab::Processes => self.processes.reverse(),
            Tab::Events => self.events.next_order(),
        }
    }

    /// The current tab's selected row.
    pub fn selected(&self) -> Option<Target> {
        match self.tab {
            Tab::Hosts => self
                .hosts
                .selected()
                .map(|h| Target::Host(h.info.name.clone())),
            Tab::Processes => self
                .processes
                .selected()
                .map(|p| Target::Process(p.process.job_id.clone())),
            Tab::Events => self.events.selected().map(|e| Target::Event(e.event.seq)),
        }
    }

    /// The host the current selection is about: the host itself, where a process runs, or
    /// where an event happened.
    pub fn selected_host(&self) -> Option<&Host> {
        match self.tab {
            Tab::Hosts => self.hosts.selected(),
            Tab::Processes => self.hosts.get(&self.processes.selected()?.host),
            Tab::Events => self.hosts.get(&self.events.selected()?.event.host),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use roam_shared::proto::cluster_event::Kind;

    #[test]
    fn updates_change_the_link_and_reconnecting_reloads_the_history() {
        let mut app = App::new("127.0.0.1:1".into());
        assert_eq!(app.link, Link::Connecting);
        let event = |seq| {
            Update::Event(ClusterEvent {
                seq,
                kind: Kind::HostUp as i32,
                host: "a".into(),
                ..ClusterEvent::default()
            })
        };
        assert!(app.apply(Update::Connected, 0));
        assert!(app.apply(event(1), 0));
        assert!(app.apply(event(2), 0));
        assert!(app.apply(
            Update::Unreachable {
                reason: "refused".into(),
                retry_at_ms: 500
            },
            0
        ));
        assert!(matches!(
            app.link,
            Link::Down {
                retry_at_ms: 500,
                ..
            }
        ));
        app.apply(Update::Connected, 0);
        assert!(app.apply(event(1), 0));
        app.prepare(0);
        assert_eq!(app.events.rows().len(), 1);
    }

    #[test]
    fn a_finished_admin_call_shows_in_the_status_bar() {
        let mut app = App::default();
        app.apply(Update::Done(Err("not allowed".into())), 7);
        let m = app.message.unwrap();
        assert_eq!(
            (m.text.as_str(), m.error, m.at_ms),
            ("not allowed", true, 7)
        );
    }

    #[test]
    fn tabs_wrap_both_ways() {
        assert_eq!(Tab::Events.next(), Tab::Hosts);
        assert_eq!(Tab::Hosts.previous(), Tab::Events);
    }
}
