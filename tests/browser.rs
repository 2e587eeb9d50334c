//! The HTML report in a real browser (headless Chromium through playwright-core): the demo
//! report and a hostile-input report load with the expected sections and counts, no injected
//! script runs, the shipped script raises no CSP violation or console error, and the triage
//! filters change the visible rows.
//!
//! `tests/browser/setup.sh` installs what is missing (Debian's chromium as root, and
//! playwright-core from tests/browser/package-lock.json). Where no browser can be had, the
//! tests fail when `CI` is set (`CI=true`: the report must be checked in a browser there), and
//! elsewhere print a loud SKIPPED notice and return.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use secretlens::config::Config;
use secretlens::evaluate::evaluate;
use secretlens::render::html;
use secretlens::report::Status;
use serde_json::Value;

fn browser_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser")
}

/// Whether this is a CI run: `CI` set to anything but empty, `0` or `false` (as insta reads it).
fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.trim(), "" | "0" | "false"))
}

/// Runs the setup once per process. `true` when Chromium and playwright-core are there. When
/// they cannot be had: a test failure under CI, else `false` with a loud notice (the test
/// returns without checking anything).
fn browser_ready() -> bool {
    static READY: std::sync::OnceLock<Result<(), String>> = std::sync::OnceLock::new();
    let ready = READY.get_or_init(|| {
        match Command::new("bash")
            .arg(browser_dir().join("setup.sh"))
            .status()
        {
            Ok(s) if s.success() => Ok(()),
            Ok(s) => Err(format!(
                "tests/browser/setup.sh failed ({s}); its log is above"
            )),
            Err(e) => Err(format!("cannot run `bash tests/browser/setup.sh`: {e}")),
        }
    });
    match ready {
        Ok(()) => true,
        Err(why) if in_ci() => panic!(
            "CI is set and there is no browser to check the HTML report in: {why}.\n\
             In CI, Chromium and playwright-core must be installed: run tests/browser/setup.sh as \
             root on Debian (scripts/test.sh does; it apt-get installs chromium, nodejs and npm), \
             or point CHROMIUM at a Chromium binary. Outside CI these tests are skipped instead."
        ),
        Err(why) => {
            // Straight to the process's stderr: `eprintln!` would be captured with the output
            // of the (passing) test and never shown.
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "\n==================== BROWSER TEST SKIPPED ====================\n\
                 {why}: no Chromium and playwright-core.\n\
                 The HTML report was NOT checked in a browser (with CI=true this fails).\n\
                 =============================================================="
            );
            false
        }
    }
}

