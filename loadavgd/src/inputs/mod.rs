//! Input watchers: the paths matching `[loadavgd] inputs` (globbed again at every rescan, so
//! devices and FIFOs that appear later are picked up) and, with `watch_terminals`, the
//! terminals. Evdev devices and FIFOs are read as `struct input_event` streams (`stream`);
//! anything else is watched by its time stamps (`stamps`).

mod stamps;
mod stream;

use std::collections::{HashMap, HashSet};
use std::fs::Metadata;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::PathBuf;
use std::time::SystemTime;

pub use stamps::{Stamps, Times, Used};
pub use stream::{open, read_records};

use crate::activity::Activity;

/// The terminals whose access times count with `watch_terminals`: virtual consoles and ptys.
pub const TERMINALS: [&str; 2] = ["/dev/tty[0-9]*", "/dev/pts/[0-9]*"];

/// An `inputs` entry that is not a glob.
#[derive(Debug, thiserror::Error)]
#[error("[loadavgd] inputs: {pattern:?} is not a valid glob: {message}")]
pub struct PatternError {
    /// The entry.
    pub pattern: String,
    /// What is wrong with it.
    pub message: String,
}

/// How an input is watched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A FIFO carrying `struct input_event` records.
    Fifo,
    /// An evdev character device.
    Evdev,
    /// Anything else: its time stamps.
    Stamped,
}

/// Checks that every pattern is a valid glob.
pub fn check_patterns(patterns: &[String]) -> Result<(), PatternError> {
    for pattern in patterns {
        glob::Pattern::new(pattern).map_err(|e| PatternError {
            pattern: pattern.clone(),
            message: e.msg.to_owned(),
        })?;
    }
    Ok(())
}

/// How to watch a file with metadata `meta` (followed through symlinks).
pub fn classify(meta: &Metadata) -> Kind {
    let file_type = meta.file_type();
    if file_type.is_fifo() {
        Kind::Fifo
    } else if file_type.is_char_device() && is_evdev(meta.rdev()) {
        Kind::Evdev
    } else {
        Kind::Stamped
    }
}

/// Whether character device `rdev` is an evdev node (`/dev/input/eventN`), as sysfs names it.
/// The other input nodes (`mouseN`, `jsN`) speak other protocols.
fn is_evdev(rdev: u64) -> bool {
    let (major, minor) = (nix::sys::stat::major(rdev), nix::sys::stat::minor(rdev));
    std::fs::read_link(format!("/sys/dev/char/{major}:{minor}"))
        .ok()
        .and_then(|target| Some(target.file_name()?.to_str()?.starts_with("event")))
        .unwrap_or(false)
}

/// Every existing path matching any of `patterns`.
fn expand<S: AsRef<str>>(patterns: &[S]) -> Vec<PathBuf> {
    patterns
        .iter()
        .filter_map(|p| glob::glob(p.as_ref()).ok())
        .flatten()
        .filter_map(Result::ok)
        .collect()
}

/// The newest time stamp that counts as input over the stamped inputs and terminals: what the
/// files remember, for `loadavgd status` (streams remember nothing).
pub fn newest_stamp(patterns: &[String], watch_terminals: bool) -> Option<SystemTime> {
    let files: Vec<PathBuf> = expand(patterns)
        .into_iter()
        .filter(|p| std::fs::metadata(p).is_ok_and(|m| classify(&m) == Kind::Stamped))
        .collect();
    let terminals = if watch_terminals {
        expand(&TERMINALS)
    } else {
        Vec::new()
    };
    stamps::newest(&files, Times::AccessOrModify).max(stamps::newest(&terminals, Times::Access))
}

