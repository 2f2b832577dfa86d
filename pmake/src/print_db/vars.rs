//! The variable sections of `make -p`: global variables, pattern-specific variables, and the
//! target-specific and automatic variables printed with a file.

use std::fmt::Write;

use super::hash_stats;
use crate::engine::Make;
use crate::vars::{Flavor, Origin, Var, VarSet};

/// The automatic variables GNU make defines globally, as `$(@D)`, `$(@F)` and so on.
const AUTO_DIR_FILE: [&str; 7] = ["@", "%", "*", "<", "^", "+", "?"];

/// How GNU make names an origin in the data base.
fn origin_text(origin: Origin) -> &'static str {
    match origin {
        Origin::Default => "default",
        Origin::Environment => "environment",
        Origin::File => "makefile",
        Origin::EnvironmentOverride => "environment under -e",
        Origin::CommandLine => "command line",
        Origin::Override => "'override' directive",
        Origin::Automatic => "automatic",
    }
}

/// Appends one variable: its origin comment, then `prefix` and its definition.
/// `simple_view` prints the value as GNU make does for variables it does not mark
/// recursive (pattern-specific ones): `:=` with dollar signs doubled.
pub(super) fn print_var(s: &mut String, prefix: &str, name: &str, v: &Var, simple_view: bool) {
    let _ = write!(s, "# {}", origin_text(v.origin));
    if v.private {
        s.push_str(" private");
    }
    if let Some(loc) = &v.loc {
        let _ = write!(s, " (from '{}', line {})", loc.file, loc.line);
    }
    s.push('\n');
    s.push_str(prefix);
    let recursive = v.flavor == Flavor::Recursive && !simple_view;
    if recursive && v.value.contains('\n') {
        let _ = writeln!(s, "define {name}\n{}\nendef", v.value);
        return;
    }
    let op = match (recursive, v.append && !simple_view) {
        (false, _) => ":",
        (true, true) => "+",
        (true, false) => "",
    };
    let _ = write!(s, "{name} {op}= ");
    let trimmed = v.value.trim_start_matches([' ', '\t']);
    if trimmed.is_empty() && !v.value.is_empty() {
        let _ = write!(s, "$(subst ,,{})", v.value);
    } else if recursive {
        s.push_str(&v.value);
    } else {
        s.push_str(&v.value.replace('$', "$$"));
    }
    s.push('\n');
}

/// The entries of a variable set, sorted by name (GNU make prints its hash order).
fn sorted(set: &VarSet) -> Vec<(&String, &Var)> {
    let mut v: Vec<_> = set.iter().collect();
    v.sort_by(|a, b| a.0.cmp(b.0));
    v
}

impl Make {
    /// `# Variables` and `# Pattern-specific Variable Values`.
    pub(super) fn print_variables(&self, s: &mut String) {
        s.push_str("\n# Variables\n\n");
        let mut all: Vec<(String, Var)> = self
            .globals
            .iter()
            .map(|(n, v)| (n.clone(), v.clone()))
            .collect();
        for a in AUTO_DIR_FILE {
            let dir = format!("$(patsubst %/,%,$(dir ${a}))");
            let file = format!("$(notdir ${a})");
            for (suffix, value) in [("D", dir), ("F", file)] {
                let v = Var::new(value, Flavor::Recursive, Origin::Automatic);
                all.push((format!("{a}{suffix}"), v));
            }
        }
        // Variables GNU make always has, which pmake keeps elsewhere or does not need.
        let goal = self.default_goal.clone().unwrap_or_default();
        for (name, value, origin) in [
            (".VARIABLES", String::new(), Origin::Default),
            (".DEFAULT_GOAL", goal, Origin::File),
            ("GNUMAKEFLAGS", String::new(), Origin::Override),
        ] {
            if self.globals.get(name).is_none() {
                all.push((name.to_string(), Var::new(value, Flavor::Simple, origin)));
            }
        }
        all.sort_by(|a, b| a.0.cmp(&b.0));
        for (name, v) in &all {
            print_var(s, "", name, v, false);
        }
        s.push_str("# variable set hash-table stats:\n");
        s.push_str(&hash_stats(all.len(), 1024));
        s.push('\n');

        s.push_str("\n# Pattern-specific Variable Values\n");
        for (pattern, name, v) in &self.db.pattern_vars {
            let _ = writeln!(s, "\n{pattern} :");
            print_var(s, "# ", name, v, true);
        }
        match self.db.pattern_vars.len() {
            0 => s.push_str("\n# No pattern-specific variable values.\n"),
            n => {
                let _ = write!(s, "\n# {n} pattern-specific variable values");
            }
        }
    }

    /// The target-specific variables printed before a file's entry, each line prefixed with
    /// `target: `.
    pub(super) fn print_target_vars(s: &mut String, target: &str, set: &VarSet) {
        let prefix = format!("{target}: ");
        for (name, v) in sorted(set) {
            print_var(s, &prefix, name, v, false);
        }
    }

    /// The automatic variables of a file whose recipe ran, and the statistics of its set.
    pub(super) fn print_file_var_set(s: &mut String, own: &VarSet, autos: Option<&VarSet>) {
        let mut count = own.iter().count();
        if let Some(autos) = autos {
            count += autos.iter().count();
            for name in ["@", "*", "<", "+", "%", "^", "?", "|"] {
                if let Some(v) = autos.get(name) {
                    print_var(s, "# ", name, v, false);
                }
            }
        }
        s.push_str("# variable set hash-table stats:\n");
        s.push_str(&hash_stats(count, 32));
        s.push('\n');
    }
}
