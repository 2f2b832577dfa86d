//! The checkpoint engine (the checkpoint issue's goals: dump and restore at ≥ 50 % of memcpy
//! bandwidth for large processes; freeze ≤ 20 ms for a 64 MiB process). A C program fills N MiB
//! of heap with a pattern; it is dumped (left running) to a socket whose reader discards the
//! image, then dumped for a move (killed) to a tmpfs file, restored from that file and, a second
//! time, through a socket; each restored process verifies every word.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use checkpoint::{DumpOptions, RestoreOptions};

const PROGRAM: &str = r#"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
int main(int argc, char **argv) {
    size_t n = strtoull(argv[1], 0, 10) << 20;
    uint64_t *p = malloc(n);
    for (size_t i = 0; i < n / 8; i++) p[i] = i * 0x9e3779b97f4a7c15ull;
    printf("ready\n"); fflush(stdout);
    char c;
    if (read(0, &c, 1) != 1) return 2;
    for (size_t i = 0; i < n / 8; i++) if (p[i] != i * 0x9e3779b97f4a7c15ull) return 1;
    return 0;
}
"#;

const SIZES_MIB: [u64; 4] = [64, 256, 1024, 4096];

/// Runs the checkpoint benchmark and prints its table.
pub fn run() -> anyhow::Result<()> {
    // Restored processes are reparented to this process, which collects their exit status.
    // SAFETY: prctl with integer arguments only.
    unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) };
    let dir = tempfile::Builder::new()
        .prefix("roam-bench-ckpt.")
        .tempdir()?;
    let exe = compile(dir.path())?;
    let image = PathBuf::from(format!("/dev/shm/roam-bench-{}.img", std::process::id()));
    let memcpy = memcpy_bandwidth();
    println!("### checkpoint: dump, restore and freeze against memory, memcpy {memcpy:.2} GB/s\n");
    println!(
        "| memory | freeze, to socket (left running) | freeze, to tmpfs (moved) | dump GB/s (tmpfs) | \
         restore from tmpfs | restore GB/s | restore from socket | restore GB/s |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for mib in SIZES_MIB {
        let row = measure(&exe, &image, mib);
        let _ = std::fs::remove_file(&image);
        let r = row?;
        let gb = |d: Duration| r.bytes as f64 / 1e9 / d.as_secs_f64();
        println!(
            "| {mib} MiB | {} | {} | {:.2} ({:.0} %) | {} | {:.2} ({:.0} %) | {} | {:.2} ({:.0} %) |",
            ms(r.freeze_socket),
            ms(r.freeze_move),
            gb(r.freeze_move),
            gb(r.freeze_move) / memcpy * 100.0,
            ms(r.restore_file),
            gb(r.restore_file),
            gb(r.restore_file) / memcpy * 100.0,
            ms(r.restore_socket),
            gb(r.restore_socket),
            gb(r.restore_socket) / memcpy * 100.0,
        );
    }
    println!(
        "\nPercentages are of the memcpy bandwidth measured above (goal ≥ 50 % for large \
         processes); the freeze of a move is the whole stop-and-copy dump.\n"
    );
    Ok(())
}

