//! Word and pattern operations shared by functions and rules.

/// Splits on the whitespace GNU make recognises.
pub fn words(s: &str) -> impl Iterator<Item = &str> {
    s.split([' ', '\t', '\n', '\r', '\x0b', '\x0c'])
        .filter(|w| !w.is_empty())
}

/// Splits on whitespace outside variable references (`$(addsuffix .h,$*)` stays whole).
pub fn words_keeping_refs(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut depth = 0usize;
    let mut prev_dollar = false;
    for c in s.chars() {
        match c {
            '(' | '{' if prev_dollar || depth > 0 => depth += 1,
            ')' | '}' if depth > 0 => depth -= 1,
            c if c.is_whitespace() && depth == 0 => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
                prev_dollar = false;
                continue;
            }
            _ => {}
        }
        prev_dollar = c == '$';
        cur.push(c);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Splits a pattern at its first unescaped `%`, unescaping `\%` before it.
pub fn split_pattern(pat: &str) -> Option<(String, String)> {
    let b = pat.as_bytes();
    let mut pre = String::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' if i + 1 < b.len() && b[i + 1] == b'%' => {
                pre.push('%');
                i += 2;
            }
            b'\\' if i + 1 < b.len() && b[i + 1] == b'\\' => {
                // A backslash quoting a backslash that precedes a % is reduced.
                let mut j = i;
                while j < b.len() && b[j] == b'\\' {
                    j += 1;
                }
                if j < b.len() && b[j] == b'%' {
                    let n = j - i;
                    for _ in 0..n / 2 {
                        pre.push('\\');
                    }
                    if n % 2 == 1 {
                        pre.push('%');
                        i = j + 1;
                    } else {
                        i = j;
                    }
                } else {
                    pre.push_str(&pat[i..j]);
                    i = j;
                }
            }
            b'%' => return Some((pre, pat[i + 1..].to_string())),
            _ => {
                let ch = pat[i..].chars().next().unwrap_or('\0');
                pre.push(ch);
                i += ch.len_utf8();
            }
        }
    }
    None
}

/// Matches a word against a pattern; returns the stem (empty for exact matches).
pub fn match_pattern<'a>(
    pat: &(String, String),
    exact: &str,
    word: &'a str,
    has_pct: bool,
) -> Option<&'a str> {
    if !has_pct {
        return (word == exact).then_some("");
    }
    let (pre, suf) = pat;
    if word.len() >= pre.len() + suf.len()
        && word.starts_with(pre.as_str())
        && word.ends_with(suf.as_str())
    {
        Some(&word[pre.len()..word.len() - suf.len()])
    } else {
        None
    }
}

/// `$(patsubst pattern,replacement,text)`.
pub fn patsubst(pattern: &str, replacement: &str, text: &str) -> String {
    let pat = split_pattern(pattern);
    let rep = split_pattern(replacement);
    let mut out = Vec::new();
    for w in words(text) {
        match &pat {
            Some(p) => match match_pattern(p, "", w, true) {
                Some(stem) => match &rep {
                    Some((rp, rs)) => out.push(format!("{rp}{stem}{rs}")),
                    None => out.push(replacement.to_string()),
                },
                None => out.push(w.to_string()),
            },
            None => {
                if w == pattern {
                    out.push(
                        rep.as_ref()
                            .map(|(a, b)| format!("{a}{b}"))
                            .unwrap_or_else(|| replacement.to_string()),
                    );
                } else {
                    out.push(w.to_string());
                }
            }
        }
    }
    out.join(" ")
}

/// A compiled pattern for `filter`/`filter-out`.
pub struct Pattern {
    parts: Option<(String, String)>,
    exact: String,
}

impl Pattern {
    pub fn new(p: &str) -> Pattern {
        Pattern {
            parts: split_pattern(p),
            exact: p.to_string(),
        }
    }

    pub fn matches(&self, w: &str) -> bool {
        match &self.parts {
            Some(p) => match_pattern(p, "", w, true).is_some(),
            None => w == self.exact,
        }
    }
}

/// Directory part of a file name, with trailing slash (`./` if none).
pub fn dir(w: &str) -> &str {
    match w.rfind('/') {
        Some(i) => &w[..=i],
        None => "./",
    }
}

pub fn notdir(w: &str) -> &str {
    match w.rfind('/') {
        Some(i) => &w[i + 1..],
        None => w,
    }
}

/// Lexically makes `path` absolute relative to `cwd` and removes `.`/`..`.
pub fn abspath(path: &str, cwd: &str) -> String {
    let full = if path.starts_with('/') {
        path.to_string()
    } else {
        format!("{cwd}/{path}")
    };
    let mut parts: Vec<&str> = Vec::new();
    for p in full.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patsubst_works() {
        assert_eq!(patsubst("%.c", "%.o", "a.c b.h c.c"), "a.o b.h c.o");
        assert_eq!(patsubst("a", "b", "a aa a"), "b aa b");
        assert_eq!(patsubst("%", "x%y", " p  q "), "xpy xqy");
        assert_eq!(patsubst("\\%a%", "%", "%ab"), "b");
    }

    #[test]
    fn abspath_is_lexical() {
        assert_eq!(abspath("a/../b/./c", "/x"), "/x/b/c");
        assert_eq!(abspath("/..", "/x"), "/");
    }
}
