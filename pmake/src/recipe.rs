//! Recipe lines: prefixes (`@`, `-`, `+`), turning a line into an argv (directly, or
//! through the shell), and the environment recipes run with.

use std::collections::BTreeMap;
use std::rc::Rc;

use crate::engine::Make;
use crate::error::{Loc, Result};
use crate::vars::{Export, Flavor, Origin, Var};

/// A recipe environment kept for reuse, with the state of the variables it was made from.
pub struct EnvCache {
    key: (u64, u64, bool),
    env: Rc<[(String, String)]>,
}

/// A variable whose value is the same in every recipe's context.
fn is_plain(var: &Var) -> bool {
    var.flavor == Flavor::Simple || !var.value.contains('$')
}

/// One command line of a recipe, expanded.
#[derive(Debug, Clone)]
pub struct CmdLine {
    pub text: String,
    pub silent: bool,
    pub ignore: bool,
    /// `+` or a `$(MAKE)` reference: runs even under `-n`, `-t`, `-q`.
    pub recursive: bool,
    pub loc: Loc,
}

/// Strips leading whitespace and `@-+` prefixes; returns (rest, silent, ignore, force).
pub fn strip_prefixes(s: &str) -> (&str, bool, bool, bool) {
    let mut silent = false;
    let mut ignore = false;
    let mut force = false;
    let mut rest = s;
    loop {
        let t = rest.trim_start_matches([' ', '\t']);
        match t.chars().next() {
            Some('@') => silent = true,
            Some('-') => ignore = true,
            Some('+') => force = true,
            _ => return (t, silent, ignore, force),
        }
        rest = &t[1..];
    }
}

const SH_CHARS: &str = "#;\"*?[]&|<>(){}$`^~!";
const SH_CMDS: &[&str] = &[
    ".", ":", "alias", "bg", "break", "case", "cd", "command", "continue", "eval", "exec", "exit",
    "export", "fc", "fg", "for", "getopts", "hash", "if", "jobs", "login", "logout", "read",
    "readonly", "return", "set", "shift", "test", "trap", "ulimit", "umask", "unalias", "unset",
    "wait", "while",
];

/// Splits a simple command into words the way GNU make does when it can avoid the
/// shell. `None` if the shell is needed.
pub fn fast_split(line: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut have = false;
    let mut chars = line.chars().peekable();
    let mut in_single = false;
    while let Some(c) = chars.next() {
        if in_single {
            if c == '\'' {
                in_single = false;
            } else if c == '\n' {
                return None;
            } else {
                cur.push(c);
            }
            continue;
        }
        match c {
            '\'' => {
                in_single = true;
                have = true;
            }
            '\\' => match chars.next() {
                Some('\n') => {}
                Some(n) => {
                    cur.push(n);
                    have = true;
                }
                None => {
                    cur.push('\\');
                    have = true;
                }
            },
            '\n' => return None,
            ' ' | '\t' => {
                if have {
                    words.push(std::mem::take(&mut cur));
                    have = false;
                }
            }
            c if SH_CHARS.contains(c) => return None,
            c => {
                cur.push(c);
                have = true;
            }
        }
    }
    if in_single {
        return None;
    }
    if have {
        words.push(cur);
    }
    if let Some(first) = words.first()
        && (SH_CMDS.contains(&first.as_str()) || first.contains('='))
    {
        return None;
    }
    Some(words)
}

fn is_identifier(name: &str) -> bool {
    let mut c = name.chars();
    matches!(c.next(), Some(ch) if ch.is_ascii_alphabetic() || ch == '_')
        && c.all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
}

impl Make {
    /// The argv for one command line.
    pub fn command_argv(&mut self, line: &str) -> Result<Vec<String>> {
        let shell = self.var_value("SHELL")?;
        let mut flags = self.var_value(".SHELLFLAGS")?;
        // `.POSIX` runs recipes as with `sh -e`.
        if self
            .globals
            .get(".SHELLFLAGS")
            .is_some_and(|v| v.origin == crate::vars::Origin::Default)
            && self
                .db
                .lookup(".POSIX")
                .is_some_and(|i| self.db.file(i).is_target)
        {
            flags = "-ec".into();
        }
        if shell == "/bin/sh"
            && flags.trim() == "-c"
            && let Some(w) = fast_split(line)
        {
            return Ok(w);
        }
        let mut argv = vec![shell];
        argv.extend(crate::text::words(&flags).map(str::to_string));
        argv.push(line.to_string());
        Ok(argv)
    }

