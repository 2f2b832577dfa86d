//! The rule database: files (targets and prerequisites) with their explicit rules,
//! pattern rules and pattern-specific variables.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use crate::error::Loc;
use crate::scope::Scope;
use crate::vars::{Var, VarSet};

pub type FileId = usize;

/// A recipe: its lines (without the recipe prefix) and where each came from.
#[derive(Debug)]
pub struct Recipe {
    pub lines: Vec<(String, Loc)>,
    /// The rule line, used in error messages (`[Makefile:3: all]`).
    pub loc: Loc,
}

#[derive(Debug, Clone)]
pub struct Dep {
    pub file: FileId,
    pub order_only: bool,
}

/// One explicit rule of a file. Single-colon targets have at most one (prerequisites
/// of all their rule lines merged); double-colon targets have one per rule line.
#[derive(Debug, Clone, Default)]
pub struct Rule {
    pub deps: Vec<Dep>,
    pub recipe: Option<Rc<Recipe>>,
    /// The stem of a static pattern rule, for `$*`.
    pub stem: Option<String>,
    /// Targets of a grouped (`&:`) rule, all made by one run of the recipe.
    pub group: Option<Rc<Vec<FileId>>>,
    /// Prerequisite text to expand a second time (`.SECONDEXPANSION`).
    pub second: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    New,
    /// Prerequisites are being brought up to date.
    Deps,
    /// Prerequisites are done and the recipe must run: waiting for a job slot. `mtime` is the
    /// target's time when that was decided.
    Ready {
        mtime: Option<i128>,
    },
    /// The recipe is running.
    Running,
    Done {
        ok: bool,
    },
}

/// A file known to make, and what make found out about it while building.
#[derive(Debug)]
pub struct File {
    pub name: String,
    /// Appears as the target of a rule.
    pub is_target: bool,
    pub double_colon: bool,
    pub rules: Vec<Rule>,
    pub vars: VarSet,
    pub state: State,
    pub on_stack: bool,
    /// Modification time in nanoseconds; `None` if the file does not exist.
    pub mtime: Option<Option<i128>>,
    /// The file was remade (so targets depending on it must be remade too).
    pub changed: bool,
    pub implicit_done: bool,
    /// Prerequisites and recipe found by implicit rule search.
    pub implicit: Option<Rule>,
    /// The name found through VPATH/vpath, if the file is not in the current directory.
    pub vpath: Option<String>,
    pub scope: Option<Rc<Scope>>,
    /// Made as an intermediate file by a chain of implicit rules.
    pub intermediate: bool,
    /// Remade by this run (its recipe ran or it was touched).
    pub remade: bool,
    /// Mentioned as a prerequisite or target in a makefile ("ought to exist").
    pub mentioned: bool,
    /// Depth in the dependency graph where the file was first reached.
    pub level: u32,
    /// A missing intermediate file that must be made (its target is out of date).
    pub intermediate_forced: bool,
    /// A missing intermediate file left unmade because its target is up to date.
    pub skipped: bool,
    /// The file's own recipe failed (as opposed to one of its prerequisites).
    pub recipe_failed: bool,
    /// Double-colon rules are made one after the other: the next one to consider.
    pub dc_next: usize,
    /// The target's modification time before its first double-colon rule ran.
    pub dc_mtime: Option<Option<i128>>,
    /// Prerequisites from `.EXTRA_PREREQS`.
    pub extra: Vec<FileId>,
    /// The automatic variables of its last recipe run, kept for `-p`.
    pub auto_vars: Option<VarSet>,
    /// All prerequisites in the order they are made, once the file is prepared.
    pub deps: Option<Rc<[Dep]>>,
    /// How many of `deps`, from the first, are known to be made successfully.
    pub deps_done: usize,
    /// Every prerequisite has been visited once.
    pub deps_visited: bool,
}

impl File {
    fn new(name: String) -> Self {
        File {
            name,
            is_target: false,
            double_colon: false,
            rules: Vec::new(),
            vars: VarSet::default(),
            state: State::New,
            deps: None,
            deps_done: 0,
            deps_visited: false,
            on_stack: false,
            mtime: None,
            changed: false,
            implicit_done: false,
            implicit: None,
            vpath: None,
            scope: None,
            intermediate: false,
            remade: false,
            mentioned: false,
            level: 0,
            intermediate_forced: false,
            skipped: false,
            recipe_failed: false,
            dc_next: 0,
            dc_mtime: None,
            extra: Vec::new(),
            auto_vars: None,
        }
    }

    pub fn has_recipe(&self) -> bool {
        self.rules.iter().any(|r| r.recipe.is_some())
    }

    /// The name used in automatic variables (the VPATH name if it was found there).
    pub fn path(&self) -> &str {
        self.vpath.as_deref().unwrap_or(&self.name)
    }
}

/// A pattern rule (`%.o: %.c`), possibly with several targets.
#[derive(Debug, Clone)]
pub struct PatternRule {
    pub targets: Vec<String>,
    pub deps: Vec<String>,
    pub order_only: Vec<String>,
    pub recipe: Option<Rc<Recipe>>,
    /// Double-colon: its prerequisites must exist, they are never made by chains.
    pub terminal: bool,
    /// Made from a suffix rule (`.c.o:`).
    pub from_suffix: bool,
}

