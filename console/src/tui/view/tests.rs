//! The screens as a user sees them, at 80×24 and 160×48: what text shows where it matters.

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::draw;
use crate::tui::state::{AdminCall, App, Link, Overlay, Tab, Target, Update};
use crate::tui::testdata::{self, NOW};

const SIZES: [(u16, u16); 2] = [(80, 24), (160, 48)];

/// The screen's text, one line per row.
fn screen(app: &mut App, width: u16, height: u16) -> Vec<String> {
    app.set_body_rows(super::body_rows(height));
    app.prepare(NOW);
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|frame| draw(frame, app, NOW)).unwrap();
    let buffer = terminal.backend().buffer();
    (0..height)
        .map(|y| (0..width).map(|x| buffer[(x, y)].symbol()).collect())
        .collect()
}

fn row<'a>(lines: &'a [String], starting: &str) -> &'a str {
    lines
        .iter()
        .find(|l| l.trim_start().starts_with(starting))
        .unwrap_or_else(|| panic!("no row starting {starting:?} in\n{}", lines.join("\n")))
}

fn shows(lines: &[String], text: &str) -> bool {
    lines.iter().any(|l| l.contains(text))
}

#[test]
fn hosts_view_shows_states_totals_and_columns() {
    for (w, h) in SIZES {
        let mut app = testdata::cluster();
        let lines = screen(&mut app, w, h);
        assert!(
            lines[0].contains("roam") && lines[0].contains("1 Hosts"),
            "{}",
            lines[0]
        );
        let totals = lines[1].replace(',', "");
        assert!(
            totals.contains("1 idle 1 in use 1 down 1 drained"),
            "{totals}"
        );
        assert!(totals.contains("slots 4 free 2 used"), "{totals}");
        assert!(totals.contains("requesters 1"), "{totals}");
        assert!(lines[2].contains("● live"), "{}", lines[2]);
        assert!(lines[3].contains("HOST") && lines[3].contains("LOAD HISTORY"));
        let b = row(&lines, "b ");
        for text in ["in use", "1.50", "2 / 3.0", "2m", "4", "2/4", "4.0G/16G"] {
            assert!(b.contains(text), "{text:?} not in {b:?}");
        }
        assert!(b.contains('▄'), "no load history in {b:?}");
        assert!(row(&lines, "a ").contains("idle"));
        assert!(row(&lines, "c ").contains("down"));
        assert!(row(&lines, "d ").contains("drained"));
        assert!(lines[h as usize - 1].contains("help"));
    }
}

#[test]
fn processes_view_shows_where_each_job_has_been() {
    for (w, h) in SIZES {
        let mut app = testdata::cluster();
        app.tab = Tab::Processes;
        let lines = screen(&mut app, w, h);
        assert!(lines[3].contains("USER") && lines[3].contains("BEEN ON"));
        let j1 = row(&lines, "root ");
        for text in [
            "a ", "b ", "0:14", "300M", "10m", "c→b", "not yet", "make -C",
        ] {
            assert!(j1.contains(text), "{text:?} not in {j1:?}");
        }
        assert!(shows(&lines, "sim --steps 9"));
        assert!(lines[2].contains("sort cpu time"), "{}", lines[2]);
    }
}

#[test]
fn events_view_is_newest_first_with_timings() {
    for (w, h) in SIZES {
        let mut app = testdata::cluster();
        app.tab = Tab::Events;
        let lines = screen(&mut app, w, h);
        assert!(lines[4].contains("host_down"), "{}", lines[4]);
        assert!(lines[10].contains("lease_granted"), "{}", lines[10]);
        let evicted = row(&lines, "56s");
        assert!(evicted.contains("process_evicted") && evicted.contains("latency 8ms"));
        assert!(evicted.contains("root@a"), "{evicted}");
    }
}

#[test]
fn a_filter_narrows_the_events_and_says_so() {
    for (w, h) in SIZES {
        let mut app = testdata::cluster();
        app.tab = Tab::Events;
        app.editing_filter = true;
        app.set_filter("started".into());
        let lines = screen(&mut app, w, h);
        assert!(lines[2].contains("filter \"started\""), "{}", lines[2]);
        assert_eq!(
            lines
                .iter()
                .filter(|l| l.contains("process_started"))
                .count(),
            3
        );
        assert!(!shows(&lines, "host_down"));
        assert!(lines[h as usize - 1].contains("filter: started"));
        app.set_filter("nothing like this".into());
        let lines = screen(&mut app, w, h);
        assert!(shows(&lines, "nothing matches the filter"));
    }
}

