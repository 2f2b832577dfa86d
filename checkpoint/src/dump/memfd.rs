//! Memfd descriptors: name, size, seals, mode, owner, offset, and their contents streamed as `FileData`
//! records in chunks, read through a description of the engine's own so the process's file
//! offset stays put.

use std::collections::HashSet;
use std::fs::File;
use std::io::Write;
use std::os::unix::fs::{FileExt, MetadataExt, OpenOptionsExt};

use crate::error::{Error, Result};
use crate::fd_peek;
use crate::image::format::{FdImage, FdKind, Kind, PAGES_CHUNK};
use crate::image::writer::ImageWriter;
use crate::proc_info;

/// Opens the memfd behind descriptor `fd` of `pid` read-only, as a new description.
fn open(pid: i32, fd: i32) -> Result<File> {
    File::options()
        .read(true)
        .custom_flags(libc::O_CLOEXEC)
        .open(format!("/proc/{pid}/fd/{fd}"))
        .map_err(|e| Error::os(format!("opening the memfd of fd {fd}"), e))
}

/// A memfd: `flags` and `pos` are those of the descriptor, `id` the inode.
pub fn memfd(pid: i32, fd: i32, id: u64, flags: u32, pos: u64) -> Result<FdKind> {
    let link = proc_info::fd_link(pid, fd).map_err(|e| Error::os(format!("fd {fd}"), e))?;
    let name = link
        .strip_prefix("/memfd:")
        .and_then(|n| n.strip_suffix(" (deleted)"))
        .ok_or_else(|| Error::Unsupported {
            pid,
            why: format!("fd {fd} ({link}) is no longer a memfd"),
        })?
        .to_string();
    let file = open(pid, fd)?;
    let meta = file
        .metadata()
        .map_err(|e| Error::os(format!("fstat of the memfd of fd {fd}"), e))?;
    let seals = fd_peek::seals(&file).map_err(|e| Error::os(format!("seals of fd {fd}"), e))?;
    Ok(FdKind::Memfd {
        id,
        name,
        flags,
        pos,
        size: meta.len(),
        seals,
        mode: meta.mode() & 0o7777,
        owner: (meta.uid(), meta.gid()),
    })
}

/// Writes the contents of every memfd among `fds` (once per object): each range that holds
/// data, in records of at most [`PAGES_CHUNK`] bytes. Holes are skipped; they read as zeros.
pub fn write_contents<W: Write>(pid: i32, fds: &[FdImage], out: &mut ImageWriter<W>) -> Result<()> {
    let mut done = HashSet::new();
    let mut buf = vec![0u8; PAGES_CHUNK];
    for f in fds {
        let FdKind::Memfd { id, size, .. } = f.kind else {
            continue;
        };
        if !done.insert(id) {
            continue;
        }
        let file = open(pid, f.fd)?;
        let read_err = |e| Error::os(format!("reading the memfd of fd {}", f.fd), e);
        let mut at = 0;
        while let Some((start, end)) = fd_peek::next_data(&file, at).map_err(read_err)? {
            let end = end.min(size);
            let mut off = start;
            while off < end {
                let n = ((end - off) as usize).min(PAGES_CHUNK);
                file.read_exact_at(&mut buf[..n], off).map_err(read_err)?;
                out.record(
                    Kind::FileData,
                    &[&id.to_le_bytes(), &off.to_le_bytes(), &buf[..n]],
                )?;
                off += n as u64;
            }
            if end >= size {
                break;
            }
            at = end;
        }
    }
    Ok(())
}
