//! `/proc/PID/maps` and `/proc/PID/pagemap`.

use std::fs::{self, File};
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::fs::FileExt;

/// Page size of x86-64.
pub const PAGE: u64 = 4096;

/// One line of `/proc/PID/maps`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    /// Start address.
    pub start: u64,
    /// End address.
    pub end: u64,
    /// Readable.
    pub read: bool,
    /// Writable.
    pub write: bool,
    /// Executable.
    pub exec: bool,
    /// `MAP_SHARED`.
    pub shared: bool,
    /// Offset in the backing file.
    pub offset: u64,
    /// Device `major:minor` of the backing file.
    pub dev: String,
    /// Inode of the backing file (0 for anonymous memory).
    pub inode: u64,
    /// Path or pseudo-name (`[heap]`, `[stack]`, `[vdso]`, …), empty for anonymous memory.
    pub name: String,
}

impl Mapping {
    /// `PROT_*` bits.
    pub fn prot(&self) -> u32 {
        (if self.read { libc::PROT_READ } else { 0 }
            | if self.write { libc::PROT_WRITE } else { 0 }
            | if self.exec { libc::PROT_EXEC } else { 0 }) as u32
    }
    /// `start-end` for messages.
    pub fn range(&self) -> String {
        format!("{:x}-{:x}", self.start, self.end)
    }
    /// One of the kernel's special mappings that travel as a block with the vdso.
    pub fn is_vdso_block(&self) -> bool {
        matches!(self.name.as_str(), "[vdso]" | "[vvar]" | "[vvar_vclock]")
    }
}

/// Parses `/proc/PID/maps`.
pub fn read(pid: i32) -> io::Result<Vec<Mapping>> {
    parse(&fs::read_to_string(format!("/proc/{pid}/maps"))?)
}

/// Parses the text of a maps file.
pub fn parse(text: &str) -> io::Result<Vec<Mapping>> {
    let bad = || io::Error::other("malformed /proc/PID/maps line");
    let mut out = Vec::new();
    for line in text.lines() {
        let mut it = line.splitn(6, ' ');
        let range = it.next().ok_or_else(bad)?;
        let perms = it.next().ok_or_else(bad)?.as_bytes();
        let offset = it.next().ok_or_else(bad)?;
        let dev = it.next().ok_or_else(bad)?;
        let inode = it.next().ok_or_else(bad)?;
        let name = it.next().unwrap_or("").trim_start().to_string();
        let (s, e) = range.split_once('-').ok_or_else(bad)?;
        if perms.len() < 4 {
            return Err(bad());
        }
        out.push(Mapping {
            start: u64::from_str_radix(s, 16).map_err(|_| bad())?,
            end: u64::from_str_radix(e, 16).map_err(|_| bad())?,
            read: perms[0] == b'r',
            write: perms[1] == b'w',
            exec: perms[2] == b'x',
            shared: perms[3] == b's',
            offset: u64::from_str_radix(offset, 16).map_err(|_| bad())?,
            dev: dev.to_string(),
            inode: inode.parse().map_err(|_| bad())?,
            name,
        });
    }
    Ok(out)
}

/// Which pages of a mapping hold data that must travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageFilter {
    /// Present or swapped (anonymous memory).
    Any,
    /// Present and anonymous (copy-on-write copies in a private file mapping), or swapped.
    AnonOnly,
}

const PM_PRESENT: u64 = 1 << 63;
const PM_SWAP: u64 = 1 << 62;
const PM_FILE: u64 = 1 << 61;

/// `PAGEMAP_SCAN`: `_IOWR('f', 16, struct pm_scan_arg)` (Linux ≥ 6.7).
const PAGEMAP_SCAN: libc::c_ulong = 0xc060_6610;
const PAGE_IS_FILE: u64 = 1 << 2;
const PAGE_IS_PRESENT: u64 = 1 << 3;
const PAGE_IS_SWAPPED: u64 = 1 << 4;
const PAGE_IS_PFNZERO: u64 = 1 << 5;