struct Row {
    bytes: u64,
    freeze_socket: Duration,
    freeze_move: Duration,
    restore_file: Duration,
    restore_socket: Duration,
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

fn compile(dir: &Path) -> anyhow::Result<PathBuf> {
    let src = dir.join("fill.c");
    std::fs::write(&src, PROGRAM)?;
    let exe = dir.join("fill");
    let status = Command::new("gcc")
        .args(["-O2", "-o"])
        .arg(&exe)
        .arg(&src)
        .status()
        .context("gcc is needed to build the benchmark's test program")?;
    if !status.success() {
        bail!("gcc failed on {}", src.display());
    }
    Ok(exe)
}

/// memcpy bandwidth of a 1 GiB copy, the physical limit for moving memory here.
fn memcpy_bandwidth() -> f64 {
    let src = vec![0x5au8; 1 << 30];
    let mut dst = vec![0u8; 1 << 30];
    dst.copy_from_slice(&src); // fault the pages in first
    let best = (0..3)
        .map(|_| {
            let t = Instant::now();
            dst.copy_from_slice(std::hint::black_box(&src));
            std::hint::black_box(&mut dst);
            t.elapsed()
        })
        .min()
        .unwrap_or(Duration::from_secs(1));
    (1u64 << 30) as f64 / 1e9 / best.as_secs_f64()
}

/// A filled process, its stdin (a write releases its check) and its stdout.
fn start(exe: &Path, mib: u64) -> anyhow::Result<(Child, std::io::PipeWriter, OwnedFd)> {
    let (stdin_r, stdin_w) = std::io::pipe()?;
    let mut cmd = Command::new(exe);
    // Descriptors inherited from whoever runs the benchmark (a jobserver pipe, say) would be
    // pipes leading outside the process, which a restore cannot recreate.
    // SAFETY: close_range is async-signal-safe and touches no memory.
    unsafe {
        cmd.pre_exec(|| {
            libc::close_range(3, u32::MAX, 0);
            Ok(())
        });
    }
    let mut child = cmd
        .arg(mib.to_string())
        .stdin(stdin_r.try_clone()?)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let mut line = String::new();
    BufReader::new(child.stdout.take().context("stdout")?).read_line(&mut line)?;
    if line != "ready\n" {
        bail!("the test program did not start");
    }
    Ok((child, stdin_w, OwnedFd::from(stdin_r)))
}

fn measure(exe: &Path, image: &Path, mib: u64) -> anyhow::Result<Row> {
    let (child, stdin_w, stdin_r) = start(exe, mib)?;
    let pid = child.id() as i32;
    // A dump that leaves the process running, into a socket whose reader discards it.
    let (tx, mut rx) = UnixStream::pair()?;
    let reader = std::thread::spawn(move || std::io::copy(&mut rx, &mut std::io::sink()));
    let to_socket = checkpoint::dump(
        pid,
        BufWriter::with_capacity(1 << 20, tx),
        DumpOptions {
            leave_running: true,
        },
    )?;
    reader.join().expect("reader thread")?;
    // The move: image to tmpfs, process killed.
    let moved = checkpoint::dump(
        pid,
        BufWriter::with_capacity(1 << 20, File::create(image)?),
        DumpOptions {
            leave_running: false,
        },
    )?;
    drop(child);
    let restore_file = restore_and_verify(
        BufReader::with_capacity(1 << 20, File::open(image)?),
        &stdin_r,
        &stdin_w,
    )?;
    // Once more, with the image streamed through a socket.
    let (mut tx, rx) = UnixStream::pair()?;
    let mut file = File::open(image)?;
    let writer = std::thread::spawn(move || std::io::copy(&mut file, &mut tx));
    let restore_socket =
        restore_and_verify(BufReader::with_capacity(1 << 20, rx), &stdin_r, &stdin_w)?;
    writer.join().expect("writer thread")?;
    Ok(Row {
        bytes: moved.memory_bytes,
        freeze_socket: to_socket.freeze_time,
        freeze_move: moved.freeze_time,
        restore_file,
        restore_socket,
    })
}

/// Restores from `source`, lets the process check its memory, and waits for its verdict.
fn restore_and_verify(
    source: impl Read,
    stdin_r: &OwnedFd,
    mut stdin_w: &std::io::PipeWriter,
) -> anyhow::Result<Duration> {
    let t = Instant::now();
    let pid = checkpoint::restore_with(
        source,
        RestoreOptions::new()
            .inherit_fd(0, stdin_r.try_clone()?)
            .inherit_fd(1, File::open("/dev/null")?.into()),
    )?;
    let took = t.elapsed();
    stdin_w.write_all(b"x")?;
    let mut status = 0;
    // SAFETY: waits for the restored process, a child of this subreaper; writes one int.
    unsafe { libc::waitpid(pid, &mut status, 0) };
    if !(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0) {
        bail!("the restored process found its memory damaged (status {status:#x})");
    }
    Ok(took)
}
