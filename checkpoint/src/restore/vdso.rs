//! Moving the vdso block (`[vvar]`, `[vdso]`, `[vvar_vclock]`) to where the image expects it.
//! The kernel ties them together: one `mremap` of the whole block (Linux ≥ 6.17 moves a range
//! spanning several mappings), never the vdso alone, or `clock_gettime` breaks.

use crate::error::{Error, Result};
use crate::remote_syscall::Remote;

/// Moves the block `from` (start, end, vdso offset) to start at `to.0`; returns the distance
/// moved. `spare` is a free address range of at least the block's size, used when the old and
/// new places overlap.
pub fn move_block(
    remote: &Remote,
    from: (u64, u64, u64),
    to: (u64, u64, u64),
    spare: u64,
) -> Result<i64> {
    let len = from.1 - from.0;
    if len != to.1 - to.0 || from.2 != to.2 {
        return Err(Error::Restore(format!(
            "the image's vdso block is {} bytes with the vdso at +{:#x}, this kernel's is {} bytes at +{:#x}; the kernels differ",
            to.1 - to.0,
            to.2,
            len,
            from.2
        )));
    }
    if from.0 == to.0 {
        return Ok(0);
    }
    let mremap = |old: u64, new: u64| {
        remote.call(
            "mremap",
            libc::SYS_mremap,
            &[
                old,
                len,
                len,
                (libc::MREMAP_MAYMOVE | libc::MREMAP_FIXED) as u64,
                new,
            ],
        )
    };
    let mut at = from.0;
    if from.0 < to.1 && to.0 < from.1 {
        mremap(at, spare)?;
        at = spare;
    }
    mremap(at, to.0)?;
    Ok(to.0 as i64 - from.0 as i64)
}
