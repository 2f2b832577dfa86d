//! Bulk access to another process's memory: `process_vm_readv` for reads, `/proc/PID/mem` for
//! writes (it writes read-only private pages too, as a debugger does) and as a read fallback.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::FileExt;

/// A handle on another process's address space.
#[derive(Debug)]
pub struct RemoteMemory {
    pid: i32,
    mem: File,
}

impl RemoteMemory {
    /// Opens `/proc/PID/mem` for reading and writing.
    pub fn open(pid: i32) -> io::Result<Self> {
        let mem = OpenOptions::new()
            .read(true)
            .write(true)
            .open(format!("/proc/{pid}/mem"))?;
        Ok(RemoteMemory { pid, mem })
    }

    /// Fills `buf` from `addr`.
    pub fn read(&self, addr: u64, buf: &mut [u8]) -> io::Result<()> {
        let local = libc::iovec {
            iov_base: buf.as_mut_ptr().cast(),
            iov_len: buf.len(),
        };
        let remote = libc::iovec {
            iov_base: addr as *mut libc::c_void,
            iov_len: buf.len(),
        };
        // SAFETY: `local` describes `buf`, which is writable for its whole length; the remote
        // iovec is only interpreted in the other process's address space.
        let n = unsafe { libc::process_vm_readv(self.pid, &local, 1, &remote, 1, 0) };
        if n == buf.len() as isize {
            return Ok(());
        }
        // Partial or refused (e.g. PROT_NONE pages): /proc/PID/mem reads like a debugger.
        self.mem.read_exact_at(buf, addr)
    }

    /// Writes `data` at `addr`: `process_vm_writev` (fast on populated, writable pages), else
    /// `/proc/PID/mem`, which also writes read-only private pages, as a debugger does.
    pub fn write(&self, addr: u64, data: &[u8]) -> io::Result<()> {
        let local = libc::iovec {
            iov_base: data.as_ptr() as *mut libc::c_void,
            iov_len: data.len(),
        };
        let remote = libc::iovec {
            iov_base: addr as *mut libc::c_void,
            iov_len: data.len(),
        };
        // SAFETY: `local` describes `data`, readable for its whole length (the kernel only reads
        // it); the remote iovec is only interpreted in the other process's address space.
        let n = unsafe { libc::process_vm_writev(self.pid, &local, 1, &remote, 1, 0) };
        if n == data.len() as isize {
            return Ok(());
        }
        let done = n.max(0) as usize;
        self.mem.write_all_at(&data[done..], addr + done as u64)
    }

    /// Reads a u64.
    pub fn read_u64(&self, addr: u64) -> io::Result<u64> {
        let mut b = [0u8; 8];
        self.mem.read_exact_at(&mut b, addr)?;
        Ok(u64::from_le_bytes(b))
    }
}
