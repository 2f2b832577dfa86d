//! Evictions: when the owner returns (at once, rate-limited while input goes on) and when
//! migserver commands them.

use std::sync::Arc;
use std::time::Duration;

use roam_shared::proto::host_command::Kind as Command;
use tokio::sync::Notify;

use crate::migd_link::MigdLink;

/// The reason foreign jobs hear when the owner returns.
pub const OWNER_RETURNED: &str = "owner returned";
/// The reason for jobs whose leases migserver revoked.
pub const LEASE_REVOKED: &str = "lease revoked for fair share";
/// The reason for an administrator's eviction.
pub const ADMIN_EVICTION: &str = "evicted by an administrator";

/// While input goes on, migd is asked again at most this often.
pub const RECHECK: Duration = Duration::from_millis(250);

/// Evicts every foreign job the instant input arrives, for as long as loadavgd runs.
///
/// The first input after a quiet spell evicts at once, without asking first (an eviction with
/// nothing to evict costs migd nothing). At most one call is in flight. While input goes on,
/// every [`RECHECK`] migd is asked whether a foreign job that is not being evicted is still
/// there (one that started in the meantime), and only then asked to evict again.
pub async fn on_owner_return(trigger: Arc<Notify>, migd: Arc<MigdLink>) {
    loop {
        trigger.notified().await;
        evict_all(&migd).await;
        loop {
            tokio::time::sleep(RECHECK).await;
            if !take_stored(&trigger) {
                break;
            }
            match migd.foreign_jobs().await {
                Ok(jobs) if jobs.iter().any(|j| !j.evicting) => evict_all(&migd).await,
                _ => {}
            }
        }
    }
}

async fn evict_all(migd: &MigdLink) {
    match migd.evict(&[], OWNER_RETURNED).await {
        Ok(jobs) if !jobs.is_empty() => {
            tracing::info!(jobs = %jobs.join(" "), "owner returned: evicting foreign jobs");
        }
        Ok(_) => {}
        Err(e) => tracing::debug!("owner returned, but {e}"),
    }
}

/// Consumes the wake-up stored in `trigger`, if input stored one.
fn take_stored(trigger: &Notify) -> bool {
    let notified = std::pin::pin!(trigger.notified());
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    notified.poll(&mut cx).is_ready()
}

/// Carries out a command from migserver.
pub async fn on_command(command: Command, migd: &MigdLink) {
    let (lease_ids, reason) = match command {
        // An empty list would mean "everything" to migd; a revocation of nothing is nothing.
        Command::Revoke(revoke) if revoke.lease_ids.is_empty() => return,
        Command::Revoke(revoke) => (revoke.lease_ids, LEASE_REVOKED),
        Command::EvictAll(_) => (Vec::new(), ADMIN_EVICTION),
    };
    match migd.evict(&lease_ids, reason).await {
        Ok(jobs) => tracing::info!(
            leases = %lease_ids.join(" "),
            jobs = %jobs.join(" "),
            "migserver: {reason}"
        ),
        Err(e) => tracing::warn!("migserver asked to evict ({reason}), but {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_wake_up_is_taken_once() {
        let trigger = Notify::new();
        assert!(!take_stored(&trigger));
        trigger.notify_one();
        trigger.notify_one();
        assert!(take_stored(&trigger));
        assert!(!take_stored(&trigger));
    }
}
