//! The `# Files` section of `make -p`: every file make knows, with its prerequisites, what make
//! found out about it, its variables and its recipe.

use std::fmt::Write;

use super::hash_stats;
use super::rules::{is_builtin, print_prereqs, print_recipe};
use super::time::timestamp;
use crate::engine::Make;
use crate::rules::{File, Rule, State};

impl Make {
    /// `# Files`, sorted by name (GNU make prints its hash order).
    pub(super) fn print_files(&self, s: &mut String) {
        s.push_str("\n# Files\n");
        // Under -r, GNU make shows its built-in `.SUFFIXES` only once it looked at it to find
        // the `$*` of a recipe it ran for an explicit rule without a pattern.
        let hide_suffixes = self.opts.no_builtin_rules
            && !self.db.files.iter().any(|f| {
                f.auto_vars.is_some()
                    && f.implicit.is_none()
                    && f.rules.iter().all(|r| r.stem.is_none())
            });
        let mut ids: Vec<usize> = (0..self.db.files.len()).collect();
        ids.sort_by(|&a, &b| self.db.file(a).name.cmp(&self.db.file(b).name));
        for id in ids {
            let f = self.db.file(id);
            if f.name == ".SUFFIXES" && hide_suffixes {
                continue;
            }
            if f.double_colon {
                for (i, r) in f.rules.iter().enumerate() {
                    self.print_file(s, f, r, i == 0);
                }
            } else {
                let mut rule = f.rules.first().cloned().unwrap_or_default();
                if let Some(imp) = &f.implicit {
                    let mut deps = imp.deps.clone();
                    deps.append(&mut rule.deps);
                    rule.deps = deps;
                    rule.stem = rule.stem.or_else(|| imp.stem.clone());
                    if rule.recipe.is_none() {
                        rule.recipe = imp.recipe.clone();
                    }
                }
                self.print_file(s, f, &rule, true);
            }
        }
        s.push_str("\n# files hash-table stats:\n");
        s.push_str(&hash_stats(self.db.files.len(), 1024));
    }

    /// One entry of a file (one per rule of a double-colon target); `first` carries the
    /// file's variables.
    fn print_file(&self, s: &mut String, f: &File, rule: &Rule, first: bool) {
        s.push('\n');
        // Built-in suffix rules, and the files of the built-in suffixes.
        let builtin = f.implicit.is_none()
            && match rule.recipe.as_deref() {
                Some(recipe) => is_builtin(recipe),
                None => {
                    !f.is_target
                        && !self.opts.no_builtin_rules
                        && (f.name == ".SUFFIXES"
                            || crate::cli::DEFAULT_SUFFIXES.split(' ').any(|x| x == f.name))
                }
            };
        let is_suffixes = f.name == ".SUFFIXES";
        // GNU make also sets up the variables of a target it updated without a recipe.
        let updated_without_recipe = f.is_target
            && f.implicit_done
            && rule.recipe.is_none()
            && !rule.deps.is_empty()
            && matches!(f.state, State::Done { .. });
        let has_vars =
            first && (!f.vars.is_empty() || f.auto_vars.is_some() || updated_without_recipe);
        if first {
            Self::print_target_vars(s, &f.name, &f.vars);
        }
        // A file an implicit rule was found for is a target too.
        let is_target = (f.is_target || f.implicit.is_some()) && !builtin;
        if !is_target {
            s.push_str("# Not a target:\n");
        }
        let _ = write!(s, "{}:{}", f.name, if f.double_colon { ":" } else { "" });
        if is_suffixes {
            print_prereqs(s, self.db.suffixes.iter().map(String::as_str), &[]);
        } else {
            let name = |d: &crate::rules::Dep| self.db.file(d.file).name.as_str();
            let order: Vec<&str> = rule
                .deps
                .iter()
                .filter(|d| d.order_only)
                .map(name)
                .collect();
            let normal = rule.deps.iter().filter(|d| !d.order_only).map(name);
            print_prereqs(s, normal, &order);
        }
        if self.db.is_precious(&f.name) {
            s.push_str("#  Precious file (prerequisite of .PRECIOUS).\n");
        }
        if self.db.is_in_special(".PHONY", &f.name, false) {
            s.push_str("#  Phony target (prerequisite of .PHONY).\n");
        }
        if self.opts.goals.contains(&f.name) {
            s.push_str("#  Command line target.\n");
        }
        if builtin {
            s.push_str("#  Builtin rule\n");
        }
        s.push_str(if f.implicit_done {
            "#  Implicit rule search has been done.\n"
        } else {
            "#  Implicit rule search has not been done.\n"
        });
        let ran_stem = f
            .auto_vars
            .as_ref()
            .and_then(|v| v.get("*"))
            .map(|v| v.value.clone());
        if let Some(stem) = rule.stem.clone().or(ran_stem) {
            let _ = writeln!(s, "#  Implicit/static pattern stem: '{stem}'");
        }
        if f.intermediate {
            s.push_str("#  File is an intermediate prerequisite.\n");
        }
        if let Some(group) = &rule.group {
            s.push_str("#  Also makes:");
            for g in group.iter().rev() {
                let _ = write!(s, " {}", self.db.file(*g).name);
            }
            s.push('\n');
        }
        match f.mtime {
            None => s.push_str("#  Modification time never checked.\n"),
            // A file remade by a recipe that did not run (-n) still does not exist.
            Some(None | Some(crate::scheduler::NEW_MTIME)) => {
                s.push_str("#  File does not exist.\n")
            }
            Some(Some(t)) => {
                let _ = writeln!(s, "#  Last modified {}", timestamp(t));
            }
        }
        match f.state {
            State::Done { ok } => {
                s.push_str("#  File has been updated.\n");
                if !ok {
                    s.push_str("#  Failed to be updated.\n");
                } else if self.opts.question && f.remade {
                    s.push_str("#  Needs to be updated (-q is set).\n");
                } else {
                    s.push_str("#  Successfully updated.\n");
                }
            }
            _ => s.push_str("#  File has not been updated.\n"),
        }
        if has_vars {
            Self::print_file_var_set(s, &f.vars, f.auto_vars.as_ref());
        }
        if let Some(recipe) = &rule.recipe {
            print_recipe(s, recipe);
        }
    }
}