#[repr(C)]
#[derive(Default)]
struct PmScanArg {
    size: u64,
    flags: u64,
    start: u64,
    end: u64,
    walk_end: u64,
    vec: u64,
    vec_len: u64,
    max_pages: u64,
    category_inverted: u64,
    category_mask: u64,
    category_anyof_mask: u64,
    return_mask: u64,
}

#[repr(C)]
#[derive(Default, Clone, Copy)]
struct PageRegion {
    start: u64,
    end: u64,
    categories: u64,
}

fn keep(filter: PageFilter, present: bool, swapped: bool, file: bool) -> bool {
    match filter {
        PageFilter::Any => present || swapped,
        PageFilter::AnonOnly => (present && !file) || swapped,
    }
}

fn push_run(runs: &mut Vec<(u64, u64)>, start: u64, end: u64) {
    match runs.last_mut() {
        Some(r) if r.1 == start => r.1 = end,
        _ => runs.push((start, end)),
    }
}

/// Runs `[start, end)` of pages in `[start, end)` that hold data. Uses the `PAGEMAP_SCAN`
/// ioctl, which skips empty page tables (fast on huge sparse reservations) and tells pages
/// that map the shared zero page (which need not travel); falls back to reading
/// `/proc/PID/pagemap` entry by entry on older kernels.
pub fn data_runs(
    pagemap: &File,
    start: u64,
    end: u64,
    filter: PageFilter,
) -> io::Result<Vec<(u64, u64)>> {
    match scan_runs(pagemap, start, end, filter) {
        Err(e) if matches!(e.raw_os_error(), Some(libc::EINVAL | libc::ENOTTY)) => {
            read_runs(pagemap, start, end, filter)
        }
        r => r,
    }
}

fn scan_runs(
    pagemap: &File,
    start: u64,
    end: u64,
    filter: PageFilter,
) -> io::Result<Vec<(u64, u64)>> {
    let mut runs = Vec::new();
    let mut regions = vec![PageRegion::default(); 1024];
    let mut at = start;
    while at < end {
        let mut arg = PmScanArg {
            size: size_of::<PmScanArg>() as u64,
            start: at,
            end,
            vec: regions.as_mut_ptr() as u64,
            vec_len: regions.len() as u64,
            category_anyof_mask: PAGE_IS_PRESENT | PAGE_IS_SWAPPED,
            return_mask: PAGE_IS_PRESENT | PAGE_IS_SWAPPED | PAGE_IS_FILE | PAGE_IS_PFNZERO,
            ..Default::default()
        };
        // SAFETY: `arg` is a valid pm_scan_arg whose `vec` points to `regions`, writable for
        // `vec_len` entries, both alive across the call.
        let n = unsafe { libc::ioctl(pagemap.as_raw_fd(), PAGEMAP_SCAN, &mut arg) };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        for r in &regions[..n as usize] {
            let c = r.categories;
            if c & PAGE_IS_PFNZERO == 0
                && keep(
                    filter,
                    c & PAGE_IS_PRESENT != 0,
                    c & PAGE_IS_SWAPPED != 0,
                    c & PAGE_IS_FILE != 0,
                )
            {
                push_run(&mut runs, r.start, r.end);
            }
        }
        if arg.walk_end <= at {
            break;
        }
        at = arg.walk_end;
    }
    Ok(runs)
}

