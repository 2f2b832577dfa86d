//! Finding files: VPATH/vpath directory search and `$(wildcard)` globbing.

use crate::engine::Make;
use crate::text::words;

impl Make {
    /// Looks for `name` in the `vpath` directories matching it, then in `VPATH`.
    pub fn vpath_find(&mut self, name: &str) -> Option<String> {
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
        for d in dirs {
            let p = format!("{}/{name}", d.trim_end_matches('/'));
            if self.dircache.exists(&p) {
                return Some(p);
            }
        }
        None
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

    /// `$(wildcard patterns)`.
    pub fn wildcard(&self, patterns: &str) -> String {
        let mut out = Vec::new();
        for p in words(patterns) {
            out.extend(self.glob(p));
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
