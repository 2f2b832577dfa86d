//! GNU make's debugging output (`-d`, `--debug=FLAGS`): which kinds of message are on,
//! how the flags are parsed, and printing a message to stdout indented by the depth of
//! the target in the dependency graph, as GNU make 4.3 does.

use std::io::Write;

use crate::engine::Make;
use crate::rules::{Dep, FileId, State};
use crate::scheduler::Progress;

/// Basic messages: what is out of date and whether remaking it worked.
pub const BASIC: u32 = 0x001;
/// Every target considered, every prerequisite compared.
pub const VERBOSE: u32 = 0x002;
/// Starting, reaping and removing the children running recipes.
pub const JOBS: u32 = 0x004;
/// Implicit rule search.
pub const IMPLICIT: u32 = 0x008;
/// Debugging also while the makefiles themselves are remade.
pub const MAKEFILES: u32 = 0x100;
/// Everything (`-d`, `--debug=a`).
pub const ALL: u32 = 0xfff;

/// The message kinds asked for by `-d` (`all`) and the `--debug` values, each a comma-
/// or space-separated list of words of which only the first letter counts. `Err` holds
/// the rest of the value from the word GNU make rejects.
pub fn parse_level(all: bool, specs: &[String]) -> Result<u32, String> {
    let mut level = if all { ALL } else { 0 };
    for spec in specs {
        let b = spec.as_bytes();
        let mut p = 0;
        loop {
            match b.get(p).map(u8::to_ascii_lowercase) {
                Some(b'a') => level |= ALL,
                Some(b'b') => level |= BASIC,
                Some(b'i') => level |= BASIC | IMPLICIT,
                Some(b'j') => level |= JOBS,
                Some(b'm') => level |= BASIC | MAKEFILES,
                Some(b'n') => level = 0,
                Some(b'v') => level |= BASIC | VERBOSE,
                _ => return Err(String::from_utf8_lossy(&b[p.min(b.len())..]).into_owned()),
            }
            // The next word starts just after the next separator.
            p += 1;
            while p < b.len() && b[p] != b',' && b[p] != b' ' {
                p += 1;
            }
            if p >= b.len() {
                break;
            }
            p += 1;
            if p >= b.len() {
                break;
            }
        }
    }
    Ok(level)
}

/// The version banner GNU make prints first when basic debugging is on.
pub const BANNER: &str = "GNU Make 4.3
Built for x86_64-pc-linux-gnu
Copyright (C) 1988-2020 Free Software Foundation, Inc.
License GPLv3+: GNU GPL version 3 or later <http://gnu.org/licenses/gpl.html>
This is free software: you are free to change and redistribute it.
There is NO WARRANTY, to the extent permitted by law.
";

impl Make {
    /// Whether messages of any of the kinds in `flags` are printed.
    #[inline]
    pub fn debugging(&self, flags: u32) -> bool {
        self.debug & flags != 0
    }

    /// Prints a debugging message indented by `depth` spaces, if `flags` are on. The
    /// message is built only then.
    #[inline]
    pub fn dbg(&self, flags: u32, depth: u32, msg: impl FnOnce() -> String) {
        if self.debugging(flags) {
            print_indented(depth, &msg());
        }
    }

    /// The indentation of messages about a file `level` deep in the graph: GNU make
    /// indents by two for each level.
    #[inline]
    pub(crate) fn dbg_depth(&self, level: u32) -> u32 {
        (self.debug_base + 2 * level as i32).max(0) as u32
    }

    /// A message about a file: `%s` in `template` stands for its name.
    #[inline]
    pub fn dbg_file(&self, flags: u32, id: FileId, depth: u32, template: &str) {
        if self.debugging(flags) {
            print_indented(depth, &template.replace("%s", self.dbg_name(id)));
        }
    }

    /// A file's name in messages: once it is found up to date along VPATH, GNU make
    /// calls it by the name found.
    fn dbg_name(&self, id: FileId) -> &str {
        let f = self.db.file(id);
        match (&f.vpath, f.state) {
            (Some(v), State::Done { .. }) => v,
            _ => &f.name,
        }
    }

    /// The first look at a file: "Considering target file" and whether it exists.
    pub(crate) fn dbg_considering(&mut self, id: FileId, depth: u32) {
        self.dbg_file(VERBOSE, id, depth, "Considering target file '%s'.");
        if self.debugging(BASIC) {
            let m = match self.db.file(id).dc_mtime {
                Some(m) => m,
                None => self.file_mtime(id),
            };
            if m.is_none() {
                self.dbg_file(BASIC, id, depth + 1, "File '%s' does not exist.");
            }
        }
    }

