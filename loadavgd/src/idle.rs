//! The idle/busy decision, with hysteresis so that a load hovering around the threshold does not
//! make the host flap. Pure: the caller says how long input has been quiet and what the load
//! is; nothing here reads a clock.

use std::time::Duration;

/// Once idle, a host turns busy on load only at `max_load × BAND` per CPU.
pub const BAND: f64 = 1.5;

/// When a host counts as idle (from `[loadavgd]`).
#[derive(Debug, Clone, Copy)]
pub struct IdlePolicy {
    /// No input for this long.
    pub idle_after: Duration,
    /// Load per CPU, not counting foreign processes, must be under this.
    pub max_load: f64,
}

/// The current decision. A host starts busy.
#[derive(Debug)]
pub struct IdleState {
    policy: IdlePolicy,
    idle: bool,
}

/// Why a host is busy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BusyReason {
    /// There was input less than `idle_after` ago.
    Input,
    /// The load not counting foreign processes is too high.
    Load,
}

impl IdleState {
    /// A busy host under `policy`.
    pub fn new(policy: IdlePolicy) -> Self {
        IdleState {
            policy,
            idle: false,
        }
    }

    /// The decision so far.
    pub fn is_idle(&self) -> bool {
        self.idle
    }

    /// Decides again, given the time since the last input and the non-foreign load per CPU.
    /// Returns whether the decision changed.
    ///
    /// Busy → idle needs `input_idle ≥ idle_after` and `load < max_load`; idle → busy happens
    /// on any input at once, or when `load ≥ max_load × BAND`.
    pub fn update(&mut self, input_idle: Duration, load_per_cpu: f64) -> bool {
        let was = self.idle;
        let limit = if self.idle {
            self.policy.max_load * BAND
        } else {
            self.policy.max_load
        };
        self.idle = input_idle >= self.policy.idle_after && load_per_cpu < limit;
        self.idle != was
    }

    /// Why the host is busy (`None` while idle), for the log.
    pub fn busy_reason(&self, input_idle: Duration) -> Option<BusyReason> {
        match (self.idle, input_idle < self.policy.idle_after) {
            (true, _) => None,
            (false, true) => Some(BusyReason::Input),
            (false, false) => Some(BusyReason::Load),
        }
    }

    /// How much longer input must stay quiet before the host may turn idle; `None` when that
    /// is not what keeps it busy.
    pub fn input_wait(&self, input_idle: Duration) -> Option<Duration> {
        (!self.idle && input_idle < self.policy.idle_after)
            .then(|| self.policy.idle_after - input_idle)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: IdlePolicy = IdlePolicy {
        idle_after: Duration::from_secs(300),
        max_load: 0.3,
    };
    const LONG: Duration = Duration::from_secs(600);

    #[test]
    fn starts_busy_and_turns_idle_after_idle_after_without_input() {
        let mut s = IdleState::new(POLICY);
        assert!(!s.is_idle());
        assert!(!s.update(Duration::from_secs(299), 0.0));
        assert_eq!(
            s.busy_reason(Duration::from_secs(299)),
            Some(BusyReason::Input)
        );
        assert_eq!(
            s.input_wait(Duration::from_secs(299)),
            Some(Duration::from_secs(1))
        );
        assert!(s.update(Duration::from_secs(300), 0.0));
        assert!(s.is_idle());
        assert_eq!(s.busy_reason(Duration::from_secs(300)), None);
        assert_eq!(s.input_wait(Duration::from_secs(300)), None);
    }

    #[test]
    fn any_input_makes_an_idle_host_busy_at_once() {
        let mut s = IdleState::new(POLICY);
        s.update(LONG, 0.0);
        assert!(s.is_idle());
        assert!(s.update(Duration::ZERO, 0.0));
        assert!(!s.is_idle());
        assert_eq!(s.busy_reason(Duration::ZERO), Some(BusyReason::Input));
        assert_eq!(s.input_wait(Duration::ZERO), Some(POLICY.idle_after));
    }

    #[test]
    fn a_loaded_host_is_not_idle_however_quiet_its_input() {
        let mut s = IdleState::new(POLICY);
        assert!(!s.update(LONG, 0.3));
        assert_eq!(s.busy_reason(LONG), Some(BusyReason::Load));
        assert_eq!(s.input_wait(LONG), None);
        assert!(s.update(LONG, 0.29));
    }

    #[test]
    fn load_inside_the_band_keeps_the_current_decision() {
        let mut s = IdleState::new(POLICY);
        // Busy, load between max_load and max_load × BAND: stays busy.
        assert!(!s.update(LONG, 0.35));
        assert!(!s.is_idle());
        // Idle, the same load: stays idle.
        s.update(LONG, 0.1);
        assert!(s.is_idle());
        assert!(!s.update(LONG, 0.35));
        assert!(!s.update(LONG, 0.449));
        assert!(s.is_idle());
        // At the top of the band it turns busy, and comes back only under max_load.
        assert!(s.update(LONG, 0.45));
        assert_eq!(s.busy_reason(LONG), Some(BusyReason::Load));
        assert!(!s.update(LONG, 0.3));
        assert!(s.update(LONG, 0.2999));
    }

    #[test]
    fn a_load_wobbling_around_max_load_does_not_flap() {
        let mut s = IdleState::new(POLICY);
        s.update(LONG, 0.0);
        let changes = [0.28, 0.32, 0.29, 0.31, 0.27, 0.33, 0.3, 0.25, 0.34]
            .iter()
            .filter(|&&load| s.update(LONG, load))
            .count();
        assert_eq!(changes, 0);
        assert!(s.is_idle());
    }

    #[test]
    fn max_load_zero_never_idles() {
        let mut s = IdleState::new(IdlePolicy {
            max_load: 0.0,
            ..POLICY
        });
        assert!(!s.update(LONG, 0.0));
    }
}
