//! Command-line options, parsed the way GNU make parses them (bundled short flags,
//! `-j` with an optional number, `VAR=value` arguments, `--`), and the `MAKEFLAGS`
//! value passed down to sub-makes.

/// Parsed options. Defaults are GNU make's.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub makefiles: Vec<String>,
    pub directories: Vec<String>,
    /// `None`: unlimited (`-j` without a number).
    pub jobs: Option<usize>,
    pub jobs_given: bool,
    pub load: Option<f64>,
    pub keep_going: bool,
    pub dry_run: bool,
    pub question: bool,
    pub touch: bool,
    pub silent: bool,
    pub ignore_errors: bool,
    pub always_make: bool,
    pub env_override: bool,
    pub no_builtin_rules: bool,
    pub no_builtin_vars: bool,
    pub print_db: bool,
    /// `-d`: every kind of debugging message.
    pub debug_all: bool,
    /// The values of `--debug` options, in order (`basic` for one without a value).
    pub debug_flags: Vec<String>,
    pub trace: bool,
    pub print_dir: bool,
    pub no_print_dir: bool,
    pub output_sync: Option<String>,
    pub old_files: Vec<String>,
    pub new_files: Vec<String>,
    pub include_dirs: Vec<String>,
    pub version: bool,
    pub help: bool,
    pub check_symlink: bool,
    pub warn_undefined: bool,
    pub evals: Vec<String>,
    pub jobserver_auth: Option<String>,
    /// `VAR=value` arguments, in order.
    pub assignments: Vec<String>,
    pub goals: Vec<String>,
    /// `--local`: run every recipe on this host, not through migd.
    pub local: bool,
    /// `--no-progress`: no progress line even on a terminal.
    pub no_progress: bool,
}

/// An option error, reported by the caller with the usage text.
#[derive(Debug, thiserror::Error)]
pub enum OptionError {
    #[error("invalid option -- '{0}'")]
    InvalidShort(char),
    #[error("unrecognized option '{0}'")]
    InvalidLong(String),
    #[error("option requires an argument -- '{0}'")]
    MissingArg(char),
    #[error("the '-{0}' option requires a positive integer argument")]
    BadNumber(char),
}

fn is_assignment(arg: &str) -> bool {
    match arg.find('=') {
        Some(0) | None => false,
        Some(_) => true,
    }
}

