//! Per-check fixtures (see `tests/checks/README.md`).
//!
//! `tests/checks/SLnnn/` holds small inventories for check SLnnn. A fixture's file name says
//! what it expects: `pass-…`, `fail-…`, `error-…`, `na-…` (not applicable) or `suppressed-…`.
//! A `<fixture>.toml` next to it is the `secretlens.toml` it is evaluated with (else the
//! defaults). Each fixture is loaded like `--inventory` (`Inventory::from_json`), evaluated
//! through the library at [`NOW`], and:
//!
//! - every finding of the directory's check must have the status the name promises (fixtures
//!   are minimal: what they contain is what they are about), and there must be one;
//! - those findings (resource name and ARN, status, message, evidence) must match the insta
//!   snapshot `SLnnn-<fixture>.snap` next to the fixture.
//!
//! The suite also fails when a registered check has no directory, or no fixture for a status
//! its code can produce (the `statuses` of its checks/SLnnn-*.md front matter), or when a
//! snapshot has no fixture.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use secretlens::config::Config;
use secretlens::inventory::Inventory;
use serde_json::{Value, json};

/// The instant every fixture is evaluated at (the check unit tests' "now"). Fixtures write
/// their dates relative to it: `2026-03-03T00:00:00Z` is 90 days earlier.
const NOW: &str = "2026-06-01T00:00:00Z";

fn now() -> DateTime<Utc> {
    NOW.parse().expect("NOW is RFC 3339")
}

/// The file-name prefixes and the report status each promises.
const PREFIXES: &[(&str, &str)] = &[
    ("pass", "pass"),
    ("fail", "fail"),
    ("error", "error"),
    ("na", "not_applicable"),
    ("suppressed", "suppressed"),
];

fn checks_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/checks")
}

/// One fixture: `tests/checks/<check>/<stem>.json`.
struct Fixture {
    check: String,
    stem: String,
    path: PathBuf,
    /// The status its name promises, as the report spells it.
    expect: &'static str,
}

impl Fixture {
    fn label(&self) -> String {
        format!("{}/{}.json", self.check, self.stem)
    }

    fn snapshot_name(&self) -> String {
        format!("{}-{}", self.check, self.stem)
    }
}

fn prefix_status(stem: &str) -> Option<(&'static str, &'static str)> {
    let prefix = stem.split('-').next()?;
    PREFIXES.iter().find(|(p, _)| *p == prefix).copied()
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .collect();
    out.sort();
    out
}

/// Every fixture of every check directory; panics on a misnamed fixture.
fn fixtures() -> BTreeMap<String, Vec<Fixture>> {
    let mut all = BTreeMap::new();
    for dir in files(&checks_dir()).into_iter().filter(|p| p.is_dir()) {
        let check = dir
            .file_name()
            .expect("dir name")
            .to_string_lossy()
            .to_string();
        let mut list = Vec::new();
        for path in files(&dir) {
            if path.extension().is_none_or(|e| e != "json") {
                continue;
            }
            let stem = path
                .file_stem()
                .expect("file stem")
                .to_string_lossy()
                .to_string();
            let (_, expect) = prefix_status(&stem).unwrap_or_else(|| {
                panic!(
                    "{check}/{stem}.json: a fixture's name starts with what it expects: one of {:?}",
                    PREFIXES.iter().map(|(p, _)| *p).collect::<Vec<_>>()
                )
            });
            list.push(Fixture {
                check: check.clone(),
                stem,
                path,
                expect,
            });
        }
        all.insert(check, list);
    }
    all
}

