//! The generated protocol types and services (`shared/proto/roam.proto`).
#![allow(missing_docs, clippy::all)]

tonic::include_proto!("roam.v1");

/// The metadata key that carries a [`SignedCredential`] on `Remote` calls.
pub const CREDENTIAL_METADATA_KEY: &str = "roam-credential-bin";
