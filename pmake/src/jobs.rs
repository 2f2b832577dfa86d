//! Running recipes: a job per target, one command line at a time, through the
//! `JobRunner`; job slots and jobserver tokens; errors, `-i`/`-k`, `.DELETE_ON_ERROR`,
//! fatal signals; and recording that a file was made.

use std::collections::VecDeque;
use std::rc::Rc;

use crate::debug::JOBS;
use crate::engine::Make;
use crate::error::{MakeError, Result};
use crate::recipe::{CmdLine, signal_name, strip_prefixes};
use crate::rules::{FileId, Recipe, Rule, State};
use crate::runner::{CommandSpec, ExitStatus, JobId};
use crate::scheduler::{NEW_MTIME, Progress};
use crate::scope::Scope;
use crate::vars::{Flavor, Origin, Var, VarSet};

/// A recipe being run for a target, one line at a time.
pub struct Job {
    pub file: FileId,
    pub lines: VecDeque<CmdLine>,
    pub current: Option<(JobId, CmdLine)>,
    pub old_mtime: Option<i128>,
    /// The double-colon rule whose recipe this is.
    pub dc_rule: Option<usize>,
    /// Collected output under `-O`.
    pub capture: Option<crate::outsync::Capture>,
    /// Which job this is, for `--debug=j` (which GNU make shows as a pointer).
    pub serial: u64,
    /// The running command as `--debug=j` names it (empty before the first).
    pub child: String,
}

impl Make {
    /// Waits for any command to end; handles a fatal signal received meanwhile.
    pub(crate) fn wait_child(&mut self) -> Result<(JobId, ExitStatus)> {
        match self.runner.wait_any() {
            Ok(r) => Ok(r),
            Err(e) => match crate::signals::pending() {
                Some(sig) => self.die_by_signal(sig),
                None => Err(io_err(e)),
            },
        }
    }

