//! `make -p` compared with GNU make 4.3 (`/usr/bin/make`): for each makefile, both print their
//! data base in a fresh directory with the same environment; the outputs must have the same
//! sections in the same order, and every section the same entries (in the same order where GNU
//! make's order does not come from a hash table). Dates, hash-table statistics, the directory
//! and the path of make are normalised; the `# Directories` section is compared by its header
//! only (pmake does not count GNU make's "impossibilities").

use std::path::Path;
use std::process::Command;

const GNU_MAKE: &str = "/usr/bin/make";

/// Section headers, in the order GNU make prints them.
const SECTIONS: [&str; 7] = [
    "# Variables",
    "# Pattern-specific Variable Values",
    "# Directories",
    "# Implicit Rules",
    "# Files",
    "# VPATH Search Paths",
    "# Finished Make data base",
];

/// Sections GNU make prints in a deterministic order.
const ORDERED: [&str; 3] = [
    "# Pattern-specific Variable Values",
    "# Implicit Rules",
    "# VPATH Search Paths",
];

struct Case {
    name: &'static str,
    args: &'static [&'static str],
    /// Files written before make runs: (name, contents).
    files: &'static [(&'static str, &'static str)],
}

const CASES: &[Case] = &[
    Case {
        name: "no makefile, built-in rules",
        args: &["-p", "-f", "/dev/null"],
        files: &[],
    },
    Case {
        name: "no makefile, -r -R",
        args: &["-p", "-r", "-R", "-f", "/dev/null"],
        files: &[],
    },
    Case {
        name: "variables of every flavour and origin",
        args: &["-p", "-r"],
        files: &[(
            "Makefile",
            "X = 1\nY := $(X) $$z\nZ += a\nZ += b\nW ?= w\ndefine M\nline1\nline2\nendef\n\
             define S :=\nsimple\nendef\noverride O = o\nSP := $(subst x, ,x)\n\
             private P = p\nexport E = e\nall: ; @:\n",
        )],
    },
    Case {
        name: "environment under -e",
        args: &["-p", "-r", "-e"],
        files: &[("Makefile", "PD_VAR = file\nOTHER = o\nall: ; @:\n")],
    },
    Case {
        name: "explicit rules after a build",
        args: &["-p", "-r"],
        files: &[
            (
                "Makefile",
                "all: foo.o | dir\n\t@echo all $^\nfoo.o: foo.c\n\t@echo cc $<\n\
                 foo.c:\n\ttouch $@\ndir:\n\t@mkdir -p $@\n.PHONY: all\n\
                 d:: e\n\techo d1\nd:: f\n\techo d2\n",
            ),
            ("e", ""),
        ],
    },
    Case {
        name: "grouped targets",
        args: &["-p", "-r"],
        files: &[(
            "Makefile",
            "all: a\na b c &: d\n\techo x > a\nd:\n\t@echo d\n",
        )],
    },
    Case {
        name: "pattern rules and implicit search",
        args: &["-p", "-r"],
        files: &[
            (
                "Makefile",
                "all: x.o\n%.o: %.c\n\t@echo compile $< $*\n%:: %.z\n\tcp $< $@\n\
                 %.h: ; @echo $@\n%.a: %.b | %.dir\n\t@echo $@\n",
            ),
            ("x.c", ""),
        ],
    },
    Case {
        name: "target- and pattern-specific variables",
        args: &["-p", "-r"],
        files: &[(
            "Makefile",
            "all: t u\nt: T = tv\nu: private U := $$u\n%.x: P = pv\n\
             %.y: Q += $$q\nt: ; @echo $(T)\nu:\n",
        )],
    },
    Case {
        name: "vpath and VPATH",
        args: &["-p", "-r"],
        files: &[(
            "Makefile",
            "vpath %.h inc:other\nvpath %.c src\nVPATH = lib:more\nall: ; @:\n",
        )],
    },
    Case {
        name: "phony, precious, command-line targets",
        args: &["-p", "-r", "one", "two"],
        files: &[(
            "Makefile",
            ".PHONY: one\n.PRECIOUS: two\none: ; @echo one\ntwo: three\n\t@echo two\n\
             three: ; @echo three\n",
        )],
    },
    Case {
        name: "optional include and static pattern rules",
        args: &["-p", "-r"],
        files: &[
            (
                "Makefile",
                "-include missing.mk\ninclude inc.mk\nobjs = a.o b.o\n\
                 all: $(objs)\n$(objs): %.o: %.s\n\t@echo as $<\n",
            ),
            ("inc.mk", "INC = yes\n"),
            ("a.s", ""),
            ("b.s", ""),
        ],
    },
    Case {
        name: "an up-to-date goal given twice",
        args: &["-p", "-r", "done", "done"],
        files: &[
            ("Makefile", "V = v\ndone: in\n\t@echo never\nin:\n"),
            ("in", ""),
            ("done", ""),
        ],
    },
    Case {
        name: "suffix rules from the makefile",
        args: &["-p", "-r"],
        files: &[(
            "Makefile",
            ".SUFFIXES: .in .out\n.in.out:\n\tcp $< $@\n.in:\n\tcat $<\nall: ; @:\n",
        )],
    },
];

