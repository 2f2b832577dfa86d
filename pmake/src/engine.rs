//! The state of one run of make: variables, rules, options and running jobs.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::rc::Rc;

use crate::error::{Loc, MakeError, Result};
use crate::jobs::Job;
use crate::jobserver::Jobserver;
use crate::options::Options;
use crate::rules::{Db, FileId};
use crate::runner::JobRunner;
use crate::scope::{self, Scope};
use crate::vars::{Flavor, Origin, Var, VarSet};

pub struct Make {
    pub opts: Options,
    /// `make` or `make[1]`: how messages are prefixed.
    pub prog: String,
    pub argv0: String,
    pub level: u32,
    pub globals: VarSet,
    /// The innermost scope while expanding in the context of a target.
    pub scope: Option<Rc<Scope>>,
    pub db: Db,
    pub cur_loc: Option<Loc>,
    pub expanding: HashSet<String>,
    /// Definition site of the variable being expanded.
    pub expanding_loc: Option<Loc>,
    pub makefile_list: Vec<String>,
    pub default_goal: Option<String>,
    pub second_expansion: bool,
    /// `export` with no arguments or `.EXPORT_ALL_VARIABLES`.
    pub export_all: bool,
    /// Explicit `export NAME` (true) and `unexport NAME` (false).
    pub export_marks: HashMap<String, bool>,
    pub runner: Box<dyn JobRunner>,
    pub jobserver: Option<Jobserver>,
    pub jobs: Vec<Job>,
    pub commands_started: u64,
    /// Set when a target failed; no new jobs start unless `-k`.
    pub failed: bool,
    /// Names of the files `include` could not find (with the location of the directive).
    pub missing_includes: Vec<(String, Loc, bool)>,
    pub call_depth: usize,
    /// Number of `$(N)` variables set by the innermost `$(call)`.
    pub call_depth_args: usize,
    /// Intermediate files made by this run, deleted at the end.
    pub intermediates: Vec<String>,
    pub restarts: u32,
    /// While remaking makefiles: recipe failure messages held back, with their target.
    pub defer_errors: Option<Vec<(String, String)>>,
    /// `vpath` directives: (pattern, directories).
    pub vpaths: Vec<(String, Vec<String>)>,
    /// Circular dependencies already reported: (from, to).
    pub dropped: HashSet<(FileId, FileId)>,
    /// A job could start since the last wait.
    pub made_progress: bool,
    /// A target waits for a jobserver token.
    pub want_token: bool,
    /// The slot just taken is a jobserver token (given to the next job).
    pub next_job_token: bool,
    /// The jobserver is for sub-makes only: the runner stocks it (`-j` alone in a cluster).
    pub submake_tokens_only: bool,
    /// No job slot was free the last time one was asked for in this pass.
    pub no_slot: bool,
    /// Jobserver tokens held by running jobs (one job runs on make's own free slot).
    pub tokens_held: usize,
    /// `.NOTPARALLEL`: one job at a time.
    pub not_parallel: bool,
    /// `-q` found a target out of date.
    pub question_failed: bool,
    /// A file had a modification time in the future.
    pub clock_skew: bool,
    /// The environment make started with.
    pub env: Vec<(String, String)>,
    /// Changes with every `export`/`unexport` of a name.
    pub exports_version: u64,
    /// The recipe environment of targets without target-specific variables, while no
    /// variable changes.
    pub env_cache: Option<crate::recipe::EnvCache>,
    /// Directory listings for implicit-rule search and VPATH.
    pub dircache: crate::dircache::DirCache,
    /// The kinds of debugging message printed (`crate::debug`'s flags).
    pub debug: u32,
    /// Prerequisite names implicit rule search found impossible to make.
    pub impossible: HashSet<String>,
    /// Indentation of debugging messages about goals (1 while remaking makefiles), one
    /// less under a missing intermediate file that must be made.
    pub debug_base: i32,
    /// Files considered by the current `build`, while debugging ("Pruning file").
    pub considered: HashSet<crate::rules::FileId>,
}

impl Make {
    pub fn new(opts: Options, argv0: String, level: u32, runner: Box<dyn JobRunner>) -> Make {
        let prog = if level > 0 {
            format!("{argv0}[{level}]")
        } else {
            argv0.clone()
        };
        let debug = opts.debug_level().unwrap_or(0);
        Make {
            opts,
            prog,
            argv0,
            level,
            globals: VarSet::default(),
            scope: None,
            db: Db::default(),
            cur_loc: None,
            expanding: HashSet::new(),
            expanding_loc: None,
            makefile_list: Vec::new(),
            default_goal: None,
            second_expansion: false,
            export_all: false,
            export_marks: HashMap::new(),
            runner,
            jobserver: None,
            jobs: Vec::new(),
            commands_started: 0,
            failed: false,
            missing_includes: Vec::new(),
            call_depth: 0,
            call_depth_args: 0,
            intermediates: Vec::new(),
            restarts: 0,
            defer_errors: None,
            vpaths: Vec::new(),
            dropped: HashSet::new(),
            made_progress: false,
            want_token: false,
            next_job_token: false,
            tokens_held: 0,
            no_slot: false,
            submake_tokens_only: false,
            not_parallel: false,
            question_failed: false,
            clock_skew: false,
            env: std::env::vars().collect(),
            dircache: Default::default(),
            debug,
            impossible: HashSet::new(),
            debug_base: 0,
            considered: HashSet::new(),
            exports_version: 0,
            env_cache: None,
        }
    }

