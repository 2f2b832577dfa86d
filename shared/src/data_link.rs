//! Data links: a job's bulk stdout travels from the remote migd to its home over a plain TCP
//! connection of its own, moved with splice(2) at both ends, beside the gRPC call that carries
//! everything else. A link is opened by the home on the remote migd's usual port and starts with
//! a hello — [`MAGIC`], then a big-endian `u32` length and a signed credential for the job — so
//! the remote side can tell it from HTTP/2 (which starts with `PRI `) and authenticate it.

use std::io::{self, Read, Write};

/// The first bytes of a data link.
pub const MAGIC: &[u8; 8] = b"ROAMDATA";
/// Longest credential a hello may carry.
pub const MAX_CREDENTIAL: usize = 4096;

/// Writes the hello for a link carrying the job whose credential is `credential`.
pub fn write_hello(mut to: impl Write, credential: &[u8]) -> io::Result<()> {
    let mut hello = Vec::with_capacity(MAGIC.len() + 4 + credential.len());
    hello.extend_from_slice(MAGIC);
    hello.extend_from_slice(&(credential.len() as u32).to_be_bytes());
    hello.extend_from_slice(credential);
    to.write_all(&hello)
}

/// Reads a hello (magic included); returns the credential bytes.
pub fn read_hello(mut from: impl Read) -> io::Result<Vec<u8>> {
    let mut head = [0u8; 12];
    from.read_exact(&mut head)?;
    if &head[..8] != MAGIC {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "not a data link",
        ));
    }
    let len = u32::from_be_bytes([head[8], head[9], head[10], head[11]]) as usize;
    if len > MAX_CREDENTIAL {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "data link credential too long",
        ));
    }
    let mut credential = vec![0u8; len];
    from.read_exact(&mut credential)?;
    Ok(credential)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hellos_round_trip_and_garbage_is_refused() {
        let mut wire = Vec::new();
        write_hello(&mut wire, b"credential").unwrap();
        assert_eq!(read_hello(wire.as_slice()).unwrap(), b"credential");
        assert!(read_hello(&b"PRI * HTTP/2.0\r\n"[..]).is_err());
        let mut huge = MAGIC.to_vec();
        huge.extend_from_slice(&u32::MAX.to_be_bytes());
        assert!(read_hello(huge.as_slice()).is_err());
    }
}
