//! Rebuilding the address space: every mapping at its address with its protection, then the
//! pages from the image written through `/proc/PID/mem`.

use std::collections::HashMap;
use std::io::Read;

use crate::error::{Error, Result};
use crate::image::format::{Backing, Kind, VMA_GROWSDOWN, VMA_SHARED, VmaImage};
use crate::image::reader::{ImageReader, split_pages};
use crate::remote_memory::RemoteMemory;
use crate::remote_syscall::Remote;

/// Highest user address + 1 on x86-64 with 4-level paging.
pub const TASK_SIZE: u64 = 0x7fff_ffff_f000;

/// Lowest address where `len` bytes fit without touching any of `avoid`, above 4 GiB when
/// possible (below that live non-PIE executables and their heaps).
pub fn free_range(avoid: &[(u64, u64)], len: u64) -> Option<u64> {
    let mut v: Vec<(u64, u64)> = avoid.to_vec();
    v.sort_unstable();
    for floor in [1u64 << 32, 1 << 20] {
        let mut at = floor;
        for &(s, e) in &v {
            if e <= at {
                continue;
            }
            if s >= at + len {
                break;
            }
            at = e;
        }
        if at + len <= TASK_SIZE {
            return Some(at);
        }
    }
    None
}

/// Writes a NUL-terminated string into the target at `at`.
pub fn put_str(mem: &RemoteMemory, at: u64, s: &str) -> Result<()> {
    let mut b = s.as_bytes().to_vec();
    b.push(0);
    mem.write(at, &b)
        .map_err(|e| Error::os("writing into the new process", e))
}

/// Opens `path` in the target; returns the fd.
pub fn remote_open(
    remote: &Remote,
    mem: &RemoteMemory,
    scratch: u64,
    path: &str,
    flags: i32,
) -> Result<u64> {
    put_str(mem, scratch, path)?;
    remote
        .call(
            "openat",
            libc::SYS_openat,
            &[
                libc::AT_FDCWD as u64,
                scratch,
                (flags | libc::O_CLOEXEC) as u64,
                0,
            ],
        )
        .map_err(|e| match e {
            Error::Remote { source, .. } => Error::Restore(format!("cannot open {path}: {source}")),
            e => e,
        })
}

/// Creates every mapping of the image. `scratch` is memory in the target for paths. `memfds`
/// are the memfd objects the new process inherited (by id, with their numbers): mappings of
/// them map that object, already filled, so that descriptor and mapping share it.
///
/// Returns the mappings that were created writable only to be filled: a forced write through
/// `/proc/PID/mem` works on private mappings of any protection but not on a read-only shared
/// one. The caller protects them with [`protect`] once their pages are written.
pub fn create_vmas(
    remote: &Remote,
    mem: &RemoteMemory,
    scratch: u64,
    vmas: &[VmaImage],
    memfds: &HashMap<u64, u64>,
) -> Result<Vec<VmaImage>> {
    let mut fixups = Vec::new();
    let mut files: HashMap<(String, bool), u64> = HashMap::new();
    let mut shm: HashMap<u64, u64> = HashMap::new();
    let result = (|| -> Result<()> {
        for v in vmas {
            let len = v.end - v.start;
            let shared = v.flags & VMA_SHARED != 0;
            let mut flags = libc::MAP_FIXED
                | if shared {
                    libc::MAP_SHARED
                } else {
                    libc::MAP_PRIVATE
                };
            let (fd, off) = match &v.backing {
                Backing::Anon => {
                    flags |= libc::MAP_ANONYMOUS;
                    if v.flags & VMA_GROWSDOWN != 0 {
                        flags |= libc::MAP_GROWSDOWN;
                    }
                    (u64::MAX, 0)
                }
                Backing::File {
                    path,
                    pgoff,
                    writable,
                } => {
                    let key = (path.clone(), *writable);
                    let fd = match files.get(&key) {
                        Some(&fd) => fd,
                        None => {
                            let mode = if *writable {
                                libc::O_RDWR
                            } else {
                                libc::O_RDONLY
                            };
                            let fd = remote_open(remote, mem, scratch, path, mode)?;
                            files.insert(key, fd);
                            fd
                        }
                    };
                    (fd, *pgoff)
                }
                Backing::SharedMem { id, pgoff, .. } if memfds.contains_key(id) => {
                    (memfds[id], *pgoff)
                }
                Backing::SharedMem { id, pgoff, name } => {
                    let fd = match shm.get(id) {
                        Some(&fd) => fd,
                        None => {
                            put_str(mem, scratch, name)?;
                            let fd = remote.call(
                                "memfd_create",
                                libc::SYS_memfd_create,
                                &[scratch, libc::MFD_CLOEXEC as u64],
                            )?;
                            shm.insert(*id, fd);
                            // Size the object to cover every mapping of it.
                            let size = vmas
                                .iter()
                                .filter_map(|o| match &o.backing {
                                    Backing::SharedMem { id: i, pgoff, .. } if i == id => {
                                        Some(pgoff + (o.end - o.start))
                                    }
                                    _ => None,
                                })
                                .max()
                                .unwrap_or(len);
                            remote.call("ftruncate", libc::SYS_ftruncate, &[fd, size])?;
                            fd
                        }
                    };
                    (fd, *pgoff)
                }
            };
            let mut prot = v.prot;
            if shared
                && matches!(&v.backing, Backing::SharedMem { id, .. } if !memfds.contains_key(id))
                && prot & libc::PROT_WRITE as u32 == 0
            {
                prot |= libc::PROT_WRITE as u32;
                fixups.push(v.clone());
            }
            remote.call(
                "mmap",
                libc::SYS_mmap,
                &[v.start, len, prot as u64, flags as u64, fd, off],
            )?;
        }
        Ok(())
    })();
    for fd in files.values().chain(shm.values()) {
        remote.call("close", libc::SYS_close, &[*fd])?;
    }
    result.map(|()| fixups)
}