    /// Defines a global variable with precedence rules.
    pub fn set_global(
        &mut self,
        name: &str,
        value: impl Into<String>,
        flavor: Flavor,
        origin: Origin,
    ) {
        self.globals.set(name, Var::new(value, flavor, origin));
    }

    /// Records an `export`/`unexport` of a global variable (defined or not).
    pub fn set_export(&mut self, name: &str, export: bool) {
        self.export_marks.insert(name.to_string(), export);
        self.exports_version += 1;
    }

    /// Looks a variable up in the current scope chain, then globally.
    pub fn lookup_var(&self, name: &str) -> Option<Var> {
        if let Some((v, _)) = scope::find(&self.scope, name) {
            return Some(v.clone());
        }
        self.globals.get(name).cloned()
    }

    /// The expanded value of a variable reference `$(name)`.
    pub fn var_value(&mut self, name: &str) -> Result<String> {
        if let Some(v) = self.auto_dir_file(name) {
            return Ok(v);
        }
        if name == ".VARIABLES" {
            let mut names: Vec<&str> = self.globals.iter().map(|(k, _)| k.as_str()).collect();
            names.sort_unstable();
            return Ok(names.join(" "));
        }
        let found = scope::find(&self.scope, name).map(|(v, rest)| (v.clone(), rest));
        if let Some((var, rest)) = found {
            if var.append {
                let saved = std::mem::replace(&mut self.scope, rest);
                let base = self.var_value(name);
                self.scope = saved;
                let base = base?;
                let own = self.value_of(name, &var)?;
                return Ok(join_append(&base, &own));
            }
            return self.value_of(name, &var);
        }
        match self.globals.get(name) {
            Some(v) if !(v.private && self.scope.is_some()) => {
                let v = v.clone();
                self.value_of(name, &v)
            }
            _ => {
                if self.opts.warn_undefined {
                    self.warn(&format!("warning: undefined variable '{name}'"));
                }
                Ok(String::new())
            }
        }
    }

    fn value_of(&mut self, name: &str, var: &Var) -> Result<String> {
        match var.flavor {
            Flavor::Simple => Ok(var.value.clone()),
            Flavor::Recursive => {
                if !var.value.contains('$') {
                    return Ok(var.value.clone());
                }
                if !self.expanding.insert(name.to_string()) {
                    return Err(MakeError::fatal(
                        var.loc.clone().or_else(|| self.cur_loc.clone()),
                        format!("Recursive variable '{name}' references itself (eventually)"),
                    ));
                }
                let saved = std::mem::replace(&mut self.expanding_loc, var.loc.clone());
                let r = self.expand(&var.value);
                self.expanding_loc = saved;
                self.expanding.remove(name);
                r
            }
        }
    }

    /// `$(@D)`, `$(<F)` and friends.
    fn auto_dir_file(&mut self, name: &str) -> Option<String> {
        let b = name.as_bytes();
        if b.len() != 2 || !(b[1] == b'D' || b[1] == b'F') || !b"@<^+?*|%".contains(&b[0]) {
            return None;
        }
        let base = self.lookup_var(&name[..1])?;
        let words: Vec<String> = base
            .value
            .split_ascii_whitespace()
            .map(|w| {
                if b[1] == b'F' {
                    match w.rfind('/') {
                        Some(i) => w[i + 1..].to_string(),
                        None => w.to_string(),
                    }
                } else {
                    match w.rfind('/') {
                        Some(0) => "/".to_string(),
                        Some(i) => w[..i].to_string(),
                        None => ".".to_string(),
                    }
                }
            })
            .collect();
        Some(words.join(" "))
    }

    /// Prints a message to stdout, prefixed with the program name.
    pub fn message(&self, msg: &str) {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{}: {msg}", self.prog);
        let _ = out.flush();
    }

    /// Prints to stderr, prefixed with the program name.
    pub fn error_message(&self, msg: &str) {
        let _ = std::io::stdout().flush();
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "{}: {msg}", self.prog);
    }

    /// Prints a warning located at the current makefile line if there is one.
    pub fn warn(&self, msg: &str) {
        let _ = std::io::stdout().flush();
        match &self.cur_loc {
            Some(loc) => eprintln!("{loc}: {msg}"),
            None => eprintln!("{}: {msg}", self.prog),
        }
    }

    pub fn warn_at(&self, loc: &Loc, msg: &str) {
        let _ = std::io::stdout().flush();
        eprintln!("{loc}: {msg}");
    }

    /// Prints a fatal error the way GNU make does.
    pub fn report(&self, err: &MakeError) {
        let MakeError::Fatal { loc, msg } = err;
        let _ = std::io::stdout().flush();
        match loc {
            Some(loc) => eprintln!("{loc}: *** {msg}.  Stop."),
            None => eprintln!("{}: *** {msg}.  Stop.", self.prog),
        }
    }
}

fn join_append(base: &str, own: &str) -> String {
    if base.is_empty() {
        own.to_string()
    } else if own.is_empty() {
        base.to_string()
    } else {
        format!("{base} {own}")
    }
}
