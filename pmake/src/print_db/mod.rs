//! `make -p`: prints the data base the way GNU make 4.3 does, section by section (variables,
//! directories, implicit rules, files, search paths). Entries GNU prints in hash-table order
//! (variables, files, directories) are printed sorted; hash-table statistics are estimates.

mod files;
mod paths;
mod rules;
mod time;
mod vars;

use std::fmt::Write;

use crate::engine::Make;

/// The version lines `make -p` starts with (`make --version` with a `# ` prefix).
const VERSION: &str = "\
# GNU Make 4.3
# Built for x86_64-pc-linux-gnu
# Copyright (C) 1988-2020 Free Software Foundation, Inc.
# License GPLv3+: GNU GPL version 3 or later <http://gnu.org/licenses/gpl.html>
# This is free software: you are free to change and redistribute it.
# There is NO WARRANTY, to the extent permitted by law.
";

impl Make {
    /// Prints the data base to stdout (`-p`), as GNU make does when it exits.
    pub fn print_database(&mut self) {
        let mut s = String::from(VERSION);
        let _ = writeln!(s, "\n# Make data base, printed on {}", time::ctime_now());
        self.print_variables(&mut s);
        self.print_directories(&mut s);
        self.print_implicit_rules(&mut s);
        self.print_files(&mut s);
        self.print_vpaths(&mut s);
        s.push_str(STRCACHE_STATS);
        let _ = writeln!(s, "\n# Finished Make data base on {}\n", time::ctime_now());
        let mut out = std::io::stdout().lock();
        let _ = std::io::Write::write_all(&mut out, s.as_bytes());
        let _ = std::io::Write::flush(&mut out);
    }
}

/// GNU make's string-cache statistics; pmake has no string cache and prints fixed numbers.
const STRCACHE_STATS: &str = "
# strcache buffers: 1 (0) / strings = 0 / storage = 0 B / avg = 0 B
# current buf: size = 8162 B / used = 0 B / count = 0 / avg = 0 B

# strcache performance: lookups = 0 / hit rate = 0%
# hash-table stats:
# Load=0/8192=0%, Rehash=0, Collisions=0/0=0%";

/// A hash-table statistics line for a table of `count` entries in `size` slots.
fn hash_stats(count: usize, size: usize) -> String {
    format!(
        "# Load={count}/{size}={}%, Rehash=0, Collisions=0/{count}=0%",
        count * 100 / size.max(1)
    )
}
