//! Rule lines: targets, prerequisites (normal and order-only), static pattern and
//! pattern rules, grouped and double-colon rules, special targets, and recording the
//! recipe when the rule ends.

use std::rc::Rc;

use crate::assign::find_assignment;
use crate::engine::Make;
use crate::error::{Loc, MakeError, Result};
use crate::parser::{Modifiers, find_top, first_word, keyword_is_var};
use crate::rules::{Dep, PatternRule, Recipe, Rule};
use crate::text::words;
use crate::vars::{Flavor, Origin, Var};

pub(crate) enum RuleKind {
    /// Targets, and for each where this line's prerequisites start in its rule.
    Explicit(Vec<usize>, Vec<usize>),
    Pattern(PatternRule),
}

pub(crate) struct RuleCtx {
    pub(crate) kind: RuleKind,
    pub(crate) lines: Vec<(String, Loc)>,
    pub(crate) has_recipe: bool,
    pub(crate) loc: Loc,
    pub(crate) double_colon: bool,
    /// Prerequisites given on a suffix rule were dropped (warned about when recorded).
    pub(crate) suffix_warn: bool,
}

impl Make {
    pub(crate) fn end_rule(&mut self, rule: &mut Option<RuleCtx>) -> Result<()> {
        let Some(r) = rule.take() else {
            return Ok(());
        };
        if r.suffix_warn {
            let at = r
                .lines
                .first()
                .map(|l| l.1.clone())
                .unwrap_or_else(|| r.loc.clone());
            for _ in 0..2 {
                self.warn_at(
                    &at,
                    "warning: ignoring prerequisites on suffix rule definition",
                );
            }
        }
        let recipe = r.has_recipe.then(|| {
            let loc = r
                .lines
                .first()
                .map(|l| l.1.clone())
                .unwrap_or_else(|| r.loc.clone());
            Rc::new(Recipe {
                lines: r.lines,
                loc,
            })
        });
        match r.kind {
            RuleKind::Pattern(mut p) => {
                p.recipe = recipe;
                self.db.add_pattern(p);
            }
            RuleKind::Explicit(ids, starts) => {
                let Some(recipe) = recipe else {
                    return Ok(());
                };
                for (k, id) in ids.into_iter().enumerate() {
                    let f = self.db.file_mut(id);
                    // The prerequisites of the rule line with the recipe come first.
                    if !r.double_colon
                        && let Some(&start) = starts.get(k)
                        && start > 0
                        && let Some(rule) = f.rules.first_mut()
                    {
                        rule.deps.rotate_left(start);
                    }
                    if r.double_colon {
                        if let Some(last) = f.rules.last_mut() {
                            last.recipe = Some(recipe.clone());
                        }
                        continue;
                    }
                    if f.rules.is_empty() {
                        f.rules.push(Rule::default());
                    }
                    let name = f.name.clone();
                    if let Some(old) = f.rules[0].recipe.clone()
                        && !Rc::ptr_eq(&old, &recipe)
                        && &*old.loc.file != "<builtin>"
                    {
                        self.warn_at(
                            &recipe.loc,
                            &format!("warning: overriding recipe for target '{name}'"),
                        );
                        self.warn_at(
                            &old.loc,
                            &format!("warning: ignoring old recipe for target '{name}'"),
                        );
                    }
                    self.db.file_mut(id).rules[0].recipe = Some(recipe.clone());
                }
            }
        }
        Ok(())
    }

