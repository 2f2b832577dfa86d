//! Implicit rule search: finding a pattern rule (possibly through a chain of
//! intermediate files) that can make a file, and turning suffix rules into pattern rules.

use std::rc::Rc;

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

    /// Whether a file exists or "ought to exist" (is mentioned in a makefile).
    fn ought_to_exist(&mut self, name: &str) -> bool {
        if let Some(id) = self.db.lookup(name) {
            let f = self.db.file(id);
            if f.is_target || f.mentioned {
                return true;
            }
        }
        self.exists_somewhere(name)
    }

    /// Whether a file exists here or along VPATH.
    pub fn exists_somewhere(&mut self, name: &str) -> bool {
        self.dircache.exists(name) || self.vpath_find(name).is_some()
    }

    pub fn implicit_search(&mut self, name: &str) -> Option<Found> {
        let rules = self.all_patterns();
        let mut in_use = vec![false; rules.len()];
        self.search(name, &rules, &mut in_use, 0)
    }

    fn search(
        &mut self,
        name: &str,
        rules: &[PatternRule],
        in_use: &mut [bool],
        depth: usize,
    ) -> Option<Found> {
        let (dir, base) = match name.rfind('/') {
            Some(i) => (&name[..=i], &name[i + 1..]),
            None => ("", name),
        };
        let mut cands = Vec::new();
        let mut specific = false;
        for (ri, r) in rules.iter().enumerate() {
            for t in &r.targets {
                let (stem, d) = if t.contains('/') {
                    (crate::rules::pattern_match(t, name), String::new())
                } else {
                    (crate::rules::pattern_match(t, base), dir.to_string())
                };
                if let Some(s) = stem {
                    if t != "%" {
                        specific = true;
                    }
                    if r.recipe.is_some() && !in_use[ri] {
                        cands.push(Candidate {
                            rule: ri,
                            stem: s.to_string(),
                            dir: d,
                        });
                    }
                    break;
                }
            }
        }
        cands.retain(|c| {
            let r = &rules[c.rule];
            !(specific && r.targets.iter().any(|t| t == "%") && !r.terminal)
        });
        cands.sort_by_key(|c| c.dir.len() + c.stem.len());
        // First pass: every prerequisite exists or ought to exist.
        for c in &cands {
            let r = &rules[c.rule];
            if depth > 0 && r.targets.iter().any(|t| t == "%") && !r.terminal {
                continue;
            }
            let deps = self.rule_deps(r, c, name);
            let ok = deps.iter().all(|d| self.ought_to_exist(d));
            if ok {
                return Some(self.found(r, c, deps, Vec::new()));
            }
        }
        if depth >= MAX_CHAIN {
            return None;
        }
        // Second pass: prerequisites may be made by other implicit rules.
        for c in &cands {
            let r = &rules[c.rule];
            if r.terminal || (r.targets.iter().any(|t| t == "%") && depth > 0) {
                continue;
            }
            let deps = self.rule_deps(r, c, name);
            in_use[c.rule] = true;
            let mut inter = Vec::new();
            let mut ok = true;
            for d in &deps {
                if self.ought_to_exist(d) {
                    continue;
                }
                match self.search(d, rules, in_use, depth + 1) {
                    Some(f) => inter.push((d.clone(), f)),
                    None => {
                        ok = false;
                        break;
                    }
                }
            }
            in_use[c.rule] = false;
            if ok {
                return Some(self.found(r, c, deps, inter));
            }
        }
        None
    }

    /// A candidate rule's prerequisites for `name`; with `.SECONDEXPANSION`, text with
    /// `$` is expanded again with `$@` and `$*` set.
    fn rule_deps(&mut self, r: &PatternRule, c: &Candidate, name: &str) -> Vec<String> {
        use crate::vars::{Flavor, Origin, Var, VarSet};
        let mut out = Vec::new();
        for d in &r.deps {
            let s = subst_stem(d, &c.stem, &c.dir);
            if self.second_expansion && s.contains('$') {
                let mut vs = VarSet::default();
                vs.insert("@", Var::new(name, Flavor::Simple, Origin::Automatic));
                let stem = format!("{}{}", c.dir, c.stem);
                vs.insert("*", Var::new(stem, Flavor::Simple, Origin::Automatic));
                let saved = self.scope.replace(crate::scope::Scope::push(vs, 0, None));
                let e = self.expand(&s).unwrap_or_default();
                self.scope = saved;
                out.extend(crate::text::words(&e).map(str::to_string));
            } else {
                out.push(s);
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
