//! Data links: a job's bulk stdout travels from the remote migd to its home over a plain TCP
//! connection of its own, moved with splice(2) at both ends, beside the gRPC call that carries
//! everything else. A link is opened by the home on the remote migd's usual port and starts with
//! a hello — [`MAGIC`], then a big-endian `u32` length and a signed credential for the job — so
//! the remote side can tell it from HTTP/2 (which starts with `PRI `) and authenticate it.

use std::io;

/// The first bytes of a data link.
pub const MAGIC: &[u8; 8] = b"ROAMDATA";
/// Length of the hello's fixed head: magic and credential length.
pub const HEAD_LEN: usize = 12;
/// Longest credential a hello may carry.
pub const MAX_CREDENTIAL: usize = 4096;

/// The hello for a link carrying the job whose credential is `credential`.
pub fn hello(credential: &[u8]) -> Vec<u8> {
    let mut hello = Vec::with_capacity(HEAD_LEN + credential.len());
    hello.extend_from_slice(MAGIC);
    hello.extend_from_slice(&(credential.len() as u32).to_be_bytes());
    hello.extend_from_slice(credential);
    hello
}

/// Checks a hello's head; returns the length of the credential that follows.
pub fn credential_len(head: &[u8; HEAD_LEN]) -> io::Result<usize> {
    let invalid = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_owned());
    if &head[..MAGIC.len()] != MAGIC {
        return Err(invalid("not a data link"));
    }
    let len = u32::from_be_bytes([head[8], head[9], head[10], head[11]]) as usize;
    if len > MAX_CREDENTIAL {
        return Err(invalid("data link credential too long"));
    }
    Ok(len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hellos_parse_and_garbage_is_refused() {
        let wire = hello(b"credential");
        let head: [u8; HEAD_LEN] = wire[..HEAD_LEN].try_into().unwrap();
        assert_eq!(credential_len(&head).unwrap(), 10);
        assert_eq!(&wire[HEAD_LEN..], b"credential");
        assert!(credential_len(b"PRI * HTTP/2").is_err());
        let mut huge = *b"ROAMDATA\0\0\0\0";
        huge[8..].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(credential_len(&huge).is_err());
    }
}
