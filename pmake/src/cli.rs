//! The `make` command: options, environment, reading makefiles, remaking them, and
//! building the goals.

use std::rc::Rc;

use crate::assign::{AssignOp, find_assignment};
use crate::engine::Make;
use crate::error::{Loc, MakeError, Result};
use crate::jobserver::Jobserver;
use crate::options::{self, Options};
use crate::vars::{Flavor, Origin, Var};

const BUILTIN_RULES: &str = include_str!("builtin_rules.mk");
const BUILTIN_VARS: &str = include_str!("builtin_vars.mk");
/// The suffixes of the built-in suffix rules.
pub(crate) const DEFAULT_SUFFIXES: &str = ".out .a .ln .o .c .cc .C .cpp .p .f .F .m .r .y .l .ym .yl .s .S .mod .sym .def .h .info .dvi .tex .texinfo .texi .txinfo .w .ch .web .sh .elc .el";
const FEATURES: &str = "target-specific order-only second-expansion else-if shortest-stem undefine oneshell nocomment grouped-target extra-prereqs archives jobserver output-sync check-symlink load";

/// What reading the makefiles asks for.
enum Outcome {
    Exit(i32),
    /// An included makefile was remade: read everything again.
    Restart,
}

/// Runs make with `args` (including the program name) and returns the exit status.
pub fn main_entry(args: Vec<String>) -> i32 {
    let argv0 = args.first().cloned().unwrap_or_else(|| "make".into());
    let prog = argv0.rsplit('/').next().unwrap_or("make").to_string();
    let level: u32 = std::env::var("MAKELEVEL")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    let prefix = if level > 0 {
        format!("{prog}[{level}]")
    } else {
        prog.clone()
    };

    let mut opts = Options {
        jobs: Some(1),
        ..Default::default()
    };
    if let Ok(mf) = std::env::var("MAKEFLAGS") {
        opts.parse_makeflags(&mf);
    }
    let env_jobs = (opts.jobs, opts.jobs_given);
    opts.jobs_given = false;
    let cmdline = &args[1.min(args.len())..];
    if let Err(e) = opts.parse(cmdline, false) {
        eprintln!("{prefix}: {e}");
        eprint!("{}", options::USAGE.replace("make", &prog));
        eprint!("{}", options::USAGE_TRAILER);
        return 2;
    }
    let jobs_on_cmdline = opts.jobs_given;
    if !opts.jobs_given {
        (opts.jobs, opts.jobs_given) = env_jobs;
    }
    if opts.help {
        print!("{}", options::USAGE.replace("make", &prog));
        print!("{}", options::USAGE_TRAILER);
        return 0;
    }
    let debug = match opts.debug_level() {
        Ok(l) => l,
        Err(spec) => {
            eprintln!("{prefix}: *** unknown debug level specification '{spec}'.  Stop.");
            return 2;
        }
    };
    if debug & crate::debug::BASIC != 0 {
        print!("{}", crate::debug::BANNER);
    }
    if opts.version {
        println!("GNU Make 4.3 (pmake {})", env!("CARGO_PKG_VERSION"));
        println!("Built for x86_64-pc-linux-gnu");
        return 0;
    }
    // MAKE is an absolute path when -C changes directory and argv[0] is relative.
    let mut make_cmd = argv0.clone();
    if make_cmd.contains('/')
        && !make_cmd.starts_with('/')
        && !opts.directories.is_empty()
        && let Ok(cwd) = std::env::current_dir()
    {
        make_cmd = format!("{}/{make_cmd}", cwd.display());
    }
    for d in opts.directories.clone() {
        if let Err(e) = std::env::set_current_dir(&d) {
            eprintln!("{prefix}: *** {d}: {}.  Stop.", crate::sys::strerror(&e));
            return 2;
        }
    }
    let print_dir = !opts.no_print_dir
        && (opts.print_dir
            || (!opts.silent && !opts.question && (level > 0 || !opts.directories.is_empty())));
    let cwd = std::env::current_dir()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default();
    // Under -p, GNU make prints these lines as comments of the data base.
    let dir_prefix = if opts.print_db { "# " } else { "" };
    if print_dir {
        println!("{dir_prefix}{prefix}: Entering directory '{cwd}'");
    }

    let jobserver = if let Some(auth) = opts.jobserver_auth.clone().filter(|_| !jobs_on_cmdline) {
        match Jobserver::join(&auth) {
            Ok(js) => Some(js),
            Err(_) => {
                eprintln!(
                    "{prefix}: warning: jobserver unavailable: using -j1.  Add '+' to parent make rule."
                );
                opts.jobs = Some(1);
                None
            }
        }
    } else {
        match opts.jobs {
            Some(n) if n > 1 => Jobserver::create(n).ok(),
            _ => None,
        }
    };
    let mut jobserver = jobserver;
    crate::signals::install();
    let mut restarts = 0;
    let mut display = None;
    let status = loop {
        let runner = match crate::placement::runner(&opts, jobserver.is_some(), &prog, &mut display)
        {
            Ok(r) => r,
            Err(e) => {
                eprintln!("{prefix}: *** {}.  Stop.", crate::sys::strerror(&e));
                break 2;
            }
        };
        let mut mk = Make::new(opts.clone(), prog.clone(), level, runner);
        mk.jobserver = jobserver.take();
        if mk.jobserver.is_none() && opts.jobs.is_none() {
            mk.share_slots_with_submakes();
        }
        mk.restarts = restarts;
        let r = run(&mut mk, &make_cmd, &cwd);
        jobserver = mk.jobserver.take().filter(|_| !mk.submake_tokens_only);
        // GNU make prints the data base as it exits or re-executes itself, after any error.
        let print_db = mk.opts.print_db;
        if mk.clock_skew && !matches!(r, Ok(Outcome::Restart)) {
            mk.error_message("warning:  Clock skew detected.  Your build may be incomplete.");
        }
        match r {
            Ok(outcome) => {
                if print_db {
                    mk.print_database();
                }
                match outcome {
                    Outcome::Exit(code) => break code,
                    Outcome::Restart => {
                        restarts += 1;
                        continue;
                    }
                }
            }
            Err(e) => {
                mk.report(&e);
                while !mk.jobs.is_empty() {
                    if let Ok((id, _)) = mk.runner.wait_any() {
                        mk.jobs
                            .retain(|j| j.current.as_ref().is_none_or(|c| c.0 != id));
                    } else {
                        break;
                    }
                }
                if print_db {
                    mk.print_database();
                }
                break 2;
            }
        }
    };
    drop(jobserver);
    if print_dir {
        println!("{dir_prefix}{prefix}: Leaving directory '{cwd}'");
    }
    drop(display);
    status
}

