//! The admin commands that change the cluster: `roam drain`, `roam undrain`, `roam evict`
//! (migserver checks that the caller is root or in the admin group) and `roam kill` (the host's
//! migd allows it to the process's owner too).

use roam_shared::config::Config;
use roam_shared::proto::HostRef;
use serde::Serialize;

use crate::server::{Server, block_on, refused};

/// An admin action on one host.
#[derive(Debug, Clone, Copy)]
pub enum Action {
    /// No new leases on the host.
    Drain,
    /// Lease the host again.
    Undrain,
    /// Send its foreign processes away now.
    Evict,
    /// End the foreign process with this pid there.
    Kill(u32),
}

impl Action {
    /// Its name, as the command line spells it.
    pub fn verb(self) -> &'static str {
        match self {
            Action::Drain => "drain",
            Action::Undrain => "undrain",
            Action::Evict => "evict",
            Action::Kill(_) => "kill",
        }
    }
}

/// Performs `action` on `host`; returns what was done, in words.
pub async fn perform(server: &mut Server, action: Action, host: &str) -> anyhow::Result<String> {
    if let Action::Kill(pid) = action {
        return crate::kill::kill(server, host, pid).await;
    }
    let request = server
        .signed(HostRef {
            host: host.to_owned(),
        })
        .await?;
    let client = server.client();
    let reply = match action {
        Action::Drain => client.drain(request).await,
        Action::Undrain => client.undrain(request).await,
        Action::Evict => client.evict(request).await,
        Action::Kill(_) => unreachable!("answered above, by the host's migd"),
    };
    Ok(reply.map_err(refused)?.into_inner().message)
}

/// What `--json` prints: the host, the action and what migserver says it did.
#[derive(Debug, Serialize)]
struct Done<'a> {
    host: &'a str,
    action: &'static str,
    message: String,
}

/// Performs `action` on `host` and prints what migserver says it did (as JSON with `json`).
pub fn run(config: &Config, action: Action, host: &str, json: bool) -> anyhow::Result<()> {
    let message = block_on(async {
        let mut server = Server::connect(config).await?;
        perform(&mut server, action, host).await
    })?;
    if json {
        let done = Done {
            host,
            action: action.verb(),
            message,
        };
        println!("{}", serde_json::to_string(&done)?);
    } else {
        println!("{message}");
    }
    Ok(())
}