#[test]
fn details_of_a_host_a_process_and_an_event() {
    for (w, h) in SIZES {
        let mut app = testdata::cluster();
        app.overlay = Some(Overlay::Details(Target::Host("b".into())));
        let lines = screen(&mut app, w, h);
        assert!(shows(&lines, "Host b"));
        assert!(shows(&lines, "in use"));
        assert!(shows(&lines, "2 processes using 3.0 CPUs"));
        assert!(shows(&lines, "j1 pid 4242 from a: make -C kernel"));

        app.tab = Tab::Processes;
        app.overlay = Some(Overlay::Details(Target::Process("j1".into())));
        let lines = screen(&mut app, w, h);
        assert!(shows(&lines, "Job j1"));
        assert!(shows(&lines, "c→b"));
        assert!(
            shows(&lines, "migration not available yet")
                || shows(&lines, "live migration is not available yet")
        );

        app.tab = Tab::Events;
        app.overlay = Some(Overlay::Details(Target::Event(4)));
        let lines = screen(&mut app, w, h);
        assert!(shows(&lines, "Event 4"));
        assert!(shows(&lines, "process_evicted"));
        assert!(shows(&lines, "latency 8ms"));
        assert!(shows(&lines, "pmake-1"));
    }
}

#[test]
fn help_lists_the_keys() {
    for (w, h) in SIZES {
        let mut app = testdata::cluster();
        app.overlay = Some(Overlay::Help);
        let lines = screen(&mut app, w, h);
        for key in [
            "filter the view",
            "evict every foreign",
            "drain the host",
            "not available yet",
            "quit",
        ] {
            assert!(
                shows(&lines, key),
                "help lacks {key:?}:\n{}",
                lines.join("\n")
            );
        }
        assert!(!shows(&lines, "owner returns"));
        app.demo = true;
        let lines = screen(&mut app, w, h);
        assert!(
            shows(&lines, "demo: the host's owner returns"),
            "{}",
            lines.join("\n")
        );
        assert!(shows(&lines, "an admin stopped new leases"));
    }
}

#[test]
fn questions_and_notices() {
    for (w, h) in SIZES {
        let mut app = testdata::cluster();
        app.overlay = Some(Overlay::Confirm(AdminCall {
            action: crate::admin::Action::Evict,
            host: "b".into(),
            foreign: 2,
        }));
        let lines = screen(&mut app, w, h);
        assert!(shows(&lines, "Evict the 2 foreign processes on b"));
        assert!(shows(&lines, "y: yes    n: no"));
        app.overlay = Some(Overlay::Notice(
            "live migration is not available yet".into(),
        ));
        let lines = screen(&mut app, w, h);
        assert!(shows(&lines, "live migration is not available yet"));
    }
}

#[test]
fn an_empty_cluster_says_so() {
    for (w, h) in SIZES {
        let mut app = App::new("127.0.0.10:7000".into());
        app.apply(Update::Connected, NOW);
        app.apply(Update::Hosts(Vec::new()), NOW);
        let lines = screen(&mut app, w, h);
        assert!(lines[1].contains("0 idle"), "{}", lines[1]);
        assert!(shows(&lines, "no host has reported to migserver yet"));
        app.tab = Tab::Processes;
        assert!(shows(
            &screen(&mut app, w, h),
            "no foreign process is running"
        ));
        app.tab = Tab::Events;
        assert!(shows(&screen(&mut app, w, h), "no events yet"));
    }
}

#[test]
fn an_unreachable_server_shows_a_banner_over_the_last_data() {
    for (w, h) in SIZES {
        let mut app = testdata::cluster();
        app.apply(
            Update::Unreachable {
                reason: "cannot reach migserver at 127.0.0.10:7000".into(),
                retry_at_ms: NOW + 4000,
            },
            NOW,
        );
        assert!(matches!(app.link, Link::Down { .. }));
        let lines = screen(&mut app, w, h);
        assert!(
            lines[2].contains("migserver unreachable — retrying in 4s"),
            "{}",
            lines[2]
        );
        assert!(row(&lines, "b ").contains("in use"));

        let mut empty = App::new("127.0.0.10:7000".into());
        empty.apply(
            Update::Unreachable {
                reason: "refused".into(),
                retry_at_ms: NOW + 500,
            },
            NOW,
        );
        let lines = screen(&mut empty, w, h);
        assert!(lines[2].contains("retrying in 1s: refused"), "{}", lines[2]);
        assert!(shows(&lines, "no data: migserver unreachable"));
    }
}

#[test]
fn a_long_table_scrolls_with_the_selection() {
    let mut app = testdata::cluster();
    let hosts: Vec<_> = (0..100)
        .map(|i| roam_shared::proto::HostInfo {
            name: format!("h{i:03}"),
            ..roam_shared::proto::HostInfo::default()
        })
        .collect();
    app.apply(Update::Hosts(hosts), NOW);
    app.set_body_rows(super::body_rows(24));
    app.prepare(NOW);
    app.hosts.listing.last();
    let lines = screen(&mut app, 80, 24);
    assert!(lines[22].starts_with("h099"), "{}", lines[22]);
    assert!(lines[4].starts_with("h081"), "{}", lines[4]);
    assert!(lines[2].contains("100/100 of 100"), "{}", lines[2]);
}
