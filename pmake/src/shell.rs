//! `$(shell ...)` and `!=`: run a command and capture its output.

use std::process::{Command, Stdio};

use crate::engine::Make;
use crate::error::Result;
use crate::vars::{Flavor, Origin, Var};

impl Make {
    /// `$(shell cmd)`: all trailing newlines are dropped.
    pub fn shell(&mut self, cmd: &str) -> Result<String> {
        let out = self.run_shell(cmd);
        self.dircache.commands_ran();
        let out = out?;
        Ok(fold_newlines(&out, true))
    }

    /// `VAR != cmd`: only the last newline is dropped.
    pub fn shell_assign(&mut self, cmd: &str) -> Result<String> {
        let out = self.run_shell(cmd)?;
        Ok(fold_newlines(&out, false))
    }

    fn run_shell(&mut self, cmd: &str) -> Result<String> {
        let shell = self.var_value("SHELL")?;
        let flags = self.var_value(".SHELLFLAGS")?;
        let mut c = Command::new(&shell);
        c.args(crate::text::words(&flags)).arg(cmd);
        c.stdin(Stdio::inherit())
            .stderr(Stdio::inherit())
            .stdout(Stdio::piped());
        let _ = std::io::Write::flush(&mut std::io::stdout());
        let (out, status) = match c.output() {
            Ok(o) => {
                let st = match o.status.code() {
                    Some(c) => c,
                    None => {
                        128 + std::os::unix::process::ExitStatusExt::signal(&o.status).unwrap_or(0)
                    }
                };
                (String::from_utf8_lossy(&o.stdout).into_owned(), st)
            }
            Err(e) => {
                self.error_message(&format!("{shell}: {}", crate::sys::strerror(&e)));
                (String::new(), 127)
            }
        };
        self.globals.insert(
            ".SHELLSTATUS",
            Var::new(status.to_string(), Flavor::Simple, Origin::Override),
        );
        Ok(out)
    }
}

/// GNU make's `fold_newlines`: CR-LF and LF become spaces; trailing ones are removed
/// (all of them, or only the last).
fn fold_newlines(s: &str, trim_all: bool) -> String {
    let s = s.replace("\r\n", "\n");
    let mut out = s.replace('\n', " ");
    if trim_all {
        let keep = s.trim_end_matches('\n').len();
        out.truncate(keep);
    } else if s.ends_with('\n') {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::fold_newlines;

    #[test]
    fn newlines_fold_like_gnu_make() {
        assert_eq!(fold_newlines("a\nb\n\n", true), "a b");
        assert_eq!(fold_newlines("a\nb\n\n", false), "a b ");
        assert_eq!(fold_newlines("x", false), "x");
    }
}
