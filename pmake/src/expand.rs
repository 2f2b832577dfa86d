//! Expansion of variable and function references (`$(x)`, `${x}`, `$x`, `$(x:a=b)`).

use crate::engine::Make;
use crate::error::{MakeError, Result};
use crate::functions;
use crate::text;

/// Finds the index of the parenthesis closing a reference opened just before `start`,
/// counting only the same kind of parenthesis, as GNU make does.
pub fn find_close(s: &[u8], start: usize, open: u8, close: u8) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = start;
    while i < s.len() {
        let c = s[i];
        if c == open {
            depth += 1;
        } else if c == close {
            if depth == 0 {
                return Some(i);
            }
            depth -= 1;
        }
        i += 1;
    }
    None
}

impl Make {
    pub fn expand(&mut self, s: &str) -> Result<String> {
        if !s.contains('$') {
            return Ok(s.to_string());
        }
        let mut out = String::with_capacity(s.len());
        self.expand_into(s, &mut out)?;
        Ok(out)
    }

    pub fn expand_into(&mut self, s: &str, out: &mut String) -> Result<()> {
        let b = s.as_bytes();
        let mut i = 0;
        while i < b.len() {
            let Some(off) = s[i..].find('$') else {
                out.push_str(&s[i..]);
                break;
            };
            let pos = i + off;
            out.push_str(&s[i..pos]);
            if pos + 1 >= b.len() {
                // A lone `$` at the very end stays as it is.
                out.push('$');
                break;
            }
            let c = b[pos + 1];
            match c {
                b'$' => {
                    out.push('$');
                    i = pos + 2;
                }
                b'(' | b'{' => {
                    let close = if c == b'(' { b')' } else { b'}' };
                    let Some(end) = find_close(b, pos + 2, c, close) else {
                        let rest = &s[pos + 2..];
                        if let Some(ws) = rest.find([' ', '\t'])
                            && functions::is_function(&rest[..ws])
                        {
                            return Err(MakeError::fatal(
                                self.cur_loc.clone(),
                                format!(
                                    "unterminated call to function '{}': missing '{}'",
                                    &rest[..ws],
                                    close as char
                                ),
                            ));
                        }
                        return Err(MakeError::fatal(
                            self.expanding_loc.clone().or_else(|| self.cur_loc.clone()),
                            "unterminated variable reference",
                        ));
                    };
                    self.expand_reference(&s[pos + 2..end], c, close, out)?;
                    i = end + 1;
                }
                _ => {
                    let ch = s[pos + 1..].chars().next().unwrap_or(' ');
                    let name = ch.to_string();
                    let v = self.var_value(&name)?;
                    out.push_str(&v);
                    i = pos + 1 + ch.len_utf8();
                }
            }
        }
        Ok(())
    }

    fn expand_reference(
        &mut self,
        inner: &str,
        open: u8,
        close: u8,
        out: &mut String,
    ) -> Result<()> {
        if let Some(ws) = inner.find([' ', '\t']) {
            let name = &inner[..ws];
            if functions::is_function(name) {
                let args = inner[ws..].trim_start_matches([' ', '\t']);
                let r = functions::call(self, name, args, open, close)?;
                out.push_str(&r);
                return Ok(());
            }
        }
        let name = self.expand(inner)?;
        if let Some(colon) = name.find(':')
            && let Some(eq) = name[colon + 1..].find('=')
        {
            let var = &name[..colon];
            let from = &name[colon + 1..colon + 1 + eq];
            let to = &name[colon + 2 + eq..];
            let value = self.var_value(var)?;
            if value.is_empty() {
                return Ok(());
            }
            let (from, to) = if from.contains('%') {
                (from.to_string(), to.to_string())
            } else {
                (format!("%{from}"), format!("%{to}"))
            };
            out.push_str(&text::patsubst(&from, &to, &value));
            return Ok(());
        }
        let v = self.var_value(&name)?;
        out.push_str(&v);
        Ok(())
    }
}
