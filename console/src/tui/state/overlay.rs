//! What can open over the tables: help, the details of one row, a y/n question before an admin
//! call, or a notice.

use crate::admin::Action;

/// A window over the tables; keys go to it until it closes.
#[derive(Debug, Clone)]
pub enum Overlay {
    /// The keys.
    Help,
    /// Everything about one row.
    Details(Target),
    /// An admin call waiting for y or n.
    Confirm(AdminCall),
    /// Something the user should read (an action that is not available yet, say).
    Notice(String),
}

/// The row a details window shows, by key so that it stays on it as tables change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A host, by name.
    Host(String),
    /// A foreign process, by job id.
    Process(String),
    /// An event, by sequence number.
    Event(u64),
}

/// A call to migserver the user asked for.
#[derive(Debug, Clone)]
pub struct AdminCall {
    /// What to do.
    pub action: Action,
    /// To which host.
    pub host: String,
    /// How many foreign processes run there, for the question.
    pub foreign: usize,
}

impl AdminCall {
    /// The y/n question.
    pub fn question(&self) -> String {
        match self.action {
            Action::Evict => format!(
                "Evict the {} foreign processes on {} and revoke its leases?",
                self.foreign, self.host
            ),
            Action::Drain => format!(
                "Drain {}: no new leases there (its {} foreign processes run on)?",
                self.host, self.foreign
            ),
            Action::Undrain => format!("Undrain {}: lease it again?", self.host),
            Action::Kill(pid) => format!(
                "Kill pid {pid} on {}, with every process of its job (its home sees SIGKILL)?",
                self.host
            ),
        }
    }

    /// What the status line says while migserver works on it.
    pub fn progress(&self) -> String {
        let verb = match self.action {
            Action::Evict => "evicting",
            Action::Drain => "draining",
            Action::Undrain => "undraining",
            Action::Kill(pid) => return format!("killing pid {pid} on {}…", self.host),
        };
        format!("{verb} {}…", self.host)
    }
}