fn read_runs(
    pagemap: &File,
    start: u64,
    end: u64,
    filter: PageFilter,
) -> io::Result<Vec<(u64, u64)>> {
    let mut runs: Vec<(u64, u64)> = Vec::new();
    let mut buf = vec![0u8; 8 * 8192];
    let mut addr = start;
    while addr < end {
        let n = (((end - addr) / PAGE) as usize).min(buf.len() / 8);
        let bytes = &mut buf[..n * 8];
        let got = pagemap.read_at(bytes, addr / PAGE * 8)?;
        if got < 8 {
            break;
        }
        for e in bytes[..got / 8 * 8].chunks_exact(8) {
            let v = u64::from_le_bytes(e.try_into().expect("8 bytes"));
            if keep(
                filter,
                v & PM_PRESENT != 0,
                v & PM_SWAP != 0,
                v & PM_FILE != 0,
            ) {
                push_run(&mut runs, addr, addr + PAGE);
            }
            addr += PAGE;
        }
    }
    Ok(runs)
}

/// The block of `[vvar]`, `[vdso]` and `[vvar_vclock]` mappings: `(start, end, vdso offset)`.
/// They move together (moving the vdso alone breaks `clock_gettime`).
pub fn vdso_block(mappings: &[Mapping]) -> Option<(u64, u64, u64)> {
    let vdso = mappings.iter().position(|m| m.name == "[vdso]")?;
    let mut first = vdso;
    while first > 0
        && mappings[first - 1].is_vdso_block()
        && mappings[first - 1].end == mappings[first].start
    {
        first -= 1;
    }
    let mut last = vdso;
    while last + 1 < mappings.len()
        && mappings[last + 1].is_vdso_block()
        && mappings[last + 1].start == mappings[last].end
    {
        last += 1;
    }
    let start = mappings[first].start;
    Some((start, mappings[last].end, mappings[vdso].start - start))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pagemap_scan_finds_written_pages_and_skips_the_zero_page() {
        let len = 64 * PAGE as usize;
        // SAFETY: a fresh private anonymous mapping, used only through the raw pointer below
        // and unmapped at the end.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        } as *mut u8;
        assert_ne!(p, libc::MAP_FAILED as *mut u8);
        let base = p as u64;
        for page in [0usize, 5, 6, 7, 63] {
            // SAFETY: inside the mapping.
            unsafe { p.add(page * PAGE as usize).write_volatile(1) };
        }
        // SAFETY: inside the mapping; a read fault maps the shared zero page.
        let _ = unsafe { p.add(20 * PAGE as usize).read_volatile() };
        let pm = File::open("/proc/self/pagemap").unwrap();
        let end = base + len as u64;
        let scanned = scan_runs(&pm, base, end, PageFilter::Any).unwrap();
        let page = |n: u64| base + n * PAGE;
        assert_eq!(
            scanned,
            vec![(page(0), page(1)), (page(5), page(8)), (page(63), page(64))]
        );
        let read = read_runs(&pm, base, end, PageFilter::Any).unwrap();
        assert!(read.contains(&(page(5), page(8))) && read.contains(&(page(0), page(1))));
        // SAFETY: unmapping the mapping made above; `p` is not used afterwards.
        unsafe { libc::munmap(p.cast(), len) };
    }

    #[test]
    fn parses_maps_and_finds_the_vdso_block() {
        let text = "00400000-00401000 r-xp 00000000 08:01 1234 /usr/bin/x y\n\
                    7ffd1000-7ffd3000 rw-p 00000000 00:00 0 [stack]\n\
                    7ffd5000-7ffd9000 r--p 00000000 00:00 0 [vvar]\n\
                    7ffd9000-7ffdb000 r--p 00000000 00:00 0 [vvar_vclock]\n\
                    7ffdb000-7ffdd000 r-xp 00000000 00:00 0 [vdso]\n\
                    7f000000-7f001000 rw-s 00000000 00:01 77 /dev/zero (deleted)\n";
        let m = parse(text).unwrap();
        assert_eq!(m.len(), 6);
        assert_eq!(m[0].name, "/usr/bin/x y");
        assert_eq!(m[0].prot(), (libc::PROT_READ | libc::PROT_EXEC) as u32);
        assert!(m[5].shared && m[5].write);
        assert_eq!(vdso_block(&m), Some((0x7ffd5000, 0x7ffdd000, 0x6000)));
    }
}