/// A running stream watcher; dropping it stops the watcher.
struct Watcher {
    path: PathBuf,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Watcher {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The set of watched inputs.
pub struct Inputs {
    patterns: Vec<String>,
    watch_terminals: bool,
    activity: Activity,
    /// Stream watchers, by the watched file's (device, inode).
    streams: HashMap<(u64, u64), Watcher>,
    stamped: Vec<PathBuf>,
    terminals: Vec<PathBuf>,
    file_stamps: Stamps,
    terminal_stamps: Stamps,
    /// Paths that could not be opened, so that each is complained about once.
    failed: HashSet<PathBuf>,
}

impl Inputs {
    /// Watches what `patterns` (and, with `watch_terminals`, the terminals) match, reporting
    /// input to `activity`. Nothing is watched before the first [`Inputs::rescan`].
    pub fn new(patterns: Vec<String>, watch_terminals: bool, activity: Activity) -> Self {
        Inputs {
            patterns,
            watch_terminals,
            activity,
            streams: HashMap::new(),
            stamped: Vec::new(),
            terminals: Vec::new(),
            file_stamps: Stamps::new(Times::AccessOrModify),
            terminal_stamps: Stamps::new(Times::Access),
            failed: HashSet::new(),
        }
    }

    /// Globs again: starts watchers for new streams (and for those whose watcher stopped) and
    /// stops those whose file is gone or was replaced.
    pub fn rescan(&mut self) {
        let mut streams = HashSet::new();
        let mut stamped = Vec::new();
        for path in expand(&self.patterns) {
            let Ok(meta) = std::fs::metadata(&path) else {
                continue;
            };
            let kind = classify(&meta);
            if kind == Kind::Stamped {
                stamped.push(path);
                continue;
            }
            let id = (meta.dev(), meta.ino());
            if streams.insert(id) && self.streams.get(&id).is_none_or(|w| w.task.is_finished()) {
                self.start(id, path, kind);
            }
        }
        self.streams.retain(|id, watcher| {
            let keep = streams.contains(id);
            if !keep {
                tracing::info!(path = %watcher.path.display(), "input is gone; no longer watched");
            }
            keep
        });
        self.stamped = stamped;
        self.terminals = if self.watch_terminals {
            expand(&TERMINALS)
        } else {
            Vec::new()
        };
    }

    /// Looks at the time stamps of the stamped inputs and terminals; returns those used since
    /// the previous look. The caller decides whether they are input (a foreign job reading its
    /// own pty is not).
    pub fn poll_stamps(&mut self) -> Vec<Used> {
        let mut used = self.file_stamps.poll(&self.stamped);
        used.extend(self.terminal_stamps.poll(&self.terminals));
        used
    }

    fn start(&mut self, id: (u64, u64), path: PathBuf, kind: Kind) {
        let file = match open(&path, kind == Kind::Fifo) {
            Ok(file) => file,
            Err(e) => {
                if self.failed.insert(path.clone()) {
                    tracing::warn!(path = %path.display(), "cannot read input: {e}");
                }
                return;
            }
        };
        self.failed.remove(&path);
        tracing::info!(path = %path.display(), kind = ?kind, "watching input");
        let activity = self.activity.clone();
        let shown = path.clone();
        let task = tokio::spawn(async move {
            let e = read_records(file, |_| activity.input()).await;
            tracing::debug!(path = %shown.display(), "stopped reading input: {e}");
        });
        self.streams.insert(id, Watcher { path, task });
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::time::Duration;

    use tokio::time::Instant;

    use std::path::Path;

    use super::*;
    use crate::input_event::RECORD_SIZE;

    #[test]
    fn classifies_fifos_files_and_other_devices() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
        let file = dir.path().join("file");
        std::fs::write(&file, b"").unwrap();
        let kind = |p: &Path| classify(&std::fs::metadata(p).unwrap());
        assert_eq!(kind(&fifo), Kind::Fifo);
        assert_eq!(kind(&file), Kind::Stamped);
        assert_eq!(kind(Path::new("/dev/null")), Kind::Stamped);
    }

    #[test]
    fn bad_patterns_are_named() {
        assert!(check_patterns(&["/dev/input/event*".into()]).is_ok());
        let e = check_patterns(&["/dev/[".into()]).unwrap_err().to_string();
        assert!(
            e.starts_with("[loadavgd] inputs: \"/dev/[\" is not a valid glob"),
            "{e}"
        );
    }

    #[tokio::test(flavor = "current_thread")]
    async fn fifos_that_appear_later_are_watched_and_dropped_when_gone() {
        let dir = tempfile::tempdir().unwrap();
        let start = Instant::now();
        let activity = Activity::new(start);
        let mut last_input = activity.last_input();
        let pattern = format!("{}/input*", dir.path().display());
        let mut inputs = Inputs::new(vec![pattern], false, activity);
        inputs.rescan();
        assert!(inputs.streams.is_empty());

        let fifo = dir.path().join("input0");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
        inputs.rescan();
        assert_eq!(inputs.streams.len(), 1);
        inputs.rescan();
        assert_eq!(inputs.streams.len(), 1, "one watcher per file");

        let mut writer = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
        writer.write_all(&[1u8; RECORD_SIZE]).unwrap();
        tokio::time::timeout(Duration::from_secs(5), last_input.wait_for(|&t| t > start))
            .await
            .expect("the record was not seen within 5s")
            .unwrap();

        std::fs::remove_file(&fifo).unwrap();
        inputs.rescan();
        assert!(inputs.streams.is_empty());
    }
}
