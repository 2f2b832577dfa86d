//! Cluster-key credentials (MUNGE is the model): a [`Credential`] body — uid, gids, home host,
//! job id, expiry, nonce — authenticated with HMAC-SHA256 under the cluster key. A receiver
//! accepts a credential only when the MAC matches, it has not expired, and its nonce has not been
//! seen before ([`ReplayGuard`]).

use std::collections::{HashSet, VecDeque};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use hmac::{Hmac, Mac};
use prost::Message;
use rand::RngCore;
use sha2::Sha256;

use crate::ids::unix_ms_now;
use crate::proto::{Credential, SignedCredential};

/// How long a fresh credential stays valid. Short: it only has to reach the next host.
pub const LIFETIME: Duration = Duration::from_secs(30);
/// How far a credential's expiry may lie beyond `now + LIFETIME` (clock skew between hosts).
const MAX_SKEW_MS: i64 = 30_000;
const KEY_LEN: usize = 32;

/// Why a credential or key was refused.
#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    /// The key file could not be read or written.
    #[error("cluster key {path}: {cause}")]
    KeyIo {
        /// The key file.
        path: PathBuf,
        /// Why.
        // Not `source`: the message already says it, and `{:#}` would say it twice.
        cause: std::io::Error,
    },
    /// The key file does not hold a key.
    #[error(
        "cluster key {path}: not a Roam key (expected {KEY_LEN} bytes in hex; make one with `migd keygen`)"
    )]
    KeyFormat {
        /// The key file.
        path: PathBuf,
    },
    /// The credential could not be decoded.
    #[error("malformed credential")]
    Malformed,
    /// The MAC does not match: wrong cluster key or tampered content.
    #[error("credential signature does not match (tampered, or signed with another cluster key)")]
    BadSignature,
    /// The credential's lifetime is over.
    #[error("credential expired")]
    Expired,
    /// The credential claims to live implausibly long.
    #[error("credential expiry lies too far in the future (clocks out of step?)")]
    FromTheFuture,
    /// The nonce was seen before.
    #[error("credential replayed")]
    Replayed,
}

/// The shared secret every host of a cluster holds.
#[derive(Clone)]
pub struct ClusterKey([u8; KEY_LEN]);

impl std::fmt::Debug for ClusterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClusterKey(..)")
    }
}

impl ClusterKey {
    /// A fresh random key.
    pub fn generate() -> Self {
        let mut key = [0u8; KEY_LEN];
        rand::rng().fill_bytes(&mut key);
        ClusterKey(key)
    }

    /// Writes the key as hex to a new file at `path` with mode 0600; refuses to overwrite.
    pub fn write_new(&self, path: &Path) -> Result<(), CredentialError> {
        let io = |cause| CredentialError::KeyIo {
            path: path.to_owned(),
            cause,
        };
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
            .map_err(io)?;
        writeln!(file, "{}", hex::encode(self.0)).map_err(io)?;
        file.sync_all().map_err(io)
    }

    /// Reads a key written by [`ClusterKey::write_new`].
    pub fn load(path: &Path) -> Result<Self, CredentialError> {
        let text = std::fs::read_to_string(path).map_err(|cause| CredentialError::KeyIo {
            path: path.to_owned(),
            cause,
        })?;
        let bytes = hex::decode(text.trim()).map_err(|_| CredentialError::KeyFormat {
            path: path.to_owned(),
        })?;
        let key = bytes.try_into().map_err(|_| CredentialError::KeyFormat {
            path: path.to_owned(),
        })?;
        Ok(ClusterKey(key))
    }

    fn mac(&self) -> Hmac<Sha256> {
        Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes keys of any length")
    }

    /// Signs a credential for `uid`/`gids` on behalf of home host `home` and job `job_id`, valid
    /// for [`LIFETIME`], with a fresh nonce. Returns the wire bytes.
    pub fn sign(&self, uid: u32, gids: Vec<u32>, home: &str, job_id: &str) -> Vec<u8> {
        let mut nonce = vec![0u8; 16];
        rand::rng().fill_bytes(&mut nonce);
        let body = Credential {
            uid,
            gids,
            home: home.to_owned(),
            job_id: job_id.to_owned(),
            expires_unix_ms: unix_ms_now() + LIFETIME.as_millis() as i64,
            nonce,
        }
        .encode_to_vec();
        self.seal(body)
    }

    /// MACs already-encoded credential bytes (also used by tests to forge variants).
    pub fn seal(&self, body: Vec<u8>) -> Vec<u8> {
        let mut mac = self.mac();
        mac.update(&body);
        let mac = mac.finalize().into_bytes().to_vec();
        SignedCredential { body, mac }.encode_to_vec()
    }

