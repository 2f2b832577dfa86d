//! Implicit rule search: finding a pattern rule (possibly through a chain of
//! intermediate files) that can make a file, and turning suffix rules into pattern rules.

use std::rc::Rc;

use crate::debug::IMPLICIT;
use crate::engine::Make;
use crate::rules::{Dep, FileId, PatternRule, Rule};

/// The deepest chain of implicit rules considered.
const MAX_CHAIN: usize = 8;

struct Candidate {
    rule: usize,
    stem: String,
    /// Directory prepended to prerequisites when the target pattern has no slash.
    dir: String,
}

/// A rule found for a file: prerequisite names, recipe, stem and intermediate files to create.
pub struct Found {
    pub deps: Vec<String>,
    pub order_only: Vec<String>,
    pub recipe: Option<Rc<crate::rules::Recipe>>,
    pub stem: String,
    /// (name, how to make it) for prerequisites that are intermediate files.
    pub intermediates: Vec<(String, Found)>,
    pub also_makes: Vec<String>,
}

fn subst_stem(pat: &str, stem: &str, dir: &str) -> String {
    match pat.find('%') {
        Some(i) => {
            let d = if pat.contains('/') { "" } else { dir };
            format!("{d}{}{stem}{}", &pat[..i], &pat[i + 1..])
        }
        None => pat.to_string(),
    }
}

impl Make {
    /// All pattern rules in the order they are tried.
    pub fn all_patterns(&mut self) -> Rc<Vec<PatternRule>> {
        if let Some(p) = &self.db.pattern_cache
            && p.len() == self.db.patterns.len() + self.db.builtin_patterns.len()
        {
            return p.clone();
        }
        let mut v = self.db.patterns.clone();
        v.extend(self.db.builtin_patterns.iter().cloned());
        let v = Rc::new(v);
        self.db.pattern_cache = Some(v.clone());
        v
    }

    /// Whether a file is mentioned in a makefile or exists here.
    fn ought_to_exist(&mut self, name: &str) -> bool {
        if let Some(id) = self.db.lookup(name) {
            let f = self.db.file(id);
            if f.is_target || f.mentioned {
                return true;
            }
        }
        self.dircache.exists(name)
    }

    /// Whether a file exists here or along VPATH (an archive member: in its archive).
    pub fn exists_somewhere(&mut self, name: &str) -> bool {
        if let Some((archive, member)) = crate::archive::split(name) {
            return crate::archive::member_date(archive, member).is_some();
        }
        self.dircache.exists(name) || self.vpath_find(name).is_some()
    }

    /// Finds an implicit rule for a file; `depth` indents the debugging messages. An archive
    /// member `lib.a(m.o)` that no rule matches as a whole is searched for as `(m.o)`, the
    /// target of GNU make's built-in `(%): %`.
    pub fn implicit_search(&mut self, name: &str, depth: u32) -> Option<Found> {
        let rules = self.all_patterns();
        let mut in_use = vec![false; rules.len()];
        if let Some(found) = self.search(name, &rules, &mut in_use, 0, depth, false) {
            return Some(found);
        }
        let (_, member) = crate::archive::split(name)?;
        self.search(&format!("({member})"), &rules, &mut in_use, 0, depth, true)
    }

