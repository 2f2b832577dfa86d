//! The Roam config file (`roam.toml`, documented in `man/roam.toml.5`).
//!
//! One file serves every binary on a host. Its path comes from `--config`, else `$ROAM_CONFIG`,
//! else [`DEFAULT_PATH`]. Unknown keys and bad values are errors naming the file, line and key.
//! Relative paths inside the file are relative to the file's directory.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

/// Where the config lives when neither `--config` nor `$ROAM_CONFIG` says otherwise.
pub const DEFAULT_PATH: &str = "/etc/roam/roam.toml";
/// The environment variable naming the config file.
pub const ENV_VAR: &str = "ROAM_CONFIG";

/// A config file that could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config {path}: {cause} (set --config or ${ENV_VAR} to your roam.toml)")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        // Not `source`: the message already says it, and `{:#}` would say it twice.
        cause: std::io::Error,
    },
    /// The file is not valid TOML or has an unknown key or a bad value.
    #[error("{path}:{line}: {key}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// 1-based line of the offending key or value.
        line: usize,
        /// The key concerned (`-` when the error is not about one key).
        key: String,
        /// What is wrong.
        message: String,
    },
}

/// The whole config file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// This host's name in the cluster.
    pub name: String,
    /// The shared cluster key (see `migd keygen`).
    #[serde(default = "default_key_file")]
    pub key_file: PathBuf,
    /// Where daemons keep their state.
    #[serde(default = "default_state_dir")]
    pub state_dir: PathBuf,
    /// The migd section.
    #[serde(default)]
    pub migd: MigdConfig,
    /// The migration server; absent in clusters that use only the static host list.
    #[serde(default)]
    pub migserver: Option<MigserverConfig>,
    /// The loadavgd section.
    #[serde(default)]
    pub loadavgd: LoadavgdConfig,
    /// The static host list, for clusters without migserver.
    #[serde(default)]
    pub hosts: Vec<HostEntry>,
}

/// `[migserver]`: the central idle-host database and allocator.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MigserverConfig {
    /// Where migserver listens and where everyone reaches it.
    pub addr: SocketAddr,
    /// Besides root, the group whose members may drain, undrain and evict.
    #[serde(default = "default_admin_group")]
    pub admin_group: String,
    /// How long a lease lives unless renewed.
    #[serde(default = "default_lease_ttl", with = "humantime_duration")]
    pub lease_ttl: Duration,
    /// A host that has not reported for this long is down and loses its leases.
    #[serde(default = "default_down_after", with = "humantime_duration")]
    pub down_after: Duration,
}

/// `[loadavgd]`: when is this host idle?
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoadavgdConfig {
    /// Idle after no input for this long.
    #[serde(default = "default_idle_after", with = "humantime_duration")]
    pub idle_after: Duration,
    /// Idle only while the load not counting foreign processes is under this, per CPU.
    #[serde(default = "default_max_load")]
    pub max_load: f64,
    /// Input devices and files (globs): evdev devices and FIFOs carrying `struct input_event`
    /// records are read; for anything else, a newer access or modification time is input.
    #[serde(default = "default_inputs")]
    pub inputs: Vec<String>,
    /// Whether terminal and pty access times (`/dev/tty*`, `/dev/pts/*`) count as input.
    #[serde(default = "default_true")]
    pub watch_terminals: bool,
    /// How often the host reports to migserver.
    #[serde(default = "default_report_every", with = "humantime_duration")]
    pub report_every: Duration,
    /// Slots offered to the cluster (default: the CPU count).
    #[serde(default)]
    pub slots: Option<u32>,
}

impl Default for LoadavgdConfig {
    fn default() -> Self {
        LoadavgdConfig {
            idle_after: default_idle_after(),
            max_load: default_max_load(),
            inputs: default_inputs(),
            watch_terminals: true,
            report_every: default_report_every(),
            slots: None,
        }
    }
}

/// `[migd]`: the node-local migration daemon.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MigdConfig {
    /// TCP address other migds reach.
    #[serde(default = "default_listen")]
    pub listen: SocketAddr,
    /// Local API socket for mig, pmake and roam.
    #[serde(default = "default_socket")]
    pub socket: PathBuf,
    /// May foreign processes run as uid 0?
    #[serde(default)]
    pub allow_root: bool,
    /// After a job's home goes away: how long between SIGHUP and SIGKILL.
    #[serde(default = "default_hangup_grace", with = "humantime_duration")]
    pub hangup_grace: Duration,
    /// How long a home migd waits to connect to another host before calling it unreachable.
    #[serde(default = "default_connect_timeout", with = "humantime_duration")]
    pub connect_timeout: Duration,
    /// An evicted job gets SIGTERM, then SIGKILL after this long.
    #[serde(default = "default_evict_grace", with = "humantime_duration")]
    pub evict_grace: Duration,
}