    /// A fatal signal arrived: wait for the commands, delete their half-made targets,
    /// and die by the signal.
    pub(crate) fn die_by_signal(&mut self, sig: i32) -> ! {
        crate::signals::clear();
        self.runner.forward_fatal(sig);
        let mut ended = Vec::new();
        while self.runner.running() > 0 {
            match self.runner.wait_any() {
                Ok(r) => ended.push(r),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
        let jobs = std::mem::take(&mut self.jobs);
        for job in jobs {
            let name = self.db.file(job.file).name.clone();
            let precious = self.db.is_precious(&name) || self.is_phony(job.file);
            let now = crate::sys::mtime(&name);
            if !precious && now.is_some() && now != job.old_mtime {
                self.error_message(&format!("*** Deleting file '{name}'"));
                let _ = std::fs::remove_file(&name);
            }
            if let Some((jid, line)) = &job.current
                && let Some((_, st)) = ended.iter().find(|(id, _)| id == jid)
                && !st.success()
            {
                let what = match *st {
                    ExitStatus::Code(c) => format!("Error {c}"),
                    ExitStatus::Signal { signal, .. } => signal_name(signal),
                };
                let _ = std::io::Write::flush(&mut std::io::stdout());
                eprintln!("{}: *** [{}: {name}] {what}", self.prog, line.loc);
            }
        }
        crate::signals::die(sig)
    }

    pub(crate) fn wait_for_job(&mut self) -> Result<()> {
        if self.want_token
            && let Some(js) = &self.jobserver
        {
            self.want_token = false;
            // Reap first: the runner's event pipe is drained before it reaps, so a
            // command ending after this point still wakes the poll below.
            if let Some((id, st)) = self.runner.try_wait_any().map_err(io_err)? {
                return self.job_exited(id, st);
            }
            js.wait(self.runner.event_fd());
            if let Some(sig) = crate::signals::pending() {
                self.die_by_signal(sig);
            }
            // Woken by a command ending: reap it now rather than after another pass.
            if let Some((id, st)) = self.runner.try_wait_any().map_err(io_err)? {
                return self.job_exited(id, st);
            }
            return Ok(());
        }
        self.dbg_live_children();
        let (id, st) = self.wait_child()?;
        self.job_exited(id, st)
    }

    pub(crate) fn is_serial(&self) -> bool {
        self.not_parallel || (self.jobserver.is_none() && self.opts.jobs == Some(1))
    }

    pub(crate) fn recipe_has_recursive(&self, id: FileId) -> bool {
        let f = self.db.file(id);
        f.rules
            .iter()
            .chain(f.implicit.iter())
            .filter_map(|r| r.recipe.as_ref())
            .any(|r| r.lines.iter().any(|(l, _)| is_recursive_line(l)))
    }

    /// With `-j` alone in a cluster, sub-makes get a jobserver that the runner keeps stocked
    /// with a token per free slot, so that they share the slots make holds; make itself takes
    /// its slots from the runner.
    pub fn share_slots_with_submakes(&mut self) {
        let Ok(js) = crate::jobserver::Jobserver::create(1) else {
            return;
        };
        let Ok(handle) = crate::jobserver::Jobserver::join(&js.auth) else {
            return;
        };
        if self.runner.stock_jobserver(handle) {
            self.jobserver = Some(js);
            self.submake_tokens_only = true;
        }
    }

    /// Takes a job slot (a jobserver token if needed).
    pub(crate) fn take_slot(&mut self) -> Result<bool> {
        let free = self.free_slot()?;
        self.no_slot = !free;
        Ok(free)
    }

    fn free_slot(&mut self) -> Result<bool> {
        if self.failed && !self.opts.keep_going {
            return Ok(false);
        }
        // Like GNU make, collect a command that has ended before asking for a token: when
        // commands are short, the slot it frees is taken without a trip through the jobserver.
        if !self.jobs.is_empty()
            && self.jobserver.is_some()
            && let Some((id, st)) = self.runner.try_wait_any().map_err(io_err)?
        {
            self.job_exited(id, st)?;
            if self.failed && !self.opts.keep_going {
                return Ok(false);
            }
        }
        if self.jobs.is_empty() {
            return Ok(true);
        }
        if self.not_parallel {
            return Ok(false);
        }
        if let Some(limit) = self.opts.load
            && load_average() >= limit
        {
            return Ok(false);
        }
        if !self.submake_tokens_only
            && let Some(js) = self.jobserver.as_mut()
        {
            // Asked already in this pass and none was free: do not read the pipe again for every
            // other runnable target; the wait that ends the pass watches for a token.
            if self.want_token {
                return Ok(false);
            }
            if js.try_acquire() {
                self.next_job_token = true;
                return Ok(true);
            }
            self.want_token = true;
            return Ok(false);
        }
        Ok(match self.opts.jobs {
            None => true,
            Some(n) => self.jobs.len() < n,
        })
    }

    pub(crate) fn auto_vars(&mut self, id: FileId, rule: &Rule, mtime: Option<i128>) -> VarSet {
        let f = self.db.file(id);
        let name = f.name.clone();
        let mut normal: Vec<String> = Vec::new();
        let mut order: Vec<String> = Vec::new();
        let mut newer: Vec<String> = Vec::new();
        let deps = rule.deps.clone();
        let stem = rule.stem.clone();
        let mtime = self.low_resolution(id, mtime);
        for d in &deps {
            let p = self.db.file(d.file).path().to_string();
            if d.order_only {
                if !order.contains(&p) {
                    order.push(p);
                }
            } else {
                let dm = self.file_mtime(d.file);
                let df = self.db.file(d.file);
                if (mtime.is_none()
                    || df.changed
                    || dm.unwrap_or(NEW_MTIME) > mtime.unwrap_or(i128::MIN))
                    && !newer.contains(&p)
                {
                    newer.push(p.clone());
                }
                normal.push(p);
            }
        }
        let mut dedup: Vec<String> = Vec::new();
        for n in &normal {
            if !dedup.contains(n) {
                dedup.push(n.clone());
            }
        }
        // An archive member `lib.a(m.o)`: `$@` is the archive, `$%` the member.
        let (target, member) = crate::archive::split(&name).unwrap_or((&name, ""));
        let base = if member.is_empty() { target } else { member };
        let stem = stem.unwrap_or_else(|| {
            self.db
                .suffixes
                .iter()
                .find(|s| base.len() > s.len() && base.ends_with(s.as_str()))
                .map(|s| base[..base.len() - s.len()].to_string())
                .unwrap_or_default()
        });
        // Archive members among the prerequisites are listed by member name (not in `$<`).
        let members = |list: &[String]| {
            list.iter()
                .map(|p| crate::archive::split(p).map_or(p.as_str(), |(_, m)| m))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let mut vs = VarSet::default();
        let mut set =
            |n: &str, v: String| vs.insert(n, Var::new(v, Flavor::Simple, Origin::Automatic));
        set("@", target.to_string());
        set("<", normal.first().cloned().unwrap_or_default());
        set("^", members(&dedup));
        set("+", members(&normal));
        set("|", members(&order));
        set("?", members(&newer));
        set("*", stem);
        set("%", member.to_string());
        vs
    }

    /// The rules whose recipes run to remake a file, with their prerequisites.
    pub(crate) fn rules_to_run(&mut self, id: FileId, mtime: Option<i128>) -> Vec<Rule> {
        let f = self.db.file(id);
        if f.double_colon {
            let rules = f.rules.clone();
            let mut out = Vec::new();
            for r in rules {
                if r.recipe.is_none() {
                    continue;
                }
                let run = mtime.is_none()
                    || r.deps.is_empty()
                    || self.opts.always_make
                    || r.deps.iter().any(|d| {
                        !d.order_only && {
                            let dm = self.file_mtime(d.file);
                            self.db.file(d.file).changed
                                || dm.unwrap_or(NEW_MTIME) > mtime.unwrap_or(i128::MIN)
                        }
                    });
                if run {
                    out.push(r);
                }
            }
            return out;
        }
        let explicit = f.rules.first().cloned().unwrap_or_default();
        let mut rule = match (&explicit.recipe, &f.implicit) {
            (Some(_), _) => explicit.clone(),
            (None, Some(imp)) => {
                let mut r = imp.clone();
                r.deps.extend(explicit.deps.iter().cloned());
                r
            }
            (None, None) => explicit.clone(),
        };
        if explicit.recipe.is_some()
            && let Some(imp) = &f.implicit
        {
            let mut d = imp.deps.clone();
            d.extend(rule.deps);
            rule.deps = d;
        }
        vec![rule]
    }

    /// Starts the recipe of a file (of its double-colon rule `dc_rule` if given).
    pub(crate) fn start_job(
        &mut self,
        id: FileId,
        mtime: Option<i128>,
        dc_rule: Option<usize>,
    ) -> Result<Progress> {
        let rules = match dc_rule {
            Some(i) => vec![self.db.file(id).rules[i].clone()],
            None => self.rules_to_run(id, mtime),
        };
        let name = self.db.file(id).name.clone();
        let silent_target = self.db.is_in_special(".SILENT", &name, true);
        let ignore_target = self.db.is_in_special(".IGNORE", &name, true);
        let oneshell = self
            .db
            .lookup(".ONESHELL")
            .is_some_and(|i| self.db.file(i).is_target);
        let level = self.db.file(id).level;
        let mut lines = VecDeque::new();
        for rule in &rules {
            let Some(recipe) = rule.recipe.clone() else {
                continue;
            };
            let vs = self.auto_vars(id, rule, mtime);
            if self.opts.print_db {
                self.db.file_mut(id).auto_vars = Some(vs.clone());
            }
            if self.opts.trace {
                let loc = recipe.loc.to_string();
                let newer = vs.get("?").map(|v| v.value.clone()).unwrap_or_default();
                let why = if newer.is_empty() && mtime.is_none() {
                    format!("target '{name}' does not exist")
                } else {
                    format!("update target '{name}' due to: {newer}")
                };
                println!("{loc}: {why}");
            }
            let base = self.db.file(id).scope.clone();
            let saved = self.scope.replace(Scope::push(vs, level, base));
            let r = self.expand_recipe(&recipe, oneshell, silent_target, ignore_target);
            self.scope = saved;
            lines.extend(r?);
        }
        self.commands_started += 1;
        self.made_progress = true;
        let token = std::mem::take(&mut self.next_job_token);
        if self.opts.touch {
            let recursive: Vec<CmdLine> = lines.iter().filter(|l| l.recursive).cloned().collect();
            if recursive.is_empty() {
                if !self.opts.silent && !silent_target {
                    println!("touch {name}");
                }
                self.dircache.commands_ran();
                let ok = self.is_phony(id) || self.touch_target(&name);
                if token && let Some(js) = self.jobserver.as_mut() {
                    js.release();
                }
                if !ok {
                    self.failed = true;
                    self.db.file_mut(id).recipe_failed = true;
                }
                self.finish_file(id, ok, mtime, dc_rule);
                return Ok(Progress::Done(ok));
            }
            lines = recursive.into();
        }
        for g in self.group_of(id) {
            self.db.file_mut(g).state = State::Running;
        }
        if token {
            self.tokens_held += 1;
        }
        self.jobs.push(Job {
            file: id,
            lines,
            current: None,
            old_mtime: mtime,
            dc_rule,
            serial: self.commands_started,
            child: String::new(),
            capture: match self.opts.output_sync.as_deref() {
                Some("line" | "target" | "recurse") => crate::outsync::Capture::new().ok(),
                _ => None,
            },
        });
        let idx = self.jobs.len() - 1;
        self.advance(idx)
    }

    /// `make -t` on one target: a file's time is set to now, an archive member's date in its
    /// archive to the archive's new time. Returns false if a member could not be touched
    /// (reported as GNU make does).
    fn touch_target(&self, name: &str) -> bool {
        use crate::archive::TouchError;
        let Some((archive, member)) = crate::archive::split(name) else {
            if let Err(e) = crate::sys::touch(name) {
                self.error_message(&format!("touch: {name}: {}", crate::sys::strerror(&e)));
            }
            return true;
        };
        let msg = match crate::archive::touch(archive, member) {
            Ok(()) => return true,
            Err(TouchError::Missing) => format!("touch: Archive '{archive}' does not exist"),
            Err(TouchError::Invalid) => format!("touch: '{archive}' is not a valid archive"),
            Err(TouchError::NoMember) => {
                format!("touch: Member '{member}' does not exist in '{archive}'")
            }
            Err(TouchError::Io(e)) => format!("touch: {archive}: {}", crate::sys::strerror(&e)),
        };
        self.error_message(&msg);
        false
    }

    pub(crate) fn expand_recipe(
        &mut self,
        recipe: &Rc<Recipe>,
        oneshell: bool,
        silent_t: bool,
        ignore_t: bool,
    ) -> Result<Vec<CmdLine>> {
        let mut out = Vec::new();
        if oneshell {
            let mut texts = Vec::new();
            let mut flags = (false, false, false);
            let mut rec = false;
            for (i, (line, loc)) in recipe.lines.iter().enumerate() {
                self.cur_loc = Some(loc.clone());
                rec |= is_recursive_line(line);
                let e = self.expand(line)?;
                let (t, s, ig, f) = strip_prefixes(&e);
                if i == 0 {
                    flags = (s, ig, f);
                }
                texts.push(t.to_string());
            }
            let loc = recipe
                .lines
                .first()
                .map(|l| l.1.clone())
                .unwrap_or_else(|| recipe.loc.clone());
            out.push(CmdLine {
                text: texts.join("\n"),
                silent: flags.0 || silent_t || self.opts.silent,
                ignore: flags.1 || ignore_t || self.opts.ignore_errors,
                recursive: flags.2 || rec,
                loc,
            });
            return Ok(out);
        }
        for (line, loc) in &recipe.lines {
            self.cur_loc = Some(loc.clone());
            let rec = is_recursive_line(line);
            let (_, s0, i0, f0) = strip_prefixes(line);
            let e = self.expand(line)?;
            for piece in split_unescaped_newlines(&e) {
                let (t, s, ig, f) = strip_prefixes(&piece);
                out.push(CmdLine {
                    text: t.to_string(),
                    silent: s || s0 || silent_t || self.opts.silent,
                    ignore: ig || i0 || ignore_t || self.opts.ignore_errors,
                    recursive: f || f0 || rec,
                    // GNU make numbers commands from the recipe's first line,
                    // whatever continuation lines lie between them.
                    loc: crate::error::Loc {
                        file: recipe.loc.file.clone(),
                        line: recipe.loc.line + out.len(),
                    },
                });
            }
        }
        self.cur_loc = None;
        Ok(out)
    }

    /// Runs the next lines of job `idx` until one is started or the job ends.
    pub(crate) fn advance(&mut self, idx: usize) -> Result<Progress> {
        loop {
            let Some(line) = self.jobs[idx].lines.pop_front() else {
                let job = self.jobs.remove(idx);
                self.end_job(job, true);
                return Ok(Progress::Done(true));
            };
            if line.text.trim().is_empty() {
                continue;
            }
            let skip = (self.opts.dry_run || self.opts.question) && !line.recursive;
            if !line.silent || self.opts.dry_run || self.opts.trace {
                use std::io::Write;
                match self.jobs[idx].capture.as_mut() {
                    Some(c) if !line.recursive => {
                        let _ = writeln!(c.out, "{}", line.text);
                    }
                    _ => {
                        let mut o = std::io::stdout().lock();
                        let _ = writeln!(o, "{}", line.text);
                        let _ = o.flush();
                    }
                }
            }
            if skip {
                continue;
            }
            let argv = self.command_argv(&line.text)?;
            if argv.is_empty() {
                continue;
            }
            let file = self.jobs[idx].file;
            let saved = std::mem::replace(&mut self.scope, self.db.file(file).scope.clone());
            let env = self.recipe_env();
            self.scope = saved;
            let inherit = match (&self.jobserver, line.recursive) {
                (Some(js), true) => js.inherit.clone(),
                _ => Vec::new(),
            };
            let spec = CommandSpec {
                argv: argv.clone(),
                env: env?,
                cwd: None,
                inherit_fds: inherit,
                output: match &self.jobs[idx].capture {
                    Some(c) if !line.recursive => Some((
                        c.out.try_clone().map_err(io_err)?,
                        c.err.try_clone().map_err(io_err)?,
                    )),
                    _ => None,
                },
                local_only: line.recursive,
            };
            match self.runner.spawn(&spec) {
                Ok(jid) => {
                    self.jobs[idx].current = Some((jid, line.clone()));
                    if self.debugging(JOBS) {
                        self.dbg_child_started(idx, jid);
                    }
                    if !self.is_serial() {
                        return Ok(Progress::Pending);
                    }
                    // Like GNU make with -j1: wait for each command before going on.
                    let st = loop {
                        self.dbg_live_children();
                        let (id, st) = self.wait_child()?;
                        if id == jid {
                            break st;
                        }
                        self.job_exited(id, st)?;
                    };
                    self.jobs[idx].current = None;
                    self.dbg_reaped(idx, st);
                    self.sync_line(idx);
                    if !st.success() && !self.line_failed(idx, &line, st) {
                        let ok = self.db.file(file).state == State::Done { ok: true };
                        return Ok(Progress::Done(ok));
                    }
                }
                Err(e) => {
                    self.error_message(&format!("{}: {}", argv[0], crate::sys::strerror(&e)));
                    if self.line_failed(idx, &line, ExitStatus::Code(127)) {
                        continue;
                    }
                    return Ok(Progress::Done(false));
                }
            }
        }
    }

    /// Reports a failed line. Returns true if the job goes on (the error is ignored).
    pub(crate) fn line_failed(&mut self, idx: usize, line: &CmdLine, st: ExitStatus) -> bool {
        // Under -q a sub-make answering "out of date" is an answer, not an error.
        if self.opts.question && line.recursive && st == ExitStatus::Code(1) {
            self.question_failed = true;
            let job = self.jobs.remove(idx);
            self.end_job(job, true);
            return false;
        }
        let name = self.db.file(self.jobs[idx].file).name.clone();
        let what = match st {
            ExitStatus::Code(c) => format!("Error {c}"),
            ExitStatus::Signal { signal, core } => {
                let mut s = signal_name(signal);
                if core {
                    s.push_str(" (core dumped)");
                }
                s
            }
        };
        if let Some(c) = self.jobs[idx].capture.as_mut() {
            c.flush();
        }
        let _ = std::io::Write::flush(&mut std::io::stdout());
        let loc = if &*line.loc.file == "<builtin>" {
            "<builtin>".to_string()
        } else {
            line.loc.to_string()
        };
        if line.ignore && matches!(st, ExitStatus::Code(_)) {
            eprintln!("{}: [{loc}: {name}] {what} (ignored)", self.prog);
            return true;
        }
        let msg = format!("{}: *** [{loc}: {name}] {what}", self.prog);
        match self.defer_errors.as_mut() {
            Some(d) => d.push((name, msg)),
            None => eprintln!("{msg}"),
        }
        let job = self.jobs.remove(idx);
        self.end_job(job, false);
        false
    }

    /// `-Oline`: output of a finished line goes out at once.
    pub(crate) fn sync_line(&mut self, idx: usize) {
        if self.opts.output_sync.as_deref() == Some("line")
            && let Some(c) = self.jobs[idx].capture.as_mut()
        {
            c.flush();
        }
    }

    pub(crate) fn job_exited(&mut self, jid: JobId, st: ExitStatus) -> Result<()> {
        self.dircache.commands_ran();
        let Some(idx) = self
            .jobs
            .iter()
            .position(|j| j.current.as_ref().is_some_and(|c| c.0 == jid))
        else {
            return Ok(());
        };
        let (_, line) = self.jobs[idx].current.take().expect("current line");
        self.dbg_reaped(idx, st);
        self.sync_line(idx);
        if !st.success() && !self.line_failed(idx, &line, st) {
            return Ok(());
        }
        self.advance(idx)?;
        Ok(())
    }

    pub(crate) fn end_job(&mut self, mut job: Job, ok: bool) {
        if let Some(c) = job.capture.as_mut() {
            c.flush();
        }
        if self.debugging(JOBS) && !job.child.is_empty() {
            let msg = format!(
                "Removing child {} {} from chain.",
                child_ptr(&job),
                job.child
            );
            crate::debug::print_indented(0, &msg);
        }
        // Like GNU make, hold one token fewer than the jobs running, whichever job ended: the
        // free slot passes to a job still running, and the token goes back to the pipe.
        while self.tokens_held > self.jobs.len().saturating_sub(1) {
            self.tokens_held -= 1;
            if let Some(js) = self.jobserver.as_mut() {
                js.release();
            }
        }
        if !ok {
            self.db.file_mut(job.file).recipe_failed = true;
            let name = self.db.file(job.file).name.clone();
            let delete_on_error = self
                .db
                .lookup(".DELETE_ON_ERROR")
                .is_some_and(|i| self.db.file(i).is_target);
            let precious = self.db.is_precious(&name) || self.is_phony(job.file);
            if delete_on_error
                && !precious
                && let Some((archive, member)) = crate::archive::split(&name)
            {
                // A member is never deleted, only reported if its recipe changed it.
                let old = job.old_mtime.map(|t| t.div_euclid(1_000_000_000) as i64);
                if crate::archive::member_date(archive, member) != old {
                    self.error_message(&format!(
                        "*** Archive member '{name}' may be bogus; not deleted"
                    ));
                }
            } else if delete_on_error && !precious {
                let now = crate::sys::mtime(&name);
                if now.is_some() && now != job.old_mtime {
                    self.error_message(&format!("*** Deleting file '{name}'"));
                    let _ = std::fs::remove_file(&name);
                }
            }
            if !self.failed && !self.opts.keep_going && !self.jobs.is_empty() {
                self.error_message("*** Waiting for unfinished jobs....");
            }
            self.failed = true;
        }
        self.finish_file(job.file, ok, job.old_mtime, job.dc_rule);
    }

    /// Marks a file (and the other targets of its group) as made.
    pub(crate) fn group_of(&self, id: FileId) -> Vec<FileId> {
        let mut group = vec![id];
        let f = self.db.file(id);
        for r in f.rules.iter().chain(f.implicit.iter()) {
            if let Some(g) = &r.group {
                for &m in g.iter() {
                    if !group.contains(&m) {
                        group.push(m);
                    }
                }
            }
        }
        group
    }

    pub(crate) fn finish_file(
        &mut self,
        id: FileId,
        ok: bool,
        old: Option<i128>,
        dc_rule: Option<usize>,
    ) {
        let group = self.group_of(id);
        let pretend = self.opts.dry_run || self.opts.question;
        if ok
            && let Some(i) = dc_rule
            && i + 1 < self.db.file(id).rules.len()
        {
            // More double-colon rules to consider: back to making prerequisites.
            let now = self.mtime_now(id);
            let f = self.db.file_mut(id);
            f.dc_next = i + 1;
            f.state = State::Deps;
            f.remade = true;
            f.changed = true;
            f.mtime = Some(if pretend { Some(NEW_MTIME) } else { now });
            return;
        }
        for g in group {
            let phony = self.is_phony(g);
            let name = self.db.file(g).name.clone();
            let now = if phony { None } else { self.mtime_now(g) };
            let f = self.db.file_mut(g);
            f.state = State::Done { ok };
            f.remade = true;
            f.vpath = None;
            // A replaced archive member has the date ar gave it, and targets depending on it
            // judge by that date alone, as in GNU make.
            let member = crate::archive::split(&f.name).is_some();
            f.changed = pretend || phony || now.is_none() || (now != old && !member) || g != id;
            f.mtime = Some(if pretend { Some(NEW_MTIME) } else { now });
            let intermediate = f.intermediate;
            if (intermediate || self.db.is_in_special(".INTERMEDIATE", &name, false))
                && ok
                && (now.is_some() || pretend)
                && !self.intermediates.contains(&name)
            {
                self.intermediates.push(name);
            }
        }
    }
}

/// How `--debug=j` shows a job: GNU make prints the address of its `struct child`.
fn child_ptr(job: &Job) -> String {
    format!("{:#x}", 0x5555_0000_0000u64 + job.serial * 0x40)
}

impl Make {
    /// `--debug=j`: a command of job `idx` started; its first one puts the job on the chain.
    fn dbg_child_started(&mut self, idx: usize, jid: JobId) {
        let first = self.jobs[idx].child.is_empty();
        self.jobs[idx].child = self.runner.describe(jid);
        if first {
            let job = &self.jobs[idx];
            let name = &self.db.file(job.file).name;
            let msg = format!(
                "Putting child {} ({name}) {} on the chain.",
                child_ptr(job),
                job.child
            );
            crate::debug::print_indented(0, &msg);
        }
    }

    /// `--debug=j`: the children running, listed before make waits for one.
    fn dbg_live_children(&self) {
        if !self.debugging(JOBS) {
            return;
        }
        for job in self.jobs.iter().filter(|j| j.current.is_some()) {
            let name = &self.db.file(job.file).name;
            let msg = format!("Live child {} ({name}) {} ", child_ptr(job), job.child);
            crate::debug::print_indented(0, &msg);
        }
    }

    /// `--debug=j`: a command of job `idx` ended.
    fn dbg_reaped(&self, idx: usize, st: ExitStatus) {
        if self.debugging(JOBS) {
            let job = &self.jobs[idx];
            let how = if st.success() { "winning" } else { "losing" };
            let msg = format!("Reaping {how} child {} {} ", child_ptr(job), job.child);
            crate::debug::print_indented(0, &msg);
        }
    }
}

/// The one-minute load average (`-l`).
fn load_average() -> f64 {
    let mut l = [0f64; 3];
    // SAFETY: getloadavg writes at most 3 doubles into the valid array.
    let n = unsafe { libc::getloadavg(l.as_mut_ptr(), 3) };
    if n >= 1 { l[0] } else { 0.0 }
}

fn io_err(e: std::io::Error) -> MakeError {
    MakeError::fatal(None, format!("wait: {}", crate::sys::strerror(&e)))
}

fn is_recursive_line(raw: &str) -> bool {
    raw.contains("$(MAKE)") || raw.contains("${MAKE}") || strip_prefixes(raw).3
}

/// Splits expanded recipe text at newlines not preceded by a backslash.
fn split_unescaped_newlines(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_bs = false;
    for c in s.chars() {
        if c == '\n' && !prev_bs {
            out.push(std::mem::take(&mut cur));
            prev_bs = false;
            continue;
        }
        prev_bs = c == '\\' && !prev_bs;
        cur.push(c);
    }
    out.push(cur);
    out
}
