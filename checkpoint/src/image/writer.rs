//! Streams records to a sink, each framed with its kind, length and CRC-32.

use std::io::Write;

use super::format::{EndImage, Kind, MAGIC, MAX_RECORD, VERSION};
use crate::error::{Error, Result};

fn record_head(kind: Kind, len: usize) -> Result<[u8; 8]> {
    if len > MAX_RECORD {
        return Err(Error::Sink(std::io::Error::other(format!(
            "a {kind:?} record of {len} bytes exceeds the format's limit of {MAX_RECORD}"
        ))));
    }
    let mut head = [0u8; 8];
    head[..4].copy_from_slice(&(kind as u32).to_le_bytes());
    head[4..].copy_from_slice(&(len as u32).to_le_bytes());
    Ok(head)
}

/// The CRC-32 of a record (kind, length and payload) made of the concatenation of `parts`.
pub fn record_crc(kind: Kind, parts: &[&[u8]]) -> Result<u32> {
    let len: usize = parts.iter().map(|p| p.len()).sum();
    let mut crc = crc32fast::Hasher::new();
    crc.update(&record_head(kind, len)?);
    for p in parts {
        crc.update(p);
    }
    Ok(crc.finalize())
}

/// Writes an image record by record; nothing is buffered beyond one record's header.
#[derive(Debug)]
pub struct ImageWriter<W: Write> {
    sink: W,
    records: u64,
    page_bytes: u64,
    bytes: u64,
}

impl<W: Write> ImageWriter<W> {
    /// Writes the magic and version.
    pub fn new(mut sink: W) -> Result<Self> {
        sink.write_all(&MAGIC).map_err(Error::Sink)?;
        sink.write_all(&VERSION.to_le_bytes())
            .map_err(Error::Sink)?;
        Ok(ImageWriter {
            sink,
            records: 0,
            page_bytes: 0,
            bytes: 12,
        })
    }

    /// Writes one record made of the concatenation of `parts`.
    pub fn record(&mut self, kind: Kind, parts: &[&[u8]]) -> Result<()> {
        let crc = record_crc(kind, parts)?;
        self.record_with_crc(kind, parts, crc)
    }

    /// Writes one record whose CRC was computed with [`record_crc`] (possibly on another
    /// thread, so that checksumming overlaps writing).
    pub fn record_with_crc(&mut self, kind: Kind, parts: &[&[u8]], crc: u32) -> Result<()> {
        let len: usize = parts.iter().map(|p| p.len()).sum();
        self.sink
            .write_all(&record_head(kind, len)?)
            .map_err(Error::Sink)?;
        for p in parts {
            self.sink.write_all(p).map_err(Error::Sink)?;
        }
        self.sink
            .write_all(&crc.to_le_bytes())
            .map_err(Error::Sink)?;
        self.records += 1;
        self.bytes += len as u64 + 12;
        if kind == Kind::Pages {
            self.page_bytes += len.saturating_sub(8) as u64;
        }
        Ok(())
    }

    /// Writes memory at `addr`.
    pub fn pages(&mut self, addr: u64, data: &[u8]) -> Result<()> {
        self.record(Kind::Pages, &[&addr.to_le_bytes(), data])
    }

    /// Writes the end marker and flushes; returns the number of bytes written.
    pub fn finish(mut self) -> Result<u64> {
        let end = EndImage {
            records: self.records,
            page_bytes: self.page_bytes,
        };
        self.record(Kind::End, &[&end.encode()])?;
        self.sink.flush().map_err(Error::Sink)?;
        Ok(self.bytes)
    }

    /// Memory bytes written so far.
    pub fn page_bytes(&self) -> u64 {
        self.page_bytes
    }
}
