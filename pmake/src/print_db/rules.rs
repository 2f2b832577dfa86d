//! The `# Implicit Rules` section: pattern rules in GNU make's order (the makefiles' own, then
//! those made from suffix rules, then the built-in ones), and recipes as `make -p` shows them.

use std::fmt::Write;

use crate::engine::Make;
use crate::rules::{PatternRule, Recipe};

/// Where a recipe comes from: its first line, or its rule when it has no lines.
fn recipe_loc(recipe: &Recipe) -> &crate::error::Loc {
    recipe.lines.first().map_or(&recipe.loc, |(_, l)| l)
}

/// A recipe of make's built-in rules.
pub(super) fn is_builtin(recipe: &Recipe) -> bool {
    &*recipe_loc(recipe).file == "<builtin>"
}

/// Appends a recipe: where it came from, then each line after a tab.
pub(super) fn print_recipe(s: &mut String, recipe: &Recipe) {
    let loc = recipe_loc(recipe);
    if is_builtin(recipe) {
        s.push_str("#  recipe to execute (built-in):\n");
    } else {
        let _ = writeln!(
            s,
            "#  recipe to execute (from '{}', line {}):",
            loc.file, loc.line
        );
    }
    for (line, _) in &recipe.lines {
        let _ = writeln!(s, "\t{line}");
    }
}

/// Appends ` a b | c d` and a newline.
pub(super) fn print_prereqs<'a>(
    s: &mut String,
    normal: impl Iterator<Item = &'a str>,
    order_only: &[&str],
) {
    for d in normal {
        let _ = write!(s, " {d}");
    }
    if let Some((first, rest)) = order_only.split_first() {
        let _ = write!(s, " | {first}");
        for d in rest {
            let _ = write!(s, " {d}");
        }
    }
    s.push('\n');
}

impl Make {
    /// The pattern rules in GNU make's list order; the suffix rules bring one rule without
    /// prerequisites or recipe per suffix (`%.c:`), as in GNU make.
    fn gnu_pattern_list(&self) -> Vec<PatternRule> {
        let mut list: Vec<PatternRule> = Vec::new();
        let mut add = |r: PatternRule| {
            if !list
                .iter()
                .any(|p| p.targets == r.targets && p.deps == r.deps)
            {
                list.push(r);
            }
        };
        for r in self.db.patterns.iter().filter(|r| !r.from_suffix) {
            add(r.clone());
        }
        let converted: Vec<&PatternRule> =
            self.db.patterns.iter().filter(|r| r.from_suffix).collect();
        for suffix in &self.db.suffixes {
            add(PatternRule {
                targets: vec![format!("%{suffix}")],
                deps: Vec::new(),
                order_only: Vec::new(),
                recipe: None,
                terminal: false,
                from_suffix: true,
            });
            let source = format!("%{suffix}");
            for r in converted.iter().filter(|r| r.deps.first() == Some(&source)) {
                add((*r).clone());
            }
        }
        for r in &self.db.builtin_patterns {
            add(r.clone());
        }
        list
    }

    /// `# Implicit Rules`, with the count of rules and terminal rules.
    pub(super) fn print_implicit_rules(&self, s: &mut String) {
        s.push_str("\n# Implicit Rules\n");
        let list = self.gnu_pattern_list();
        for r in &list {
            let _ = write!(s, "\n{}:", r.targets.join(" "));
            if r.terminal {
                s.push(':');
            }
            let order: Vec<&str> = r.order_only.iter().map(String::as_str).collect();
            print_prereqs(s, r.deps.iter().map(String::as_str), &order);
            if let Some(recipe) = &r.recipe {
                print_recipe(s, recipe);
            }
        }
        if list.is_empty() {
            s.push_str("\n# No implicit rules.\n");
        } else {
            let terminal = list.iter().filter(|r| r.terminal).count();
            let _ = write!(
                s,
                "\n# {} implicit rules, {terminal} ({:.1}%) terminal.",
                list.len(),
                terminal as f64 * 100.0 / list.len() as f64
            );
        }
    }
}
