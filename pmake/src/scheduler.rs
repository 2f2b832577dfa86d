//! Bringing goals up to date: walking the dependency graph (prerequisites first,
//! re-entrantly so that many targets can be in progress under `-j`), implicit rule
//! search and scopes on first visit, and deciding what is out of date. Running the
//! recipes is `jobs`'s part.

use std::rc::Rc;

use crate::debug::{BASIC, IMPLICIT, VERBOSE};
use crate::engine::Make;
use crate::error::{MakeError, Result};
use crate::rules::{Dep, FileId, Rule, State};
use crate::scope::Scope;
use crate::vars::{Flavor, Origin, Var, VarSet};

/// A file's modification time standing for "newer than anything".
pub(crate) const NEW_MTIME: i128 = i128::MAX;

/// Nanoseconds in a second: file times are kept in nanoseconds.
const NS: i128 = 1_000_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    Pending,
    Done(bool),
}

impl Make {
    /// Current modification time of a file (cached), honouring `-o`/`-W` and VPATH.
    pub fn file_mtime(&mut self, id: FileId) -> Option<i128> {
        if let Some(m) = self.db.file(id).mtime {
            return m;
        }
        let name = self.db.file(id).name.clone();
        let stat = if self.opts.check_symlink {
            crate::sys::mtime_through_links
        } else {
            crate::sys::mtime
        };
        let m = if self.opts.new_files.contains(&name) {
            Some(NEW_MTIME)
        } else if let Some((archive, member)) = crate::archive::split(&name) {
            self.member_mtime(id, archive, member)
        } else {
            match stat(&name) {
                Some(m) => Some(m),
                None => match self
                    .vpath_find(&name)
                    .or_else(|| self.library_search(&name))
                {
                    Some(p) => {
                        let m = stat(&p);
                        self.db.file_mut(id).vpath = Some(p);
                        m
                    }
                    None => None,
                },
            }
        };
        if let Some(t) = m
            && t != NEW_MTIME
        {
            self.check_clock_skew(&name, t);
        }
        // A `.LOW_RESOLUTION_TIME` file's time counts in whole seconds (GNU make warns when it
        // has more).
        let m = match m {
            Some(t) if t != NEW_MTIME && t % NS != 0 && self.is_low_resolution(&name) => {
                self.error_message(&format!(
                    "*** Warning: .LOW_RESOLUTION_TIME file '{name}' has a high resolution time stamp"
                ));
                Some(t - t.rem_euclid(NS))
            }
            other => other,
        };
        let m = if self.opts.old_files.contains(&name) && m.is_some() {
            Some(i128::MIN + 1)
        } else {
            m
        };
        self.db.file_mut(id).mtime = Some(m);
        m
    }

    /// Modification time of archive member `id` (`archive(member)`): the date its header
    /// in the archive gives, in whole seconds; `None` if the archive (found along VPATH like
    /// any file) or the member does not exist.
    fn member_mtime(&mut self, id: FileId, archive: &str, member: &str) -> Option<i128> {
        let aid = self.db.intern(archive);
        self.file_mtime(aid)?;
        let path = self.db.file(aid).path().to_string();
        if path != archive {
            self.db.file_mut(id).vpath = Some(format!("{path}({member})"));
        }
        crate::archive::member_date(&path, member).map(|s| i128::from(s) * 1_000_000_000)
    }

    /// A file's modification time read again (after its recipe ran). An archive member's
    /// archive keeps the time it had when first looked at, as in GNU make.
    pub(crate) fn mtime_now(&mut self, id: FileId) -> Option<i128> {
        let name = self.db.file(id).name.clone();
        match crate::archive::split(&name) {
            Some((archive, member)) => self.member_mtime(id, archive, member),
            None => crate::sys::mtime(&name),
        }
    }

    /// The time a target's prerequisites are judged against. An archive member's date, and
    /// the time of a `.LOW_RESOLUTION_TIME` target, have whole seconds only: they stand for the
    /// end of their second, as in GNU make.
    pub(crate) fn low_resolution(&self, id: FileId, mtime: Option<i128>) -> Option<i128> {
        let name = &self.db.file(id).name;
        match mtime {
            Some(t)
                if t != NEW_MTIME
                    && (crate::archive::split(name).is_some() || self.is_low_resolution(name)) =>
            {
                Some(t - t.rem_euclid(NS) + (NS - 1))
            }
            other => other,
        }
    }