    /// Parses a rule line; returns the context that collects its recipe.
    pub(crate) fn parse_rule(&mut self, line: &str, loc: &Loc) -> Result<Option<RuleCtx>> {
        let split = find_top(line, b";#");
        let (before, mut recipe) = match split {
            Some(i) if line.as_bytes()[i] == b';' => (&line[..i], Some(line[i + 1..].to_string())),
            Some(i) => (&line[..i], None),
            None => (line, None),
        };
        let Some(colon) = find_top(before, b":") else {
            let e = self.expand(before)?;
            if e.trim().is_empty() {
                return Ok(None);
            }
            if e.contains(':') && e != before {
                let mut l = e;
                if let Some(r) = recipe {
                    l.push(';');
                    l.push_str(&r);
                }
                return self.parse_rule(&l.replace('$', "$$"), loc);
            }
            let msg = if line.starts_with("        ") {
                "missing separator (did you mean TAB instead of 8 spaces?)"
            } else {
                "missing separator"
            };
            return Err(MakeError::fatal(Some(loc.clone()), msg));
        };
        let mut targets_text = &before[..colon];
        let mut after = &before[colon + 1..];
        let double_colon = after.starts_with(':');
        if double_colon {
            after = &after[1..];
        }
        let grouped = targets_text.trim_end().ends_with('&');
        if grouped {
            targets_text = targets_text
                .trim_end()
                .strip_suffix('&')
                .unwrap_or(targets_text);
        }
        let targets_exp = self.expand(targets_text)?;
        let targets_exp = self.glob_words(&targets_exp)?;
        let targets: Vec<String> = words(&targets_exp).map(str::to_string).collect();

        // Target- or pattern-specific variable?
        let full_after = match &recipe {
            Some(r) => format!("{after};{r}"),
            None => after.to_string(),
        };
        let mut mods = Modifiers::default();
        let mut body: &str = &full_after;
        loop {
            let (w, r) = first_word(body);
            if keyword_is_var(r) {
                break;
            }
            match w {
                "export" => mods.export = true,
                "override" => mods.override_ = true,
                "private" => mods.private = true,
                _ => break,
            }
            body = r;
        }
        if let Some((name, op, value)) = find_assignment(body)
            && find_top(after, b"=").is_some()
        {
            let name = self.expand(&name)?;
            let name = name.trim().to_string();
            let value = value.trim_start_matches([' ', '\t']);
            for t in &targets {
                self.target_var(t, &name, op, value, mods)?;
            }
            return Ok(None);
        }

        if targets.is_empty() {
            return Ok(Some(RuleCtx {
                kind: RuleKind::Explicit(Vec::new(), Vec::new()),
                lines: Vec::new(),
                has_recipe: false,
                loc: loc.clone(),
                double_colon,
                suffix_warn: false,
            }));
        }

        // Static pattern rule?
        let (static_pat, prereq_text) = match find_top(after, b":") {
            Some(c2) => {
                let p = self.expand(&after[..c2])?.trim().to_string();
                if !p.contains('%') {
                    return Err(MakeError::fatal(
                        Some(loc.clone()),
                        "target pattern contains no '%'",
                    ));
                }
                (Some(p), &after[c2 + 1..])
            }
            None => (None, after),
        };
        let prereq_exp = self.expand(prereq_text)?;
        let second = if self.second_expansion && prereq_text.contains("$$") {
            Some(prereq_exp.clone())
        } else {
            None
        };
        let (normal, order): (String, String) = match prereq_exp.find('|') {
            Some(i) => (
                self.glob_words(&prereq_exp[..i])?,
                self.glob_words(&prereq_exp[i + 1..])?,
            ),
            None => (self.glob_words(&prereq_exp)?, String::new()),
        };
        let mut lines = Vec::new();
        let has_recipe = recipe.is_some();
        if let Some(r) = recipe.take() {
            // Kept as written after the `;` (the blanks are skipped when it runs).
            lines.push((r.to_string(), loc.clone()));
        }

        let mut is_pattern = static_pat.is_none() && targets.iter().any(|t| t.contains('%'));
        if is_pattern && targets.iter().any(|t| !t.contains('%')) {
            let _ = std::io::Write::flush(&mut std::io::stdout());
            eprintln!("{loc}: *** mixed implicit and normal rules: deprecated syntax");
            is_pattern = false;
        }
        if is_pattern {
            let p = PatternRule {
                targets: targets.clone(),
                deps: crate::text::words_keeping_refs(&normal),
                order_only: crate::text::words_keeping_refs(&order),
                recipe: None,
                terminal: double_colon,
                from_suffix: false,
            };
            return Ok(Some(RuleCtx {
                kind: RuleKind::Pattern(p),
                lines,
                has_recipe,
                loc: loc.clone(),
                double_colon,
                suffix_warn: false,
            }));
        }

        let mut suffix_warn = false;
        let (normal, order) = if targets.len() == 1
            && self.is_suffix_rule(&targets[0])
            && !(normal.trim().is_empty() && order.trim().is_empty())
        {
            suffix_warn = true;
            (String::new(), String::new())
        } else {
            (normal, order)
        };
        let mut ids = Vec::new();
        let mut dep_starts = Vec::new();
        let group_ids: Vec<usize> = if grouped {
            targets.iter().map(|t| self.db.intern(t)).collect()
        } else {
            Vec::new()
        };
        let group = grouped.then(|| Rc::new(group_ids));
        for t in &targets {
            let mut stem = None;
            let (n, o) = if let Some(sp) = &static_pat {
                match crate::rules::pattern_match(sp, t) {
                    None => {
                        self.warn_at(
                            loc,
                            &format!("target '{t}' doesn't match the target pattern"),
                        );
                        (Vec::new(), Vec::new())
                    }
                    Some(s) => {
                        stem = Some(s.to_string());
                        let subst = |txt: &str| -> Vec<String> {
                            words(txt)
                                .map(|w| match w.find('%') {
                                    Some(i) => format!("{}{s}{}", &w[..i], &w[i + 1..]),
                                    None => w.to_string(),
                                })
                                .collect()
                        };
                        (subst(&normal), subst(&order))
                    }
                }
            } else {
                (
                    words(&normal).map(str::to_string).collect(),
                    words(&order).map(str::to_string).collect(),
                )
            };
            let id = self.db.intern(t);
            {
                let f = self.db.file(id);
                if f.is_target && f.double_colon != double_colon && !f.rules.is_empty() {
                    return Err(MakeError::fatal(
                        Some(loc.clone()),
                        format!("target file '{t}' has both : and :: entries"),
                    ));
                }
            }
            let mut deps = Vec::new();
            for d in n.iter() {
                let did = self.db.intern(d);
                self.db.file_mut(did).mentioned = true;
                deps.push(Dep {
                    file: did,
                    order_only: false,
                });
            }
            for d in o.iter() {
                let did = self.db.intern(d);
                self.db.file_mut(did).mentioned = true;
                deps.push(Dep {
                    file: did,
                    order_only: true,
                });
            }
            self.special_target(t, &n);
            let f = self.db.file_mut(id);
            f.is_target = true;
            f.mentioned = true;
            f.double_colon = double_colon;
            if double_colon || f.rules.is_empty() {
                f.rules.push(Rule::default());
            }
            let r = f.rules.last_mut().expect("rule");
            dep_starts.push(r.deps.len());
            r.deps.extend(deps);
            if stem.is_some() {
                r.stem = stem;
            }
            if group.is_some() {
                r.group = group.clone();
            }
            if second.is_some() {
                r.second = second.clone();
            }
            ids.push(id);
            if (!t.starts_with('.') || t.contains('/'))
                && self
                    .globals
                    .get(".DEFAULT_GOAL")
                    .is_none_or(|v| v.value.is_empty())
            {
                self.default_goal = Some(t.clone());
                {
                    self.globals.insert(
                        ".DEFAULT_GOAL",
                        Var::new(t.clone(), Flavor::Simple, Origin::File),
                    );
                }
            }
        }
        Ok(Some(RuleCtx {
            kind: RuleKind::Explicit(ids, dep_starts),
            lines,
            has_recipe,
            loc: loc.clone(),
            double_colon,
            suffix_warn,
        }))
    }