/// Gives mappings their protection from the image.
pub fn protect(remote: &Remote, vmas: &[VmaImage]) -> Result<()> {
    for v in vmas {
        remote.call(
            "mprotect",
            libc::SYS_mprotect,
            &[v.start, v.end - v.start, u64::from(v.prot)],
        )?;
    }
    Ok(())
}

const MADV_POPULATE_WRITE: u64 = 23;

/// Reads the `Pages` records up to the end marker and writes them into the new process.
/// `first` is the payload of the first one, already read. Each record is verified (by the
/// reader) and checked against the mappings before a byte of it is written.
///
/// (Handing the writes to a helper thread was measured: no gain, the populate and the reading
/// dominate, and both belong to this thread.)
pub fn write_memory<R: Read>(
    remote: &Remote,
    mem: &RemoteMemory,
    vmas: &[VmaImage],
    reader: &mut ImageReader<R>,
    first: Vec<u8>,
) -> Result<()> {
    write_pages(remote, mem, vmas, &first)?;
    loop {
        let (kind, payload) = reader.next_record()?;
        match kind {
            Kind::Pages => write_pages(remote, mem, vmas, payload)?,
            Kind::End => return Ok(()),
            _ => return Err(Error::BadImage("a metadata record follows memory".into())),
        }
    }
}

fn write_pages(
    remote: &Remote,
    mem: &RemoteMemory,
    vmas: &[VmaImage],
    payload: &[u8],
) -> Result<()> {
    prepare_pages(remote, vmas, payload)?;
    let (addr, data) = split_pages(payload);
    mem.write(addr, data)
        .map_err(|e| Error::os(format!("writing memory at {addr:#x}"), e))
}

/// Checks that a `Pages` payload lies inside the mappings and populates its pages.
fn prepare_pages(remote: &Remote, vmas: &[VmaImage], payload: &[u8]) -> Result<()> {
    let (addr, data) = split_pages(payload);
    let end = addr + data.len() as u64;
    if !covered(vmas, addr, end) {
        return Err(Error::BadImage(format!(
            "memory at {addr:#x}-{end:#x} lies outside its mappings"
        )));
    }
    // Populating first makes the writes much faster; it only works on writable mappings, and a
    // failure just means the slower path.
    let i = vmas.partition_point(|v| v.end <= addr);
    if vmas[i].prot & libc::PROT_WRITE as u32 != 0 && end <= vmas[i].end {
        let _ = remote.raw(
            libc::SYS_madvise,
            &[addr, data.len() as u64, MADV_POPULATE_WRITE],
        );
    }
    Ok(())
}

/// Whether `[addr, end)` lies inside the mappings (sorted by address).
pub fn covered(vmas: &[VmaImage], mut addr: u64, end: u64) -> bool {
    let i = vmas.partition_point(|v| v.end <= addr);
    for v in &vmas[i..] {
        if v.start > addr {
            return false;
        }
        addr = v.end;
        if addr >= end {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vma(start: u64, end: u64) -> VmaImage {
        VmaImage {
            start,
            end,
            prot: 3,
            flags: 0,
            backing: Backing::Anon,
        }
    }

    #[test]
    fn free_range_avoids_everything() {
        let avoid = [
            (1 << 32, (1 << 32) + 0x5000),
            ((1 << 32) + 0x6000, (1 << 32) + 0x9000),
        ];
        assert_eq!(free_range(&avoid, 0x1000), Some((1 << 32) + 0x5000));
        assert_eq!(free_range(&avoid, 0x2000), Some((1 << 32) + 0x9000));
        assert_eq!(free_range(&[(0, TASK_SIZE)], 0x1000), None);
    }

    #[test]
    fn pages_must_lie_inside_mappings() {
        let v = [
            vma(0x1000, 0x3000),
            vma(0x3000, 0x4000),
            vma(0x8000, 0x9000),
        ];
        assert!(covered(&v, 0x1000, 0x4000));
        assert!(covered(&v, 0x8000, 0x9000));
        assert!(!covered(&v, 0x3000, 0x5000));
        assert!(!covered(&v, 0x0, 0x1000));
        assert!(!covered(&v, 0x9000, 0xa000));
    }
}