    /// GNU make's `pattern_search`: the rules matching `name`, shortest stem first, are
    /// tried once with prerequisites that exist or ought to, then once allowing
    /// prerequisites made by other rules (`chain` deep so far). `member` is an
    /// archive-member search (`(m.o)`).
    fn search(
        &mut self,
        name: &str,
        rules: &[PatternRule],
        in_use: &mut [bool],
        chain: usize,
        depth: u32,
        member: bool,
    ) -> Option<Found> {
        // Archive members match patterns as a whole, slashes and all.
        let split = match name.rfind('/') {
            Some(i) if !member && crate::archive::split(name).is_none() => Some(i),
            _ => None,
        };
        let (dir, base) = match split {
            Some(i) => (&name[..=i], &name[i + 1..]),
            None => ("", name),
        };
        let mut cands = Vec::new();
        let mut specific = false;
        for (ri, r) in rules.iter().enumerate() {
            // Pattern rules with prerequisites and no recipe cancel rules; they match nothing.
            if !r.deps.is_empty() && r.recipe.is_none() {
                continue;
            }
            if in_use[ri] {
                self.dbg(IMPLICIT, depth, || {
                    "Avoiding implicit rule recursion.".into()
                });
                continue;
            }
            for t in &r.targets {
                // Match-anything rules cannot make intermediate files unless terminal.
                if chain > 0 && t == "%" && !r.terminal {
                    continue;
                }
                let (stem, d) = if t.contains('/') {
                    (crate::rules::pattern_match(t, name), String::new())
                } else {
                    (crate::rules::pattern_match(t, base), dir.to_string())
                };
                if let Some(s) = stem {
                    specific |= t != "%";
                    if r.recipe.is_some() {
                        cands.push(Candidate {
                            rule: ri,
                            stem: s.to_string(),
                            dir: d,
                        });
                    }
                }
            }
        }
        cands.retain(|c| {
            let r = &rules[c.rule];
            !(specific && r.targets.iter().any(|t| t == "%") && !r.terminal)
        });
        cands.sort_by_key(|c| c.dir.len() + c.stem.len());
        let mut rejected = vec![false; cands.len()];
        for intermediate_ok in [false, true] {
            if intermediate_ok && chain >= MAX_CHAIN {
                return None;
            }
            for (ci, c) in cands.iter().enumerate() {
                let r = &rules[c.rule];
                if rejected[ci] || (intermediate_ok && r.terminal) {
                    continue;
                }
                self.dbg(IMPLICIT, depth, || {
                    format!("Trying pattern rule with stem '{}'.", c.stem)
                });
                let deps = self.rule_deps(r, c, name);
                let order_only: Vec<(String, bool)> = r
                    .order_only
                    .iter()
                    .map(|d| (subst_stem(d, &c.stem, &c.dir), !d.contains('%')))
                    .collect();
                in_use[c.rule] = true;
                let mut inter = Vec::new();
                let mut failed = false;
                for (d, is_rule) in deps.iter().chain(order_only.iter()) {
                    let kind = if *is_rule { "rule" } else { "implicit" };
                    if self.impossible.contains(d) {
                        self.dbg(IMPLICIT, depth, || {
                            format!("Rejecting impossible {kind} prerequisite '{d}'.")
                        });
                        rejected[ci] = true;
                        failed = true;
                        break;
                    }
                    self.dbg(IMPLICIT, depth, || {
                        format!("Trying {kind} prerequisite '{d}'.")
                    });
                    if self.ought_to_exist(d) {
                        continue;
                    }
                    if let Some(v) = self.vpath_find(d) {
                        self.dbg(IMPLICIT, depth, || {
                            format!("Found prerequisite '{d}' as VPATH '{v}'")
                        });
                        continue;
                    }
                    if intermediate_ok {
                        self.dbg(IMPLICIT, depth, || {
                            format!("Looking for a rule with intermediate file '{d}'.")
                        });
                        if let Some(f) = self.search(d, rules, in_use, chain + 1, depth + 1, false)
                        {
                            inter.push((d.clone(), f));
                            continue;
                        }
                        self.impossible.insert(d.clone());
                    }
                    failed = true;
                    break;
                }
                in_use[c.rule] = false;
                if !failed {
                    let deps = deps.into_iter().map(|(d, _)| d).collect();
                    return Some(self.found(r, c, deps, inter));
                }
            }
        }
        None
    }