    /// Target and prerequisite lists as GNU make reads them: archive groups written out
    /// member by member, wildcards expanded to the files (and archive members) that exist.
    /// Text left for `.SECONDEXPANSION` (with `$`) is not split into archive members.
    pub(crate) fn glob_words(&self, text: &str) -> Result<String> {
        if !text.contains(['*', '?', '[', '(']) {
            return Ok(text.to_string());
        }
        let names = if self.second_expansion && text.contains('$') {
            words(text).map(str::to_string).collect()
        } else {
            crate::archive::expand_groups(text)
        };
        let mut out = Vec::new();
        for w in names {
            if let Some((_, member)) = crate::archive::split(&w) {
                if crate::archive::is_entry_reference(member) {
                    return Err(MakeError::fatal(
                        None,
                        format!("attempt to use unsupported feature: '{w}'"),
                    ));
                }
                out.extend(self.glob_member(&w, false));
                continue;
            }
            if w.contains(['*', '?', '[']) {
                let g = self.glob(&w);
                if !g.is_empty() {
                    out.extend(g);
                    continue;
                }
            }
            out.push(w);
        }
        Ok(out.join(" "))
    }

    /// `.c.o` or `.c` with known suffixes.
    pub(crate) fn is_suffix_rule(&self, name: &str) -> bool {
        if !name.starts_with('.') {
            return false;
        }
        let s = &self.db.suffixes;
        if s.iter().any(|x| x == name) {
            return true;
        }
        s.iter().any(|a| {
            name.strip_prefix(a.as_str())
                .is_some_and(|rest| s.iter().any(|b| b == rest))
        })
    }

    pub(crate) fn special_target(&mut self, name: &str, deps: &[String]) {
        match name {
            ".SUFFIXES" => {
                if deps.is_empty() {
                    self.db.suffixes.clear();
                } else {
                    for d in deps {
                        if !self.db.suffixes.contains(d) {
                            self.db.suffixes.push(d.clone());
                        }
                    }
                }
            }
            ".SECONDEXPANSION" => self.second_expansion = true,
            ".EXPORT_ALL_VARIABLES" => self.export_all = true,
            _ => {}
        }
    }
}
