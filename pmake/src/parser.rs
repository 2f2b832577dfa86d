//! Reading makefiles: logical lines, continuations and comments, and the main loop
//! that sends each line to the conditionals, directives, assignments or rule lines.

use std::rc::Rc;

use crate::assign::find_assignment;
use crate::conditionals::Cond;
use crate::engine::Make;
use crate::error::{Loc, MakeError, Result};
use crate::rule_line::RuleCtx;
use crate::text::words;
use crate::vars::{Flavor, Origin, Var};

/// A logical line: physical lines joined at backslash-newlines (which are kept).
struct Line {
    text: String,
    line: usize,
}

fn logical_lines(src: &str, first: usize) -> (Vec<Line>, usize) {
    let mut out = Vec::new();
    let mut cur: Option<Line> = None;
    let mut n = first;
    for phys in src.split_inclusive('\n') {
        // A CR before the newline is dropped, as GNU make does (DOS line endings).
        let l = match phys.strip_suffix('\n') {
            Some(l) => l.strip_suffix('\r').unwrap_or(l),
            None => phys,
        };
        let backslashes = l.len() - l.trim_end_matches('\\').len();
        match cur.as_mut() {
            Some(c) => {
                c.text.push('\n');
                c.text.push_str(l);
            }
            None => {
                cur = Some(Line {
                    text: l.to_string(),
                    line: n,
                })
            }
        }
        n += 1;
        if backslashes % 2 == 0 {
            out.extend(cur.take());
        } else if let Some(c) = cur.as_mut() {
            // keep the backslash; the newline is appended with the next physical line
            let _ = c;
        }
    }
    out.extend(cur.take());
    (out, n)
}

/// Joins continuation lines of a non-recipe line: a backslash-newline and the
/// whitespace around it become one space.
pub(crate) fn collapse(text: &str) -> String {
    if !text.contains('\n') {
        return text.to_string();
    }
    let mut out = String::new();
    for (i, part) in text.split('\n').enumerate() {
        if i == 0 {
            out.push_str(part);
        } else {
            // drop the backslash that ended the previous part and surrounding blanks
            out.pop();
            let t = out.trim_end_matches([' ', '\t']).len();
            out.truncate(t);
            out.push(' ');
            out.push_str(part.trim_start_matches([' ', '\t']));
        }
    }
    out
}

/// Removes a comment (first unescaped `#`) and unescapes `\#`.
pub(crate) fn strip_comment(s: &str) -> String {
    if !s.contains('#') {
        return s.to_string();
    }
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' {
            let mut j = i;
            while j < b.len() && b[j] == b'\\' {
                j += 1;
            }
            if j < b.len() && b[j] == b'#' {
                let n = j - i;
                for _ in 0..n / 2 {
                    out.push('\\');
                }
                if n % 2 == 1 {
                    out.push('#');
                    i = j + 1;
                    continue;
                }
                return out;
            }
            out.push_str(&s[i..j]);
            i = j;
            continue;
        }
        if b[i] == b'#' {
            return out;
        }
        // A `#` inside a variable reference does not start a comment.
        if b[i] == b'$' && i + 1 < b.len() && (b[i + 1] == b'(' || b[i + 1] == b'{') {
            let end = skip_ref(b, i);
            out.push_str(&s[i..end]);
            i = end;
            continue;
        }
        let ch = s[i..].chars().next().unwrap_or('\0');
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

/// Index just past a variable reference starting at `i` (which points at `$`).
pub(crate) fn skip_ref(b: &[u8], i: usize) -> usize {
    if i + 1 < b.len() && (b[i + 1] == b'(' || b[i + 1] == b'{') {
        let (o, c) = if b[i + 1] == b'(' {
            (b'(', b')')
        } else {
            (b'{', b'}')
        };
        match crate::expand::find_close(b, i + 2, o, c) {
            Some(e) => e + 1,
            None => b.len(),
        }
    } else {
        (i + 2).min(b.len())
    }
}

/// Finds the first of `chars` at top level (outside variable references).
pub(crate) fn find_top(s: &str, chars: &[u8]) -> Option<usize> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'$' {
            i = skip_ref(b, i);
            continue;
        }
        if b[i] == b'\\' && i + 1 < b.len() && chars.contains(&b[i + 1]) {
            i += 2;
            continue;
        }
        if chars.contains(&b[i]) {
            return Some(i);
        }
        i += 1;
    }
    None
}

