//! The monitor: turns input, time stamps and load samples into the idle decision, and
//! publishes the host's status for the reporter. It never waits on a call, so a slow migd
//! cannot delay the busy report.

use std::sync::Arc;
use std::time::Duration;

use roam_shared::config::LoadavgdConfig;
use tokio::sync::watch;
use tokio::time::{Instant, MissedTickBehavior};

use crate::activity::Activity;
use crate::host_status::HostStatus;
use crate::idle::{BusyReason, IdlePolicy, IdleState};
use crate::inputs::Inputs;
use crate::migd_link::MigdLink;
use crate::sampler::{Sample, foreign_terminals};

/// How often time stamps (input files, terminals) are looked at.
pub const POLL_EVERY: Duration = Duration::from_secs(1);

/// What the monitor publishes: the latest status, and the last input so that the time since
/// it can be brought up to date when a report is sent.
#[derive(Debug, Clone)]
pub struct Published {
    /// The status when it was published.
    pub status: HostStatus,
    /// The last input then.
    pub last_input: Instant,
}

impl Published {
    /// The status, with the time since the last input as of `now`.
    pub fn at(&self, now: Instant) -> HostStatus {
        let idle_ms = now.saturating_duration_since(self.last_input).as_millis();
        HostStatus {
            input_idle_ms: u64::try_from(idle_ms).unwrap_or(u64::MAX),
            ..self.status.clone()
        }
    }
}

/// The monitor's state.
pub struct Monitor {
    inputs: Inputs,
    activity: Activity,
    last_input: watch::Receiver<Instant>,
    samples: watch::Receiver<Sample>,
    idle: IdleState,
    slots: Option<u32>,
    rescan_every: Duration,
    migd: Arc<MigdLink>,
    published: watch::Sender<Published>,
}

impl Monitor {
    /// A monitor deciding by `config`, reading input from `inputs` (which report to
    /// `activity`) and load from `samples`. Returns it with the receiver of what it publishes.
    pub fn new(
        config: &LoadavgdConfig,
        inputs: Inputs,
        activity: Activity,
        samples: watch::Receiver<Sample>,
        migd: Arc<MigdLink>,
        rescan_every: Duration,
    ) -> (Self, watch::Receiver<Published>) {
        let last_input = activity.last_input();
        let idle = IdleState::new(IdlePolicy {
            idle_after: config.idle_after,
            max_load: config.max_load,
        });
        let status = samples.borrow().status(false, Duration::ZERO, config.slots);
        let (published, receiver) = watch::channel(Published {
            status,
            last_input: *last_input.borrow(),
        });
        let monitor = Monitor {
            inputs,
            activity,
            last_input,
            samples,
            idle,
            slots: config.slots,
            rescan_every,
            migd,
            published,
        };
        (monitor, receiver)
    }

    /// Runs until the samples stop.
    pub async fn run(mut self) {
        let mut poll = tokio::time::interval(POLL_EVERY);
        poll.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut rescan =
            tokio::time::interval_at(Instant::now() + self.rescan_every, self.rescan_every);
        rescan.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            let now = Instant::now();
            let wake = self
                .idle
                .input_wait(self.input_idle(now))
                .map(|wait| now + wait);
            let mut sampled = false;
            tokio::select! {
                changed = self.last_input.changed() => if changed.is_err() { return },
                changed = self.samples.changed() => {
                    if changed.is_err() {
                        return;
                    }
                    sampled = true;
                }
                _ = poll.tick() => self.poll_stamps(),
                _ = rescan.tick() => self.inputs.rescan(),
                () = tokio::time::sleep_until(wake.unwrap_or(now)), if wake.is_some() => {}
            }
            if self.decide() || sampled {
                self.publish();
            }
        }
    }

    fn input_idle(&self, now: Instant) -> Duration {
        now.saturating_duration_since(*self.last_input.borrow())
    }

    /// Decides again; returns whether the decision changed.
    fn decide(&mut self) -> bool {
        let input_idle = self.input_idle(Instant::now());
        let load = self.samples.borrow().load_per_cpu();
        if !self.idle.update(input_idle, load) {
            return false;
        }
        match self.idle.busy_reason(input_idle) {
            None => tracing::info!(
                "idle: no input for {}, load {load:.2} per CPU",
                humantime::format_duration(Duration::from_secs(input_idle.as_secs()))
            ),
            Some(BusyReason::Input) => tracing::info!("busy: input"),
            Some(BusyReason::Load) => tracing::info!("busy: load {load:.2} per CPU"),
        }
        true
    }

    fn publish(&self) {
        let last_input = *self.last_input.borrow();
        let input_idle = self.input_idle(Instant::now());
        let status = self
            .samples
            .borrow()
            .status(self.idle.is_idle(), input_idle, self.slots);
        self.published
            .send_replace(Published { status, last_input });
    }

    /// Input files whose stamps moved are input. A terminal whose stamp moved is input unless
    /// it is a foreign job's own terminal, which takes asking migd: that runs on its own, so
    /// that nothing here waits on migd.
    fn poll_stamps(&mut self) {
        let used = self.inputs.poll_stamps();
        if used.is_empty() {
            return;
        }
        if used.iter().any(|u| u.rdev == 0) {
            self.activity.input();
            return;
        }
        let (activity, migd) = (self.activity.clone(), self.migd.clone());
        tokio::spawn(async move {
            let foreign = foreign_terminals(&migd).await;
            if let Some(u) = used.iter().find(|u| !foreign.contains(&u.rdev)) {
                tracing::debug!(path = %u.path.display(), "terminal used");
                activity.input();
            }
        });
    }
}
