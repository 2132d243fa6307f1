//! `zoneadm -z zone verify`: print what libzone's verification found, where zoneadm prints
//! it, then the summary line on failure.

use crate::{Ctx, EXIT_ERR, EXIT_OK};
use libzone::admin::verify::{self, Line, VerifyReport};

pub fn run(ctx: &Ctx, zone: &str) -> i32 {
    let report = match verify::verify(&ctx.store, zone) {
        Ok(r) => r,
        Err(e) => return ctx.fail(e),
    };
    print_report(ctx, &report);
    if report.ok {
        EXIT_OK
    } else {
        EXIT_ERR
    }
}

/// The verification `install`, `ready` and `boot` run first, as Solaris' zoneadm does: on
/// failure its findings are printed and the command stops. Commands that do not fit the
/// zone's state are left to the state check (its message is the one to see).
pub fn precheck(ctx: &Ctx, zone: &str, op: libzone::state::Op) -> bool {
    let fits = libzone::admin::status::status(&ctx.store, zone)
        .map(|st| libzone::state::check(op, st.state, false).is_ok())
        .unwrap_or(false);
    if !fits {
        return true;
    }
    let Ok(report) = verify::verify(&ctx.store, zone) else {
        return true;
    };
    if report.ok {
        // What the zone will run without is said here too, not only by `verify`.
        print_lines(ctx, &report.ignored);
        return true;
    }
    print_report(ctx, &report);
    // A boot that verification stops is a failed boot: its log says why too.
    if op != libzone::state::Op::Install {
        let mut why: Vec<String> = report
            .lines
            .iter()
            .map(|l| match l {
                Line::Stderr(t) | Line::Stdout(t) | Line::Zone(t) | Line::Program(t) => t.clone(),
            })
            .collect();
        why.extend(report.summary());
        libzone::admin::lifecycle::log_failure(&ctx.store, zone, op.as_str(), &why.join("; "));
    }
    false
}

/// What verification found, each line where zoneadm prints it, then the summary line on
/// failure.
fn print_report(ctx: &Ctx, report: &VerifyReport) {
    print_lines(ctx, &report.lines);
    if let Some(summary) = report.summary() {
        eprintln!("zoneadm: {summary}");
    }
}

fn print_lines(ctx: &Ctx, lines: &[Line]) {
    for line in lines {
        match line {
            Line::Stderr(t) => eprintln!("{t}"),
            Line::Stdout(t) => println!("{t}"),
            Line::Zone(t) => ctx.zerror(t),
            Line::Program(t) => eprintln!("zoneadm: {t}"),
        }
    }
}
