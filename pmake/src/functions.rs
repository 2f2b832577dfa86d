//! GNU make's built-in functions.

use std::io::Write;
use std::rc::Rc;

use crate::engine::Make;
use crate::error::{MakeError, Result};
use crate::scope::Scope;
use crate::text::{self, Pattern, words};
use crate::vars::{Flavor, Origin, Var, VarSet};

/// (name, minimum args, maximum args (0: unlimited), expand args before the call).
const FUNCTIONS: &[(&str, usize, usize, bool)] = &[
    ("abspath", 0, 1, true),
    ("addprefix", 2, 2, true),
    ("addsuffix", 2, 2, true),
    ("and", 1, 0, false),
    ("basename", 0, 1, true),
    ("call", 1, 0, true),
    ("dir", 0, 1, true),
    ("error", 0, 1, true),
    ("eval", 0, 1, true),
    ("file", 1, 2, true),
    ("filter", 2, 2, true),
    ("filter-out", 2, 2, true),
    ("findstring", 2, 2, true),
    ("firstword", 0, 1, true),
    ("flavor", 0, 1, true),
    ("foreach", 3, 3, false),
    ("if", 2, 3, false),
    ("info", 0, 1, true),
    ("join", 2, 2, true),
    ("lastword", 0, 1, true),
    ("notdir", 0, 1, true),
    ("or", 1, 0, false),
    ("origin", 0, 1, true),
    ("patsubst", 3, 3, true),
    ("realpath", 0, 1, true),
    ("shell", 0, 1, true),
    ("sort", 0, 1, true),
    ("strip", 0, 1, true),
    ("subst", 3, 3, true),
    ("suffix", 0, 1, true),
    ("value", 0, 1, true),
    ("warning", 0, 1, true),
    ("wildcard", 0, 1, true),
    ("word", 2, 2, true),
    ("wordlist", 3, 3, true),
    ("words", 0, 1, true),
];

pub fn is_function(name: &str) -> bool {
    FUNCTIONS.iter().any(|f| f.0 == name)
}

/// Splits function arguments at top-level commas; the last argument takes the rest.
fn split_args(s: &str, open: u8, close: u8, max: usize) -> Vec<&str> {
    let b = s.as_bytes();
    let mut args = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, &c) in b.iter().enumerate() {
        if c == open {
            depth += 1;
        } else if c == close {
            depth -= 1;
        } else if c == b',' && depth == 0 && (max == 0 || args.len() + 1 < max) {
            args.push(&s[start..i]);
            start = i + 1;
        }
    }
    args.push(&s[start..]);
    args
}

