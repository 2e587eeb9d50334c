//! The terminal summary printed after an audit: what was covered, what failed, where the
//! reports were written, and the verdict the exit code follows. Plain text and deterministic.
//!
//! Strings from AWS can carry terminal escape sequences or bidi overrides; they go through
//! [`clean`] (the shared [`crate::sanitize`]) before they are printed.

use std::fmt::Write as _;
use std::path::PathBuf;

use crate::report::Report;
use crate::report::scan::KeyStatus;
use crate::sanitize::clean;
use crate::vocab::{Severity, Status, WAIVER_CHECK};

/// How many checks the summary lists before pointing at the full report.
const MAX_CHECKS: usize = 10;
/// How many coverage gaps the summary lists.
const MAX_GAPS: usize = 10;
/// How many suppressed findings the summary lists.
const MAX_SUPPRESSED: usize = 5;

/// `1 secret`, `2 secrets`.
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// Renders the summary. `written` are the files written; `fail_on` the `--fail-on`
/// threshold the exit code uses.
pub fn render(report: &Report, written: &[PathBuf], fail_on: Severity) -> String {
    let mut out = String::new();
    let s = &report.summary;
    let status = |st: Status| s.by_status.get(&st).copied().unwrap_or(0);

    let regions = if report.regions.is_empty() {
        "no regions".to_string()
    } else {
        let list: Vec<String> = report.regions.iter().map(|r| clean(r)).collect();
        format!(
            "{} {}",
            if list.len() == 1 { "region" } else { "regions" },
            list.join(", ")
        )
    };
    let _ = writeln!(
        out,
        "{} {} — {}, {}, {}, as of {}",
        clean(&report.tool.name),
        clean(&report.tool.version),
        clean(&report.source),
        plural(report.accounts.len(), "account"),
        regions,
        report.as_of.format("%Y-%m-%d %H:%M UTC"),
    );

    let mut line = format!(
        "{} · {}: {} fail, {} error, {} pass, {} not applicable",
        plural(s.secrets, "secret"),
        plural(s.findings, "finding"),
        status(Status::Fail),
        status(Status::Error),
        status(Status::Pass),
        status(Status::NotApplicable),
    );
    if status(Status::Suppressed) > 0 {
        let _ = write!(line, ", {} suppressed", status(Status::Suppressed));
    }
    let _ = writeln!(out, "{line}");
    if let Some(c) = &report.comparison {
        let _ = writeln!(
            out,
            "Since baseline {} (as of {}): {} new, {} still failing, {} resolved",
            clean(&c.baseline),
            c.baseline_as_of.format("%Y-%m-%d %H:%M UTC"),
            c.new,
            c.still_failing,
            c.resolved
        );
    }

    let by_sev: Vec<String> = Severity::ALL
        .into_iter()
        .filter_map(|sev| {
            let n = s.failing_by_severity.get(&sev).copied().unwrap_or(0);
            (n > 0).then(|| format!("{n} {sev}"))
        })
        .collect();
    if by_sev.is_empty() {
        let _ = writeln!(out, "Failing by severity: none");
    } else {
        let _ = writeln!(
            out,
            "Failing by severity: {} ({} of {} failing at high or above)",
            by_sev.join(", "),
            s.secrets_failing_high,
            plural(s.secrets, "secret"),
        );
    }

    if let Some(scan) = &report.scan {
        let by: Vec<String> = Severity::ALL
            .into_iter()
            .filter_map(|sev| scan.by_severity.get(&sev).map(|n| format!("{n} {sev}")))
            .collect();
        let live = scan
            .findings
            .iter()
            .filter(|f| f.key_status == Some(KeyStatus::ActiveInThisAccount))
            .count();
        let _ = writeln!(
            out,
            "Hardcoded credentials in {}: {}{}{}",
            clean(&scan.target),
            plural(scan.findings.len(), "finding"),
            if by.is_empty() {
                String::new()
            } else {
                format!(" ({})", by.join(", "))
            },
            if live > 0 {
                format!(", {} active in this account", plural(live, "AWS key"))
            } else {
                String::new()
            },
        );
    }

    // Checks with failing or error findings: failing first, then by severity and count.
    let mut checks: Vec<(&crate::report::CheckSummary, usize, usize)> = report
        .checks
        .iter()
        .map(|c| {
            let n = |st| c.counts.get(&st).copied().unwrap_or(0);
            (c, n(Status::Fail), n(Status::Error))
        })
        .filter(|(_, fail, error)| fail + error > 0)
        .collect();
    checks.sort_by(|a, b| {
        (
            std::cmp::Reverse(a.1 > 0),
            std::cmp::Reverse(a.0.severity),
            std::cmp::Reverse(a.1),
            std::cmp::Reverse(a.2),
            &a.0.id,
        )
            .cmp(&(
                std::cmp::Reverse(b.1 > 0),
                std::cmp::Reverse(b.0.severity),
                std::cmp::Reverse(b.1),
                std::cmp::Reverse(b.2),
                &b.0.id,
            ))
    });
    out.push('\n');
    if checks.is_empty() {
        let _ = writeln!(out, "No check failed or errored.");
    } else {
        let name_width = checks
            .iter()
            .take(MAX_CHECKS)
            .map(|(c, _, _)| clean(&c.name).chars().count())
            .max()
            .unwrap_or(4)
            .max(4);
        let _ = writeln!(
            out,
            "  {:<6} {:<name_width$}  {:<8} {:>5} {:>6}",
            "CHECK", "NAME", "SEVERITY", "FAIL", "ERROR"
        );
        for (c, fail, error) in checks.iter().take(MAX_CHECKS) {
            let _ = writeln!(
                out,
                "  {:<6} {:<name_width$}  {:<8} {:>5} {:>6}",
                clean(&c.id),
                clean(&c.name),
                c.severity.as_str(),
                fail,
                error
            );
        }
        if checks.len() > MAX_CHECKS {
            let _ = writeln!(
                out,
                "  … and {} (see report.html or report.json)",
                plural(checks.len() - MAX_CHECKS, "more check")
            );
        }
    }

    render_waivers(&mut out, report);
    render_call_stats(&mut out, report);

    if !report.coverage_complete {
        out.push('\n');
        let _ = writeln!(
            out,
            "WARNING: coverage incomplete: {} failed; the resources they cover are reported as error, not pass.",
            plural(report.gaps.len(), "call")
        );
        for g in report.gaps.iter().take(MAX_GAPS) {
            let resource = if g.resource.is_empty() {
                "(region-wide)".to_string()
            } else {
                clean(&g.resource)
            };
            let _ = writeln!(
                out,
                "  {} {} {} on {}: {} [{}]",
                clean(&g.account),
                clean(&g.region),
                clean(g.operation.as_str()),
                resource,
                clean(&g.cause),
                clean(&g.error_code),
            );
        }
        if report.gaps.len() > MAX_GAPS {
            let _ = writeln!(
                out,
                "  … and {} (see report.json)",
                plural(report.gaps.len() - MAX_GAPS, "more gap")
            );
        }
    }

    if !written.is_empty() {
        out.push('\n');
        for p in written {
            let _ = writeln!(out, "wrote {}", clean(&p.display().to_string()));
        }
    }

    out.push('\n');
    let failing = report.failing_at_or_above(fail_on);
    let mut verdict = if failing > 0 {
        format!(
            "FAIL: {} at or above {fail_on}",
            plural(failing, "failing finding")
        )
    } else {
        format!("OK: no failing finding at or above {fail_on}")
    };
    if !report.coverage_complete {
        let _ = write!(
            verdict,
            "; coverage incomplete ({})",
            plural(report.gaps.len(), "gap")
        );
    }
    let _ = writeln!(out, "{verdict}");
    out
}