#[derive(Debug, Default)]
pub struct Db {
    pub files: Vec<File>,
    index: HashMap<String, FileId, foldhash::fast::RandomState>,
    pub patterns: Vec<PatternRule>,
    /// Built-in pattern rules, tried after the user's.
    pub builtin_patterns: Vec<PatternRule>,
    /// Pattern-specific variables: (pattern, name, variable), in definition order.
    pub pattern_vars: Vec<(String, String, Var)>,
    pub suffixes: Vec<String>,
    /// All pattern rules in search order, rebuilt when rules change.
    pub pattern_cache: Option<Rc<Vec<PatternRule>>>,
    /// The prerequisites of special targets as sets, asked for every file at every step of a
    /// build; each is rebuilt when its target's rule and prerequisite counts change (rules and
    /// prerequisites are only ever added).
    special_sets: RefCell<HashMap<String, SpecialSet>>,
}

/// The prerequisites of one special target, and the counts they were taken at.
#[derive(Debug)]
struct SpecialSet {
    rules: usize,
    deps: usize,
    files: HashSet<FileId>,
}

/// File names are compared after dropping leading `./`.
pub fn normalize(name: &str) -> &str {
    let mut n = name;
    while let Some(rest) = n.strip_prefix("./") {
        if rest.is_empty() {
            break;
        }
        n = rest.trim_start_matches('/');
    }
    n
}

impl Db {
    pub fn lookup(&self, name: &str) -> Option<FileId> {
        self.index.get(normalize(name)).copied()
    }

    pub fn intern(&mut self, name: &str) -> FileId {
        let name = normalize(name);
        if let Some(&id) = self.index.get(name) {
            return id;
        }
        let id = self.files.len();
        self.files.push(File::new(name.to_string()));
        self.index.insert(name.to_string(), id);
        id
    }

    pub fn file(&self, id: FileId) -> &File {
        &self.files[id]
    }

    pub fn file_mut(&mut self, id: FileId) -> &mut File {
        &mut self.files[id]
    }

    /// Prerequisite names of a special target such as `.PHONY`.
    pub fn special_deps(&self, name: &str) -> Option<Vec<String>> {
        let id = self.lookup(name)?;
        let f = &self.files[id];
        if !f.is_target {
            return None;
        }
        Some(
            f.rules
                .iter()
                .flat_map(|r| r.deps.iter().map(|d| self.files[d.file].name.clone()))
                .collect(),
        )
    }

    /// Whether `file` is listed as a prerequisite of special target `special`; a special
    /// target without prerequisites applies to every file when `all_if_empty`.
    pub fn is_in_special(&self, special: &str, file: &str, all_if_empty: bool) -> bool {
        let Some(id) = self.lookup(special).filter(|&id| self.files[id].is_target) else {
            return false;
        };
        let rules = &self.files[id].rules;
        let (count, deps) = (rules.len(), rules.iter().map(|r| r.deps.len()).sum());
        if deps == 0 {
            return all_if_empty;
        }
        let Some(file) = self.lookup(file) else {
            return false;
        };
        let mut sets = self.special_sets.borrow_mut();
        let set = sets
            .entry(special.to_owned())
            .or_insert_with(|| SpecialSet {
                rules: usize::MAX,
                deps: 0,
                files: HashSet::new(),
            });
        if (set.rules, set.deps) != (count, deps) {
            set.files = rules
                .iter()
                .flat_map(|r| r.deps.iter().map(|d| d.file))
                .collect();
            (set.rules, set.deps) = (count, deps);
        }
        set.files.contains(&file)
    }

    /// `.PRECIOUS` also takes patterns (`.PRECIOUS: %.o`).
    pub fn is_precious(&self, file: &str) -> bool {
        self.special_dep_names(".PRECIOUS").is_some_and(|mut deps| {
            deps.any(|d| d == file || (d.contains('%') && pattern_match(d, file).is_some()))
        })
    }

    /// The prerequisites of special target `name`, without copying them (this is asked for
    /// every file at every step of a build); `None` when it is not a target.
    fn special_dep_names(&self, name: &str) -> Option<impl Iterator<Item = &str>> {
        let id = self.lookup(name)?;
        let f = &self.files[id];
        f.is_target.then(|| {
            f.rules
                .iter()
                .flat_map(|r| r.deps.iter().map(|d| self.files[d.file].name.as_str()))
        })
    }

    /// Adds a pattern rule, replacing an earlier one with the same targets and prerequisites.
    /// A rule without recipe and prerequisites cancels the earlier rule.
    pub fn add_pattern(&mut self, rule: PatternRule) {
        self.pattern_cache = None;
        for list in [&mut self.patterns, &mut self.builtin_patterns] {
            list.retain(|r| !(r.targets == rule.targets && r.deps == rule.deps));
        }
        if rule.recipe.is_none() && rule.deps.is_empty() && rule.order_only.is_empty() {
            return;
        }
        self.patterns.push(rule);
    }
}

/// Matches `name` against `pattern` (with one `%`), returning the stem.
pub fn pattern_match<'a>(pattern: &str, name: &'a str) -> Option<&'a str> {
    let (pre, suf) = pattern.split_once('%')?;
    if name.len() >= pre.len() + suf.len() && name.starts_with(pre) && name.ends_with(suf) {
        Some(&name[pre.len()..name.len() - suf.len()])
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_dot_slash() {
        assert_eq!(normalize("./a.o"), "a.o");
        assert_eq!(normalize("././/b"), "b");
        assert_eq!(normalize("./"), "./");
    }

    #[test]
    fn matches_patterns() {
        assert_eq!(pattern_match("%.o", "a.o"), Some("a"));
        assert_eq!(pattern_match("lib%.a", "libx.a"), Some("x"));
        assert_eq!(pattern_match("%.o", "a.c"), None);
        assert_eq!(pattern_match("a%a", "a"), None);
    }
}