pub fn call(mk: &mut Make, name: &str, raw: &str, open: u8, close: u8) -> Result<String> {
    let &(_, min, max, eager) = FUNCTIONS
        .iter()
        .find(|f| f.0 == name)
        .expect("known function");
    let raw_args = split_args(raw, open, close, max);
    if raw_args.len() < min {
        return Err(MakeError::fatal(
            mk.cur_loc.clone(),
            format!(
                "insufficient number of arguments ({}) to function '{name}'",
                raw_args.len()
            ),
        ));
    }
    if !eager {
        return lazy(mk, name, &raw_args);
    }
    let mut args = Vec::with_capacity(raw_args.len());
    for a in &raw_args {
        args.push(mk.expand(a)?);
    }
    let a = |i: usize| args.get(i).map(String::as_str).unwrap_or("");
    let r = match name {
        "subst" => {
            if a(0).is_empty() {
                format!("{}{}", a(2), a(1))
            } else {
                a(2).replace(a(0), a(1))
            }
        }
        "patsubst" => text::patsubst(a(0), a(1), a(2)),
        "strip" => words(a(0)).collect::<Vec<_>>().join(" "),
        "findstring" => {
            if a(1).contains(a(0)) {
                a(0).to_string()
            } else {
                String::new()
            }
        }
        "filter" | "filter-out" => {
            let pats: Vec<Pattern> = words(a(0)).map(Pattern::new).collect();
            let keep = name == "filter";
            words(a(1))
                .filter(|w| pats.iter().any(|p| p.matches(w)) == keep)
                .collect::<Vec<_>>()
                .join(" ")
        }
        "sort" => {
            let mut v: Vec<&str> = words(a(0)).collect();
            v.sort_unstable();
            v.dedup();
            v.join(" ")
        }
        "word" => {
            let n = number(mk, a(0), "first", "word")?;
            if n == 0 {
                return Err(MakeError::fatal(
                    mk.cur_loc.clone(),
                    "first argument to 'word' function must be greater than 0",
                ));
            }
            words(a(1)).nth(n - 1).unwrap_or("").to_string()
        }
        "wordlist" => {
            let s = number(mk, a(0), "first", "wordlist")?;
            let e = number(mk, a(1), "second", "wordlist")?;
            if s == 0 {
                return Err(MakeError::fatal(
                    mk.cur_loc.clone(),
                    format!(
                        "invalid first argument to 'wordlist' function: '{}'",
                        a(0).trim()
                    ),
                ));
            }
            if e < s {
                String::new()
            } else {
                words(a(2))
                    .skip(s - 1)
                    .take(e - s + 1)
                    .collect::<Vec<_>>()
                    .join(" ")
            }
        }
        "words" => words(a(0)).count().to_string(),
        "firstword" => words(a(0)).next().unwrap_or("").to_string(),
        "lastword" => words(a(0)).last().unwrap_or("").to_string(),
        "dir" => map_words(a(0), |w| text::dir(w).to_string()),
        "notdir" => map_words(a(0), |w| text::notdir(w).to_string()),
        "suffix" => words(a(0))
            .filter_map(|w| suffix_pos(w).map(|i| w[i..].to_string()))
            .collect::<Vec<_>>()
            .join(" "),
        "basename" => map_words(a(0), |w| match suffix_pos(w) {
            Some(i) => w[..i].to_string(),
            None => w.to_string(),
        }),
        "addsuffix" => map_words(a(1), |w| format!("{w}{}", a(0))),
        "addprefix" => map_words(a(1), |w| format!("{}{w}", a(0))),
        "join" => {
            let x: Vec<&str> = words(a(0)).collect();
            let y: Vec<&str> = words(a(1)).collect();
            (0..x.len().max(y.len()))
                .map(|i| format!("{}{}", x.get(i).unwrap_or(&""), y.get(i).unwrap_or(&"")))
                .collect::<Vec<_>>()
                .join(" ")
        }
        "wildcard" => mk.wildcard(a(0)),
        "realpath" => words(a(0))
            .filter_map(|w| std::fs::canonicalize(w).ok())
            .map(|p| p.to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join(" "),
        "abspath" => {
            let cwd = mk.curdir();
            map_words(a(0), |w| text::abspath(w, &cwd))
        }
        "error" => return Err(MakeError::fatal(mk.cur_loc.clone(), a(0).to_string())),
        "warning" => {
            mk.warn(a(0));
            String::new()
        }
        "info" => {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{}", a(0));
            let _ = out.flush();
            String::new()
        }
        "shell" => mk.shell(a(0))?,
        "origin" => match mk.lookup_var(a(0)) {
            Some(v) => v.origin.name().into(),
            None => {
                if is_auto(a(0)) && mk.scope.is_none() {
                    "automatic".into()
                } else {
                    "undefined".into()
                }
            }
        },
        "flavor" => match mk.lookup_var(a(0)) {
            Some(v) if v.flavor == Flavor::Simple => "simple".into(),
            Some(_) => "recursive".into(),
            None => "undefined".into(),
        },
        "value" => mk.lookup_var(a(0)).map(|v| v.value).unwrap_or_default(),
        "eval" => {
            let loc = mk.cur_loc.clone();
            mk.eval_text(a(0), loc)?;
            String::new()
        }
        "file" => file_function(mk, a(0), args.get(1).map(String::as_str))?,
        "call" => call_function(mk, &args)?,
        _ => unreachable!("function {name} not handled"),
    };
    Ok(r)
}

fn is_auto(name: &str) -> bool {
    matches!(name, "@" | "<" | "^" | "+" | "?" | "*" | "|" | "%")
}

fn number(mk: &Make, s: &str, which: &str, func: &str) -> Result<usize> {
    let t = s.trim();
    t.parse::<usize>().map_err(|_| {
        MakeError::fatal(
            mk.cur_loc.clone(),
            format!("non-numeric {which} argument to '{func}' function: '{t}'"),
        )
    })
}

fn map_words(s: &str, f: impl Fn(&str) -> String) -> String {
    words(s).map(f).collect::<Vec<_>>().join(" ")
}

/// Index of the last `.` in the last path component.
fn suffix_pos(w: &str) -> Option<usize> {
    let dot = w.rfind('.')?;
    match w.rfind('/') {
        Some(slash) if slash > dot => None,
        _ => Some(dot),
    }
}

fn lazy(mk: &mut Make, name: &str, args: &[&str]) -> Result<String> {
    match name {
        "if" => {
            let cond = mk.expand(args[0])?;
            if !cond.trim().is_empty() {
                mk.expand(args[1])
            } else if let Some(e) = args.get(2) {
                mk.expand(e)
            } else {
                Ok(String::new())
            }
        }
        "or" => {
            for a in args {
                let v = mk.expand(a)?;
                if !v.trim().is_empty() {
                    return Ok(v);
                }
            }
            Ok(String::new())
        }
        "and" => {
            let mut last = String::new();
            for a in args {
                last = mk.expand(a)?;
                if last.trim().is_empty() {
                    return Ok(String::new());
                }
            }
            Ok(last)
        }
        "foreach" => {
            let var = mk.expand(args[0])?.trim().to_string();
            let list = mk.expand(args[1])?;
            let level = mk.scope.as_ref().map(|s| s.level).unwrap_or(0);
            let saved = mk.scope.clone();
            let mut out = Vec::new();
            for w in words(&list) {
                let mut vs = VarSet::default();
                vs.insert(&var, Var::new(w, Flavor::Simple, Origin::Automatic));
                mk.scope = Some(Scope::push(vs, level, saved.clone()));
                let r = mk.expand(args[2]);
                mk.scope = saved.clone();
                out.push(r?);
            }
            mk.scope = saved;
            Ok(out.join(" "))
        }
        _ => unreachable!("lazy function {name}"),
    }
}

fn call_function(mk: &mut Make, args: &[String]) -> Result<String> {
    let fname = args[0].trim();
    if fname.is_empty() {
        return Ok(String::new());
    }
    if is_function(fname) {
        let rest: Vec<String> = args[1..].to_vec();
        let joined = rest
            .iter()
            .map(|a| a.replace('$', "$$"))
            .collect::<Vec<_>>()
            .join(",");
        return call(mk, fname, &joined, b'(', b')');
    }
    let Some(var) = mk.lookup_var(fname) else {
        return Ok(String::new());
    };
    let level = mk.scope.as_ref().map(|s| s.level).unwrap_or(0);
    let mut vs = VarSet::default();
    let n = args.len().max(mk.call_depth_args);
    for i in 0..n {
        let v = if i == 0 {
            fname.to_string()
        } else {
            args.get(i).cloned().unwrap_or_default()
        };
        vs.insert(
            &i.to_string(),
            Var::new(v, Flavor::Simple, Origin::Automatic),
        );
    }
    let saved = mk.scope.clone();
    let saved_max = mk.call_depth_args;
    mk.call_depth_args = n;
    mk.scope = Some(Rc::new(Scope {
        vars: vs,
        level,
        parent: saved.clone(),
    }));
    mk.call_depth += 1;
    let r = if mk.call_depth > 10000 {
        Err(MakeError::fatal(
            mk.cur_loc.clone(),
            "call nesting too deep",
        ))
    } else if var.flavor == Flavor::Recursive {
        // The variable is expanded like `$(fname)` would be, but with the arguments in scope.
        let key = fname.to_string();
        if mk.expanding.contains(&key) {
            mk.expanding.remove(&key);
            let r = mk.expand(&var.value);
            mk.expanding.insert(key);
            r
        } else {
            mk.expand(&var.value)
        }
    } else {
        Ok(var.value.clone())
    };
    mk.call_depth -= 1;
    mk.call_depth_args = saved_max;
    mk.scope = saved;
    r
}

fn file_function(mk: &mut Make, op: &str, text: Option<&str>) -> Result<String> {
    mk.dircache.commands_ran();
    let op = op.trim();
    let (mode, name) = if let Some(n) = op.strip_prefix(">>") {
        (">>", n.trim())
    } else if let Some(n) = op.strip_prefix('>') {
        (">", n.trim())
    } else if let Some(n) = op.strip_prefix('<') {
        ("<", n.trim())
    } else {
        return Err(MakeError::fatal(
            mk.cur_loc.clone(),
            format!("file: invalid file operation: {op}"),
        ));
    };
    if name.is_empty() {
        return Err(MakeError::fatal(
            mk.cur_loc.clone(),
            "file: missing filename",
        ));
    }
    match mode {
        "<" => {
            if text.is_some() {
                return Err(MakeError::fatal(
                    mk.cur_loc.clone(),
                    "file: too many arguments",
                ));
            }
            match std::fs::read_to_string(name) {
                Ok(mut s) => {
                    if s.ends_with('\n') {
                        s.pop();
                    }
                    Ok(s)
                }
                Err(_) => Ok(String::new()),
            }
        }
        _ => {
            let mut opts = std::fs::OpenOptions::new();
            if mode == ">>" {
                opts.append(true).create(true);
            } else {
                opts.write(true).create(true).truncate(true);
            }
            let mut f = opts.open(name).map_err(|e| {
                MakeError::fatal(
                    mk.cur_loc.clone(),
                    format!("open: {name}: {}", crate::sys::strerror(&e)),
                )
            })?;
            if let Some(t) = text {
                let mut t = t.to_string();
                if !t.ends_with('\n') {
                    t.push('\n');
                }
                f.write_all(t.as_bytes()).map_err(|e| {
                    MakeError::fatal(
                        mk.cur_loc.clone(),
                        format!("write: {name}: {}", crate::sys::strerror(&e)),
                    )
                })?;
            }
            Ok(String::new())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn args_split_at_top_level() {
        assert_eq!(
            split_args("a,$(x,y),b", b'(', b')', 0),
            vec!["a", "$(x,y)", "b"]
        );
        assert_eq!(split_args("a,b,c,d", b'(', b')', 3), vec!["a", "b", "c,d"]);
        assert_eq!(
            split_args("a,${x,y}", b'(', b')', 0),
            vec!["a", "${x", "y}"]
        );
    }
}
