//! The C corpus: each program sets up some state, is checkpointed, its original killed, is
//! restored, and then verifies its own state.

mod harness;

use harness::{Proc, scratch};

#[test]
fn memory_patterns_survive() {
    let dir = scratch("memory");
    let file = dir.join("mapped");
    let mut p = Proc::start("memory", &[file.to_str().unwrap()]);
    p.wait_for("ready\n");
    let stats = p.migrate_and_check(&dir);
    // 24 MiB heap + 8 MiB anonymous + 1024 touched pages of the 1 GiB region + small parts:
    // never-touched pages and unmodified file pages must not travel.
    assert!(
        (36 << 20..48 << 20).contains(&stats.memory_bytes),
        "{stats:?}"
    );
}

#[test]
fn counter_continues() {
    let dir = scratch("counter");
    let mut p = Proc::start("counter", &[]);
    p.wait_for("tick 3\n");
    let image = dir.join("image");
    p.dump(&image, false);
    let before = p.output.clone();
    let last: u64 = before
        .lines()
        .filter_map(|l| l.strip_prefix("tick ")?.parse().ok())
        .max()
        .unwrap();
    p.restore(&image);
    let next = format!("tick {}\n", last + 2);
    p.wait_for(&next);
    // SAFETY: kill with integers.
    unsafe { libc::kill(p.pid, libc::SIGUSR1) };
    let st = p.wait_exit();
    assert!(
        libc::WIFEXITED(st) && libc::WEXITSTATUS(st) == 0,
        "status {st:#x}; output:\n{}",
        p.output
    );
    let after = &p.output[before.len()..];
    assert!(!after.contains("ready"), "it started again:\n{}", p.output);
    assert!(
        after.starts_with(&format!("tick {}\n", last + 1)),
        "ticks did not continue from {last}:\n{after}"
    );
}

#[test]
fn files_and_process_attributes_survive() {
    let dir = scratch("files");
    let mut p = Proc::start("files", &[dir.to_str().unwrap()]);
    p.wait_for("ready\n");
    p.migrate_and_check(&dir);
}

#[test]
fn signals_and_timers_survive() {
    let dir = scratch("signals");
    let mut p = Proc::start("signals", &[]);
    p.wait_for("ready\n");
    p.migrate_and_check(&dir);
}

#[test]
fn threads_keep_their_tls() {
    let dir = scratch("threads");
    let mut p = Proc::start("threads", &[]);
    p.wait_for("ready\n");
    let stats = p.migrate_and_check(&dir);
    assert_eq!(stats.threads, 5);
}

#[test]
fn avx_registers_survive_mid_computation() {
    let dir = scratch("avx");
    let mut p = Proc::start("avx", &[]);
    p.wait_for("ready\n");
    let image = dir.join("image");
    p.dump(&image, false);
    p.restore(&image);
    // SAFETY: kill with integers.
    unsafe { libc::kill(p.pid, libc::SIGUSR1) };
    let st = p.wait_exit();
    assert!(
        libc::WIFEXITED(st) && libc::WEXITSTATUS(st) == 0,
        "status {st:#x}; output:\n{}",
        p.output
    );
    assert!(p.output.contains("ok\n"), "{}", p.output);
}

#[test]
fn vdso_clock_works_after_restore() {
    let dir = scratch("clock");
    let mut p = Proc::start("clock", &[]);
    p.wait_for("ready\n");
    p.migrate_and_check(&dir);
}

#[test]
fn shared_memory_comes_back_shared() {
    let dir = scratch("shared");
    let file = dir.join("shared-file");
    let mut p = Proc::start("shared", &[file.to_str().unwrap()]);
    p.wait_for("ready\n");
    p.migrate_and_check(&dir);
}

#[test]
fn restored_twenty_times_in_a_row() {
    let dir = scratch("repeat");
    let image = dir.join("image");
    let mut p = Proc::start("repeat", &[]);
    p.wait_for("ready\n");
    for _ in 0..20 {
        p.dump(&image, false);
        p.restore(&image);
    }
    p.expect_ok();
}

#[test]
fn credentials_come_back_whole() {
    let dir = scratch("creds");
    let mut p = Proc::start("creds", &[]);
    p.wait_for("ready\n");
    p.migrate_and_check(&dir);
}

#[test]
fn threads_run_on_after_a_dump_that_leaves_them_running() {
    let dir = scratch("threads-leave");
    let mut p = Proc::start("threads", &[]);
    p.wait_for("ready\n");
    let stats = p.dump(&dir.join("image"), true);
    assert_eq!(stats.threads, 5);
    p.expect_ok();
}

#[test]
fn eventfd_counters_survive() {
    let dir = scratch("eventfd");
    let mut p = Proc::start("eventfd", &[]);
    p.wait_for("ready\n");
    p.migrate_and_check(&dir);
}

#[test]
fn timerfd_expirations_and_times_survive() {
    let dir = scratch("timerfd");
    let mut p = Proc::start("timerfd", &[]);
    p.wait_for("ready\n");
    p.migrate_and_check(&dir);
}

#[test]
fn signalfd_reads_pending_and_new_signals() {
    let dir = scratch("signalfd");
    let mut p = Proc::start("signalfd", &[]);
    p.wait_for("ready\n");
    p.migrate_and_check(&dir);
}

#[test]
fn epoll_watches_survive() {
    let dir = scratch("epoll");
    let mut p = Proc::start("epoll", &[]);
    p.wait_for("ready\n");
    p.migrate_and_check(&dir);
}

#[test]
fn memfd_comes_back_as_one_object_with_its_mapping() {
    let dir = scratch("memfd");
    let mut p = Proc::start("memfd", &[]);
    p.wait_for("ready\n");
    let stats = p.migrate_and_check(&dir);
    // The memfd's 3 MiB travel once, in its file data, not again as memory of its mapping.
    assert!(
        stats.image_bytes - stats.memory_bytes >= 3 << 20,
        "{stats:?}"
    );
    assert!(stats.memory_bytes < 3 << 20, "{stats:?}");
}
