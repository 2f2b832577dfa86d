//! The `# Directories` and `# VPATH Search Paths` sections of `make -p`.

use std::fmt::Write;
use std::os::unix::fs::MetadataExt;

use crate::engine::Make;

impl Make {
    /// `# Directories`: the directories whose listings implicit-rule search and VPATH read.
    /// GNU make also counts the names it found impossible; pmake does not track those.
    pub(super) fn print_directories(&self, s: &mut String) {
        s.push_str("\n# Directories\n\n");
        let mut dirs = self.dircache.directories();
        dirs.sort_unstable();
        let mut total = 0;
        for (name, listing) in &dirs {
            let name = if name.is_empty() { "." } else { name };
            let meta = std::fs::metadata(name).ok();
            match (listing, meta) {
                (Some(listing), Some(m)) => {
                    let _ = write!(s, "# {name} (device {}, inode {}): ", m.dev(), m.ino());
                    match listing {
                        // `.` and `..` are names GNU make counts too.
                        Some(n) => {
                            total += n + 2;
                            let _ = writeln!(s, "{} files, no impossibilities.", n + 2);
                        }
                        None => s.push_str("could not be opened.\n"),
                    }
                }
                _ => {
                    let _ = writeln!(s, "# {name}: could not be stat'd.");
                }
            }
        }
        let files = if total == 0 {
            "No".to_string()
        } else {
            total.to_string()
        };
        let _ = writeln!(
            s,
            "\n# {files} files, no impossibilities in {} directories.",
            dirs.len()
        );
    }

    /// `# VPATH Search Paths`: `vpath` directives in order, then the `VPATH` variable.
    pub(super) fn print_vpaths(&self, s: &mut String) {
        s.push_str("\n# VPATH Search Paths\n\n");
        for (pattern, dirs) in &self.vpaths {
            let _ = writeln!(s, "vpath {pattern} {}", dirs.join(":"));
        }
        if self.vpaths.is_empty() {
            s.push_str("# No 'vpath' search paths.\n");
        } else {
            let _ = writeln!(s, "\n# {} 'vpath' search paths.", self.vpaths.len());
        }
        let general: Vec<&str> = self
            .globals
            .get("VPATH")
            .map(|v| {
                v.value
                    .split([':', ' ', '\t'])
                    .filter(|d| !d.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        if general.is_empty() {
            s.push_str("\n# No general ('VPATH' variable) search path.\n");
        } else {
            let _ = writeln!(
                s,
                "\n# General ('VPATH' variable) search path:\n# {}",
                general.join(":")
            );
        }
    }
}
