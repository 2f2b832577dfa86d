//! What migserver takes from the config file.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use roam_shared::config::Config;

use crate::error::Error;

/// migserver's settings.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Where to listen (`[migserver] addr`).
    pub addr: SocketAddr,
    /// Besides root, who may drain, undrain and evict (`[migserver] admin_group`).
    pub admin_group: String,
    /// How long a lease lives unless renewed (`[migserver] lease_ttl`).
    pub lease_ttl: Duration,
    /// Silence after which a host is down (`[migserver] down_after`).
    pub down_after: Duration,
    /// Where the database lives (`state_dir`).
    pub state_dir: PathBuf,
}

impl Settings {
    /// The settings of `config`, read from `path`; an error if it has no `[migserver]` section.
    pub fn from_config(config: &Config, path: &Path) -> Result<Settings, Error> {
        let section = config
            .migserver
            .as_ref()
            .ok_or_else(|| Error::NotConfigured {
                path: path.to_owned(),
            })?;
        Ok(Settings {
            addr: section.addr,
            admin_group: section.admin_group.clone(),
            lease_ttl: section.lease_ttl,
            down_after: section.down_after,
            state_dir: config.state_dir.clone(),
        })
    }

    /// The database file.
    pub fn database(&self) -> PathBuf {
        self.state_dir.join("migserver.redb")
    }

    /// How often the sweeper looks for expired leases and silent hosts.
    pub fn sweep_every(&self) -> Duration {
        (self.lease_ttl.min(self.down_after) / 10)
            .clamp(Duration::from_millis(5), Duration::from_millis(250))
    }
}
