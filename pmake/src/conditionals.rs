//! Conditional directives: `ifeq`, `ifneq`, `ifdef`, `ifndef`, `else [if…]`, `endif`.

use crate::engine::Make;
use crate::error::{Loc, MakeError, Result};
use crate::parser::{first_word, skip_ref};

pub(crate) struct Cond {
    /// The current branch is being read.
    pub(crate) active: bool,
    /// Some branch was taken already.
    taken: bool,
    seen_else: bool,
    /// The whole conditional lies in an ignored region.
    outer_ignoring: bool,
}

impl Make {
    pub(crate) fn conditional(
        &mut self,
        conds: &mut Vec<Cond>,
        word: &str,
        rest: &str,
        loc: &Loc,
    ) -> Result<()> {
        let ignoring = conds.iter().any(|c| !c.active);
        match word {
            "endif" => {
                if conds.pop().is_none() {
                    return Err(MakeError::fatal(Some(loc.clone()), "extraneous 'endif'"));
                }
                Ok(())
            }
            "else" => {
                let Some(top) = conds.last_mut() else {
                    return Err(MakeError::fatal(Some(loc.clone()), "extraneous 'else'"));
                };
                if top.seen_else {
                    return Err(MakeError::fatal(
                        Some(loc.clone()),
                        "only one 'else' per conditional",
                    ));
                }
                let outer = top.outer_ignoring;
                let taken = top.taken;
                let rest = rest.trim();
                if rest.is_empty() {
                    let top = conds.last_mut().expect("conditional");
                    top.seen_else = true;
                    top.active = !taken && !outer;
                    top.taken = true;
                    return Ok(());
                }
                let (w, r) = first_word(rest);
                if !matches!(w, "ifdef" | "ifndef" | "ifeq" | "ifneq") {
                    return Err(MakeError::fatal(
                        Some(loc.clone()),
                        "extraneous text after 'else' directive",
                    ));
                }
                let value = if taken || outer {
                    false
                } else {
                    self.eval_condition(w, r, loc)?
                };
                let top = conds.last_mut().expect("conditional");
                top.active = value;
                top.taken |= value;
                Ok(())
            }
            _ => {
                let value = if ignoring {
                    false
                } else {
                    self.eval_condition(word, rest, loc)?
                };
                conds.push(Cond {
                    active: value,
                    taken: value || ignoring,
                    seen_else: false,
                    outer_ignoring: ignoring,
                });
                Ok(())
            }
        }
    }

    pub(crate) fn eval_condition(&mut self, word: &str, rest: &str, loc: &Loc) -> Result<bool> {
        let rest = rest.trim();
        match word {
            "ifdef" | "ifndef" => {
                let name = self.expand(rest)?;
                let name = name.trim();
                let defined = self
                    .lookup_var(name)
                    .map(|v| !v.value.is_empty())
                    .unwrap_or(false);
                Ok(defined == (word == "ifdef"))
            }
            _ => {
                let (a, b) = self.cond_args(rest, loc)?;
                Ok((a == b) == (word == "ifeq"))
            }
        }
    }

    pub(crate) fn cond_args(&mut self, s: &str, loc: &Loc) -> Result<(String, String)> {
        let bad = || MakeError::fatal(Some(loc.clone()), "invalid syntax in conditional");
        if let Some(inner) = s.strip_prefix('(') {
            let b = inner.as_bytes();
            let mut depth = 0i32;
            let mut comma = None;
            let mut close = None;
            let mut i = 0;
            while i < b.len() {
                match b[i] {
                    b'$' => {
                        i = skip_ref(b, i);
                        continue;
                    }
                    b'(' => depth += 1,
                    b')' => {
                        if depth == 0 {
                            close = Some(i);
                            break;
                        }
                        depth -= 1;
                    }
                    b',' if depth == 0 && comma.is_none() => comma = Some(i),
                    _ => {}
                }
                i += 1;
            }
            let (Some(c), Some(e)) = (comma, close) else {
                return Err(bad());
            };
            if !inner[e + 1..].trim().is_empty() {
                self.warn_at(loc, "extraneous text after 'ifeq' directive");
            }
            let a = self.expand(inner[..c].trim_end())?;
            let b = self.expand(inner[c + 1..e].trim_start())?;
            Ok((a, b))
        } else {
            let mut rest = s;
            let mut out = Vec::new();
            for _ in 0..2 {
                rest = rest.trim_start();
                let q = rest.chars().next().ok_or_else(bad)?;
                if q != '"' && q != '\'' {
                    return Err(bad());
                }
                let end = rest[1..].find(q).ok_or_else(bad)?;
                out.push(self.expand(&rest[1..1 + end])?);
                rest = &rest[end + 2..];
            }
            let b = out.pop().unwrap_or_default();
            let a = out.pop().unwrap_or_default();
            Ok((a, b))
        }
    }
}
