//! Images that must be refused before anything runs: corrupt, truncated, from another kernel.
//! The original (left running by the dump) is unharmed, and no half-restored process remains.

mod harness;

use checkpoint::image::format::{HostInfo, Kind};
use checkpoint::image::reader::{ImageReader, split_pages};
use checkpoint::image::writer::ImageWriter;
use checkpoint::{DumpOptions, Error, Refusal};
use harness::Proc;

/// Children of this test process (the restorer is a subreaper, so a leftover half-restored
/// process would show up here).
fn children() -> Vec<i32> {
    let mut out = Vec::new();
    for t in std::fs::read_dir("/proc/self/task").unwrap() {
        let p = t.unwrap().path().join("children");
        let s = std::fs::read_to_string(p).unwrap_or_default();
        out.extend(s.split_whitespace().map(|w| w.parse::<i32>().unwrap()));
    }
    out
}

/// The image re-encoded with its host record edited (so its checksums are valid).
fn rewrite(image: &[u8], edit_host: impl Fn(&mut HostInfo)) -> Vec<u8> {
    let mut sink = Vec::new();
    let mut r = ImageReader::new(image).unwrap();
    let mut w = ImageWriter::new(&mut sink).unwrap();
    loop {
        let (kind, payload) = r.next_record().unwrap();
        match kind {
            Kind::End => break,
            Kind::Pages => {
                let (addr, data) = split_pages(payload);
                w.pages(addr, data).unwrap();
            }
            Kind::Host => {
                let mut h = HostInfo::decode(payload).unwrap();
                edit_host(&mut h);
                w.record(Kind::Host, &[&h.encode()]).unwrap();
            }
            k => w.record(k, &[payload]).unwrap(),
        }
    }
    w.finish().unwrap();
    sink
}

#[test]
fn bad_images_are_refused_and_the_original_runs_on() {
    let mut p = Proc::start("repeat", &[]);
    p.wait_for("ready\n");
    let mut image = Vec::new();
    checkpoint::dump(
        p.pid,
        &mut image,
        DumpOptions {
            leave_running: true,
        },
    )
    .unwrap();
    assert_eq!(children(), vec![p.pid]);

    // A good copy restores (then is killed): the refusals below are about the damage.
    let good = checkpoint::restore_with(&image[..], p.stdio()).expect("the intact image restores");
    // SAFETY: kill and reap the restored copy, a child of this subreaper.
    unsafe {
        libc::kill(good, libc::SIGKILL);
        libc::waitpid(good, std::ptr::null_mut(), 0);
    }

    // Its stdio are pipes to this test: without replacements the restore refuses, and says
    // which descriptor it needs.
    match checkpoint::restore(&image[..]) {
        Err(Error::Restore(why)) => {
            assert!(why.contains("fd 0") && why.contains("inherit_fd"), "{why}")
        }
        other => panic!("restore without stdio: {other:?}"),
    }
    assert_eq!(children(), vec![p.pid]);

    let mut corrupt = image.clone();
    let at = corrupt.len() * 3 / 4;
    corrupt[at] ^= 0x40;
    match checkpoint::restore_with(&corrupt[..], p.stdio()) {
        Err(Error::BadImage(why)) => assert!(why.contains("checksum"), "{why}"),
        other => panic!("corrupt image: {other:?}"),
    }
    assert_eq!(children(), vec![p.pid], "a half-restored process remains");

    for cut in [image.len() - 3, image.len() / 2, 100] {
        match checkpoint::restore_with(&image[..cut], p.stdio()) {
            Err(Error::BadImage(why)) => assert!(why.contains("truncated"), "{why}"),
            other => panic!("truncated image: {other:?}"),
        }
        assert_eq!(children(), vec![p.pid], "a half-restored process remains");
    }

    let other_kernel = rewrite(&image, |h| h.kernel_release = "5.4.0-1-amd64".into());
    match checkpoint::restore_with(&other_kernel[..], p.stdio()) {
        Err(Error::Refused(r)) => {
            assert!(matches!(&r[..], [Refusal::KernelMismatch { .. }]), "{r:?}");
            assert!(r[0].to_string().contains("5.4.0-1-amd64"));
        }
        other => panic!("image from another kernel: {other:?}"),
    }
    let other_cpu = rewrite(&image, |h| h.cpu_flags.push("amx_tile_imaginary".into()));
    match checkpoint::restore_with(&other_cpu[..], p.stdio()) {
        Err(Error::Refused(r)) => assert!(r[0].to_string().contains("amx_tile_imaginary"), "{r:?}"),
        other => panic!("image from another CPU: {other:?}"),
    }
    assert_eq!(children(), vec![p.pid]);
    p.expect_ok();
}
