//! Authentication of TCP services (migd's remote API, migserver): every call must carry a valid,
//! unexpired, unreplayed cluster-key credential. Applied once, as an interceptor, before any
//! handler runs; handlers find the verified [`Credential`] in the request's extensions. Clients
//! attach one with [`attach`].

use std::sync::Arc;

use tonic::metadata::MetadataValue;
use tonic::{Request, Status};

use crate::credential::{ClusterKey, ReplayGuard};
use crate::proto::{CREDENTIAL_METADATA_KEY, Credential};

/// Whether `cred` is an administrator's: uid 0, or a member of `admin_group` (a group that does
/// not exist admits only root).
pub fn is_admin(cred: &Credential, admin_group: &str) -> bool {
    if cred.uid == 0 {
        return true;
    }
    let gid = match nix::unistd::Group::from_name(admin_group) {
        Ok(group) => group.map(|g| g.gid.as_raw()),
        Err(e) => {
            tracing::warn!("cannot look up admin group {admin_group:?}: {e}");
            None
        }
    };
    gid.is_some_and(|gid| cred.gids.contains(&gid))
}

/// Puts signed credential bytes (from [`ClusterKey::sign`]) on an outgoing request.
pub fn attach<T>(request: &mut Request<T>, credential: &[u8]) {
    request.metadata_mut().insert_bin(
        CREDENTIAL_METADATA_KEY,
        MetadataValue::from_bytes(credential),
    );
}

/// The verified credential of a request that passed [`CredentialCheck`].
pub fn credential_of<T>(request: &Request<T>) -> Result<&Credential, Status> {
    request
        .extensions()
        .get::<Credential>()
        .ok_or_else(|| Status::unauthenticated("no verified credential"))
}

/// The interceptor.
#[derive(Clone)]
pub struct CredentialCheck {
    key: ClusterKey,
    replays: Arc<ReplayGuard>,
}

impl CredentialCheck {
    /// Checks credentials signed with `key`, each admitted once by `replays`.
    pub fn new(key: ClusterKey, replays: Arc<ReplayGuard>) -> Self {
        CredentialCheck { key, replays }
    }

    fn verify(&self, request: &Request<()>) -> Result<Credential, Status> {
        let wire = request
            .metadata()
            .get_bin(CREDENTIAL_METADATA_KEY)
            .ok_or_else(|| Status::unauthenticated("no credential"))?
            .to_bytes()
            .map_err(|_| Status::unauthenticated("malformed credential"))?;
        let cred = self
            .key
            .verify(&wire)
            .map_err(|e| Status::unauthenticated(e.to_string()))?;
        self.replays
            .admit(&cred)
            .map_err(|e| Status::unauthenticated(e.to_string()))?;
        Ok(cred)
    }
}

impl tonic::service::Interceptor for CredentialCheck {
    fn call(&mut self, mut request: Request<()>) -> Result<Request<()>, Status> {
        match self.verify(&request) {
            Ok(cred) => {
                request.extensions_mut().insert(cred);
                Ok(request)
            }
            Err(status) => {
                let from = request
                    .remote_addr()
                    .map_or_else(|| "?".to_owned(), |a| a.to_string());
                tracing::warn!(%from, "refused a remote call: {}", status.message());
                Err(status)
            }
        }
    }
}