fn run(mk: &mut Make, make_cmd: &str, cwd: &str) -> Result<Outcome> {
    // GNU make always knows these two special targets.
    mk.db.intern(".DEFAULT");
    mk.db.intern(".SUFFIXES");
    init_variables(mk, make_cmd, cwd)?;
    let initial_makeflags = mk.globals.get("MAKEFLAGS").map(|v| v.value.clone());
    if !mk.opts.no_builtin_rules {
        mk.parse_buffer(BUILTIN_RULES, Rc::from("<builtin>"), 1)?;
        mk.db.builtin_patterns = std::mem::take(&mut mk.db.patterns);
        // The built-in suffix list does not make `.SUFFIXES` a target.
        if let Some(id) = mk.db.lookup(".SUFFIXES") {
            mk.db.file_mut(id).is_target = false;
        }
        mk.db.pattern_cache = None;
        mk.default_goal = None;
    }
    for e in mk.opts.evals.clone() {
        // Errors in --eval text have no makefile location.
        mk.eval_text(&e, None)
            .map_err(|MakeError::Fatal { msg, .. }| MakeError::fatal(None, msg))?;
    }
    // MAKEFILES from the environment: read first, never missing, never the default goal.
    mk.dbg(crate::debug::BASIC, 0, || "Reading makefiles...".into());
    if let Some((_, list)) = mk.env.iter().find(|(k, _)| k == "MAKEFILES").cloned() {
        for f in crate::text::words(&list) {
            mk.dbg_reading(f, " (no default goal) (search path) (don't care)");
            mk.read_makefile(f, None)?;
        }
        mk.default_goal = None;
        mk.globals.remove(".DEFAULT_GOAL");
    }
    // Read the makefiles.
    let mut makefiles = mk.opts.makefiles.clone();
    if makefiles.is_empty() {
        for n in ["GNUmakefile", "makefile", "Makefile"] {
            if std::path::Path::new(n).exists() {
                makefiles.push(n.to_string());
                break;
            }
        }
    }
    for f in &makefiles {
        let found = if f == "-" {
            let mut s = String::new();
            let _ = std::io::Read::read_to_string(&mut std::io::stdin(), &mut s);
            mk.makefile_list.push("-".into());
            mk.parse_buffer(&s, Rc::from("-"), 1)?;
            true
        } else {
            mk.dbg_reading(f, "");
            mk.read_makefile(f, None)?
        };
        if !found {
            mk.missing_includes.push((
                f.clone(),
                Loc {
                    file: Rc::from(""),
                    line: 0,
                },
                false,
            ));
        }
    }
    let makeflags = mk.globals.get("MAKEFLAGS").map(|v| v.value.clone());
    if makeflags != initial_makeflags
        && let Some(mf) = makeflags
    {
        apply_makefile_makeflags(mk, &mf);
    }
    mk.convert_suffix_rules();
    mk.not_parallel = mk
        .db
        .lookup(".NOTPARALLEL")
        .is_some_and(|i| mk.db.file(i).is_target);
    refresh_makeflags(mk);

    if let Some(o) = remake_makefiles(mk)? {
        return Ok(o);
    }

    let goals: Vec<String> = if !mk.opts.goals.is_empty() {
        mk.opts.goals.clone()
    } else {
        let dg = mk.var_value(".DEFAULT_GOAL")?;
        let dg = dg.trim().to_string();
        if crate::text::words(&dg).count() > 1 {
            return Err(MakeError::fatal(
                None,
                ".DEFAULT_GOAL contains more than one target",
            ));
        }
        if !dg.is_empty() {
            vec![dg]
        } else if let Some(g) = mk.default_goal.clone() {
            vec![g]
        } else {
            if makefiles.is_empty() {
                return Err(MakeError::fatal(
                    None,
                    "No targets specified and no makefile found",
                ));
            }
            return Err(MakeError::fatal(None, "No targets"));
        }
    };
    mk.dbg(crate::debug::BASIC, 0, || {
        "Updating goal targets....".into()
    });
    let ok = mk.build(&goals, false)?;
    remove_intermediates(mk);
    if !ok {
        return Ok(Outcome::Exit(2));
    }
    if mk.opts.question && mk.question_failed {
        return Ok(Outcome::Exit(1));
    }
    Ok(Outcome::Exit(0))
}

