//! Mappings and the pages that must travel with them.

use std::collections::HashSet;
use std::fs::File;
use std::io::Write;
use std::sync::mpsc;

use crate::check::{is_memfd, is_shared_mem};
use crate::error::{Error, Result};
use crate::image::format::Kind;
use crate::image::format::{Backing, PAGES_CHUNK, VMA_GROWSDOWN, VMA_HEAP, VMA_SHARED, VmaImage};
use crate::image::writer::{ImageWriter, record_crc};
use crate::maps::{self, Mapping, PageFilter};
use crate::remote_memory::RemoteMemory;

/// The image of every mapping except the vdso block and `[vsyscall]`, which the kernel provides.
pub fn vmas(pid: i32, mappings: &[Mapping]) -> Result<Vec<VmaImage>> {
    let mut out = Vec::new();
    for m in mappings {
        if m.is_vdso_block() || m.name == "[vsyscall]" {
            continue;
        }
        let mut flags = 0;
        if m.shared {
            flags |= VMA_SHARED;
        }
        if m.name == "[stack]" {
            flags |= VMA_GROWSDOWN;
        }
        if m.name == "[heap]" {
            flags |= VMA_HEAP;
        }
        let backing = if is_shared_mem(m) || is_memfd(m) {
            let name = m
                .name
                .strip_prefix("/memfd:")
                .map(|n| n.trim_end_matches(" (deleted)"))
                .or_else(|| m.name.strip_prefix("[anon_shmem:")?.strip_suffix(']'))
                .unwrap_or("shared-anon")
                .to_string();
            Backing::SharedMem {
                id: m.inode,
                pgoff: m.offset,
                name,
            }
        } else if m.inode != 0 && m.name.starts_with('/') {
            Backing::File {
                path: m.name.clone(),
                pgoff: m.offset,
                writable: m.shared && m.write,
            }
        } else if m.shared {
            return Err(Error::Unsupported {
                pid,
                why: format!(
                    "the shared mapping {} ({}) cannot be recreated",
                    m.range(),
                    m.name
                ),
            });
        } else {
            Backing::Anon
        };
        out.push(VmaImage {
            start: m.start,
            end: m.end,
            prot: m.prot(),
            flags,
            backing,
        });
    }
    Ok(out)
}

/// A chunk of memory read from the target, with its record's CRC.
type Chunk = Result<(u64, Vec<u8>, u32)>;

/// Streams the pages of every mapping that hold data of their own: all touched pages of
/// anonymous and shared memory, and the copy-on-write copies of private file mappings. Shared
/// file mappings travel in their file, and mappings of the memfds in `memfds` (which have a
/// descriptor) in that memfd's `FileData` records.
///
/// A helper thread finds the pages, reads them and checksums them while this thread writes
/// the previous chunk to the sink, so the freeze lasts about as long as the slower of the two
/// rather than their sum. At most three chunks (3 MiB) are in flight.
pub fn write_pages<W: Write>(
    pid: i32,
    vmas: &[VmaImage],
    memfds: &HashSet<u64>,
    mem: &RemoteMemory,
    out: &mut ImageWriter<W>,
) -> Result<()> {
    let pagemap = File::open(format!("/proc/{pid}/pagemap"))
        .map_err(|e| Error::os(format!("opening /proc/{pid}/pagemap"), e))?;
    let (tx, rx) = mpsc::sync_channel::<Chunk>(1);
    let (recycle, spare) = mpsc::channel::<Vec<u8>>();
    std::thread::scope(|scope| {
        scope.spawn(move || {
            let result = read_chunks(&pagemap, vmas, memfds, mem, &spare, &tx);
            if let Err(e) = result {
                // The writer may be gone already (it failed first); nothing to tell then.
                let _ = tx.send(Err(e));
            }
        });
        for chunk in rx {
            let (addr, buf, crc) = chunk?;
            out.record_with_crc(Kind::Pages, &[&addr.to_le_bytes(), &buf], crc)?;
            let _ = recycle.send(buf);
        }
        Ok(())
    })
}

/// The helper thread of [`write_pages`]: stops early when the writer hangs up.
fn read_chunks(
    pagemap: &File,
    vmas: &[VmaImage],
    memfds: &HashSet<u64>,
    mem: &RemoteMemory,
    spare: &mpsc::Receiver<Vec<u8>>,
    tx: &mpsc::SyncSender<Chunk>,
) -> Result<()> {
    for v in vmas {
        let filter = match v.backing {
            // A memfd with a descriptor travels in its `FileData`: of its private mappings,
            // only the copy-on-write copies.
            Backing::SharedMem { id, .. } if memfds.contains(&id) => {
                if v.flags & VMA_SHARED != 0 {
                    continue;
                }
                PageFilter::AnonOnly
            }
            Backing::Anon | Backing::SharedMem { .. } => PageFilter::Any,
            Backing::File { .. } if v.flags & VMA_SHARED != 0 => continue,
            Backing::File { .. } => PageFilter::AnonOnly,
        };
        let runs = maps::data_runs(pagemap, v.start, v.end, filter)
            .map_err(|e| Error::os("reading pagemap", e))?;
        for (start, end) in runs {
            let mut addr = start;
            while addr < end {
                let n = ((end - addr) as usize).min(PAGES_CHUNK);
                let mut buf = spare.try_recv().unwrap_or_default();
                buf.resize(n, 0);
                mem.read(addr, &mut buf)
                    .map_err(|e| Error::os(format!("reading memory at {addr:#x}"), e))?;
                let crc = record_crc(Kind::Pages, &[&addr.to_le_bytes(), &buf])?;
                if tx.send(Ok((addr, buf, crc))).is_err() {
                    return Ok(());
                }
                addr += n as u64;
            }
        }
    }
    Ok(())
}
