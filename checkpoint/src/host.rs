//! Facts about this host recorded in an image and compared on restore.

use std::fs;

use crate::error::Refusal;
use crate::image::format::HostInfo;

/// XCR0 of this CPU/OS (`xgetbv(0)`), 0 when the OS has not enabled XSAVE.
pub fn xcr0() -> u64 {
    const OSXSAVE: u32 = 1 << 27;
    if std::arch::x86_64::__cpuid(1).ecx & OSXSAVE == 0 {
        return 0;
    }
    let lo: u32;
    let hi: u32;
    // SAFETY: xgetbv with ecx=0 only reads XCR0, and CPUID.1:ECX.OSXSAVE (checked above) says
    // the OS enabled it, so the instruction does not fault.
    unsafe {
        std::arch::asm!("xgetbv", in("ecx") 0u32, out("eax") lo, out("edx") hi, options(nomem, nostack));
    }
    (u64::from(hi) << 32) | u64::from(lo)
}

/// Kernel release and CPU flags of this host; `xstate_size` comes from a traced thread.
pub fn host_info(xstate_size: u32) -> HostInfo {
    let kernel_release = fs::read_to_string("/proc/sys/kernel/osrelease")
        .unwrap_or_default()
        .trim()
        .to_string();
    let cpu_flags = fs::read_to_string("/proc/cpuinfo")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("flags"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, f)| f.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default();
    HostInfo {
        kernel_release,
        xcr0: xcr0(),
        xstate_size,
        cpu_flags,
    }
}

fn major_minor(release: &str) -> (u32, u32) {
    let mut it = release.split(|c: char| !c.is_ascii_digit());
    let a = it.next().and_then(|v| v.parse().ok()).unwrap_or(0);
    let b = it.next().and_then(|v| v.parse().ok()).unwrap_or(0);
    (a, b)
}

/// Whether an image made on `image` can run here; the reasons when not.
pub fn compatible(image: &HostInfo, here: &HostInfo) -> Vec<Refusal> {
    let mut out = Vec::new();
    if major_minor(&image.kernel_release) != major_minor(&here.kernel_release) {
        out.push(Refusal::KernelMismatch {
            image: image.kernel_release.clone(),
            host: here.kernel_release.clone(),
        });
    }
    if image.xcr0 != here.xcr0 || image.xstate_size != here.xstate_size {
        out.push(Refusal::CpuMismatch {
            what: format!(
                "the image's XSAVE layout is XCR0 {:#x} ({} bytes), this CPU's is XCR0 {:#x} ({} bytes)",
                image.xcr0, image.xstate_size, here.xcr0, here.xstate_size
            ),
        });
    }
    let missing: Vec<&str> = image
        .cpu_flags
        .iter()
        .filter(|f| !here.cpu_flags.contains(f))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        out.push(Refusal::CpuMismatch {
            what: format!(
                "this CPU lacks features the image's CPU had: {}",
                missing.join(" ")
            ),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differing_kernel_and_cpu_are_refused() {
        let here = host_info(2440);
        assert!(compatible(&here, &here).is_empty());
        let mut other = here.clone();
        other.kernel_release = "5.10.0-1-amd64".into();
        other.cpu_flags.push("avx512f_imaginary".into());
        other.xcr0 ^= 0xe0;
        let r = compatible(&other, &here);
        assert_eq!(r.len(), 3, "{r:?}");
        assert!(r[0].to_string().contains("5.10.0-1-amd64"));
        assert!(r[2].to_string().contains("avx512f_imaginary"));
    }
}
