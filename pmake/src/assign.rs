//! Variable assignments: finding `NAME op VALUE`, global assignments with origin rules,
//! `define` blocks, and target- and pattern-specific variables.

use crate::engine::Make;
use crate::error::{MakeError, Result};
use crate::parser::{Modifiers, find_top, skip_ref};
use crate::vars::{Export, Flavor, Origin, Var};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssignOp {
    Recursive,
    Simple,
    Append,
    Conditional,
    Shell,
}

/// Splits `NAME op VALUE`; `None` if the line is not an assignment.
pub fn find_assignment(s: &str) -> Option<(String, AssignOp, String)> {
    let r = find_assignment_op(s)?;
    // A name with blanks outside references is not a variable (`a b = c`).
    if find_top(r.0.trim(), b" \t").is_some() {
        return None;
    }
    Some(r)
}

fn find_assignment_op(s: &str) -> Option<(String, AssignOp, String)> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'$' => {
                i = skip_ref(b, i);
                continue;
            }
            b':' => {
                if s[i..].starts_with(":=") {
                    return Some((
                        s[..i].trim().to_string(),
                        AssignOp::Simple,
                        s[i + 2..].to_string(),
                    ));
                }
                if s[i..].starts_with("::=") {
                    return Some((
                        s[..i].trim().to_string(),
                        AssignOp::Simple,
                        s[i + 3..].to_string(),
                    ));
                }
                return None;
            }
            b'=' => {
                let (name_end, op) = match i.checked_sub(1).map(|j| b[j]) {
                    Some(b'+') => (i - 1, AssignOp::Append),
                    Some(b'?') => (i - 1, AssignOp::Conditional),
                    Some(b'!') => (i - 1, AssignOp::Shell),
                    _ => (i, AssignOp::Recursive),
                };
                return Some((s[..name_end].trim().to_string(), op, s[i + 1..].to_string()));
            }
            b'#' | b';' => return None,
            _ => {}
        }
        i += 1;
    }
    None
}

impl Make {
    pub(crate) fn define_directive(
        &mut self,
        spec: &str,
        body: String,
        mods: Modifiers,
    ) -> Result<()> {
        let spec = spec.trim();
        let (name, op) = if let Some(n) = spec.strip_suffix("::=") {
            (n, AssignOp::Simple)
        } else if let Some(n) = spec.strip_suffix(":=") {
            (n, AssignOp::Simple)
        } else if let Some(n) = spec.strip_suffix("+=") {
            (n, AssignOp::Append)
        } else if let Some(n) = spec.strip_suffix("?=") {
            (n, AssignOp::Conditional)
        } else if let Some(n) = spec.strip_suffix("!=") {
            (n, AssignOp::Shell)
        } else if let Some(n) = spec.strip_suffix('=') {
            (n, AssignOp::Recursive)
        } else {
            (spec, AssignOp::Recursive)
        };
        let name = self.expand(name.trim())?;
        let name = name.trim();
        if name.is_empty() {
            return Err(MakeError::fatal(
                self.cur_loc.clone(),
                "empty variable name",
            ));
        }
        let origin = if mods.override_ {
            Origin::Override
        } else {
            Origin::File
        };
        self.assign(name, op, &body, origin, mods)
    }

    /// Performs a global assignment.
    pub(crate) fn assign(
        &mut self,
        name: &str,
        op: AssignOp,
        value: &str,
        origin: Origin,
        mods: Modifiers,
    ) -> Result<()> {
        let existing = self.globals.get(name).cloned();
        // With -e, a makefile cannot change a variable from the environment.
        if self.opts.env_override
            && origin == Origin::File
            && let Some(old) = self.globals.get_mut(name)
            && matches!(
                old.origin,
                Origin::Environment | Origin::EnvironmentOverride
            )
        {
            old.origin = Origin::EnvironmentOverride;
            return Ok(());
        }
        let (value, flavor) = match op {
            AssignOp::Recursive => (value.to_string(), Flavor::Recursive),
            AssignOp::Simple => (self.expand(value)?, Flavor::Simple),
            AssignOp::Shell => {
                let cmd = self.expand(value)?;
                (self.shell_assign(&cmd)?, Flavor::Recursive)
            }
            AssignOp::Conditional => {
                if existing.is_some() {
                    if mods.export {
                        self.set_export(name, true);
                    }
                    return Ok(());
                }
                (value.to_string(), Flavor::Recursive)
            }
            AssignOp::Append => match &existing {
                Some(old) => {
                    if old.origin > origin {
                        return Ok(());
                    }
                    let add = if old.flavor == Flavor::Simple {
                        self.expand(value)?
                    } else {
                        value.to_string()
                    };
                    let v = if old.value.is_empty() {
                        add
                    } else {
                        format!("{} {add}", old.value)
                    };
                    (v, old.flavor)
                }
                None => (value.to_string(), Flavor::Recursive),
            },
        };
        let mut var = Var::new(value, flavor, origin);
        var.private = mods.private;
        var.loc = self.cur_loc.clone();
        if let Some(old) = &existing
            && old.origin > origin
        {
            return Ok(());
        }
        if let Some(old) = existing {
            var.export = old.export;
        }
        self.globals.insert(name, var);
        if mods.export {
            self.set_export(name, true);
        }
        Ok(())
    }

    pub(crate) fn target_var(
        &mut self,
        target: &str,
        name: &str,
        op: AssignOp,
        value: &str,
        mods: Modifiers,
    ) -> Result<()> {
        let origin = if mods.override_ {
            Origin::Override
        } else {
            Origin::File
        };
        let (value, flavor, append) = match op {
            AssignOp::Recursive | AssignOp::Conditional => {
                (value.to_string(), Flavor::Recursive, false)
            }
            AssignOp::Simple => (self.expand(value)?, Flavor::Simple, false),
            AssignOp::Shell => {
                let c = self.expand(value)?;
                (self.shell_assign(&c)?, Flavor::Recursive, false)
            }
            AssignOp::Append => {
                let flavor = self
                    .globals
                    .get(name)
                    .map(|v| v.flavor)
                    .unwrap_or(Flavor::Recursive);
                let v = if flavor == Flavor::Simple {
                    self.expand(value)?
                } else {
                    value.to_string()
                };
                (v, flavor, true)
            }
        };
        // A command-line variable wins over a target-specific one unless `override`.
        if let Some(g) = self.globals.get(name)
            && g.origin > origin
            && g.origin != Origin::Automatic
        {
            return Ok(());
        }
        let mut var = Var::new(value, flavor, origin);
        var.private = mods.private;
        var.append = append;
        var.loc = self.cur_loc.clone();
        if mods.export {
            var.export = Export::Yes;
        }
        if target.contains('%') {
            if op == AssignOp::Conditional && self.globals.get(name).is_some() {
                return Ok(());
            }
            self.db
                .pattern_vars
                .push((target.to_string(), name.to_string(), var));
        } else {
            let id = self.db.intern(target);
            let f = self.db.file_mut(id);
            if op == AssignOp::Conditional && f.vars.get(name).is_some() {
                return Ok(());
            }
            if append && let Some(old) = f.vars.get(name).cloned() {
                var.value = if old.value.is_empty() {
                    var.value
                } else {
                    format!("{} {}", old.value, var.value)
                };
                var.append = old.append;
                var.flavor = old.flavor;
            }
            f.vars.insert(name, var);
        }
        Ok(())
    }
}