impl Options {
    /// Parses arguments (without the program name). `from_env` relaxes the rules for
    /// `MAKEFLAGS`, where unknown options are ignored.
    pub fn parse(&mut self, args: &[String], from_env: bool) -> Result<(), OptionError> {
        let mut i = 0;
        let mut only_operands = false;
        while i < args.len() {
            let arg = &args[i];
            i += 1;
            if only_operands || arg == "-" || !arg.starts_with('-') {
                if is_assignment(arg) {
                    self.assignments.push(arg.clone());
                } else if !from_env && !arg.is_empty() {
                    self.goals.push(arg.clone());
                }
                continue;
            }
            if arg == "--" {
                only_operands = true;
                continue;
            }
            if let Some(long) = arg.strip_prefix("--") {
                let (name, value) = match long.split_once('=') {
                    Some((n, v)) => (n, Some(v.to_string())),
                    None => (long, None),
                };
                let take = |i: &mut usize| -> Option<String> {
                    if value.is_some() {
                        return value.clone();
                    }
                    let v = args.get(*i).cloned();
                    *i += 1;
                    v
                };
                match name {
                    "file" | "makefile" => {
                        if let Some(v) = take(&mut i) {
                            self.makefiles.push(v)
                        }
                    }
                    "directory" => {
                        if let Some(v) = take(&mut i) {
                            self.directories.push(v)
                        }
                    }
                    "include-dir" => {
                        if let Some(v) = take(&mut i) {
                            self.include_dirs.push(v)
                        }
                    }
                    "old-file" | "assume-old" => {
                        if let Some(v) = take(&mut i) {
                            self.old_files.push(v)
                        }
                    }
                    "new-file" | "assume-new" | "what-if" => {
                        if let Some(v) = take(&mut i) {
                            self.new_files.push(v)
                        }
                    }
                    "eval" => {
                        if let Some(v) = take(&mut i) {
                            self.evals.push(v)
                        }
                    }
                    "jobs" => {
                        self.jobs_given = true;
                        self.jobs = match value.as_deref().map(str::parse::<usize>) {
                            Some(Ok(0)) | Some(Err(_)) => return Err(OptionError::BadNumber('j')),
                            Some(Ok(n)) => Some(n),
                            None => match args.get(i).map(|a| a.parse::<usize>()) {
                                Some(Ok(n)) if n > 0 => {
                                    i += 1;
                                    Some(n)
                                }
                                _ => None,
                            },
                        };
                    }
                    "load-average" | "max-load" => self.load = value.and_then(|v| v.parse().ok()),
                    "keep-going" => self.keep_going = true,
                    "no-keep-going" | "stop" => self.keep_going = false,
                    "dry-run" | "just-print" | "recon" => self.dry_run = true,
                    "question" => self.question = true,
                    "touch" => self.touch = true,
                    "silent" | "quiet" => self.silent = true,
                    "no-silent" => self.silent = false,
                    "ignore-errors" => self.ignore_errors = true,
                    "always-make" => self.always_make = true,
                    "environment-overrides" => self.env_override = true,
                    "no-builtin-rules" => self.no_builtin_rules = true,
                    "no-builtin-variables" => {
                        self.no_builtin_vars = true;
                        self.no_builtin_rules = true;
                    }
                    "print-data-base" => self.print_db = true,
                    "debug" => self
                        .debug_flags
                        .push(value.unwrap_or_else(|| "basic".into())),
                    "trace" => self.trace = true,
                    "print-directory" => self.print_dir = true,
                    "no-print-directory" => self.no_print_dir = true,
                    "output-sync" => {
                        self.output_sync = Some(value.unwrap_or_else(|| "target".into()))
                    }
                    "check-symlink-times" => self.check_symlink = true,
                    "warn-undefined-variables" => self.warn_undefined = true,
                    "jobserver-auth" | "jobserver-fds" => self.jobserver_auth = value,
                    "version" => self.version = true,
                    "help" => self.help = true,
                    "local" => self.local = true,
                    "no-progress" => self.no_progress = true,
                    _ if from_env => {}
                    _ => return Err(OptionError::InvalidLong(arg.clone())),
                }
                continue;
            }
            // Bundled short options.
            let chars: Vec<char> = arg[1..].chars().collect();
            let mut k = 0;
            while k < chars.len() {
                let c = chars[k];
                k += 1;
                let rest: String = chars[k..].iter().collect();
                match c {
                    'f' | 'C' | 'I' | 'o' | 'W' | 'E' => {
                        let v = if !rest.is_empty() {
                            k = chars.len();
                            rest
                        } else if let Some(v) = args.get(i) {
                            i += 1;
                            v.clone()
                        } else {
                            return Err(OptionError::MissingArg(c));
                        };
                        match c {
                            'f' => self.makefiles.push(v),
                            'C' => self.directories.push(v),
                            'I' => self.include_dirs.push(v),
                            'o' => self.old_files.push(v),
                            'E' => self.evals.push(v),
                            _ => self.new_files.push(v),
                        }
                    }
                    'j' => {
                        self.jobs_given = true;
                        let digits: String =
                            rest.chars().take_while(char::is_ascii_digit).collect();
                        if !digits.is_empty() {
                            k += digits.chars().count();
                            match digits.parse::<usize>() {
                                Ok(n) if n > 0 => self.jobs = Some(n),
                                _ => return Err(OptionError::BadNumber('j')),
                            }
                        } else if k >= chars.len()
                            && let Some(Ok(n)) = args.get(i).map(|a| a.parse::<usize>())
                        {
                            i += 1;
                            if n == 0 {
                                return Err(OptionError::BadNumber('j'));
                            }
                            self.jobs = Some(n);
                        } else {
                            self.jobs = None;
                        }
                    }
                    'l' => {
                        let num: String = rest
                            .chars()
                            .take_while(|c| c.is_ascii_digit() || *c == '.')
                            .collect();
                        if !num.is_empty() {
                            k += num.chars().count();
                            self.load = num.parse().ok();
                        } else if k >= chars.len()
                            && let Some(Ok(n)) = args.get(i).map(|a| a.parse::<f64>())
                        {
                            i += 1;
                            self.load = Some(n);
                        } else {
                            self.load = None;
                        }
                    }
                    'O' => {
                        self.output_sync = Some(if rest.is_empty() {
                            "target".into()
                        } else {
                            rest
                        });
                        k = chars.len();
                    }
                    'k' => self.keep_going = true,
                    'S' => self.keep_going = false,
                    'n' => self.dry_run = true,
                    'q' => self.question = true,
                    't' => self.touch = true,
                    's' => self.silent = true,
                    'i' => self.ignore_errors = true,
                    'B' => self.always_make = true,
                    'e' => self.env_override = true,
                    'r' => self.no_builtin_rules = true,
                    'R' => {
                        self.no_builtin_vars = true;
                        self.no_builtin_rules = true;
                    }
                    'p' => self.print_db = true,
                    'd' => self.debug_all = true,
                    'w' => self.print_dir = true,
                    'v' => self.version = true,
                    'h' => self.help = true,
                    'L' => self.local = true,
                    'b' | 'm' => {}
                    _ if from_env => {}
                    _ => return Err(OptionError::InvalidShort(c)),
                }
            }
        }
        Ok(())
    }

