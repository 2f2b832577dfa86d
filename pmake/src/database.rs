//! `make -p`: prints the variables and rules make knows, in GNU make's layout
//! (the content, not every comment line, matches GNU make).

use std::fmt::Write;

use crate::engine::Make;
use crate::vars::{Flavor, Origin};

impl Make {
    pub fn print_database(&self) {
        let mut s = String::new();
        let _ = writeln!(s, "\n# Make data base\n\n# Variables\n");
        let mut vars: Vec<_> = self.globals.iter().collect();
        vars.sort_by(|a, b| a.1.origin.cmp(&b.1.origin).then(a.0.cmp(b.0)));
        for (name, v) in vars {
            let origin = match v.origin {
                Origin::File => "makefile".to_string(),
                o => o.name().to_string(),
            };
            let op = if v.flavor == Flavor::Simple {
                ":="
            } else {
                "="
            };
            let _ = writeln!(s, "# {origin}\n{name} {op} {}", v.value);
        }
        let _ = writeln!(s, "\n# Implicit Rules\n");
        for r in self
            .db
            .patterns
            .iter()
            .chain(self.db.builtin_patterns.iter())
        {
            let colon = if r.terminal { "::" } else { ":" };
            let mut deps = r.deps.join(" ");
            if !r.order_only.is_empty() {
                deps.push_str(" | ");
                deps.push_str(&r.order_only.join(" "));
            }
            let _ = writeln!(s, "{}{colon} {deps}", r.targets.join(" "));
            if let Some(rec) = &r.recipe {
                let _ = writeln!(
                    s,
                    "#  recipe to execute (from '{}', line {}):",
                    rec.loc.file, rec.loc.line
                );
                for (l, _) in &rec.lines {
                    let _ = writeln!(s, "\t{l}");
                }
            }
            let _ = writeln!(s);
        }
        let _ = writeln!(s, "# Files\n");
        for f in &self.db.files {
            if !f.is_target {
                continue;
            }
            let colon = if f.double_colon { "::" } else { ":" };
            for r in &f.rules {
                let deps: Vec<&str> = r
                    .deps
                    .iter()
                    .map(|d| self.db.file(d.file).name.as_str())
                    .collect();
                let _ = writeln!(s, "{}{colon} {}", f.name, deps.join(" "));
                if let Some(rec) = &r.recipe {
                    let _ = writeln!(
                        s,
                        "#  recipe to execute (from '{}', line {}):",
                        rec.loc.file, rec.loc.line
                    );
                    for (l, _) in &rec.lines {
                        let _ = writeln!(s, "\t{l}");
                    }
                }
                let _ = writeln!(s);
            }
        }
        let _ = writeln!(s, "# Finished Make data base");
        print!("{s}");
    }
}