    /// The environment for a recipe, expanded in the current (target) scope.
    ///
    /// Without target-specific variables, and when every exported value is plain text (no
    /// reference to expand, so nothing that could differ between recipes), the environment is
    /// computed once and shared until a variable or an export changes.
    pub fn recipe_env(&mut self) -> Result<Rc<[(String, String)]>> {
        let key = (
            self.globals.version(),
            self.exports_version,
            self.export_all,
        );
        if self.scope.is_none()
            && let Some(c) = &self.env_cache
            && c.key == key
        {
            return Ok(c.env.clone());
        }
        let mut plain = true;
        let export_all = self.export_all;
        let exported = |name: &str, var: &Var| match var.export {
            Export::Yes => true,
            Export::Default => {
                matches!(
                    var.origin,
                    Origin::Environment | Origin::EnvironmentOverride | Origin::CommandLine
                ) || (export_all && is_identifier(name))
            }
        };
        // Only exported names are collected: most globals (the built-in variables) are not.
        let mut names: BTreeMap<String, bool> = BTreeMap::new();
        for (name, var) in self.globals.iter() {
            if exported(name, var) {
                names.insert(name.clone(), true);
            }
        }
        // A target's own exported variable, unless a global of that name is not exported.
        let mut s = self.scope.clone();
        while let Some(sc) = s {
            for (name, var) in sc.vars.iter() {
                if (var.export == Export::Yes || (export_all && is_identifier(name)))
                    && self.globals.get(name).is_none()
                {
                    names.entry(name.clone()).or_insert(true);
                }
            }
            s = sc.parent.clone();
        }
        for (name, &e) in &self.export_marks {
            names.insert(name.clone(), e);
        }
        let mut env = Vec::new();
        for (name, export) in names {
            if !export || name == "SHELL" || name == "MAKELEVEL" || name == "MAKEFLAGS" {
                continue;
            }
            let Some(var) = self.lookup_var(&name) else {
                continue;
            };
            plain &= is_plain(&var);
            let v = self.var_value(&name)?;
            env.push((name, v));
        }
        if let Some(sh) = self.env.iter().find(|(k, _)| k == "SHELL") {
            env.push(sh.clone());
        }
        if self.export_marks.get("SHELL") == Some(&true) {
            plain &= self.lookup_var("SHELL").is_none_or(|v| is_plain(&v));
            let v = self.var_value("SHELL")?;
            env.retain(|(k, _)| k != "SHELL");
            env.push(("SHELL".into(), v));
        }
        env.push(("MAKELEVEL".into(), (self.level + 1).to_string()));
        plain &= self.lookup_var("MAKEFLAGS").is_none_or(|v| is_plain(&v));
        let flags = self.var_value("MAKEFLAGS")?;
        env.push(("MAKEFLAGS".into(), flags));
        let env: Rc<[(String, String)]> = env.into();
        // Expanding may have changed variables (`$(eval)`), so the key is taken again.
        let after = (
            self.globals.version(),
            self.exports_version,
            self.export_all,
        );
        if self.scope.is_none() && plain && after == key {
            self.env_cache = Some(EnvCache {
                key,
                env: env.clone(),
            });
        }
        Ok(env)
    }
}

/// The text of a signal as `strsignal` gives it.
pub fn signal_name(sig: i32) -> String {
    let s = match sig {
        libc::SIGHUP => "Hangup",
        libc::SIGINT => "Interrupt",
        libc::SIGQUIT => "Quit",
        libc::SIGILL => "Illegal instruction",
        libc::SIGTRAP => "Trace/breakpoint trap",
        libc::SIGABRT => "Aborted",
        libc::SIGBUS => "Bus error",
        libc::SIGFPE => "Floating point exception",
        libc::SIGKILL => "Killed",
        libc::SIGUSR1 => "User defined signal 1",
        libc::SIGSEGV => "Segmentation fault",
        libc::SIGUSR2 => "User defined signal 2",
        libc::SIGPIPE => "Broken pipe",
        libc::SIGALRM => "Alarm clock",
        libc::SIGTERM => "Terminated",
        _ => return format!("Signal {sig}"),
    };
    s.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes() {
        assert_eq!(strip_prefixes(" @-echo hi"), ("echo hi", true, true, false));
        assert_eq!(strip_prefixes("+ @ x"), ("x", true, false, true));
    }

    #[test]
    fn fast_path_split() {
        assert_eq!(
            fast_split("echo 'a b'  c").unwrap(),
            vec!["echo", "a b", "c"]
        );
        assert_eq!(fast_split("echo a\\\nb").unwrap(), vec!["echo", "ab"]);
        assert!(fast_split("echo $HOME").is_none());
        assert!(fast_split("cd /").is_none());
        assert!(fast_split("X=1 env").is_none());
        assert!(fast_split("").unwrap().is_empty());
    }
}
