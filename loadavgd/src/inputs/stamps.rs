//! Inputs watched by their time stamps: regular files, terminals and any other file that is not
//! an event stream. A time stamp newer than the one seen at the previous look is input.

use std::collections::HashMap;
use std::fs::Metadata;
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::time::SystemTime;

/// Which time stamps count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Times {
    /// Access or modification (input files).
    AccessOrModify,
    /// Access only: writing to a terminal is output, reading from it is someone typing.
    Access,
}

/// The time stamps seen at the previous look.
#[derive(Debug)]
pub struct Stamps {
    times: Times,
    seen: HashMap<PathBuf, SystemTime>,
}

/// A file used since the previous look.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Used {
    /// The file.
    pub path: PathBuf,
    /// Its device number when it is a device (a terminal), else 0.
    pub rdev: u64,
}

impl Stamps {
    /// Nothing seen yet.
    pub fn new(times: Times) -> Self {
        Stamps {
            times,
            seen: HashMap::new(),
        }
    }

    /// Looks at `paths` again and returns those used since the previous look. A path seen for
    /// the first time only sets the mark (a new pty is a login or a foreign job's terminal, not
    /// yet anyone typing).
    pub fn poll(&mut self, paths: &[PathBuf]) -> Vec<Used> {
        let mut used = Vec::new();
        let mut seen = HashMap::with_capacity(paths.len());
        for path in paths {
            let Ok(meta) = std::fs::metadata(path) else {
                continue;
            };
            let Some(stamp) = stamp(&meta, self.times) else {
                continue;
            };
            if self.seen.get(path).is_some_and(|&before| stamp > before) {
                used.push(Used {
                    path: path.clone(),
                    rdev: meta.rdev(),
                });
            }
            seen.insert(path.clone(), stamp);
        }
        self.seen = seen;
        used
    }
}

/// The newest of the time stamps that count, over `paths`.
pub fn newest(paths: &[PathBuf], times: Times) -> Option<SystemTime> {
    paths
        .iter()
        .filter_map(|p| stamp(&std::fs::metadata(p).ok()?, times))
        .max()
}

fn stamp(meta: &Metadata, times: Times) -> Option<SystemTime> {
    let accessed = meta.accessed().ok()?;
    match times {
        Times::Access => Some(accessed),
        Times::AccessOrModify => Some(accessed.max(meta.modified().ok()?)),
    }
}

#[cfg(test)]
mod tests {
    use std::fs::{File, FileTimes};
    use std::time::Duration;

    use super::*;

    fn set(path: &std::path::Path, accessed: SystemTime, modified: SystemTime) {
        File::options()
            .write(true)
            .open(path)
            .unwrap()
            .set_times(
                FileTimes::new()
                    .set_accessed(accessed)
                    .set_modified(modified),
            )
            .unwrap();
    }

    #[test]
    fn a_newer_stamp_than_last_seen_is_input() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("input");
        File::create(&path).unwrap();
        let t0 = SystemTime::now() - Duration::from_secs(100);
        set(&path, t0, t0);
        let paths = vec![path.clone()];

        let mut files = Stamps::new(Times::AccessOrModify);
        let mut terminals = Stamps::new(Times::Access);
        assert!(
            files.poll(&paths).is_empty(),
            "a first look only sets the mark"
        );
        assert!(terminals.poll(&paths).is_empty());
        assert!(files.poll(&paths).is_empty());

        set(&path, t0, t0 + Duration::from_secs(1));
        let used = files.poll(&paths);
        assert_eq!(
            used,
            [Used {
                path: path.clone(),
                rdev: 0
            }]
        );
        assert!(
            terminals.poll(&paths).is_empty(),
            "modification is not terminal input"
        );
        assert!(files.poll(&paths).is_empty(), "counted once");

        set(
            &path,
            t0 + Duration::from_secs(2),
            t0 + Duration::from_secs(1),
        );
        assert_eq!(files.poll(&paths).len(), 1);
        assert_eq!(terminals.poll(&paths).len(), 1);
        assert_eq!(
            newest(&paths, Times::AccessOrModify),
            Some(t0 + Duration::from_secs(2))
        );
    }

    #[test]
    fn files_that_come_and_go_are_no_input_by_themselves() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("input");
        let paths = vec![path.clone()];
        let mut files = Stamps::new(Times::AccessOrModify);
        assert!(files.poll(&paths).is_empty());
        File::create(&path).unwrap();
        assert!(files.poll(&paths).is_empty());
        std::fs::remove_file(&path).unwrap();
        assert!(files.poll(&paths).is_empty());
        assert_eq!(newest(&paths, Times::Access), None);
    }
}