pub(crate) fn first_word(s: &str) -> (&str, &str) {
    let s = s.trim_start_matches([' ', '\t']);
    match s.find([' ', '\t']) {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, ""),
    }
}

/// Whether `rest` (what follows a directive keyword) makes the line an assignment
/// to a variable named like the keyword.
pub(crate) fn keyword_is_var(rest: &str) -> bool {
    let r = rest.trim_start();
    r.starts_with('=')
        || r.starts_with(":=")
        || r.starts_with("::=")
        || r.starts_with("+=")
        || r.starts_with("?=")
        || r.starts_with("!=")
}

#[derive(Default, Clone, Copy)]
pub(crate) struct Modifiers {
    pub(crate) export: bool,
    pub(crate) override_: bool,
    pub(crate) private: bool,
}

impl Make {
    fn recipe_prefix(&self) -> char {
        self.globals
            .get(".RECIPEPREFIX")
            .and_then(|v| v.value.chars().next())
            .unwrap_or('\t')
    }

    /// Reads a makefile; returns false if it does not exist.
    pub fn read_makefile(&mut self, path: &str, loc: Option<Loc>) -> Result<bool> {
        self.read_makefile_as(path, path, loc)
    }

    /// Reads `path`, naming it `display` in messages (an include found along `-I`).
    pub fn read_makefile_as(
        &mut self,
        path: &str,
        display: &str,
        loc: Option<Loc>,
    ) -> Result<bool> {
        let data = match std::fs::read(path) {
            Ok(d) => d,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
            Err(e) => {
                return Err(MakeError::fatal(
                    loc,
                    format!("{path}: {}", crate::sys::strerror(&e)),
                ));
            }
        };
        let src = String::from_utf8_lossy(&data).into_owned();
        self.makefile_list.push(path.to_string());
        let mut list = self
            .globals
            .get("MAKEFILE_LIST")
            .map(|v| v.value.clone())
            .unwrap_or_default();
        if !list.is_empty() {
            list.push(' ');
        }
        list.push_str(path);
        let mut var = Var::new(list, Flavor::Simple, Origin::File);
        var.loc = Some(Loc {
            file: Rc::from(display),
            line: 1,
        });
        self.globals.insert("MAKEFILE_LIST", var);
        let saved = self.cur_loc.take();
        let r = self.parse_buffer(&src, Rc::from(display), 1);
        self.cur_loc = saved;
        r.map(|_| true)
    }

    /// `$(eval)`: parses text as makefile lines at the current location.
    pub fn eval_text(&mut self, text: &str, loc: Option<Loc>) -> Result<()> {
        let (file, line) = match &loc {
            Some(l) => (l.file.clone(), l.line),
            None => (Rc::from("<eval>"), 1),
        };
        let saved = self.cur_loc.clone();
        let r = self.parse_buffer(text, file, line);
        self.cur_loc = saved;
        r
    }