    /// A candidate rule's prerequisites for `name`, each with whether it is a plain
    /// name rather than a pattern; with `.SECONDEXPANSION`, text with `$` is expanded
    /// again with `$@` and `$*` set.
    fn rule_deps(&mut self, r: &PatternRule, c: &Candidate, name: &str) -> Vec<(String, bool)> {
        use crate::vars::{Flavor, Origin, Var, VarSet};
        let mut out = Vec::new();
        for d in &r.deps {
            let is_rule = !d.contains('%');
            let s = subst_stem(d, &c.stem, &c.dir);
            if self.second_expansion && s.contains('$') {
                let mut vs = VarSet::default();
                vs.insert("@", Var::new(name, Flavor::Simple, Origin::Automatic));
                let stem = format!("{}{}", c.dir, c.stem);
                vs.insert("*", Var::new(stem, Flavor::Simple, Origin::Automatic));
                let saved = self.scope.replace(crate::scope::Scope::push(vs, 0, None));
                let e = self.expand(&s).unwrap_or_default();
                self.scope = saved;
                out.extend(crate::text::words(&e).map(|w| (w.to_string(), is_rule)));
            } else {
                out.push((s, is_rule));
            }
        }
        out
    }

    fn found(
        &self,
        r: &PatternRule,
        c: &Candidate,
        deps: Vec<String>,
        intermediates: Vec<(String, Found)>,
    ) -> Found {
        Found {
            deps,
            order_only: r
                .order_only
                .iter()
                .map(|d| subst_stem(d, &c.stem, &c.dir))
                .collect(),
            recipe: r.recipe.clone(),
            stem: format!("{}{}", c.dir, c.stem),
            intermediates,
            also_makes: r
                .targets
                .iter()
                .map(|t| subst_stem(t, &c.stem, &c.dir))
                .collect(),
        }
    }

    /// Records a found implicit rule on a file (and its intermediate files).
    pub fn apply_found(&mut self, id: FileId, found: Found) {
        for (name, f) in found.intermediates {
            let iid = self.db.intern(&name);
            let file = self.db.file_mut(iid);
            if !file.is_target {
                file.intermediate = true;
            }
            file.implicit_done = true;
            self.apply_found(iid, f);
        }
        let mut deps = Vec::new();
        for d in &found.deps {
            deps.push(Dep {
                file: self.db.intern(d),
                order_only: false,
            });
        }
        for d in &found.order_only {
            deps.push(Dep {
                file: self.db.intern(d),
                order_only: true,
            });
        }
        let group = if found.also_makes.len() > 1 {
            Some(Rc::new(
                found
                    .also_makes
                    .iter()
                    .map(|n| self.db.intern(n))
                    .collect::<Vec<_>>(),
            ))
        } else {
            None
        };
        let file = self.db.file_mut(id);
        file.implicit = Some(Rule {
            deps,
            recipe: found.recipe,
            stem: Some(found.stem),
            group,
            second: None,
        });
        file.deps = None;
        file.deps_done = 0;
        file.deps_visited = false;
    }

    /// Turns suffix rules (`.c.o:`, `.c:`) into pattern rules, in `.SUFFIXES` order.
    pub fn convert_suffix_rules(&mut self) {
        let suffixes = self.db.suffixes.clone();
        let mut out = Vec::new();
        for s in &suffixes {
            if let Some(r) = self.suffix_recipe(s) {
                out.push(PatternRule {
                    targets: vec!["%".into()],
                    deps: vec![format!("%{s}")],
                    order_only: Vec::new(),
                    recipe: Some(r),
                    terminal: false,
                    from_suffix: true,
                });
            }
            for t in &suffixes {
                if let Some(r) = self.suffix_recipe(&format!("{s}{t}")) {
                    out.push(PatternRule {
                        targets: vec![format!("%{t}")],
                        deps: vec![format!("%{s}")],
                        order_only: Vec::new(),
                        recipe: Some(r),
                        terminal: false,
                        from_suffix: true,
                    });
                }
            }
        }
        self.db.pattern_cache = None;
        for r in out {
            let dup = self
                .db
                .patterns
                .iter()
                .any(|p| p.targets == r.targets && p.deps == r.deps);
            if !dup {
                self.db.patterns.push(r);
            }
        }
    }

    fn suffix_recipe(&self, name: &str) -> Option<Rc<crate::rules::Recipe>> {
        let id = self.db.lookup(name)?;
        let f = self.db.file(id);
        if f.rules.len() != 1 || !f.rules[0].deps.is_empty() {
            return None;
        }
        f.rules[0].recipe.clone()
    }
}
