//! The state of the connection to migserver, as the console shows it.

/// Whether the console hears from migserver.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Link {
    /// The first connection is being made.
    #[default]
    Connecting,
    /// Connected: the data is live.
    Up,
    /// Unreachable: the data shown is as of the last contact.
    Down {
        /// What went wrong.
        reason: String,
        /// When the next attempt starts, Unix ms.
        retry_at_ms: i64,
    },
}