/// One line when AWS pushed back (throttling, 5xx, timeouts): how much, and whether the
/// retries absorbed it. Silent on a clean run.
fn render_call_stats(out: &mut String, report: &Report) {
    let sum =
        |f: fn(&crate::report::CallStats) -> u64| report.call_stats.iter().map(f).sum::<u64>();
    let (calls, throttled, server, transport, failed) = (
        sum(|c| c.calls),
        sum(|c| c.throttled),
        sum(|c| c.server_errors),
        sum(|c| c.transport_errors),
        sum(|c| c.failed_after_retries),
    );
    if throttled + server + transport == 0 {
        return;
    }
    let mut what = Vec::new();
    if throttled > 0 {
        what.push(format!(
            "{} throttled",
            plural(throttled as usize, "attempt")
        ));
    }
    if server > 0 {
        what.push(format!(
            "{} with a server error",
            plural(server as usize, "attempt")
        ));
    }
    if transport > 0 {
        what.push(format!(
            "{} timed out or lost",
            plural(transport as usize, "attempt")
        ));
    }
    let outcome = if failed == 0 {
        "all retried successfully".to_string()
    } else {
        format!(
            "{} still failed after retries (gaps below)",
            plural(failed as usize, "call")
        )
    };
    out.push('\n');
    let _ = writeln!(
        out,
        "AWS calls: {}; {}: {outcome}.",
        plural(calls as usize, "call"),
        what.join(", ")
    );
}

/// Suppressed findings with their waiver (reason, owner, expiry), and a note when SL902
/// reports expired or unused waivers.
fn render_waivers(out: &mut String, report: &Report) {
    let suppressed: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.status == Status::Suppressed)
        .collect();
    let stale = report
        .findings
        .iter()
        .filter(|f| f.check_id == WAIVER_CHECK && f.status == Status::Fail)
        .count();
    if suppressed.is_empty() && stale == 0 {
        return;
    }
    out.push('\n');
    if !suppressed.is_empty() {
        let _ = writeln!(
            out,
            "Suppressed by waivers: {} (not counted as failing)",
            plural(suppressed.len(), "finding")
        );
        for f in suppressed.iter().take(MAX_SUPPRESSED) {
            let name = if f.resource.name.is_empty() {
                &f.resource.arn
            } else {
                &f.resource.name
            };
            match &f.waiver {
                Some(w) => {
                    let _ = writeln!(
                        out,
                        "  {} {} — waiver[{}] until {}, owner {}: {}",
                        clean(&f.check_id),
                        clean(name),
                        w.index,
                        w.expires,
                        clean(&w.owner),
                        clean(&w.reason)
                    );
                }
                None => {
                    let _ = writeln!(out, "  {} {}", clean(&f.check_id), clean(name));
                }
            }
        }
        if suppressed.len() > MAX_SUPPRESSED {
            let _ = writeln!(
                out,
                "  … and {} more (see report.html or report.json)",
                suppressed.len() - MAX_SUPPRESSED
            );
        }
    }
    if stale > 0 {
        let _ = writeln!(
            out,
            "{} {} expired or {} nothing: see {} in the report.",
            plural(stale, "waiver"),
            if stale == 1 { "has" } else { "have" },
            if stale == 1 { "suppresses" } else { "suppress" },
            WAIVER_CHECK
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plural_counts() {
        assert_eq!(plural(1, "secret"), "1 secret");
        assert_eq!(plural(0, "secret"), "0 secrets");
        assert_eq!(plural(3, "failing finding"), "3 failing findings");
    }
}