/// `[[hosts]]`: one other host of the cluster.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostEntry {
    /// The host's name.
    pub name: String,
    /// Its migd's TCP address.
    pub addr: SocketAddr,
}

impl Default for MigdConfig {
    fn default() -> Self {
        MigdConfig {
            listen: default_listen(),
            socket: default_socket(),
            allow_root: false,
            hangup_grace: default_hangup_grace(),
            connect_timeout: default_connect_timeout(),
            evict_grace: default_evict_grace(),
        }
    }
}

fn default_key_file() -> PathBuf {
    "/etc/roam/cluster.key".into()
}
fn default_state_dir() -> PathBuf {
    "/var/lib/roam".into()
}
fn default_listen() -> SocketAddr {
    ([0, 0, 0, 0], 7420).into()
}
fn default_socket() -> PathBuf {
    "/run/roam/migd.sock".into()
}
fn default_hangup_grace() -> Duration {
    Duration::from_secs(5)
}
fn default_connect_timeout() -> Duration {
    Duration::from_secs(1)
}
fn default_evict_grace() -> Duration {
    Duration::from_secs(2)
}
fn default_admin_group() -> String {
    "roamadm".into()
}
fn default_lease_ttl() -> Duration {
    Duration::from_secs(30)
}
fn default_down_after() -> Duration {
    Duration::from_secs(10)
}
fn default_idle_after() -> Duration {
    Duration::from_secs(300)
}
fn default_max_load() -> f64 {
    0.3
}
fn default_inputs() -> Vec<String> {
    vec!["/dev/input/event*".into()]
}
fn default_true() -> bool {
    true
}
fn default_report_every() -> Duration {
    Duration::from_secs(2)
}

mod humantime_duration {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let s = String::deserialize(d)?;
        humantime::parse_duration(&s).map_err(|e| {
            serde::de::Error::custom(format!("{e}: expected a duration such as \"5s\" or \"2m\""))
        })
    }
}

impl Config {
    /// The config path a binary should use: `explicit` (from `--config`), else `$ROAM_CONFIG`,
    /// else [`DEFAULT_PATH`].
    pub fn locate(explicit: Option<&Path>) -> PathBuf {
        explicit
            .map(Path::to_owned)
            .or_else(|| std::env::var_os(ENV_VAR).map(PathBuf::from))
            .unwrap_or_else(|| DEFAULT_PATH.into())
    }

    /// Reads and validates the config at `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|cause| ConfigError::Read {
            path: path.to_owned(),
            cause,
        })?;
        Config::parse(&text, path)
    }

    /// Parses config text; `path` names the file in errors and anchors relative paths.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let mut config: Config = toml::from_str(text).map_err(|e| {
            let (line, key) = match e.span() {
                Some(span) => locate_span(text, span.start),
                None => (1, "-".to_owned()),
            };
            ConfigError::Invalid {
                path: path.to_owned(),
                line,
                key,
                message: e.message().trim().to_owned(),
            }
        })?;
        let invalid = |key: &str, message: String| ConfigError::Invalid {
            path: path.to_owned(),
            line: find_key_line(text, key),
            key: key.to_owned(),
            message,
        };
        if config.name.is_empty() || config.name.contains(char::is_whitespace) {
            return Err(invalid(
                "name",
                "a host name must be non-empty and without spaces".into(),
            ));
        }
        let mut seen = std::collections::HashSet::new();
        for host in &config.hosts {
            if !seen.insert(host.name.as_str()) {
                return Err(invalid(
                    "name",
                    format!("host {:?} is listed twice in [[hosts]]", host.name),
                ));
            }
        }
        if !(config.loadavgd.max_load.is_finite() && config.loadavgd.max_load >= 0.0) {
            return Err(invalid(
                "max_load",
                "must be a load per CPU such as 0.3".into(),
            ));
        }
        if config.loadavgd.slots == Some(0) {
            return Err(invalid("slots", "a host offers at least one slot".into()));
        }
        for (key, d) in [
            ("report_every", config.loadavgd.report_every),
            (
                "lease_ttl",
                config
                    .migserver
                    .as_ref()
                    .map_or(Duration::MAX, |m| m.lease_ttl),
            ),
            (
                "down_after",
                config
                    .migserver
                    .as_ref()
                    .map_or(Duration::MAX, |m| m.down_after),
            ),
        ] {
            if d < Duration::from_millis(10) {
                return Err(invalid(key, "must be at least 10ms".into()));
            }
        }
        let base = path.parent().unwrap_or(Path::new("."));
        for p in [
            &mut config.key_file,
            &mut config.state_dir,
            &mut config.migd.socket,
        ] {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        }
        Ok(config)
    }

    /// The address of host `name`: a `[[hosts]]` entry, or this host's own migd.
    pub fn host_addr(&self, name: &str) -> Option<SocketAddr> {
        if name == self.name {
            return Some(self.migd.listen);
        }
        self.hosts.iter().find(|h| h.name == name).map(|h| h.addr)
    }
}