fn remove_intermediates(mk: &mut Make) {
    let mut names = Vec::new();
    for n in std::mem::take(&mut mk.intermediates) {
        if mk.db.is_in_special(".SECONDARY", &n, true) || mk.db.is_precious(&n) {
            continue;
        }
        if names.is_empty() {
            mk.dbg(crate::debug::BASIC, 0, || {
                "Removing intermediate files...".into()
            });
        }
        if mk.opts.dry_run || std::fs::remove_file(&n).is_ok() {
            names.push(n);
        }
    }
    if !names.is_empty() && !mk.opts.silent {
        println!("rm {}", names.join(" "));
    }
}

/// Tries to remake the makefiles and missing included files. Returns an outcome if make
/// must restart or stop.
fn remake_makefiles(mk: &mut Make) -> Result<Option<Outcome>> {
    mk.dbg(crate::debug::BASIC, 0, || "Updating makefiles....".into());
    // Debugging messages while makefiles are remade only with `--debug=m`.
    let debug = mk.debug;
    if !mk.debugging(crate::debug::MAKEFILES) {
        mk.debug = 0;
    }
    mk.debug_base = 1;
    let r = update_makefiles(mk);
    (mk.debug, mk.debug_base) = (debug, 0);
    r
}

/// Every makefile read and every missing included file, the last read first (as GNU
/// make orders them), brought up to date.
fn update_makefiles(mk: &mut Make) -> Result<Option<Outcome>> {
    let missing = mk.missing_includes.clone();
    let mut goals: Vec<String> = missing.iter().rev().map(|m| m.0.clone()).collect();
    for f in mk.makefile_list.clone().into_iter().rev() {
        let id = mk.db.intern(&f);
        let file = mk.db.file(id);
        // A double-colon makefile target without prerequisites would loop forever.
        if !(file.double_colon && file.rules.iter().all(|r| r.deps.is_empty())) {
            goals.push(f);
        }
    }
    if goals.is_empty() {
        return Ok(None);
    }
    let saved = (mk.opts.dry_run, mk.opts.touch, mk.opts.question);
    let saved_always = mk.opts.always_make;
    // After a restart, -B does not remake the makefiles again (it would never end).
    if mk.restarts > 0 {
        mk.opts.always_make = false;
    }
    mk.opts.dry_run = false;
    mk.opts.touch = false;
    mk.opts.question = false;
    // Missing optional files that cannot be made are not an error.
    let mut to_build = Vec::new();
    for g in &goals {
        let id = mk.db.intern(g);
        let missing_entry = missing.iter().find(|m| &m.0 == g);
        if missing_entry.is_some() && !mk.db.file(id).is_target {
            // A look ahead, silent and leaving no trace: the search that counts comes later.
            let (debug, impossible) = (mk.debug, mk.impossible.clone());
            mk.debug = 0;
            let known = mk.implicit_search(g, 0).is_some();
            (mk.debug, mk.impossible) = (debug, impossible);
            if known {
                to_build.push(g.clone());
                continue;
            }
            if let Some((name, loc, optional)) = missing_entry
                && !optional
            {
                mk.opts.dry_run = saved.0;
                mk.opts.touch = saved.1;
                mk.opts.question = saved.2;
                let _ = std::io::Write::flush(&mut std::io::stdout());
                if loc.line > 0 {
                    eprintln!("{loc}: {name}: No such file or directory");
                } else {
                    eprintln!("{}: {name}: No such file or directory", mk.prog);
                }
                return Err(MakeError::fatal(
                    None,
                    format!("No rule to make target '{name}'"),
                ));
            }
            // GNU make searched for a rule for the missing include and failed to make it.
            let file = mk.db.file_mut(id);
            file.implicit_done = true;
            file.mtime = Some(None);
            file.state = crate::rules::State::Done { ok: false };
            continue;
        }
        to_build.push(g.clone());
    }
    let before: Vec<Option<i128>> = to_build.iter().map(|g| crate::sys::mtime(g)).collect();
    mk.defer_errors = Some(Vec::new());
    let ok = mk.build(&to_build, true);
    let deferred = mk.defer_errors.take().unwrap_or_default();
    mk.opts.always_make = saved_always;
    let ok = ok?;
    let optional = |n: &str| missing.iter().any(|m| m.0 == n && m.2);
    if !ok {
        for (name, loc, opt) in &missing {
            if !opt && !std::path::Path::new(name).exists() && loc.line > 0 {
                let _ = std::io::Write::flush(&mut std::io::stdout());
                eprintln!("{loc}: {name}: No such file or directory");
            }
        }
        for (target, msg) in &deferred {
            if !optional(target) {
                eprintln!("{msg}");
            }
        }
    }
    mk.opts.dry_run = saved.0;
    mk.opts.touch = saved.1;
    mk.opts.question = saved.2;
    if !ok {
        // A failed optional include is ignored; others stop make.
        let any_required = to_build.iter().any(|g| {
            let failed = mk
                .db
                .lookup(g)
                .is_some_and(|id| mk.db.file(id).state == crate::rules::State::Done { ok: false });
            missing.iter().any(|m| &m.0 == g && !m.2) || (failed && mk.makefile_list.contains(g))
        });
        if any_required {
            return Ok(Some(Outcome::Exit(2)));
        }
        mk.failed = false;
    }
    let after: Vec<Option<i128>> = to_build.iter().map(|g| crate::sys::mtime(g)).collect();
    if before != after && mk.restarts < 50 {
        return Ok(Some(Outcome::Restart));
    }
    for (name, loc, optional) in &missing {
        if !optional && !std::path::Path::new(name).exists() {
            let _ = std::io::Write::flush(&mut std::io::stdout());
            if loc.line > 0 {
                eprintln!("{loc}: {name}: No such file or directory");
            }
            return Ok(Some(Outcome::Exit(2)));
        }
    }
    Ok(None)
}