    pub fn parse_buffer(&mut self, src: &str, file: Rc<str>, first: usize) -> Result<()> {
        let (lines, end_line) = logical_lines(src, first);
        let mut conds: Vec<Cond> = Vec::new();
        let mut rule: Option<RuleCtx> = None;
        let mut idx = 0;
        while idx < lines.len() {
            let raw = &lines[idx].text;
            let loc = Loc {
                file: file.clone(),
                line: lines[idx].line,
            };
            idx += 1;
            self.cur_loc = Some(loc.clone());
            let ignoring = conds.iter().any(|c| !c.active);
            let prefix = self.recipe_prefix();
            if raw.starts_with(prefix)
                && let Some(r) = rule.as_mut()
            {
                if ignoring {
                    continue;
                }
                let body = &raw[prefix.len_utf8()..];
                let pat = format!("\\\n{prefix}");
                let body = body.replace(&pat, "\\\n");
                r.lines.push((body, loc));
                r.has_recipe = true;
                continue;
            }
            let line = collapse(raw);
            let (word, rest) = first_word(&line);
            // Conditionals are recognised even inside ignored regions.
            if matches!(
                word,
                "ifdef" | "ifndef" | "ifeq" | "ifneq" | "else" | "endif"
            ) && !keyword_is_var(rest)
            {
                self.conditional(&mut conds, word, &strip_comment(rest), &loc)?;
                continue;
            }
            // `define` bodies are skipped as a unit so their lines are never interpreted.
            let mut mods = Modifiers::default();
            let mut after_mods: &str = &line;
            loop {
                let (w, r) = first_word(after_mods);
                if keyword_is_var(r) {
                    break;
                }
                match w {
                    "export" => mods.export = true,
                    "override" => mods.override_ = true,
                    "private" => mods.private = true,
                    _ => break,
                }
                after_mods = r;
            }
            let (dw, drest) = first_word(after_mods);
            if dw == "define" && !keyword_is_var(drest) {
                let (body, next) = collect_define(&lines, idx, &loc)?;
                idx = next;
                if ignoring {
                    continue;
                }
                self.end_rule(&mut rule)?;
                self.define_directive(strip_comment(drest).trim(), body, mods)?;
                continue;
            }
            if ignoring {
                continue;
            }
            let stripped = strip_comment(&line);
            if stripped.trim().is_empty() {
                continue;
            }
            let (word, rest) = first_word(&stripped);
            let override_undefine;
            let (word, rest) = if word == "override" && first_word(rest).0 == "undefine" {
                override_undefine = format!("override {}", first_word(rest).1);
                ("undefine", override_undefine.as_str())
            } else {
                (word, rest)
            };
            if !keyword_is_var(rest) {
                match word {
                    "include" | "-include" | "sinclude" => {
                        self.end_rule(&mut rule)?;
                        let names = self.expand(rest)?;
                        self.include(&names, word != "include", &loc)?;
                        continue;
                    }
                    "vpath" => {
                        self.end_rule(&mut rule)?;
                        let v = self.expand(rest)?;
                        self.vpath_directive(&v);
                        continue;
                    }
                    "undefine" => {
                        self.end_rule(&mut rule)?;
                        let (w2, r2) = first_word(rest);
                        let name = if w2 == "override" { r2 } else { rest };
                        let name = self.expand(name)?;
                        let name = name.trim();
                        if let Some(v) = self.globals.get(name)
                            && (v.origin <= Origin::File || w2 == "override")
                        {
                            self.globals.remove(name);
                        }
                        continue;
                    }
                    "unexport" => {
                        self.end_rule(&mut rule)?;
                        let names = self.expand(rest)?;
                        if names.trim().is_empty() {
                            self.export_all = false;
                        }
                        for n in words(&names) {
                            self.set_export(n, false);
                        }
                        continue;
                    }
                    "load" | "-load" => {
                        self.end_rule(&mut rule)?;
                        continue;
                    }
                    _ => {}
                }
            }
            // Assignments, possibly with modifiers.
            let mut mods = Modifiers::default();
            let mut body: &str = &stripped;
            loop {
                let (w, r) = first_word(body);
                if keyword_is_var(r) || r.trim().is_empty() && w != "export" {
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
            if let Some((name, op, value)) = find_assignment(body) {
                self.end_rule(&mut rule)?;
                let name = self.expand(&name)?;
                let name = name.trim();
                if name.is_empty() {
                    return Err(MakeError::fatal(Some(loc), "empty variable name"));
                }
                let origin = if mods.override_ {
                    Origin::Override
                } else {
                    Origin::File
                };
                self.assign(
                    name,
                    op,
                    value.trim_start_matches([' ', '\t']),
                    origin,
                    mods,
                )?;
                continue;
            }
            if mods.export || mods.override_ || mods.private {
                let (w, r) = first_word(&stripped);
                if w == "export" {
                    self.end_rule(&mut rule)?;
                    let names = self.expand(r)?;
                    if names.trim().is_empty() {
                        self.export_all = true;
                    }
                    for n in words(&names) {
                        self.set_export(n, true);
                    }
                    continue;
                }
            }
            // A rule line.
            self.end_rule(&mut rule)?;
            if raw.starts_with(prefix) {
                let e = self.expand(&stripped)?;
                if e.trim().is_empty() {
                    continue;
                }
                return Err(MakeError::fatal(
                    Some(loc),
                    "recipe commences before first target",
                ));
            }
            rule = self.parse_rule(&line, &loc)?;
        }
        self.end_rule(&mut rule)?;
        if !conds.is_empty() {
            return Err(MakeError::fatal(
                Some(Loc {
                    file,
                    line: end_line,
                }),
                "missing 'endif'",
            ));
        }
        Ok(())
    }

    fn include(&mut self, names: &str, optional: bool, loc: &Loc) -> Result<()> {
        for pat in words(names) {
            let expanded: Vec<String> = if pat.contains(['*', '?', '[']) {
                let g = self.glob(pat);
                if g.is_empty() {
                    vec![pat.to_string()]
                } else {
                    g
                }
            } else {
                vec![pat.to_string()]
            };
            for name in expanded {
                let notes = if optional {
                    " (search path) (don't care) (no ~ expansion)"
                } else {
                    " (search path) (no ~ expansion)"
                };
                self.dbg_reading(&name, notes);
                let mut found = self.read_makefile(&name, Some(loc.clone()))?;
                if !found && !name.starts_with('/') {
                    let mut dirs = self.opts.include_dirs.clone();
                    dirs.extend(["/usr/local/include".to_string(), "/usr/include".to_string()]);
                    for d in dirs {
                        let p = format!("{d}/{name}");
                        if std::path::Path::new(&p).exists() {
                            found = self.read_makefile_as(&p, &name, Some(loc.clone()))?;
                            break;
                        }
                    }
                }
                if !found {
                    self.missing_includes.push((name, loc.clone(), optional));
                }
            }
        }
        Ok(())
    }

    fn vpath_directive(&mut self, text: &str) {
        let mut w = words(text);
        match w.next() {
            None => self.vpaths.clear(),
            Some(pat) => {
                let dirs: Vec<String> = w
                    .flat_map(|d| d.split(':').map(str::to_string).collect::<Vec<_>>())
                    .filter(|d| !d.is_empty())
                    .collect();
                if dirs.is_empty() {
                    self.vpaths.retain(|(p, _)| p != pat);
                } else {
                    self.vpaths.push((pat.to_string(), dirs));
                }
            }
        }
    }
}

/// Collects a `define` body starting at line `idx`; returns it and the index after `endef`.
fn collect_define(lines: &[Line], mut idx: usize, loc: &Loc) -> Result<(String, usize)> {
    let mut depth = 0;
    let mut body: Vec<&str> = Vec::new();
    while idx < lines.len() {
        let l = &lines[idx].text;
        idx += 1;
        let (w, rest) = first_word(l);
        if w == "endef" && (rest.trim().is_empty() || rest.trim_start().starts_with('#')) {
            if depth == 0 {
                return Ok((body.join("\n"), idx));
            }
            depth -= 1;
        } else {
            let mut t: &str = l;
            loop {
                let (w, r) = first_word(t);
                match w {
                    "export" | "override" | "private" => t = r,
                    _ => break,
                }
            }
            let (w, r) = first_word(t);
            if w == "define" && !keyword_is_var(r) {
                depth += 1;
            }
        }
        body.push(l);
    }
    Err(MakeError::fatal(
        Some(loc.clone()),
        "missing 'endef', unterminated 'define'",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assign::AssignOp;

    #[test]
    fn assignments_are_found() {
        let (n, op, v) = find_assignment("CFLAGS += -O2").unwrap();
        assert_eq!(
            (n.as_str(), op, v.as_str()),
            ("CFLAGS", AssignOp::Append, " -O2")
        );
        assert!(find_assignment("all: foo").is_none());
        assert_eq!(find_assignment("X ::= y").unwrap().1, AssignOp::Simple);
        assert_eq!(find_assignment("$(a:b=c) = 1").unwrap().0, "$(a:b=c)");
    }

    #[test]
    fn continuations_collapse() {
        assert_eq!(collapse("a \\\n   b"), "a b");
        assert_eq!(strip_comment("a \\# b # c"), "a # b ");
    }

    #[test]
    fn logical_lines_join() {
        let (l, _) = logical_lines("a\\\nb\nc\n", 1);
        assert_eq!(l.len(), 2);
        assert_eq!(l[1].line, 3);
    }
}
