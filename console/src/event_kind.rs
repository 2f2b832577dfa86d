//! The names of cluster event kinds, as `roam events` prints them and the TUI shows them.

use roam_shared::proto::cluster_event::Kind;

/// `kind` in snake case: `host_up`, `lease_granted`, `process_evicted`, …
pub fn name(kind: Kind) -> &'static str {
    match kind {
        Kind::Unknown => "unknown",
        Kind::HostUp => "host_up",
        Kind::HostDown => "host_down",
        Kind::HostIdle => "host_idle",
        Kind::HostBusy => "host_busy",
        Kind::HostDrained => "host_drained",
        Kind::HostUndrained => "host_undrained",
        Kind::LeaseGranted => "lease_granted",
        Kind::LeaseRenewed => "lease_renewed",
        Kind::LeaseRevoked => "lease_revoked",
        Kind::LeaseReleased => "lease_released",
        Kind::LeaseExpired => "lease_expired",
        Kind::ProcessStarted => "process_started",
        Kind::ProcessEnded => "process_ended",
        Kind::ProcessEvicted => "process_evicted",
    }
}