    /// Listed in `.LOW_RESOLUTION_TIME`.
    fn is_low_resolution(&self, name: &str) -> bool {
        self.db.is_in_special(".LOW_RESOLUTION_TIME", name, false)
    }

    /// `file_mtime` as the file's prerequisites are judged against it (`low_resolution`).
    fn judged_mtime(&mut self, id: FileId) -> Option<i128> {
        let m = self.file_mtime(id);
        self.low_resolution(id, m)
    }

    /// GNU make warns about files from the future (a shared file system whose
    /// server's clock is ahead), and says so again at the end.
    pub(crate) fn check_clock_skew(&mut self, name: &str, mtime: i128) {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as i128)
            .unwrap_or(0);
        if mtime <= now {
            return;
        }
        let secs = (mtime - now) as f64 / 1e9;
        self.error_message(&format!(
            "Warning: File '{name}' has modification time {} s in the future",
            crate::sys::format_seconds(secs)
        ));
        self.clock_skew = true;
    }

    pub(crate) fn is_phony(&self, id: FileId) -> bool {
        self.db
            .is_in_special(".PHONY", &self.db.file(id).name, false)
    }

    /// Brings the goals up to date. Returns whether everything succeeded.
    pub fn build(&mut self, goals: &[String], quiet_goals: bool) -> Result<bool> {
        let ids: Vec<FileId> = goals.iter().map(|g| self.db.intern(g)).collect();
        self.considered.clear();
        let mut done = vec![false; ids.len()];
        let mut start: Vec<Option<u64>> = vec![None; ids.len()];
        let mut all_ok = true;
        loop {
            let mut all_done = true;
            self.no_slot = false;
            for (gi, &g) in ids.iter().enumerate() {
                if done[gi] {
                    continue;
                }
                if self.failed && !self.opts.keep_going {
                    all_done = false;
                    break;
                }
                let before = *start[gi].get_or_insert(self.commands_started);
                match self.update(g, None, 0, None)? {
                    Progress::Pending => all_done = false,
                    Progress::Done(ok) => {
                        done[gi] = true;
                        if !ok {
                            all_ok = false;
                            if self.opts.keep_going
                                && !quiet_goals
                                && !self.db.file(g).recipe_failed
                            {
                                let name = self.db.file(g).name.clone();
                                self.error_message(&format!(
                                    "Target '{name}' not remade because of errors."
                                ));
                            }
                        } else if !quiet_goals
                            && self.commands_started == before
                            && !self.opts.question
                        {
                            let f = self.db.file(g);
                            let name = f.name.clone();
                            let nothing = self.is_phony(g)
                                || !f.has_recipe()
                                    && f.implicit.as_ref().is_none_or(|r| r.recipe.is_none());
                            if nothing {
                                self.message(&format!("Nothing to be done for '{name}'."));
                            } else {
                                self.message(&format!("'{name}' is up to date."));
                            }
                        }
                    }
                }
            }
            if self.jobs.is_empty() {
                if all_done || self.failed {
                    break;
                }
                // Nothing running and nothing could start. A free slot always exists
                // when no job runs, so this is a bug: say so rather than spin or lie.
                if !self.made_progress {
                    return Err(MakeError::fatal(None, "internal error: goals are stuck"));
                }
                self.made_progress = false;
                continue;
            }
            self.wait_for_job()?;
        }
        if self.failed {
            all_ok = false;
        }
        Ok(all_ok && !self.failed)
    }

    pub(crate) fn update(
        &mut self,
        id: FileId,
        parent: Option<Rc<Scope>>,
        level: u32,
        needed_by: Option<FileId>,
    ) -> Result<Progress> {
        match self.db.file(id).state {
            State::Done { ok } => {
                if self.debug != 0 {
                    self.dbg_done_again(id, level, ok);
                }
                return Ok(Progress::Done(ok));
            }
            State::Running => return Ok(Progress::Pending),
            State::Ready { mtime } => return self.start_when_slot_free(id, mtime),
            _ => {}
        }
        if self.db.file(id).on_stack {
            let key = (needed_by.unwrap_or(usize::MAX), id);
            if self.dropped.insert(key) {
                let from = needed_by
                    .map(|p| self.db.file(p).name.clone())
                    .unwrap_or_default();
                let to = self.db.file(id).name.clone();
                self.error_message(&format!("Circular {from} <- {to} dependency dropped."));
            }
            return Ok(Progress::Done(true));
        }
        let depth = self.dbg_depth(level);
        let dc = self.db.file(id).double_colon && self.db.file(id).rules.len() > 1;
        if self.db.file(id).state == State::New {
            if self.debug != 0 {
                self.considered.insert(id);
                if !dc {
                    self.dbg_considering(id, depth);
                }
            }
            self.prepare(id, parent, level)?;
        }
        if dc {
            return self.update_double_colon(id, level, needed_by);
        }
        let scope = self.db.file(id).scope.clone();
        let deps = self.deps_of(id);
        // Prerequisites before the cursor were made in an earlier pass: not visited again.
        let first = self.db.file(id).deps_done;
        self.db.file_mut(id).on_stack = true;
        let mut pending = false;
        let mut failed = false;
        // Missing intermediate files are made only if the target needs remaking anyway. Once
        // every prerequisite has been visited, none is left unvisited to judge.
        let lazy: Vec<FileId> = if self.db.file(id).deps_visited {
            Vec::new()
        } else {
            deps.iter()
                .filter(|d| !d.order_only && self.is_missing_intermediate(d.file))
                .map(|d| d.file)
                .collect()
        };
        if !lazy.is_empty() {
            let needed = self.intermediates_needed(id, &deps, &lazy);
            for &l in &lazy {
                if needed {
                    self.db.file_mut(l).intermediate_forced = true;
                } else {
                    self.db.file_mut(l).skipped = true;
                }
            }
        }
        let mut done_so_far = true;
        for (i, d) in deps.iter().enumerate().skip(first) {
            if done_so_far {
                self.db.file_mut(id).deps_done = i;
            }
            if (!self.dropped.is_empty() && self.dropped.contains(&(id, d.file)))
                || self.db.file(d.file).skipped
            {
                continue;
            }
            if self.failed && !self.opts.keep_going {
                pending = !self.jobs.is_empty();
                failed = true;
                break;
            }
            // Jobs running or waiting for a slot that none has freed: pending, without a visit.
            let waiting = match self.db.file(d.file).state {
                State::Running => true,
                State::Ready { .. } => self.no_slot,
                _ => false,
            };
            // GNU make updates a missing intermediate file one level in, not two.
            let shift = i32::from(self.debug != 0 && lazy.contains(&d.file));
            let progress = if waiting {
                Ok(Progress::Pending)
            } else {
                self.debug_base -= shift;
                let r = self.update(d.file, scope.clone(), level + 1, Some(id));
                self.debug_base += shift;
                r
            };
            match progress {
                Ok(Progress::Pending) => {
                    pending = true;
                    done_so_far = false;
                }
                Ok(Progress::Done(true)) => {}
                Ok(Progress::Done(false)) => {
                    failed = true;
                    if !self.opts.keep_going {
                        break;
                    }
                }
                Err(e) => {
                    self.db.file_mut(id).on_stack = false;
                    return Err(e);
                }
            }
        }
        let f = self.db.file_mut(id);
        f.on_stack = false;
        f.deps_visited |= !failed;
        self.dbg_file(
            VERBOSE,
            id,
            depth + 1,
            "Finished prerequisites of target file '%s'.",
        );
        if pending {
            self.dbg_file(
                VERBOSE,
                id,
                depth,
                "The prerequisites of '%s' are being made.",
            );
            return Ok(Progress::Pending);
        }
        if failed {
            self.db.file_mut(id).state = State::Done { ok: false };
            self.dbg_file(VERBOSE, id, depth, "Giving up on target file '%s'.");
            return Ok(Progress::Done(false));
        }
        self.db.file_mut(id).deps_done = deps.len();
        if self.failed && !self.opts.keep_going {
            return Ok(Progress::Pending);
        }
        self.decide(id, needed_by)
    }

    /// A target whose recipe must run starts as soon as a job slot is free.
    fn start_when_slot_free(&mut self, id: FileId, mtime: Option<i128>) -> Result<Progress> {
        if !self.take_slot()? {
            return Ok(Progress::Pending);
        }
        self.start_job(id, mtime, None)
    }

    /// A target with several double-colon rules: each rule's prerequisites are made and
    /// its recipe run (if needed) before the next rule is considered, as GNU make does.
    pub(crate) fn update_double_colon(
        &mut self,
        id: FileId,
        level: u32,
        needed_by: Option<FileId>,
    ) -> Result<Progress> {
        let scope = self.db.file(id).scope.clone();
        let depth = self.dbg_depth(level);
        loop {
            let i = self.db.file(id).dc_next;
            let Some(rule) = self.db.file(id).rules.get(i).cloned() else {
                let f = self.db.file_mut(id);
                f.state = State::Done { ok: true };
                f.changed |= f.remade;
                return Ok(Progress::Done(true));
            };
            if self.debug != 0 {
                self.dbg_considering(id, depth);
            }
            self.db.file_mut(id).on_stack = true;
            let mut pending = false;
            let mut failed = false;
            for d in &rule.deps {
                if self.dropped.contains(&(id, d.file)) {
                    continue;
                }
                match self.update(d.file, scope.clone(), level + 1, Some(id)) {
                    Ok(Progress::Pending) => pending = true,
                    Ok(Progress::Done(true)) => {}
                    Ok(Progress::Done(false)) => {
                        failed = true;
                        if !self.opts.keep_going {
                            break;
                        }
                    }
                    Err(e) => {
                        self.db.file_mut(id).on_stack = false;
                        return Err(e);
                    }
                }
            }
            self.db.file_mut(id).on_stack = false;
            self.dbg_file(
                VERBOSE,
                id,
                depth + 1,
                "Finished prerequisites of target file '%s'.",
            );
            if pending {
                return Ok(Progress::Pending);
            }
            if failed {
                self.db.file_mut(id).state = State::Done { ok: false };
                self.dbg_file(VERBOSE, id, depth, "Giving up on target file '%s'.");
                return Ok(Progress::Done(false));
            }
            if self.failed && !self.opts.keep_going {
                return Ok(Progress::Pending);
            }
            // Every rule is judged against the time the target had before any of them ran.
            let mtime = match self.db.file(id).dc_mtime {
                Some(m) => m,
                None => {
                    let m = self.file_mtime(id);
                    self.db.file_mut(id).dc_mtime = Some(m);
                    m
                }
            };
            let mut must =
                mtime.is_none() || rule.deps.iter().all(|d| d.order_only) || self.opts.always_make;
            for d in &rule.deps {
                let dm = self.file_mtime(d.file);
                let newer = self.db.file(d.file).changed
                    || dm.unwrap_or(NEW_MTIME) > mtime.unwrap_or(i128::MIN);
                if self.debug != 0 && mtime.is_some() {
                    self.dbg_prerequisite(d, id, depth + 1, dm.is_none(), newer);
                }
                must |= newer && !d.order_only;
            }
            if rule.deps.is_empty() {
                self.dbg_file(
                    BASIC,
                    id,
                    depth,
                    "Target '%s' is double-colon and has no prerequisites.",
                );
            }
            if !must {
                self.dbg_no_need(id, depth);
            } else {
                self.dbg_file(BASIC, id, depth, "Must remake target '%s'.");
            }
            if !must || rule.recipe.is_none() {
                if must && rule.recipe.is_none() {
                    self.dbg_remade(id, depth, Progress::Done(true));
                }
                self.db.file_mut(id).dc_next = i + 1;
                continue;
            }
            if self.opts.question {
                self.question_failed = true;
                self.db.file_mut(id).dc_next = i + 1;
                self.dbg_remade(id, depth, Progress::Done(true));
                continue;
            }
            if !self.take_slot()? {
                return Ok(Progress::Pending);
            }
            let _ = needed_by;
            let r = self.start_job(id, mtime, Some(i))?;
            if self.debug != 0 {
                self.dbg_remade(id, depth, r);
            }
            match r {
                Progress::Pending => return Ok(Progress::Pending),
                Progress::Done(false) => return Ok(Progress::Done(false)),
                Progress::Done(true) => {
                    if let State::Done { ok } = self.db.file(id).state {
                        return Ok(Progress::Done(ok));
                    }
                }
            }
        }
    }

    /// An intermediate file (made by a chain of implicit rules, or `.INTERMEDIATE`) that
    /// does not exist and that nothing has asked to make yet.
    pub(crate) fn is_missing_intermediate(&mut self, id: FileId) -> bool {
        let f = self.db.file(id);
        if f.state != State::New || f.intermediate_forced || f.skipped {
            return false;
        }
        let name = f.name.clone();
        let intermediate = f.intermediate || self.db.is_in_special(".INTERMEDIATE", &name, false);
        intermediate && !self.is_phony(id) && self.file_mtime(id).is_none()
    }

    /// Does the target need remaking, with missing intermediate prerequisites judged by
    /// their own prerequisites (GNU make's `check_dep`)?
    pub(crate) fn intermediates_needed(
        &mut self,
        id: FileId,
        deps: &[Dep],
        lazy: &[FileId],
    ) -> bool {
        if self.is_phony(id) || self.opts.always_make {
            return true;
        }
        let Some(mtime) = self.judged_mtime(id) else {
            return true;
        };
        for d in deps {
            if d.order_only || lazy.contains(&d.file) {
                continue;
            }
            if self.file_mtime(d.file).is_none_or(|m| m > mtime) {
                return true;
            }
        }
        lazy.iter()
            .any(|&l| self.intermediate_sources_newer(l, mtime, 0))
    }

    pub(crate) fn intermediate_sources_newer(
        &mut self,
        id: FileId,
        mtime: i128,
        depth: usize,
    ) -> bool {
        if depth > 16 {
            return true;
        }
        for d in self.deps_of(id).iter() {
            if d.order_only {
                continue;
            }
            if self.is_missing_intermediate(d.file) {
                if self.intermediate_sources_newer(d.file, mtime, depth + 1) {
                    return true;
                }
            } else if self.file_mtime(d.file).is_none_or(|m| m > mtime) {
                return true;
            }
        }
        false
    }

    /// All prerequisites of a file in the order they are made: explicit, then implicit.
    /// Kept once the file is prepared (its prerequisites no longer change).
    pub(crate) fn deps_of(&mut self, id: FileId) -> Rc<[Dep]> {
        let f = self.db.file(id);
        if let Some(d) = &f.deps {
            return d.clone();
        }
        let mut v = Vec::new();
        for r in &f.rules {
            v.extend(r.deps.iter().cloned());
        }
        if let Some(r) = &f.implicit {
            v.extend(r.deps.iter().cloned());
        }
        v.extend(f.extra.iter().map(|&file| Dep {
            file,
            order_only: false,
        }));
        let v: Rc<[Dep]> = v.into();
        if f.state != State::New {
            self.db.file_mut(id).deps = Some(v.clone());
        }
        v
    }

    /// First visit of a file: scope, second expansion, implicit rule search.
    pub(crate) fn prepare(
        &mut self,
        id: FileId,
        parent: Option<Rc<Scope>>,
        level: u32,
    ) -> Result<()> {
        let scope = self.build_scope(id, parent, level);
        self.db.file_mut(id).scope = scope.clone();
        self.db.file_mut(id).level = level;
        // .EXTRA_PREREQS: made and compared like prerequisites, absent from $^ and $<.
        let saved = std::mem::replace(&mut self.scope, scope.clone());
        let extra = match self.lookup_var(".EXTRA_PREREQS") {
            Some(_) => self.var_value(".EXTRA_PREREQS"),
            None => Ok(String::new()),
        };
        self.scope = saved;
        let extra = extra?;
        let name = self.db.file(id).name.clone();
        for w in crate::text::words(&extra) {
            if w != name {
                let e = self.db.intern(w);
                self.db.file_mut(id).extra.push(e);
            }
        }
        let name = self.db.file(id).name.clone();
        // Second expansion of prerequisites.
        let nrules = self.db.file(id).rules.len();
        for ri in 0..nrules {
            let Some(text) = self.db.file(id).rules[ri].second.clone() else {
                continue;
            };
            let mut vs = VarSet::default();
            vs.insert(
                "@",
                Var::new(name.clone(), Flavor::Simple, Origin::Automatic),
            );
            let stem = self.db.file(id).rules[ri].stem.clone().unwrap_or_default();
            vs.insert("*", Var::new(stem, Flavor::Simple, Origin::Automatic));
            let saved = self.scope.replace(Scope::push(vs, level, scope.clone()));
            let r = self.expand(&text);
            self.scope = saved;
            let exp = r?;
            let (n, o) = match exp.find('|') {
                Some(i) => (exp[..i].to_string(), exp[i + 1..].to_string()),
                None => (exp.clone(), String::new()),
            };
            let mut deps = Vec::new();
            for w in crate::text::words(&n) {
                deps.push(Dep {
                    file: self.db.intern(w),
                    order_only: false,
                });
            }
            for w in crate::text::words(&o) {
                deps.push(Dep {
                    file: self.db.intern(w),
                    order_only: true,
                });
            }
            self.db.file_mut(id).rules[ri].deps = deps;
        }
        let f = self.db.file(id);
        let needs_search = !f.has_recipe() && !f.double_colon && !f.implicit_done;
        let phony = self.is_phony(id);
        let depth = self.dbg_depth(level) + 1;
        if needs_search && !phony {
            self.db.file_mut(id).implicit_done = true;
            self.dbg_file(
                IMPLICIT,
                id,
                depth,
                "Looking for an implicit rule for '%s'.",
            );
            if let Some(found) = self.implicit_search(&name, depth) {
                self.apply_found(id, found);
                self.dbg_file(IMPLICIT, id, depth, "Found an implicit rule for '%s'.");
            } else {
                self.dbg_file(IMPLICIT, id, depth, "No implicit rule found for '%s'.");
            }
        }
        let f = self.db.file(id);
        if !f.has_recipe()
            && f.implicit.as_ref().is_none_or(|r| r.recipe.is_none())
            && !f.is_target
            && let Some(did) = self.db.lookup(".DEFAULT")
            && let Some(r) = self
                .db
                .file(did)
                .rules
                .first()
                .and_then(|r| r.recipe.clone())
        {
            self.dbg_file(IMPLICIT, id, depth, "Using default recipe for '%s'.");
            let deps = self
                .db
                .file(id)
                .implicit
                .as_ref()
                .map(|r| r.deps.clone())
                .unwrap_or_default();
            self.db.file_mut(id).implicit = Some(Rule {
                deps,
                recipe: Some(r),
                ..Default::default()
            });
        }
        self.db.file_mut(id).state = State::Deps;
        Ok(())
    }

    pub(crate) fn build_scope(
        &mut self,
        id: FileId,
        parent: Option<Rc<Scope>>,
        level: u32,
    ) -> Option<Rc<Scope>> {
        let name = self.db.file(id).name.clone();
        let mut chain = parent;
        let mut matches: Vec<(usize, usize)> = Vec::new();
        for (i, (pat, _, _)) in self.db.pattern_vars.iter().enumerate() {
            if let Some(stem) = crate::rules::pattern_match(pat, &name) {
                matches.push((stem.len(), i));
            }
        }
        if !matches.is_empty() {
            // Longer stems (less specific) are further out.
            matches.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            for (_, i) in matches {
                let (_, vname, var) = self.db.pattern_vars[i].clone();
                let mut vs = VarSet::default();
                vs.insert(&vname, var);
                chain = Some(Scope::push(vs, level, chain));
            }
        }
        let vars = self.db.file(id).vars.clone();
        if !vars.is_empty() {
            chain = Some(Scope::push(vars, level, chain));
        }
        chain
    }

    /// Prerequisites are up to date: does the file need its recipe to run?
    pub(crate) fn decide(&mut self, id: FileId, needed_by: Option<FileId>) -> Result<Progress> {
        let name = self.db.file(id).name.clone();
        let phony = self.is_phony(id);
        let mtime = if phony { None } else { self.file_mtime(id) };
        let judged = self.low_resolution(id, mtime);
        let deps = self.deps_of(id);
        let depth = self.dbg_depth(self.db.file(id).level);
        let mut must = mtime.is_none();
        let mut deps_changed = false;
        for d in deps.iter() {
            if self.db.file(d.file).skipped {
                if self.debug != 0 && mtime.is_some() {
                    self.dbg_prerequisite(d, id, depth + 1, true, false);
                }
                continue;
            }
            let dm = self.file_mtime(d.file);
            let df = self.db.file(d.file);
            let newer = df.changed || dm.unwrap_or(NEW_MTIME) > judged.unwrap_or(i128::MIN);
            if self.debug != 0 && mtime.is_some() {
                self.dbg_prerequisite(d, id, depth + 1, dm.is_none(), newer);
            }
            if d.order_only {
                continue;
            }
            deps_changed |= df.changed;
            must |= newer;
        }
        let f = self.db.file(id);
        let has_recipe = f.has_recipe() || f.implicit.as_ref().is_some_and(|r| r.recipe.is_some());
        if f.double_colon && f.rules.iter().all(|r| r.deps.is_empty()) && has_recipe {
            must = true;
            self.dbg_file(
                BASIC,
                id,
                depth,
                "Target '%s' is double-colon and has no prerequisites.",
            );
        } else if mtime.is_some()
            && f.is_target
            && !deps_changed
            && !has_recipe
            && !self.opts.always_make
        {
            must = false;
            self.dbg_file(
                VERBOSE,
                id,
                depth,
                "No recipe for '%s' and no prerequisites actually changed.",
            );
        } else if self.opts.always_make && has_recipe && !must {
            must = true;
            self.dbg_file(VERBOSE, id, depth, "Making '%s' due to always-make flag.");
        }
        if self.opts.old_files.contains(&name) {
            must = false;
        }
        if !must {
            self.dbg_no_need(id, depth);
            self.db.file_mut(id).state = State::Done { ok: true };
            return Ok(Progress::Done(true));
        }
        self.dbg_file(BASIC, id, depth, "Must remake target '%s'.");
        if self.debugging(BASIC)
            && let Some(v) = &self.db.file(id).vpath
        {
            crate::debug::print_indented(0, &format!("  Ignoring VPATH name '{v}'."));
        }
        let r = self.remake(id, needed_by, mtime, has_recipe, phony)?;
        if self.debug != 0 {
            self.dbg_remade(id, depth, r);
        }
        Ok(r)
    }

    /// Runs the recipe of a file that must be remade (or settles a file without one).
    fn remake(
        &mut self,
        id: FileId,
        needed_by: Option<FileId>,
        mtime: Option<i128>,
        has_recipe: bool,
        phony: bool,
    ) -> Result<Progress> {
        if !has_recipe {
            let f = self.db.file(id);
            if mtime.is_none() && !f.is_target && !phony {
                return Ok(Progress::Done(self.no_rule(id, needed_by)));
            }
            let f = self.db.file_mut(id);
            f.changed = true;
            f.state = State::Done { ok: true };
            return Ok(Progress::Done(true));
        }
        if self.opts.touch && phony && !self.recipe_has_recursive(id) {
            let f = self.db.file_mut(id);
            f.changed = true;
            f.state = State::Done { ok: true };
            return Ok(Progress::Done(true));
        }
        if self.opts.question {
            self.question_failed = true;
            let f = self.db.file_mut(id);
            f.changed = true;
            f.state = State::Done { ok: true };
            if !self.recipe_has_recursive(id) {
                return Ok(Progress::Done(true));
            }
        }
        self.db.file_mut(id).state = State::Ready { mtime };
        self.start_when_slot_free(id, mtime)
    }

    pub(crate) fn no_rule(&mut self, id: FileId, needed_by: Option<FileId>) -> bool {
        let name = self.db.file(id).name.clone();
        let msg = match needed_by {
            Some(p) => format!(
                "No rule to make target '{name}', needed by '{}'",
                self.db.file(p).name
            ),
            None => format!("No rule to make target '{name}'"),
        };
        let _ = std::io::Write::flush(&mut std::io::stdout());
        if self.opts.keep_going {
            eprintln!("{}: *** {msg}.", self.prog);
        } else {
            eprintln!("{}: *** {msg}.  Stop.", self.prog);
        }
        self.failed = true;
        self.db.file_mut(id).state = State::Done { ok: false };
        false
    }
}