fn probe(html_text: &str, search: &str) -> Value {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("report.html");
    std::fs::write(&path, html_text).expect("write report");
    let out = Command::new("node")
        .arg(browser_dir().join("probe.mjs"))
        .arg(&path)
        .args(["--search", search])
        .output()
        .expect("run node");
    assert!(
        out.status.success(),
        "probe failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    serde_json::from_slice(&out.stdout).expect("probe prints JSON")
}

fn n(v: &Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not a count: {v}"))
}

/// Nothing ran that we did not ship, and what we shipped ran cleanly under the CSP.
fn assert_clean(p: &Value) {
    assert_eq!(p["pwned"], false, "an injected script ran");
    assert_eq!(p["pwned_after"], false, "an injected script ran");
    assert_eq!(p["dialogs"], serde_json::json!([]), "a dialog opened");
    assert_eq!(p["console_errors"], serde_json::json!([]), "console errors");
    assert_eq!(p["page_errors"], serde_json::json!([]), "page errors");
    assert_eq!(p["csp"], serde_json::json!([]), "CSP violations");
    assert_eq!(p["csp_after"], serde_json::json!([]), "CSP violations");
    assert_eq!(
        p["requests"],
        serde_json::json!([]),
        "the page loaded something"
    );
    assert_eq!(n(&p["scripts"]), 1, "only the shipped script");
    assert_eq!(n(&p["injected_elements"]), 0, "injected elements");
    assert_eq!(
        p["triage_visible"], true,
        "the shipped script ran (CSP hash matches)"
    );
    assert_eq!(
        n(&p["details_open"]),
        0,
        "the script folds long prose on screen"
    );
}

#[test]
fn demo_report_in_chromium() {
    if !browser_ready() {
        return;
    }
    let inv = secretlens::demo::inventory();
    let now = inv.as_of.expect("demo as_of");
    let report = evaluate(&inv, &secretlens::demo::config(), now);
    // One secret's name: the search keeps its card.
    let name = &report.secrets[report.secrets.len() / 2].name;
    let p = probe(&html::render(&report), name);
    assert_clean(&p);

    let sections: Vec<&str> = p["sections"]
        .as_array()
        .expect("sections")
        .iter()
        .map(|s| s.as_str().expect("id"))
        .collect();
    for id in [
        "summary",
        "checks",
        "compliance",
        "secrets",
        "other",
        "configuration",
    ] {
        assert!(sections.contains(&id), "section {id} missing: {sections:?}");
    }
    let kpis = &p["kpis"];
    assert_eq!(n(&kpis["secrets"]), report.summary.secrets as u64);
    assert_eq!(n(&kpis["findings"]), report.summary.findings as u64);
    assert_eq!(n(&p["initial"]["cards"]), report.secrets.len() as u64);
    assert!(n(&p["charts"]) >= 6, "posture and five bar charts");

    let total = n(&p["initial"]["rows"]);
    assert_eq!(
        n(&p["initial"]["visible_rows"]),
        total,
        "everything visible at first"
    );
    let fail = n(&p["fail_only"]["visible_rows"]);
    assert!(fail > 0 && fail < total, "status filter: {fail} of {total}");
    let critical = n(&p["by_severity"]["critical"]["visible_rows"]);
    assert!(
        critical > 0 && critical < total,
        "severity filter: {critical} of {total}"
    );
    let search = &p["search"];
    assert!(
        n(&search["visible_rows"]) < total,
        "text search narrows the rows"
    );
    let cards = n(&search["visible_cards"]);
    assert!(
        cards >= 1 && cards < n(&search["cards"]),
        "text search for {name:?} keeps {cards} secrets"
    );
    assert_ne!(
        p["sorted_by_name"]["first_card"], p["initial"]["first_card"],
        "sorting by name reorders the secrets"
    );
    assert_eq!(n(&p["after_reset"]["visible_rows"]), total);
    assert_eq!(p["after_reset"]["first_card"], p["initial"]["first_card"]);

    // Evidence an auditor reads: no raw JSON on the cards outside the "raw evidence"
    // disclosures, which hold it.
    let ev = &p["evidence"];
    assert_eq!(
        ev["raw_json_outside"],
        serde_json::json!([]),
        "raw JSON outside the disclosures"
    );
    assert!(n(&ev["evidence_lists"]) > 100, "{ev}");
    assert_eq!(n(&ev["raw_disclosures"]), n(&ev["evidence_lists"]), "{ev}");
    assert_eq!(
        n(&ev["raw_disclosures_with_json"]),
        n(&ev["raw_disclosures"]),
        "{ev}"
    );
    assert_eq!(n(&ev["rfc3339_outside"]), 0, "dates read as dates: {ev}");
    assert!(
        n(&ev["tables_with_dates"]) > 0,
        "an evidence table with a date: {ev}"
    );
    assert!(
        n(&ev["reader_tables"]) > 0,
        "readers as principal, kind, access, statements: {ev}"
    );
    // Each failing finding on a card shows its check's remediation command.
    let secrets: std::collections::HashSet<&str> =
        report.secrets.iter().map(|s| s.arn.as_str()).collect();
    let with_cli: std::collections::HashSet<&str> = report
        .checks
        .iter()
        .filter(|c| !c.remediation_cli.trim().is_empty())
        .map(|c| c.id.as_str())
        .collect();
    let failing: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.status == Status::Fail && secrets.contains(&*f.resource.arn))
        .collect();
    assert_eq!(n(&ev["failing_rows"]), failing.len() as u64, "{ev}");
    let fixable = failing
        .iter()
        .filter(|f| with_cli.contains(&*f.check_id))
        .count();
    assert!(fixable > 0);
    assert_eq!(n(&ev["failing_with_fix"]), fixable as u64, "{ev}");
    // Passing findings: one disclosure per card that has them, which opens on a click.
    let with_passing = report
        .secrets
        .iter()
        .filter(|s| {
            s.counts.get(&Status::Pass).is_some_and(|n| *n > 0)
                || s.counts.get(&Status::NotApplicable).is_some_and(|n| *n > 0)
        })
        .count();
    assert!(with_passing > 0);
    assert_eq!(n(&ev["passing_disclosures"]), with_passing as u64, "{ev}");
    assert_eq!(n(&ev["passing_outside"]), 0, "{ev}");
    let summary = ev["passing_summaries"][0].as_str().expect("summary");
    assert!(
        summary.contains(" passed") || summary.contains(" not applicable"),
        "{summary}"
    );
    assert_eq!(ev["passing_row_visible_before"], false, "{ev}");
    assert_eq!(ev["passing_open_after_click"], true, "{ev}");
    assert_eq!(ev["passing_row_visible_after"], true, "{ev}");
}