/// Loads the fixture as `--inventory` would and evaluates it with its config (if any).
fn evaluate(f: &Fixture) -> secretlens::report::Report {
    let path = f.path.to_string_lossy().to_string();
    let text = std::fs::read_to_string(&f.path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let inv = Inventory::from_json(&path, &text).unwrap_or_else(|e| panic!("{e}"));
    let toml = f.path.with_extension("toml");
    let cfg = if toml.is_file() {
        let p = toml.to_string_lossy().to_string();
        let text = std::fs::read_to_string(&toml).unwrap_or_else(|e| panic!("{p}: {e}"));
        Config::from_toml(&p, &text).unwrap_or_else(|e| panic!("{e}"))
    } else {
        Config::default()
    };
    secretlens::evaluate::evaluate(&inv, &cfg, now())
}

/// The directory's check's findings, as snapshotted.
fn findings_of(f: &Fixture) -> Vec<Value> {
    let report = evaluate(f);
    report
        .findings
        .iter()
        .filter(|x| x.check_id == f.check.as_str())
        .map(|x| {
            let mut v = json!({
                "resource": {"name": &*x.resource.name, "arn": &*x.resource.arn},
                "status": x.status,
                "message": x.message,
                "evidence": x.evidence(),
            });
            if let Some(w) = &x.waiver {
                v["waiver"] = json!(w);
            }
            v
        })
        .collect()
}

/// Checks one fixture's statuses and snapshot; `Err` says what is wrong.
fn check_fixture(f: &Fixture) -> Result<(), String> {
    let findings = findings_of(f);
    if findings.is_empty() {
        return Err(format!(
            "{}: no {} finding at all (expected {})",
            f.label(),
            f.check,
            f.expect
        ));
    }
    let wrong: Vec<&Value> = findings
        .iter()
        .filter(|x| x["status"] != f.expect)
        .collect();
    if !wrong.is_empty() {
        return Err(format!(
            "{}: the name promises {}, but these findings are not:\n{}",
            f.label(),
            f.expect,
            serde_json::to_string_pretty(&wrong).unwrap_or_default()
        ));
    }
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(f.path.parent().expect("fixture dir"));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.set_input_file(&f.path);
    settings.set_description(format!(
        "{} findings of tests/checks/{} at {NOW}",
        f.check,
        f.label()
    ));
    let name = f.snapshot_name();
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        settings.bind(|| insta::assert_json_snapshot!(name.as_str(), findings));
    }))
    .map_err(|_| format!("{}: snapshot {name}.snap differs", f.label()))
}

#[test]
fn every_fixture_matches_its_name_and_snapshot() {
    let all = fixtures();
    let mut errors = Vec::new();
    let mut n = 0;
    for f in all.values().flatten() {
        n += 1;
        if let Err(e) = check_fixture(f) {
            errors.push(e);
        }
    }
    assert!(n > 0, "no fixtures found in {}", checks_dir().display());
    assert!(
        errors.is_empty(),
        "{} of {n} fixtures failed (update snapshots with INSTA_UPDATE=always once the \
         result is right; see tests/checks/README.md):\n{}",
        errors.len(),
        errors.join("\n")
    );
}

#[test]
fn every_check_has_a_fixture_per_status_it_can_produce() {
    let all = fixtures();
    let registered: BTreeSet<String> = secretlens::checks::all_metas()
        .map(|m| m.id.clone())
        .collect();
    let dirs: BTreeSet<String> = all.keys().cloned().collect();
    let stray: Vec<_> = dirs.difference(&registered).collect();
    assert!(
        stray.is_empty(),
        "tests/checks/ has directories of no registered check: {stray:?}"
    );
    let mut missing = Vec::new();
    for meta in secretlens::checks::all_metas() {
        let check = meta.id.as_str();
        // The front matter names statuses in full; fixture names use `na` for not_applicable.
        let statuses: Vec<&str> = meta
            .statuses
            .iter()
            .map(|s| match s.as_str() {
                "not_applicable" => "na",
                other => other,
            })
            .collect();
        let have: BTreeSet<&str> = all
            .get(check)
            .into_iter()
            .flatten()
            .filter_map(|f| prefix_status(&f.stem).map(|(p, _)| p))
            .collect();
        for s in &statuses {
            if !have.contains(s) {
                missing.push(format!("{check}: no {s}-*.json fixture"));
            }
        }
        assert!(
            statuses.contains(&"pass") && statuses.contains(&"fail"),
            "{check}: every check can pass and fail"
        );
    }
    assert!(
        missing.is_empty(),
        "missing fixtures in tests/checks/:\n{}",
        missing.join("\n")
    );
}

/// A snapshot or config without its fixture is a leftover of a renamed or deleted fixture.
#[test]
fn every_snapshot_and_config_has_its_fixture() {
    let mut orphans = Vec::new();
    for (check, list) in fixtures() {
        let stems: BTreeSet<String> = list.iter().map(|f| f.stem.clone()).collect();
        for path in files(&checks_dir().join(&check)) {
            let file = path
                .file_name()
                .expect("name")
                .to_string_lossy()
                .to_string();
            let stem = if let Some(s) = file.strip_suffix(".toml") {
                Some(s.to_string())
            } else if let Some(s) = file.strip_suffix(".snap") {
                s.strip_prefix(&format!("{check}-")).map(str::to_string)
            } else if file.ends_with(".json") {
                continue;
            } else {
                None
            };
            if !stem.is_some_and(|s| stems.contains(&s)) {
                orphans.push(format!("{check}/{file}"));
            }
        }
    }
    assert!(
        orphans.is_empty(),
        "files in tests/checks/ that belong to no fixture (a `.snap.new` is an unreviewed \
         snapshot):\n{}",
        orphans.join("\n")
    );
}
