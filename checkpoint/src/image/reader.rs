//! Reads records from a source, verifying each record's CRC-32 before handing out a byte.

use std::io::{self, Read};

use super::format::{EndImage, Kind, MAGIC, MAX_RECORD, VERSION};
use crate::error::{Error, Result};

/// Reads an image record by record into one reused buffer.
#[derive(Debug)]
pub struct ImageReader<R: Read> {
    source: R,
    buf: Vec<u8>,
    records: u64,
    page_bytes: u64,
}

fn bad(e: io::Error) -> Error {
    if e.kind() == io::ErrorKind::UnexpectedEof {
        Error::BadImage("it is truncated".into())
    } else {
        Error::BadImage(format!("reading it failed: {e}"))
    }
}

impl<R: Read> ImageReader<R> {
    /// Checks the magic and version.
    pub fn new(mut source: R) -> Result<Self> {
        let mut head = [0u8; 12];
        source.read_exact(&mut head).map_err(bad)?;
        if head[..8] != MAGIC {
            return Err(Error::BadImage("it is not a Roam checkpoint image".into()));
        }
        let version = u32::from_le_bytes(head[8..].try_into().expect("4 bytes"));
        if version != VERSION {
            return Err(Error::BadImage(format!(
                "it has format version {version}, this engine reads version {VERSION}"
            )));
        }
        Ok(ImageReader {
            source,
            buf: Vec::new(),
            records: 0,
            page_bytes: 0,
        })
    }

    /// The next record, checksum verified. After the `End` record was returned, its counts have
    /// also been checked against what was read.
    pub fn next_record(&mut self) -> Result<(Kind, &[u8])> {
        let mut head = [0u8; 8];
        self.source.read_exact(&mut head).map_err(bad)?;
        let kind_raw = u32::from_le_bytes(head[..4].try_into().expect("4 bytes"));
        let len = u32::from_le_bytes(head[4..].try_into().expect("4 bytes")) as usize;
        if len > MAX_RECORD {
            return Err(Error::BadImage(format!(
                "a record claims {len} bytes (corrupt length)"
            )));
        }
        self.buf.resize(len + 4, 0);
        self.source.read_exact(&mut self.buf).map_err(bad)?;
        let mut crc = crc32fast::Hasher::new();
        crc.update(&head);
        crc.update(&self.buf[..len]);
        let want = u32::from_le_bytes(self.buf[len..].try_into().expect("4 bytes"));
        if crc.finalize() != want {
            return Err(Error::BadImage(format!(
                "record {} fails its checksum",
                self.records
            )));
        }
        let kind = Kind::from_u32(kind_raw)
            .ok_or_else(|| Error::BadImage(format!("unknown record kind {kind_raw}")))?;
        let payload = &self.buf[..len];
        match kind {
            Kind::Pages => {
                if len < 8 || !(len - 8).is_multiple_of(4096) {
                    return Err(Error::BadImage("a memory record is not whole pages".into()));
                }
                self.page_bytes += (len - 8) as u64;
            }
            Kind::End => {
                let end = EndImage::decode(payload)?;
                if end.records != self.records || end.page_bytes != self.page_bytes {
                    return Err(Error::BadImage(format!(
                        "the end marker counts {} records and {} memory bytes, the image had {} and {}",
                        end.records, end.page_bytes, self.records, self.page_bytes
                    )));
                }
            }
            _ => {}
        }
        self.records += 1;
        Ok((kind, payload))
    }
}

/// Splits a `Pages` payload into its address and data.
pub fn split_pages(payload: &[u8]) -> (u64, &[u8]) {
    let (a, d) = payload.split_at(8);
    (u64::from_le_bytes(a.try_into().expect("8 bytes")), d)
}