const PAYLOADS: &[&str] = &[
    "<script>window.__pwned=1</script>",
    "\"><img src=x onerror=\"window.__pwned=1;alert(1)\">",
    "javascript:window.__pwned=1",
    "</script><script>window.__pwned=1</script>",
    "' onmouseover='window.__pwned=1' \"",
    "\u{202e}txt.exe\u{2066}",
];

#[test]
fn hostile_report_in_chromium_runs_no_injected_script() {
    if !browser_ready() {
        return;
    }
    let mut inv = common::one_account_inventory(Vec::new());
    for (i, p) in PAYLOADS.iter().enumerate() {
        let mut s = common::fixture_secret(&format!("prod/x{i}/{p}"), None);
        s.description = Some(format!("description {p}"));
        s.kms_key_id = Some(format!("alias/{p}"));
        s.tags.insert(format!("key{p}"), format!("value{p}"));
        s.resource_policy = Some(format!(
            "{{\"Version\":\"2012-10-17\",\"Statement\":[{{\"Sid\":{},\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"secretsmanager:GetSecretValue\",\"Resource\":\"*\"}}]}}",
            serde_json::to_string(p).expect("json string")
        ));
        inv.secrets.push(s);
    }
    let report = evaluate(&inv, &Config::default(), common::fixture_now());
    let p = probe(&html::render(&report), "x1/");
    assert_clean(&p);
    assert_eq!(n(&p["initial"]["cards"]), PAYLOADS.len() as u64);
    assert_eq!(
        n(&p["search"]["visible_cards"]),
        1,
        "the search finds the hostile name"
    );
    assert!(
        p["title"]
            .as_str()
            .expect("title")
            .starts_with("secretlens report"),
        "{}",
        p["title"]
    );
    let total = n(&p["initial"]["rows"]);
    assert!(
        n(&p["fail_only"]["visible_rows"]) < total,
        "filtering works here too"
    );
    let ev = &p["evidence"];
    assert_eq!(ev["raw_json_outside"], serde_json::json!([]), "{ev}");
    assert!(n(&ev["evidence_lists"]) > 0, "{ev}");
}

/// A compact report (above the 500-secret threshold): whole cards are filtered by their
/// tokens, rows inside by the stylesheet, the search finds one secret, and nothing breaks.
#[test]
fn compact_report_in_chromium() {
    if !browser_ready() {
        return;
    }
    let mut inv = common::one_account_inventory(Vec::new());
    const N: usize = html::PASSING_SUMMARY_THRESHOLD + 100;
    for i in 0..N {
        let mut s = common::fixture_secret(&format!("prod/svc-{}/secret-{i}", i % 50), None);
        s.rotation_enabled = Some(i % 3 != 0);
        s.tags.insert("Team".to_string(), format!("t{}", i % 7));
        inv.secrets.push(s);
    }
    let report = evaluate(&inv, &Config::default(), common::fixture_now());
    let page = html::render(&report);
    assert!(!page.contains("id=\"secret-index\""), "compact");
    let p = probe(&page, "secret-123");
    assert_clean(&p);
    assert_eq!(n(&p["initial"]["cards"]), N as u64);
    assert_eq!(n(&p["initial"]["visible_cards"]), N as u64);
    let total = n(&p["initial"]["rows"]);
    assert_eq!(n(&p["initial"]["visible_rows"]), total);
    let fail = &p["fail_only"];
    assert!(
        n(&fail["visible_rows"]) > 0 && n(&fail["visible_rows"]) < total,
        "status filter hides rows: {fail}"
    );
    // Every secret here has a high finding (an error), none a critical one: the severity
    // filter hides rows in shown cards, and whole cards.
    let high = &p["by_severity"]["high"];
    assert_eq!(n(&high["visible_cards"]), N as u64, "{high}");
    assert!(n(&high["visible_rows"]) < total, "{high}");
    let critical = &p["by_severity"]["critical"];
    assert_eq!(
        n(&critical["visible_cards"]),
        0,
        "severity filter hides whole cards: {critical}"
    );
    assert_eq!(n(&critical["visible_rows"]), 0, "{critical}");
    let search = &p["search"];
    assert_eq!(
        n(&search["visible_cards"]),
        1,
        "the search finds one secret: {search}"
    );
    let first = report
        .secrets
        .iter()
        .min_by_key(|s| &s.name)
        .expect("secrets");
    assert_eq!(
        p["sorted_by_name"]["first_card"],
        html::secret_anchor(&first.arn).as_str()
    );
    assert_eq!(n(&p["after_reset"]["visible_rows"]), total);
    assert_eq!(p["after_reset"]["first_card"], p["initial"]["first_card"]);
}