fn init_variables(mk: &mut Make, make_cmd: &str, cwd: &str) -> Result<()> {
    let d = |mk: &mut Make, n: &str, v: &str, f: Flavor| {
        mk.globals.insert(n, Var::new(v, f, Origin::Default));
    };
    if !mk.opts.no_builtin_vars {
        for line in BUILTIN_VARS.lines() {
            if let Some((n, op, v)) = find_assignment(line) {
                let f = if op == AssignOp::Simple {
                    Flavor::Simple
                } else {
                    Flavor::Recursive
                };
                d(mk, &n, v.trim_start(), f);
            }
        }
    }
    d(mk, "MAKE_COMMAND", make_cmd, Flavor::Simple);
    d(mk, "MAKE", "$(MAKE_COMMAND)", Flavor::Recursive);
    d(mk, "MAKE_VERSION", "4.3", Flavor::Simple);
    d(mk, "MAKE_HOST", "x86_64-pc-linux-gnu", Flavor::Simple);
    d(mk, ".SHELLFLAGS", "-c", Flavor::Simple);
    d(mk, ".FEATURES", FEATURES, Flavor::Simple);
    // GNU make 4.3 lists /usr/include twice.
    d(
        mk,
        ".INCLUDE_DIRS",
        "/usr/local/include /usr/include /usr/include",
        Flavor::Recursive,
    );
    if !mk.opts.no_builtin_vars {
        d(mk, ".LIBPATTERNS", "lib%.so lib%.a", Flavor::Recursive);
    }
    d(mk, "MAKEFILES", "", Flavor::Simple);
    d(mk, ".RECIPEPREFIX", "", Flavor::Simple);
    d(mk, ".LOADED", "", Flavor::Simple);
    if !mk.opts.goals.is_empty() {
        d(mk, "MAKECMDGOALS", &mk.opts.goals.join(" "), Flavor::Simple);
    }
    let suffixes = if mk.opts.no_builtin_rules {
        ""
    } else {
        DEFAULT_SUFFIXES
    };
    d(mk, "SUFFIXES", suffixes, Flavor::Simple);
    if mk.restarts > 0 {
        d(
            mk,
            "MAKE_RESTARTS",
            &mk.restarts.to_string(),
            Flavor::Simple,
        );
    }
    let env = mk.env.clone();
    for (k, v) in env {
        if k == "SHELL" || k.is_empty() {
            continue;
        }
        mk.set_global(&k, v, Flavor::Recursive, Origin::Environment);
        if let Some(var) = mk.globals.get_mut(&k) {
            var.export = crate::vars::Export::Yes;
        }
    }
    mk.globals.insert(
        "SHELL",
        Var::new("/bin/sh", Flavor::Simple, Origin::Default),
    );
    mk.globals
        .insert("CURDIR", Var::new(cwd, Flavor::Simple, Origin::File));
    mk.globals.insert(
        "MAKELEVEL",
        Var::new(mk.level.to_string(), Flavor::Simple, env_origin(mk)),
    );
    for a in mk.opts.assignments.clone() {
        let Some((name, op, value)) = find_assignment(&a) else {
            continue;
        };
        let (value, flavor) = match op {
            AssignOp::Simple => (mk.expand(&value)?, Flavor::Simple),
            AssignOp::Append => {
                let old = mk
                    .globals
                    .get(&name)
                    .map(|v| v.value.clone())
                    .unwrap_or_default();
                (
                    if old.is_empty() {
                        value
                    } else {
                        format!("{old} {value}")
                    },
                    Flavor::Recursive,
                )
            }
            AssignOp::Shell => (mk.shell_assign(&value)?, Flavor::Recursive),
            _ => (value, Flavor::Recursive),
        };
        mk.globals
            .insert(&name, Var::new(value, flavor, Origin::CommandLine));
    }
    refresh_makeflags(mk);
    Ok(())
}