    /// The kinds of debugging message asked for (see [`crate::debug::parse_level`]).
    pub fn debug_level(&self) -> Result<u32, String> {
        crate::debug::parse_level(self.debug_all, &self.debug_flags)
    }

    /// Parses the value of `MAKEFLAGS` from the environment.
    pub fn parse_makeflags(&mut self, value: &str) {
        let mut words = split_escaped(value);
        if let Some(first) = words.first_mut()
            && !first.starts_with('-')
            && !first.contains('=')
        {
            first.insert(0, '-');
        }
        let _ = self.parse(&words, true);
    }

    /// The flags part of `MAKEFLAGS` for sub-makes (GNU make's order and spelling).
    pub fn makeflags(&self, jobserver: Option<&str>) -> String {
        let mut letters = String::new();
        for (set, c) in [
            (self.always_make, 'B'),
            (self.debug_all && self.debug_level() != Ok(0), 'd'),
            (self.env_override, 'e'),
            (self.ignore_errors, 'i'),
            (self.keep_going, 'k'),
            (self.dry_run, 'n'),
            (self.print_db, 'p'),
            (self.question, 'q'),
            (self.no_builtin_rules, 'r'),
            (self.no_builtin_vars, 'R'),
            (self.silent, 's'),
            (self.touch, 't'),
            (self.print_dir && !self.no_print_dir, 'w'),
        ] {
            if set {
                letters.push(c);
            }
        }
        let mut parts = Vec::new();
        if !letters.is_empty() {
            parts.push(letters);
        }
        for d in &self.debug_flags {
            parts.push(format!("--debug={d}"));
        }
        for d in &self.include_dirs {
            parts.push(format!("-I{d}"));
        }
        if self.jobs_given {
            match self.jobs {
                Some(1) => {}
                Some(n) => parts.push(format!("-j{n}")),
                None => parts.push("-j".into()),
            }
        }
        if let Some(l) = self.load {
            parts.push(format!("-l{l}"));
        }
        if let Some(o) = &self.output_sync {
            parts.push(format!("-O{o}"));
        }
        if let Some(js) = jobserver {
            parts.push(format!("--jobserver-auth={js}"));
        }
        if self.no_print_dir {
            parts.push("--no-print-directory".into());
        }
        if self.trace {
            parts.push("--trace".into());
        }
        if self.warn_undefined {
            parts.push("--warn-undefined-variables".into());
        }
        if self.check_symlink {
            parts.push("--check-symlink-times".into());
        }
        if self.local {
            parts.push("--local".into());
        }
        if self.no_progress {
            parts.push("--no-progress".into());
        }
        let mut s = parts.join(" ");
        if !s.is_empty() && !s.starts_with('-') {
            // GNU make writes the single letters without a dash.
        } else if !s.is_empty() {
            s.insert(0, ' ');
        }
        s
    }
}

/// Splits on unescaped whitespace; `\ ` and `\\` are unescaped.
pub fn split_escaped(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut any = false;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
                any = true;
            }
            c if c.is_whitespace() => {
                if any {
                    out.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            c => {
                cur.push(c);
                any = true;
            }
        }
    }
    if any {
        out.push(cur);
    }
    out
}

