//! The generated protocol types and services (`shared/proto/roam.proto`).
#![allow(missing_docs, clippy::all)]

tonic::include_proto!("roam.v1");

/// The metadata key that carries a [`SignedCredential`] on `Remote` calls.
pub const CREDENTIAL_METADATA_KEY: &str = "roam-credential-bin";

impl JobSpec {
    /// The command line as one string, for tables and logs (lossy for non-UTF-8 arguments).
    pub fn command_line(&self) -> String {
        self.argv
            .iter()
            .map(|a| String::from_utf8_lossy(a))
            .collect::<Vec<_>>()
            .join(" ")
    }
}