    /// Checks signature and expiry of wire bytes and returns the credential. Replay is checked
    /// separately by [`ReplayGuard::admit`], which needs shared state.
    pub fn verify(&self, wire: &[u8]) -> Result<Credential, CredentialError> {
        let signed = SignedCredential::decode(wire).map_err(|_| CredentialError::Malformed)?;
        let mut mac = self.mac();
        mac.update(&signed.body);
        mac.verify_slice(&signed.mac)
            .map_err(|_| CredentialError::BadSignature)?;
        let cred =
            Credential::decode(signed.body.as_slice()).map_err(|_| CredentialError::Malformed)?;
        let now = unix_ms_now();
        if cred.expires_unix_ms <= now {
            return Err(CredentialError::Expired);
        }
        if cred.expires_unix_ms > now + LIFETIME.as_millis() as i64 + MAX_SKEW_MS {
            return Err(CredentialError::FromTheFuture);
        }
        if cred.nonce.len() < 16 {
            return Err(CredentialError::Malformed);
        }
        Ok(cred)
    }
}

/// Remembers the nonces of unexpired credentials, so that each credential is accepted once.
#[derive(Default)]
pub struct ReplayGuard {
    seen: Mutex<Seen>,
}

/// The nonces, and the same in admission order so that expired ones are forgotten a few at a
/// time (expiries follow admission order closely: every credential lives [`LIFETIME`]).
#[derive(Default)]
struct Seen {
    nonces: HashSet<Vec<u8>>,
    order: VecDeque<(i64, Vec<u8>)>,
}

impl ReplayGuard {
    /// Admits a verified credential once; a second presentation is [`CredentialError::Replayed`].
    pub fn admit(&self, cred: &Credential) -> Result<(), CredentialError> {
        let now = unix_ms_now();
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        // Expired credentials are refused by `verify`, so their nonces can be forgotten.
        while let Some((expires, _)) = seen.order.front()
            && *expires <= now
        {
            let (_, nonce) = seen.order.pop_front().expect("checked");
            seen.nonces.remove(&nonce);
        }
        if seen.nonces.contains(&cred.nonce) {
            return Err(CredentialError::Replayed);
        }
        seen.nonces.insert(cred.nonce.clone());
        seen.order
            .push_back((cred.expires_unix_ms, cred.nonce.clone()));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_credentials_verify_once() {
        let key = ClusterKey::generate();
        let wire = key.sign(1000, vec![1000, 27], "a", "a.1");
        let cred = key.verify(&wire).unwrap();
        assert_eq!((cred.uid, cred.gids.as_slice()), (1000, &[1000, 27][..]));
        let guard = ReplayGuard::default();
        guard.admit(&cred).unwrap();
        assert!(matches!(guard.admit(&cred), Err(CredentialError::Replayed)));
    }

    #[test]
    fn tampering_and_wrong_keys_are_refused() {
        let key = ClusterKey::generate();
        let wire = key.sign(1000, vec![], "a", "a.1");
        let mut signed = SignedCredential::decode(wire.as_slice()).unwrap();
        let mut cred = Credential::decode(signed.body.as_slice()).unwrap();
        cred.uid = 0;
        signed.body = cred.encode_to_vec();
        let forged = signed.encode_to_vec();
        assert!(matches!(
            key.verify(&forged),
            Err(CredentialError::BadSignature)
        ));
        let other = ClusterKey::generate();
        assert!(matches!(
            other.verify(&wire),
            Err(CredentialError::BadSignature)
        ));
        assert!(matches!(
            key.verify(b"garbage"),
            Err(CredentialError::Malformed)
        ));
    }

    #[test]
    fn expired_credentials_are_refused() {
        let key = ClusterKey::generate();
        let body = Credential {
            uid: 1,
            expires_unix_ms: unix_ms_now() - 1,
            nonce: vec![7; 16],
            ..Default::default()
        };
        let wire = key.seal(body.encode_to_vec());
        assert!(matches!(key.verify(&wire), Err(CredentialError::Expired)));
    }

    #[test]
    fn keys_round_trip_through_a_0600_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cluster.key");
        let key = ClusterKey::generate();
        key.write_new(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let again = ClusterKey::load(&path).unwrap();
        let wire = key.sign(5, vec![], "a", "j");
        again.verify(&wire).unwrap();
        assert!(key.write_new(&path).is_err(), "must not overwrite a key");
    }
}
