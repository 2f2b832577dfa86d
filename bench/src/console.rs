//! The console at scale (the console issue's goals: a frame with 1,000 hosts and 10,000
//! processes drawn in ≤ 16 ms; 10,000 watch events a second absorbed without growing memory).
//! `roam hosts --json` on 10,000 hosts is measured with migserver's load (see `migserver`).

use std::time::Duration;

use crate::stats::{ms, percentile};

/// Frame time and event absorption, in process (the console's own state and drawing code).
pub fn run() -> anyhow::Result<()> {
    println!("### console: frame time and watch-event absorption\n");
    let mut frames: Vec<Duration> = (0..20)
        .map(|_| roam_console::tui::bench_frame(1000, 10_000))
        .collect();
    println!("| what | result |\n|---|---|");
    println!(
        "| one frame, 1,000 hosts and 10,000 processes, 200×60, slowest tab (median / worst of 20) | {} / {} ms |",
        ms(percentile(&mut frames, 50.0)),
        ms(percentile(&mut frames, 100.0))
    );
    let seconds = 10;
    let rate = roam_console::tui::bench_events(10_000, seconds);
    println!(
        "| 10,000 events/s for {seconds} s: time per event, slowest simulated second | {:.2} µs, {} ms |",
        rate.per_event.as_secs_f64() * 1e6,
        ms(rate.slowest_second)
    );
    println!(
        "| events held at the end of each second (bounded log) | {:?} |",
        rate.rows
    );
    println!(
        "| jobs tracked at the end of each second | {:?} |\n",
        rate.jobs
    );
    println!(
        "Goals: frame ≤ 16 ms; the console keeps up (slowest second < 1 s) with flat memory.\n"
    );
    Ok(())
}
