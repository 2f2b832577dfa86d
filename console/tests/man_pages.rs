//! The man pages in `man/` are the clap definitions (NAME, SYNOPSIS, OPTIONS, COMMANDS) plus the
//! written sections in `man/sections/`. This test fails when a committed page has drifted from
//! either; `ROAM_BLESS=1 cargo test -p roam-console --test man_pages` rewrites them.

use std::path::{Path, PathBuf};

use clap::CommandFactory;

/// The date the pages carry: that of the last change to their text.
const DATE: &str = "2026-11-23";

fn man_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../man")
}

/// The page for `cmd` in manual section `section`.
fn render(cmd: clap::Command, section: &str) -> String {
    let name = cmd.get_name().to_owned();
    let man = clap_mangen::Man::new(cmd)
        .section(section)
        .source(format!("Roam {}", roam_shared::VERSION))
        .date(DATE)
        .manual(if section == "8" {
            "System Administration"
        } else {
            "User Commands"
        });
    let mut page = Vec::new();
    man.render_title(&mut page).unwrap();
    man.render_name_section(&mut page).unwrap();
    man.render_synopsis_section(&mut page).unwrap();
    man.render_options_section(&mut page).unwrap();
    if man_has_subcommands(&name) {
        man.render_subcommands_section(&mut page).unwrap();
    }
    let written = man_dir().join("sections").join(format!("{name}.{section}"));
    let written =
        std::fs::read_to_string(&written).unwrap_or_else(|e| panic!("{}: {e}", written.display()));
    String::from_utf8(page).unwrap() + &written
}

fn man_has_subcommands(name: &str) -> bool {
    matches!(name, "migd" | "roam" | "loadavgd")
}

#[test]
fn man_pages_match_the_command_line_definitions() {
    let pages = [
        (render(mig::cli::Cli::command(), "1"), "mig.1"),
        (render(migd::cli::Cli::command(), "8"), "migd.8"),
        (render(loadavgd::cli::Cli::command(), "8"), "loadavgd.8"),
        (render(migserver::cli::Cli::command(), "8"), "migserver.8"),
        (render(roam_console::cli::Cli::command(), "1"), "roam.1"),
        (render(pmake::manual::command(), "1"), "pmake.1"),
    ];
    let bless = std::env::var_os("ROAM_BLESS").is_some();
    let mut stale = Vec::new();
    for (page, file) in pages {
        let path = man_dir().join(file);
        if bless {
            std::fs::write(&path, &page).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(page.as_str()) {
            stale.push(file);
        }
    }
    assert!(
        stale.is_empty(),
        "man pages out of date: {stale:?}; run ROAM_BLESS=1 cargo test -p roam-console --test man_pages"
    );
}
