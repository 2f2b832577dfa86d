//! The daemon: wires the input watchers, the sampler, the monitor, the evictor and the
//! reporter together on one thread, and stops cleanly on SIGTERM or SIGINT.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use roam_shared::config::Config;
use roam_shared::credential::ClusterKey;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::watch;
use tokio::time::Instant;

use crate::activity::Activity;
use crate::inputs::Inputs;
use crate::migd_link::MigdLink;
use crate::monitor::Monitor;
use crate::report::Reporter;
use crate::sampler::Sampler;

/// Load is sampled (and inputs globbed again) every `report_every`, but not more often than
/// this.
pub const MIN_SAMPLE_EVERY: Duration = Duration::from_secs(1);

/// Runs the daemon until SIGTERM or SIGINT.
pub fn run(config: Config) -> anyhow::Result<()> {
    crate::inputs::check_patterns(&config.loadavgd.inputs)?;
    let key = match &config.migserver {
        Some(_) => Some(ClusterKey::load(&config.key_file)?),
        None => None,
    };
    // One thread: the work is short steps between waits, and the daemon must stay small.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(serve(config, key))
}

async fn serve(config: Config, key: Option<ClusterKey>) -> anyhow::Result<()> {
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    let settings = &config.loadavgd;
    let sample_every = settings.report_every.max(MIN_SAMPLE_EVERY);

    let migd = Arc::new(MigdLink::new(&config.migd.socket));
    migd.warm_up().await;
    let activity = Activity::new(Instant::now());
    tokio::spawn(crate::evict::on_owner_return(
        activity.eviction_trigger(),
        migd.clone(),
    ));

    let mut sampler = Sampler::new(migd.clone());
    let first = sampler.sample().await.context("cannot sample the load")?;
    let (samples_tx, samples) = watch::channel(first);
    tokio::spawn(sampler.run(sample_every, samples_tx));

    let mut inputs = Inputs::new(
        settings.inputs.clone(),
        settings.watch_terminals,
        activity.clone(),
    );
    inputs.rescan();
    let (monitor, published) = Monitor::new(
        settings,
        inputs,
        activity,
        samples,
        migd.clone(),
        sample_every,
    );

    match (&config.migserver, key) {
        (Some(server), Some(key)) => {
            let reporter = Reporter {
                addr: server.addr,
                key,
                host: config.name.clone(),
                migd_addr: config.migd.listen.to_string(),
                every: settings.report_every,
                published,
                migd,
            };
            tokio::spawn(reporter.run());
        }
        _ => tracing::info!("no [migserver] in the config: deciding idleness without reporting it"),
    }
    tracing::info!(
        host = %config.name,
        idle_after = %humantime::format_duration(settings.idle_after),
        max_load = settings.max_load,
        "loadavgd {} ready",
        roam_shared::VERSION
    );

    tokio::select! {
        () = monitor.run() => anyhow::bail!("the monitor stopped"),
        _ = term.recv() => tracing::info!("SIGTERM: stopping"),
        _ = int.recv() => tracing::info!("SIGINT: stopping"),
    }
    tracing::info!("stopped");
    Ok(())
}