/// The 1-based line of byte `offset` and the key written on that line.
fn locate_span(text: &str, offset: usize) -> (usize, String) {
    let offset = offset.min(text.len());
    let line = text[..offset].matches('\n').count() + 1;
    let line_text = text.lines().nth(line - 1).unwrap_or("");
    let key = match line_text.split_once('=') {
        Some((k, _)) => k.trim().trim_matches('"').to_owned(),
        None => line_text.trim().to_owned(),
    };
    (line, if key.is_empty() { "-".into() } else { key })
}

/// The line where `key` is first assigned, for errors found after parsing.
fn find_key_line(text: &str, key: &str) -> usize {
    text.lines()
        .position(|l| l.split_once('=').is_some_and(|(k, _)| k.trim() == key))
        .map_or(1, |i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"
name = "a"                              # this host's name in the cluster
key_file = "/etc/roam/cluster.key"      # shared cluster key
state_dir = "/var/lib/roam"
[migd]
listen = "127.0.0.11:7420"              # TCP address other migds reach
socket = "/run/roam/migd.sock"          # local API for mig/pmake/roam
allow_root = false                      # may foreign processes run as uid 0?
[migserver]
addr = "127.0.0.10:7430"        # where migserver listens and where everyone reaches it
admin_group = "roamadm"         # besides root, who may drain/evict
[loadavgd]
idle_after = "5m"               # humantime; seconds are allowed for tests
max_load = 0.3                  # per CPU, not counting foreign processes
inputs = ["/dev/input/event*"]  # globs; a FIFO receiving struct input_event records works too
[[hosts]]                               # static host list, for clusters without migserver
name = "b"
addr = "127.0.0.12:7420"
"#;

    #[test]
    fn the_documented_example_parses() {
        let c = Config::parse(EXAMPLE, Path::new("/etc/roam/roam.toml")).unwrap();
        assert_eq!(c.name, "a");
        assert_eq!(c.migd.listen, "127.0.0.11:7420".parse().unwrap());
        assert_eq!(c.host_addr("b"), Some("127.0.0.12:7420".parse().unwrap()));
        assert_eq!(c.host_addr("a"), Some(c.migd.listen));
        assert_eq!(c.host_addr("zz"), None);
        assert_eq!(c.migd.hangup_grace, Duration::from_secs(5));
        let server = c.migserver.unwrap();
        assert_eq!(server.addr, "127.0.0.10:7430".parse().unwrap());
        assert_eq!(server.admin_group, "roamadm");
        assert_eq!(c.loadavgd.idle_after, Duration::from_secs(300));
        assert_eq!(c.loadavgd.max_load, 0.3);
    }

    #[test]
    fn migserver_is_optional_and_loadavgd_has_defaults() {
        let c = Config::parse("name = \"a\"\n", Path::new("r.toml")).unwrap();
        assert!(c.migserver.is_none());
        assert_eq!(c.loadavgd.inputs, ["/dev/input/event*"]);
        assert!(c.loadavgd.watch_terminals);
        let err = Config::parse(
            "name = \"a\"\n[loadavgd]\nmax_load = -1.0\n",
            Path::new("r.toml"),
        )
        .unwrap_err()
        .to_string();
        assert!(err.starts_with("r.toml:3: max_load: "), "{err}");
    }

    #[test]
    fn unknown_key_names_file_line_and_key() {
        let text = "name = \"a\"\n[migd]\nlisten = \"127.0.0.1:1\"\nlisen = 3\n";
        let err = Config::parse(text, Path::new("/x/roam.toml"))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("/x/roam.toml:4: lisen: unknown field"),
            "{err}"
        );
    }

    #[test]
    fn bad_value_names_file_line_and_key() {
        let text = "name = \"a\"\n\n[migd]\nlisten = \"not an address\"\n";
        let err = Config::parse(text, Path::new("r.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("r.toml:4: listen: "), "{err}");
        let text = "name = \"a\"\n[migd]\nhangup_grace = \"soon\"\n";
        let err = Config::parse(text, Path::new("r.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("r.toml:3: hangup_grace: "), "{err}");
    }

    #[test]
    fn duplicate_hosts_are_refused() {
        let text = "name = \"a\"\n[[hosts]]\nname = \"b\"\naddr = \"127.0.0.1:1\"\n[[hosts]]\nname = \"b\"\naddr = \"127.0.0.1:2\"\n";
        let err = Config::parse(text, Path::new("r.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("listed twice"), "{err}");
    }

    #[test]
    fn relative_paths_are_relative_to_the_file() {
        let text = "name = \"a\"\nkey_file = \"cluster.key\"\n[migd]\nsocket = \"migd.sock\"\n";
        let c = Config::parse(text, Path::new("/srv/roam/roam.toml")).unwrap();
        assert_eq!(c.key_file, Path::new("/srv/roam/cluster.key"));
        assert_eq!(c.migd.socket, Path::new("/srv/roam/migd.sock"));
    }
}
