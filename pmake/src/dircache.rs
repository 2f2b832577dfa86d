//! Directory listings cached for the existence questions that implicit-rule search and VPATH ask.
//!
//! Looking for a rule for one file tries dozens of candidate prerequisites (`%.c`, `%.y`,
//! `RCS/%,v`, `SCCS/s.%`, …), nearly all of which do not exist. Like GNU make, pmake answers
//! those questions from a listing of the directory read once, instead of one `stat` each.
//!
//! Unlike GNU make, the cache does not go stale when recipes create files: every time a command
//! may have run ([`DirCache::commands_ran`]), each listing is checked against its directory's
//! modification time before it is used again, and re-read if the directory changed. A listing read
//! less than [`RACY`] after its directory last changed is never trusted across commands, since a
//! change within the same timestamp tick would not move the directory's time.

use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::os::unix::fs::MetadataExt;
use std::time::{Duration, SystemTime};

/// How close to the directory's own modification time a listing may be read and still be
/// trusted after commands ran (coarse file-system clocks tick in milliseconds; NFS in seconds).
const RACY: Duration = Duration::from_secs(2);

/// Cached listings, keyed by directory as named in the makefile (`""` is the current one).
#[derive(Default)]
pub struct DirCache {
    dirs: HashMap<String, Listing, foldhash::fast::RandomState>,
    /// Bumped whenever commands may have changed the file system.
    generation: u64,
}

struct Listing {
    entries: Entries,
    generation: u64,
    /// The directory's modification time when read, if it is trustworthy later.
    settled_mtime: Option<(i64, i64)>,
}

enum Entries {
    /// The names in the directory.
    Listed(HashSet<OsString, foldhash::fast::RandomState>),
    /// The directory does not exist.
    Missing,
    /// The directory exists but cannot be listed (search permission only): ask the file system.
    Unlistable,
}

impl DirCache {
    /// Whether `path` exists (as `lstat` would say), answered from the listing of its directory.
    pub fn exists(&mut self, path: &str) -> bool {
        let (dir, base) = match path.rfind('/') {
            Some(i) => (&path[..i.max(1)], &path[i + 1..]),
            None => ("", path),
        };
        if base.is_empty() || base == "." || base == ".." || dir.contains("//") {
            return std::fs::symlink_metadata(path).is_ok();
        }
        let generation = self.generation;
        let listing = match self.dirs.get_mut(dir) {
            Some(l) if l.generation == generation => l,
            Some(l) if l.settled_mtime.is_some() && dir_mtime(dir) == l.settled_mtime => {
                l.generation = generation;
                l
            }
            _ => self
                .dirs
                .entry(dir.to_string())
                .insert_entry(read(dir, generation))
                .into_mut(),
        };
        match &listing.entries {
            Entries::Listed(names) => names.contains(std::ffi::OsStr::new(base)),
            Entries::Missing => false,
            Entries::Unlistable => std::fs::symlink_metadata(path).is_ok(),
        }
    }

    /// The directories looked at so far (`""` is the current one), each with the number of
    /// names listed, `Some(None)` if it cannot be listed, or `None` if it does not exist.
    pub fn directories(&self) -> Vec<(&str, Option<Option<usize>>)> {
        self.dirs
            .iter()
            .map(|(name, l)| {
                let n = match &l.entries {
                    Entries::Listed(names) => Some(Some(names.len())),
                    Entries::Unlistable => Some(None),
                    Entries::Missing => None,
                };
                (name.as_str(), n)
            })
            .collect()
    }

    /// Commands ran (recipes, `$(shell)`, `$(file)`): listings must be checked before reuse.
    pub fn commands_ran(&mut self) {
        self.generation += 1;
    }
}

fn dir_mtime(dir: &str) -> Option<(i64, i64)> {
    let m = std::fs::metadata(if dir.is_empty() { "." } else { dir }).ok()?;
    Some((m.mtime(), m.mtime_nsec()))
}

fn read(dir: &str, generation: u64) -> Listing {
    let before = dir_mtime(dir);
    let read_at = SystemTime::now();
    let entries = match std::fs::read_dir(if dir.is_empty() { "." } else { dir }) {
        Ok(rd) => {
            let mut names = HashSet::default();
            for e in rd {
                match e {
                    Ok(e) => {
                        names.insert(e.file_name());
                    }
                    Err(_) => {
                        return unlistable(generation);
                    }
                }
            }
            Entries::Listed(names)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Entries::Missing,
        Err(_) => return unlistable(generation),
    };
    // Trust the listing across commands only if the directory had not changed for a while
    // before it was read (and did not change while it was read).
    let settled = before.filter(|&(s, ns)| {
        let changed = SystemTime::UNIX_EPOCH + Duration::new(s.max(0) as u64, ns as u32);
        read_at.duration_since(changed).is_ok_and(|age| age >= RACY) && dir_mtime(dir) == before
    });
    Listing {
        entries,
        generation,
        settled_mtime: settled,
    }
}

fn unlistable(generation: u64) -> Listing {
    Listing {
        entries: Entries::Unlistable,
        generation,
        settled_mtime: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cwd_relative(dir: &std::path::Path, name: &str) -> String {
        format!("{}/{name}", dir.display())
    }

    #[test]
    fn answers_from_the_listing_and_sees_files_made_after_commands_ran() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("a.c"), "").unwrap();
        let mut cache = DirCache::default();
        assert!(cache.exists(&cwd_relative(tmp.path(), "a.c")));
        assert!(!cache.exists(&cwd_relative(tmp.path(), "b.c")));
        std::fs::write(tmp.path().join("b.c"), "").unwrap();
        cache.commands_ran();
        assert!(cache.exists(&cwd_relative(tmp.path(), "b.c")));
        std::fs::remove_file(tmp.path().join("a.c")).unwrap();
        cache.commands_ran();
        assert!(!cache.exists(&cwd_relative(tmp.path(), "a.c")));
    }

    #[test]
    fn a_settled_listing_is_reread_when_its_directory_changes() {
        let tmp = tempfile::tempdir().unwrap();
        let an_hour_ago = SystemTime::now() - Duration::from_secs(3600);
        let times = std::fs::FileTimes::new().set_modified(an_hour_ago);
        std::fs::File::open(tmp.path())
            .unwrap()
            .set_times(times)
            .unwrap();
        let mut cache = DirCache::default();
        let name = cwd_relative(tmp.path(), "late.c");
        assert!(!cache.exists(&name));
        std::fs::write(tmp.path().join("late.c"), "").unwrap();
        cache.commands_ran();
        assert!(cache.exists(&name));
    }

    #[test]
    fn a_missing_directory_appears_after_commands_ran() {
        let tmp = tempfile::tempdir().unwrap();
        let sub = tmp.path().join("RCS");
        let mut cache = DirCache::default();
        assert!(!cache.exists(&format!("{}/x,v", sub.display())));
        std::fs::create_dir(&sub).unwrap();
        std::fs::write(sub.join("x,v"), "").unwrap();
        cache.commands_ran();
        assert!(cache.exists(&format!("{}/x,v", sub.display())));
    }

    #[test]
    fn root_and_odd_names_are_asked_of_the_file_system() {
        let mut cache = DirCache::default();
        assert!(cache.exists("/tmp"));
        assert!(cache.exists("/tmp/."));
        assert!(cache.exists("/tmp/"));
        assert!(!cache.exists("/no-such-dir-here/x"));
    }
}
