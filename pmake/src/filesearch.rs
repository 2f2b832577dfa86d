//! Finding files: VPATH/vpath directory search, `-lNAME` libraries and `$(wildcard)`
//! globbing (over files and archive members).

use crate::engine::Make;
use crate::text::words;

/// The system directories searched for `-lNAME` libraries after vpath and VPATH: GNU make's
/// `/lib` and `/usr/lib`, then the library directory it was configured with (Debian's GNU
/// make 4.3: `/usr/lib/x86_64-linux-gnu`).
const LIBRARY_DIRS: [&str; 3] = ["/lib", "/usr/lib", "/usr/lib/x86_64-linux-gnu"];

impl Make {
    /// Looks for `name` in the `vpath` directories matching it, then in `VPATH`.
    pub fn vpath_find(&mut self, name: &str) -> Option<String> {
        self.vpath_find_ranked(name).map(|(p, _)| p)
    }

    /// `vpath_find`, also giving the place of the directory in the search order.
    fn vpath_find_ranked(&mut self, name: &str) -> Option<(String, usize)> {
        if name.starts_with('/') {
            return None;
        }
        let mut dirs: Vec<String> = Vec::new();
        for (pat, ds) in &self.vpaths {
            let matches = match crate::text::split_pattern(pat) {
                Some(p) => crate::text::match_pattern(&p, "", name, true).is_some(),
                None => pat == name,
            };
            if matches {
                dirs.extend(ds.iter().cloned());
            }
        }
        if let Some(v) = self.globals.get("VPATH").cloned() {
            let value = if v.flavor == crate::vars::Flavor::Recursive {
                self.expand(&v.value).unwrap_or_default()
            } else {
                v.value
            };
            for w in words(&value) {
                dirs.extend(w.split(':').filter(|d| !d.is_empty()).map(str::to_string));
            }
        }
        for (rank, d) in dirs.iter().enumerate() {
            let p = format!("{}/{name}", d.trim_end_matches('/'));
            if self.dircache.exists(&p) {
                return Some((p, rank));
            }
        }
        None
    }

    /// Finds the library a `-lNAME` prerequisite stands for (GNU make's `library_search`):
    /// each `.LIBPATTERNS` word with `%` replaced by NAME is looked for in the current
    /// directory (the first found there wins), then along vpath/VPATH, then in the system
    /// directories; of those the one earliest in that search order wins.
    pub fn library_search(&mut self, name: &str) -> Option<String> {
        let lib = name.strip_prefix("-l")?;
        let patterns = self.expand("$(.LIBPATTERNS)").unwrap_or_default();
        // (0, place along vpath/VPATH) or (1, system directory): lower is better.
        let mut best: Option<((u8, usize), String)> = None;
        for pat in words(&patterns) {
            let Some((pre, suf)) = pat.split_once('%') else {
                self.error_message(&format!(".LIBPATTERNS element '{pat}' is not a pattern"));
                continue;
            };
            let file = format!("{pre}{lib}{suf}");
            if std::fs::metadata(&file).is_ok() {
                return Some(file);
            }
            let mut found = self
                .vpath_find_ranked(&file)
                .map(|(p, rank)| ((0, rank), p))
                .into_iter()
                .collect::<Vec<_>>();
            for (k, dir) in LIBRARY_DIRS.iter().enumerate() {
                let p = format!("{dir}/{file}");
                if std::fs::metadata(&p).is_ok() {
                    found.push(((1, k), p));
                }
            }
            for (rank, p) in found {
                if best.as_ref().is_none_or(|(b, _)| rank < *b) {
                    best = Some((rank, p));
                }
            }
        }
        best.map(|(_, p)| p)
    }

    /// Expands one glob pattern; sorted, existing files only.
    pub fn glob(&self, pattern: &str) -> Vec<String> {
        if !pattern.contains(['*', '?', '[']) {
            let unescaped = pattern.replace('\\', "");
            return if std::fs::symlink_metadata(&unescaped).is_ok() {
                vec![unescaped]
            } else {
                Vec::new()
            };
        }
        let opts = glob::MatchOptions {
            case_sensitive: true,
            require_literal_separator: true,
            require_literal_leading_dot: true,
        };
        let mut out: Vec<String> = match glob::glob_with(pattern, opts) {
            Ok(paths) => paths
                .filter_map(|p| p.ok())
                .map(|p| p.to_string_lossy().into_owned())
                .collect(),
            Err(_) => Vec::new(),
        };
        out.sort();
        out
    }

    /// An archive-member name `archive(member)` with wildcards: the archive name is globbed
    /// over files, then the member over each archive's members (sorted); a member without
    /// matches stays as written. `exists` (`$(wildcard)`): archives that do not exist are
    /// dropped, and, as in GNU make 4.3, each matching member yields the archive as written.
    pub fn glob_member(&self, name: &str, exists: bool) -> Vec<String> {
        let Some((archive, member)) = crate::archive::split(name) else {
            return vec![name.to_string()];
        };
        let archives = if exists || archive.contains(['*', '?', '[']) {
            match self.glob(archive) {
                g if !g.is_empty() => g,
                _ if exists => return Vec::new(),
                _ => vec![archive.to_string()],
            }
        } else {
            vec![archive.to_string()]
        };
        let mut out = Vec::new();
        for a in archives {
            match crate::archive::glob(&a, member) {
                Some(found) if exists => out.extend(found.iter().map(|_| archive.to_string())),
                Some(found) => out.extend(found),
                None => out.push(format!("{a}({member})")),
            }
        }
        out
    }

    /// `$(wildcard patterns)`.
    pub fn wildcard(&self, patterns: &str) -> String {
        let mut out = Vec::new();
        if patterns.contains('(') {
            for p in crate::archive::expand_groups(patterns) {
                if crate::archive::split(&p).is_some() {
                    out.extend(self.glob_member(&p, true));
                } else {
                    out.extend(self.glob(&p));
                }
            }
        } else {
            for p in words(patterns) {
                out.extend(self.glob(p));
            }
        }
        out.join(" ")
    }

    /// The value of `CURDIR`.
    pub fn curdir(&self) -> String {
        match self.globals.get("CURDIR") {
            Some(v) => v.value.clone(),
            None => std::env::current_dir()
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or_default(),
        }
    }
}