/// Runs `make` on a case in a new directory; returns stdout with the directory, the make
/// program, dates and statistics normalised.
fn run(make: &str, case: &Case) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, text) in case.files {
        std::fs::write(dir.path().join(name), text).expect("write case file");
    }
    let out = Command::new(make)
        .args(case.args)
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", "/nonexistent")
        .env("PD_VAR", "from env")
        .env("PD_OTHER", "a  b")
        .output()
        .expect("run make");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    normalise(&text, dir.path(), make)
}

fn normalise(text: &str, dir: &Path, make: &str) -> String {
    let dir = dir.to_string_lossy();
    let mut out = String::new();
    for line in text.lines() {
        let line = line.replace(&*dir, "<dir>");
        let line = if line.starts_with("# Make data base, printed on")
            || line.starts_with("# Finished Make data base on")
        {
            line.split(" on ").next().unwrap_or_default().to_string()
        } else if line.starts_with("#  Last modified") {
            "#  Last modified <date>".to_string()
        } else if ["# Load=", "# strcache", "# current buf"]
            .iter()
            .any(|p| line.starts_with(p))
        {
            "# <stats>".to_string()
        } else if let Some(rest) = line.strip_prefix("pmake: ") {
            format!("make: {rest}")
        } else if line.starts_with("MAKE_COMMAND := ") {
            line.replace(make, "<make>")
        } else {
            line
        };
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// Splits the output into (header, text) sections; the text before the first header comes
/// first with an empty header.
fn sections(text: &str) -> Vec<(String, String)> {
    let mut out = vec![(String::new(), String::new())];
    for line in text.lines() {
        if SECTIONS.contains(&line) {
            out.push((line.to_string(), String::new()));
        } else if let Some((_, body)) = out.last_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    out
}

/// The entries of a section: blank-line separated, and in `# Variables` one per origin
/// comment.
fn entries(header: &str, body: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    for line in body.lines() {
        let starts_var =
            header == "# Variables" && line.starts_with("# ") && !line.starts_with("# <stats>");
        if line.is_empty() || starts_var {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            if line.is_empty() {
                continue;
            }
        }
        cur.push_str(line);
        cur.push('\n');
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// The differences between GNU make's data base and pmake's for one case.
fn compare(case: &Case, pmake: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let gnu = sections(&run(GNU_MAKE, case));
    let ours = sections(&run(pmake, case));
    let headers = |s: &[(String, String)]| s.iter().map(|x| x.0.clone()).collect::<Vec<_>>();
    if headers(&gnu) != headers(&ours) {
        problems.push(format!(
            "{}: sections {:?} != {:?}",
            case.name,
            headers(&gnu),
            headers(&ours)
        ));
        return problems;
    }
    for ((header, g), (_, o)) in gnu.iter().zip(&ours) {
        if header == "# Directories" {
            continue;
        }
        let mut ge = entries(header, g);
        let mut oe = entries(header, o);
        if !ORDERED.contains(&header.as_str()) && !header.is_empty() {
            ge.sort();
            oe.sort();
        }
        if ge != oe {
            let missing: String = ge.iter().filter(|e| !oe.contains(e)).cloned().collect();
            let extra: String = oe.iter().filter(|e| !ge.contains(e)).cloned().collect();
            problems.push(format!(
                "{}: section {header:?} differs\nonly GNU make:\n{missing}\nonly pmake:\n{extra}",
                case.name
            ));
        }
    }
    problems
}

#[test]
fn print_database_matches_gnu_make() {
    if !Path::new(GNU_MAKE).exists() {
        eprintln!("skipped: {GNU_MAKE} not found");
        return;
    }
    let pmake = env!("CARGO_BIN_EXE_pmake");
    let problems: Vec<String> = CASES.iter().flat_map(|c| compare(c, pmake)).collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
