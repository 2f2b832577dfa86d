//! Authentication of the remote API: every call must carry a valid, unexpired, unreplayed
//! cluster-key credential. Applied once, as an interceptor, before any handler runs; handlers find
//! the verified [`Credential`] in the request's extensions.

use std::sync::Arc;

use roam_shared::credential::{ClusterKey, ReplayGuard};
use roam_shared::proto::{CREDENTIAL_METADATA_KEY, Credential};
use tonic::{Request, Status};

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
