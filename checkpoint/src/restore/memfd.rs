//! Memfd objects, recreated in the restorer while the image is read: each is created (sized)
//! when first needed and its `FileData` records are written into it as they arrive, so no
//! more than one record of it is ever in memory. Its descriptors and shared mappings in the new
//! process all lead to this one object; its seals are added last, inside the new process.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::ffi::CString;
use std::fs::File;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::fs::FileExt;

use crate::error::{Error, Result};
use crate::image::format::{FdImage, FdKind, split_file_data};

/// The memfd objects of an image, by their id (inode on the source host).
#[derive(Debug, Default)]
pub struct Memfds {
    objects: HashMap<u64, OwnedFd>,
}

/// What a memfd object is made with.
#[derive(Debug, Clone, Copy)]
struct Spec<'a> {
    name: &'a str,
    size: u64,
    mode: u32,
    owner: (u32, u32),
}

/// Memfd `id` as the image's `Fd` records describe it.
fn describe(fds: &[FdImage], id: u64) -> Option<Spec<'_>> {
    fds.iter().find_map(|f| match &f.kind {
        FdKind::Memfd {
            id: i,
            name,
            size,
            mode,
            owner,
            ..
        } if *i == id => Some(Spec {
            name,
            size: *size,
            mode: *mode,
            owner: *owner,
        }),
        _ => None,
    })
}

impl Memfds {
    /// The object with `id`, created and sized from `fds` if it does not exist yet.
    pub fn object(&mut self, fds: &[FdImage], id: u64) -> Result<&OwnedFd> {
        Ok(match self.objects.entry(id) {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(v) => {
                let spec = describe(fds, id)
                    .ok_or_else(|| Error::BadImage(format!("memfd {id} has no descriptor")))?;
                v.insert(create(&spec)?)
            }
        })
    }

    /// Writes one `FileData` record into its object; it must lie inside the size the image
    /// gave the object.
    pub fn write(&mut self, fds: &[FdImage], payload: &[u8]) -> Result<()> {
        let (id, offset, data) = split_file_data(payload)?;
        let size = describe(fds, id)
            .ok_or_else(|| Error::BadImage(format!("contents of an unknown memfd {id}")))?
            .size;
        if offset
            .checked_add(data.len() as u64)
            .is_none_or(|end| end > size)
        {
            return Err(Error::BadImage(format!(
                "contents of memfd {id} at {offset} lie beyond its size {size}"
            )));
        }
        let fd = self.object(fds, id)?;
        File::from(
            fd.try_clone()
                .map_err(|e| Error::os("duplicating a memfd", e))?,
        )
        .write_all_at(data, offset)
        .map_err(|e| Error::os(format!("filling a memfd at {offset}"), e))
    }
}

/// A new memfd as `spec` says (sealable, so that its seals can be given back).
fn create(spec: &Spec) -> Result<OwnedFd> {
    let Spec {
        name,
        size,
        mode,
        owner,
    } = *spec;
    let c = CString::new(name)
        .map_err(|_| Error::BadImage("a memfd name contains a NUL byte".into()))?;
    // SAFETY: `c` is NUL-terminated and lives across the call.
    let r = unsafe { libc::memfd_create(c.as_ptr(), libc::MFD_CLOEXEC | libc::MFD_ALLOW_SEALING) };
    if r < 0 {
        return Err(Error::last_os(format!("creating the memfd {name}")));
    }
    // SAFETY: a fresh descriptor from the kernel, owned by nobody else.
    let fd = unsafe { OwnedFd::from_raw_fd(r) };
    // SAFETY: ftruncate takes integers only.
    if unsafe { libc::ftruncate(fd.as_raw_fd(), size as libc::off_t) } < 0 {
        return Err(Error::last_os(format!("sizing the memfd {name} to {size}")));
    }
    // SAFETY: fchown takes integers only.
    if unsafe { libc::fchown(fd.as_raw_fd(), owner.0, owner.1) } < 0 {
        return Err(Error::last_os(format!(
            "giving the memfd {name} to {}:{}",
            owner.0, owner.1
        )));
    }
    // After the fchown, which clears set-id bits. SAFETY: fchmod takes integers only.
    if unsafe { libc::fchmod(fd.as_raw_fd(), mode & 0o7777) } < 0 {
        return Err(Error::last_os(format!(
            "setting the mode of the memfd {name}"
        )));
    }
    Ok(fd)
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::MetadataExt;

    use super::*;

    fn image() -> Vec<FdImage> {
        vec![FdImage {
            fd: 3,
            cloexec: false,
            description: 0,
            kind: FdKind::Memfd {
                id: 9,
                name: "m".into(),
                flags: libc::O_RDWR as u32,
                pos: 0,
                size: 8192,
                seals: 0,
                mode: 0o642,
                owner: (0, 0),
            },
        }]
    }

    fn record(id: u64, offset: u64, data: &[u8]) -> Vec<u8> {
        [&id.to_le_bytes()[..], &offset.to_le_bytes(), data].concat()
    }

    #[test]
    fn contents_land_in_the_object_and_stay_inside_its_size() {
        let fds = image();
        let mut m = Memfds::default();
        m.write(&fds, &record(9, 4096, b"abc")).unwrap();
        let f = File::from(m.object(&fds, 9).unwrap().try_clone().unwrap());
        let meta = f.metadata().unwrap();
        assert_eq!((meta.len(), meta.mode() & 0o7777), (8192, 0o642));
        let mut got = [0u8; 3];
        f.read_exact_at(&mut got, 4096).unwrap();
        assert_eq!(&got, b"abc");
        for bad in [
            record(9, 8190, b"abc"),
            record(9, u64::MAX, b"a"),
            record(5, 0, b"a"),
        ] {
            assert!(matches!(m.write(&fds, &bad), Err(Error::BadImage(_))));
        }
    }
}