    /// A file reached again once made: pruned if this `build` considered it already.
    pub(crate) fn dbg_done_again(&mut self, id: FileId, level: u32, ok: bool) {
        let depth = self.dbg_depth(level);
        if !self.considered.insert(id) {
            self.dbg_file(VERBOSE, id, depth, "Pruning file '%s'.");
            return;
        }
        self.dbg_file(VERBOSE, id, depth, "Considering target file '%s'.");
        let msg = if ok {
            "File '%s' was considered already."
        } else {
            "Recently tried and failed to update file '%s'."
        };
        self.dbg_file(VERBOSE, id, depth, msg);
    }

    /// How prerequisite `d` compares with the existing target `id`.
    pub(crate) fn dbg_prerequisite(
        &self,
        d: &Dep,
        id: FileId,
        depth: u32,
        missing: bool,
        newer: bool,
    ) {
        let (flags, what) = if d.order_only {
            (VERBOSE, "is order-only for target")
        } else if missing {
            (BASIC, "of target")
        } else if newer {
            (BASIC, "is newer than target")
        } else {
            (VERBOSE, "is older than target")
        };
        if self.debugging(flags) {
            let dep = self.dbg_name(d.file);
            let target = &self.db.file(id).name;
            let msg = if missing && !d.order_only {
                format!("Prerequisite '{dep}' {what} '{target}' does not exist.")
            } else {
                format!("Prerequisite '{dep}' {what} '{target}'.")
            };
            print_indented(depth, &msg);
        }
    }

    /// "No need to remake target", with the name found along VPATH if any.
    pub(crate) fn dbg_no_need(&self, id: FileId, depth: u32) {
        if self.debugging(VERBOSE) {
            let f = self.db.file(id);
            let vpath = match &f.vpath {
                Some(v) if *v != f.name => format!("; using VPATH name '{v}'"),
                _ => String::new(),
            };
            print_indented(
                depth,
                &format!("No need to remake target '{}'{vpath}.", f.name),
            );
        }
    }

    /// What became of a file whose recipe was started (or that needed none).
    pub(crate) fn dbg_remade(&self, id: FileId, depth: u32, r: Progress) {
        let msg = match r {
            Progress::Pending => {
                if self.db.file(id).state == State::Running {
                    self.dbg_file(VERBOSE, id, depth, "Recipe of '%s' is being run.");
                }
                return;
            }
            // Without -k, make stops at once.
            Progress::Done(false) if !self.opts.keep_going => return,
            Progress::Done(false) => "Failed to remake target file '%s'.",
            Progress::Done(true) if self.opts.question => {
                "Target file '%s' needs to be remade under -q."
            }
            Progress::Done(true) => "Successfully remade target file '%s'.",
        };
        self.dbg_file(BASIC, id, depth, msg);
    }

    /// `Reading makefile 'X'...` (verbose), `notes` being GNU make's remarks on how it
    /// is read, such as ` (search path)`.
    pub fn dbg_reading(&self, name: &str, notes: &str) {
        self.dbg(VERBOSE, 0, || {
            format!("Reading makefile '{name}'{notes}...")
        });
    }
}

/// Writes one line of debugging output to stdout, `depth` spaces in, and flushes it so
/// that it keeps its place among the recipes' output.
pub fn print_indented(depth: u32, msg: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{:width$}{msg}", "", width = depth as usize);
    let _ = out.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_as_gnu_make_parses_them() {
        let s = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(parse_level(true, &[]), Ok(ALL));
        assert_eq!(parse_level(false, &s(&["basic"])), Ok(BASIC));
        assert_eq!(
            parse_level(false, &s(&["v,i", "j"])),
            Ok(BASIC | VERBOSE | IMPLICIT | JOBS)
        );
        assert_eq!(
            parse_level(false, &s(&["m v"])),
            Ok(BASIC | MAKEFILES | VERBOSE)
        );
        assert_eq!(parse_level(true, &s(&["n"])), Ok(0));
        assert_eq!(parse_level(false, &s(&["n,j"])), Ok(JOBS));
        assert_eq!(parse_level(false, &s(&["b,x,v"])), Err("x,v".into()));
        assert_eq!(parse_level(false, &s(&[""])), Err(String::new()));
    }
}
