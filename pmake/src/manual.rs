//! pmake's command line as a clap [`Command`], for its man page only: pmake parses its options
//! by hand ([`crate::options`]) so that it behaves, and its `--help` reads, exactly as GNU make's.
//! The options and their help are read from that `--help` text ([`USAGE`]), so the man page
//! cannot drift from it; pmake's own options, which GNU make's `--help` does not show, are added
//! here.

use clap::{Arg, ArgAction, Command};

use crate::options::USAGE;

/// What `-j` means in a cluster, beyond GNU make's one line.
const JOBS_HELP: &str = "In a cluster, jobs run on slots leased from idle hosts as well as \
here: -j alone runs as many at once as pmake holds slots, -j N at most N, this host's slot \
included. Without -j, or with -j1, recipes run here one at a time.";

/// pmake's command line as its man page shows it.
pub fn command() -> Command {
    let (first, list) = USAGE.split_once('\n').expect("USAGE has a list of options");
    let usage = first
        .strip_prefix("Usage: make")
        .expect("USAGE starts with its usage line");
    let list = list
        .strip_prefix("Options:\n")
        .expect("USAGE lists its options");
    let local =
        "Run every recipe on this host; do not ask migd for leases. Passed on to sub-makes.";
    let no_progress = "Show no progress line, even on a terminal. Passed on to sub-makes.";
    Command::new("pmake")
        .about("A GNU make that runs recipes on the idle hosts of a Roam cluster")
        .override_usage(format!("pmake{usage}"))
        .disable_help_flag(true)
        .disable_version_flag(true)
        .args(
            entries(list)
                .into_iter()
                .map(|(switches, help)| arg(switches, help)),
        )
        .mut_arg("local", |a| a.help(local))
        .mut_arg("jobs", |a| {
            let gnu = a.get_help().map(ToString::to_string).unwrap_or_default();
            a.help(format!("{gnu} {JOBS_HELP}"))
        })
        .arg(
            Arg::new("no-progress")
                .long("no-progress")
                .action(ArgAction::SetTrue)
                .help(no_progress),
        )
}

/// The entries of GNU make's option list: switches, and help (on the same line when the
/// switches leave room, else on the next).
fn entries(list: &'static str) -> Vec<(&'static str, &'static str)> {
    let mut entries = Vec::new();
    let mut lines = list.lines().map(str::trim);
    while let Some(line) = lines.next() {
        match line.split_once("  ") {
            Some((switches, help)) => entries.push((switches, help.trim_start())),
            None => entries.push((line, lines.next().unwrap_or_default())),
        }
    }
    entries
}

/// The argument for GNU make's `switches` (e.g. `-f FILE, --file=FILE, --makefile=FILE`): its
/// first short and long name and its value; clap_mangen lists no aliases, so further names are
/// added to the help.
fn arg(switches: &'static str, help: &'static str) -> Arg {
    let (mut short, mut long, mut value) = (None, None, "");
    let mut aliases = Vec::new();
    for switch in switches.split(", ") {
        match switch.strip_prefix("--") {
            Some(name) if long.is_none() => {
                let end = name.find(['=', '[']).unwrap_or(name.len());
                long = Some(&name[..end]);
                value = &name[end..];
            }
            None if short.is_none() => {
                short = Some(&switch[1..2]);
                value = switch[2..].trim_start();
            }
            _ => aliases.push(switch),
        }
    }
    let help = if aliases.is_empty() {
        help.to_owned()
    } else {
        format!("{help} Also {}.", aliases.join(", "))
    };
    let id = long.or(short).expect("every option has a name");
    let mut arg = Arg::new(id).help(help).action(ArgAction::SetTrue);
    if let Some(short) = short.and_then(|s| s.chars().next()) {
        arg = arg.short(short);
    }
    if let Some(long) = long {
        arg = arg.long(long);
    }
    if !value.is_empty() {
        arg = arg
            .action(ArgAction::Append)
            .value_name(value.trim_matches(['[', ']', '=']))
            .num_args(if value.starts_with('[') { 0..=1 } else { 1..=1 })
            .require_equals(long.is_some());
    }
    arg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_option_of_the_help_text_is_defined() {
        let cmd = command();
        cmd.clone().debug_assert();
        let longs: Vec<&str> = cmd.get_arguments().filter_map(Arg::get_long).collect();
        for long in [
            "file",
            "jobs",
            "load-average",
            "output-sync",
            "no-silent",
            "local",
        ] {
            assert!(longs.contains(&long), "--{long} missing");
        }
        let file = cmd.get_arguments().find(|a| a.get_id() == "file").unwrap();
        assert_eq!(file.get_short(), Some('f'));
        assert_eq!(file.get_value_names().unwrap()[0], "FILE");
        assert!(
            file.get_help()
                .unwrap()
                .to_string()
                .ends_with("Also --makefile=FILE.")
        );
        let jobs = cmd.get_arguments().find(|a| a.get_id() == "jobs").unwrap();
        assert_eq!(jobs.get_num_args().unwrap().min_values(), 0);
    }
}