/// A makefile changed `MAKEFLAGS` (`MAKEFLAGS += -s`): take its flags into account.
fn apply_makefile_makeflags(mk: &mut Make, value: &str) {
    let mut o = mk.opts.clone();
    let flags = value.split(" -- ").next().unwrap_or("");
    o.parse_makeflags(flags);
    o.assignments = mk.opts.assignments.clone();
    o.jobs = mk.opts.jobs;
    o.jobs_given = mk.opts.jobs_given;
    o.jobserver_auth = mk.opts.jobserver_auth.clone();
    if o.no_builtin_rules && !mk.opts.no_builtin_rules {
        mk.db.builtin_patterns.clear();
        mk.db.pattern_cache = None;
        mk.db.suffixes.clear();
    }
    if o.no_builtin_vars && !mk.opts.no_builtin_vars {
        let defaults: Vec<String> = mk
            .globals
            .iter()
            .filter(|(_, v)| v.origin == Origin::Default)
            .map(|(k, _)| k.clone())
            .filter(|k| !k.starts_with("MAKE") && !k.starts_with('.'))
            .collect();
        for k in defaults {
            mk.globals.remove(&k);
        }
    }
    mk.opts = o;
}

/// Sets `MAKEFLAGS` and `MFLAGS` from the options and command-line variables.
fn refresh_makeflags(mk: &mut Make) {
    let js = mk.jobserver.as_ref().map(|j| j.auth.clone());
    let mut flags = mk.opts.makeflags(js.as_deref());
    let vars: Vec<String> = mk
        .opts
        .assignments
        .iter()
        .rev()
        .map(|a| options::escape_word(a))
        .collect();
    if !vars.is_empty() {
        flags.push_str(" -- ");
        flags.push_str(&vars.join(" "));
    }
    let letters: String = flags
        .split(' ')
        .next()
        .filter(|w| !w.starts_with('-'))
        .unwrap_or("")
        .to_string();
    let origin = if mk.opts.env_override {
        Origin::EnvironmentOverride
    } else {
        Origin::File
    };
    mk.globals
        .insert("MAKEFLAGS", Var::new(flags, Flavor::Recursive, origin));
    let mflags = if letters.is_empty() {
        String::new()
    } else {
        format!("-{letters}")
    };
    // GNU make defines MFLAGS as if it came from the environment.
    mk.globals.insert(
        "MFLAGS",
        Var::new(mflags, Flavor::Recursive, env_origin(mk)),
    );
}

/// The origin of variables taken from the environment (`environment override` under -e).
fn env_origin(mk: &Make) -> Origin {
    if mk.opts.env_override {
        Origin::EnvironmentOverride
    } else {
        Origin::Environment
    }
}