/// Escapes spaces and backslashes for `MAKEFLAGS`.
pub fn escape_word(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c == ' ' || c == '\t' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

pub const USAGE_TRAILER: &str =
    "\nThis program built for x86_64-pc-linux-gnu\nReport bugs to <bug-make@gnu.org>\n";

pub const USAGE: &str = "Usage: make [options] [target] ...
Options:
  -b, -m                      Ignored for compatibility.
  -B, --always-make           Unconditionally make all targets.
  -C DIRECTORY, --directory=DIRECTORY
                              Change to DIRECTORY before doing anything.
  -d                          Print lots of debugging information.
  --debug[=FLAGS]             Print various types of debugging information.
  -e, --environment-overrides
                              Environment variables override makefiles.
  -E STRING, --eval=STRING    Evaluate STRING as a makefile statement.
  -f FILE, --file=FILE, --makefile=FILE
                              Read FILE as a makefile.
  -h, --help                  Print this message and exit.
  -i, --ignore-errors         Ignore errors from recipes.
  -I DIRECTORY, --include-dir=DIRECTORY
                              Search DIRECTORY for included makefiles.
  -j [N], --jobs[=N]          Allow N jobs at once; infinite jobs with no arg.
  -k, --keep-going            Keep going when some targets can't be made.
  -l [N], --load-average[=N], --max-load[=N]
                              Don't start multiple jobs unless load is below N.
  -L, --local                 Run every recipe on this host, none through migd.
  --check-symlink-times       Use the latest mtime between symlinks and target.
  -n, --just-print, --dry-run, --recon
                              Don't actually run any recipe; just print them.
  -o FILE, --old-file=FILE, --assume-old=FILE
                              Consider FILE to be very old and don't remake it.
  -O[TYPE], --output-sync[=TYPE]
                              Synchronize output of parallel jobs by TYPE.
  -p, --print-data-base       Print make's internal database.
  -q, --question              Run no recipe; exit status says if up to date.
  -r, --no-builtin-rules      Disable the built-in implicit rules.
  -R, --no-builtin-variables  Disable the built-in variable settings.
  -s, --silent, --quiet       Don't echo recipes.
  --no-silent                 Echo recipes (disable --silent mode).
  -S, --no-keep-going, --stop
                              Turns off -k.
  -t, --touch                 Touch targets instead of remaking them.
  --trace                     Print tracing information.
  -v, --version               Print the version number of make and exit.
  -w, --print-directory       Print the current directory.
  --no-print-directory        Turn off -w, even if it was turned on implicitly.
  -W FILE, --what-if=FILE, --new-file=FILE, --assume-new=FILE
                              Consider FILE to be infinitely new.
  --warn-undefined-variables  Warn when an undefined variable is referenced.
";

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Options {
        let mut o = Options {
            jobs: Some(1),
            ..Default::default()
        };
        let v: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        o.parse(&v, false).unwrap();
        o
    }

    #[test]
    fn bundled_flags_and_jobs() {
        let o = parse(&["-kj4", "all", "X=1"]);
        assert!(o.keep_going);
        assert_eq!(o.jobs, Some(4));
        assert_eq!(o.goals, vec!["all"]);
        assert_eq!(o.assignments, vec!["X=1"]);
        let o = parse(&["-j", "clean"]);
        assert_eq!(o.jobs, None);
        let o = parse(&["-j", "3", "-C", "dir", "-fMk"]);
        assert_eq!(o.jobs, Some(3));
        assert_eq!(o.directories, vec!["dir"]);
        assert_eq!(o.makefiles, vec!["Mk"]);
    }

    #[test]
    fn makeflags_round_trip() {
        let mut o = Options::default();
        o.parse_makeflags("ks -j2 --jobserver-auth=3,4 -- X=a\\ b");
        assert!(o.keep_going && o.silent);
        assert_eq!(o.jobs, Some(2));
        assert_eq!(o.jobserver_auth.as_deref(), Some("3,4"));
        assert_eq!(o.assignments, vec!["X=a b"]);
        assert_eq!(o.makeflags(Some("3,4")), "ks -j2 --jobserver-auth=3,4");
    }
}
