//! `--baseline PREVIOUS/report.json`: marks findings as new, still failing or resolved,
//! matched by the stable finding `id` (a hash of the check id and the resource ARN).
//!
//! - `new`: fails now; did not fail in the baseline (or was not there).
//! - `still_failing`: fails now and failed in the baseline.
//! - `resolved`: failed in the baseline and does not fail now (passes, is suppressed, could
//!   not be evaluated, or the resource is gone). Resolved findings are listed in
//!   [`Comparison::resolved_findings`] with the baseline's data; when the finding still
//!   exists, its current copy carries `change: resolved` too.
//!
//! Pure: loading the file is [`load`], comparing is [`compare`].

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::error::Error;
use crate::report::{Change, Comparison, Finding, REPORT_SCHEMA_VERSION, Report, Status};

/// What the comparison needs from a previous `report.json`.
#[derive(Debug, Clone, Deserialize)]
pub struct Baseline {
    pub schema_version: u32,
    pub as_of: DateTime<Utc>,
    pub generated_at: DateTime<Utc>,
    pub findings: Vec<Finding>,
    /// Shown in the comparison: the path as given.
    #[serde(skip)]
    pub label: String,
}

/// Reads and validates a baseline report. Every failure is a usage error (exit 2) that names
/// the file.
pub fn load(path: &Path) -> Result<Baseline, Error> {
    let label = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| unusable(&label, &e.to_string()))?;
    from_bytes(&label, &bytes)
}

/// Why the baseline `label` cannot be used, as the usage error (exit 2) `load` gives.
pub fn unusable(label: &str, why: &str) -> Error {
    Error::Usage(format!(
        "cannot use --baseline {label}: {why} (expected a report.json written by secretlens audit, evaluate or demo)"
    ))
}

/// Validates a baseline report read from `label` (a file or an `s3://` URL), with the
/// messages of [`load`].
pub fn from_bytes(label: &str, bytes: &[u8]) -> Result<Baseline, Error> {
    let bad = |why: String| unusable(label, &why);
    let mut baseline: Baseline =
        serde_json::from_slice(bytes).map_err(|e| bad(format!("not a secretlens report: {e}")))?;
    // Schema 1 differs only by per-finding fields the comparison does not read.
    if !(1..=REPORT_SCHEMA_VERSION).contains(&baseline.schema_version) {
        return Err(bad(format!(
            "report schema {} is not supported (this secretlens writes schema {REPORT_SCHEMA_VERSION})",
            baseline.schema_version
        )));
    }
    let mut seen = BTreeSet::new();
    if let Some(dup) = baseline
        .findings
        .iter()
        .find(|f| !seen.insert(f.id.as_str()))
    {
        return Err(bad(format!("finding id {:?} appears twice", dup.id)));
    }
    baseline.label = label.to_string();
    Ok(baseline)
}

/// Sets `change` on the report's findings and fills `report.comparison`.
pub fn compare(report: &mut Report, baseline: &Baseline) {
    let failing_before: BTreeMap<&str, &Finding> = baseline
        .findings
        .iter()
        .filter(|f| f.status == Status::Fail)
        .map(|f| (f.id.as_str(), f))
        .collect();
    let mut failing_now = BTreeSet::new();
    let (mut new, mut still) = (0, 0);
    for f in &mut report.findings {
        let before = failing_before.contains_key(f.id.as_str());
        f.change = match (f.status == Status::Fail, before) {
            (true, true) => {
                still += 1;
                Some(Change::StillFailing)
            }
            (true, false) => {
                new += 1;
                Some(Change::New)
            }
            (false, true) => Some(Change::Resolved),
            (false, false) => None,
        };
        if f.status == Status::Fail {
            failing_now.insert(f.id.clone());
        }
    }
    let mut resolved_findings: Vec<Finding> = failing_before
        .values()
        .filter(|f| !failing_now.contains(f.id.as_str()))
        .map(|f| Finding {
            change: Some(Change::Resolved),
            ..(*f).clone()
        })
        .collect();
    resolved_findings.sort_by(|a, b| {
        (
            std::cmp::Reverse(a.severity),
            &a.check_id,
            &a.resource.name,
            &a.id,
        )
            .cmp(&(
                std::cmp::Reverse(b.severity),
                &b.check_id,
                &b.resource.name,
                &b.id,
            ))
    });
    report.comparison = Some(Comparison {
        baseline: baseline.label.clone(),
        baseline_as_of: baseline.as_of,
        baseline_generated_at: baseline.generated_at,
        new,
        still_failing: still,
        resolved: resolved_findings.len(),
        resolved_findings,
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::evaluate::evaluate;

    fn demo_report() -> Report {
        let inv = crate::demo::inventory();
        evaluate(&inv, &Config::default(), inv.as_of.expect("demo as_of"))
    }

    fn baseline_of(r: &Report) -> Baseline {
        Baseline {
            schema_version: r.schema_version,
            as_of: r.as_of,
            generated_at: r.generated_at,
            findings: r.findings.clone(),
            label: "base.json".to_string(),
        }
    }

    #[test]
    fn same_report_is_all_still_failing() {
        let mut r = demo_report();
        let b = baseline_of(&r);
        compare(&mut r, &b);
        let c = r.comparison.as_ref().expect("comparison");
        let failing = r
            .findings
            .iter()
            .filter(|f| f.status == Status::Fail)
            .count();
        assert!(failing > 0);
        assert_eq!((c.new, c.still_failing, c.resolved), (0, failing, 0));
        assert!(
            r.findings
                .iter()
                .all(|f| (f.status == Status::Fail) == f.change.is_some())
        );
    }

    #[test]
    fn new_and_resolved_are_matched_by_id() {
        let mut r = demo_report();
        let mut base = baseline_of(&r);
        let failing: Vec<String> = r
            .findings
            .iter()
            .filter(|f| f.status == Status::Fail)
            .map(|f| f.id.clone())
            .collect();
        // One failing finding was not failing in the baseline: new.
        base.findings
            .iter_mut()
            .find(|f| f.id == failing[0])
            .expect("finding")
            .status = Status::Pass;
        // One baseline failure whose resource is gone now: resolved, with the baseline's data.
        let mut gone = base.findings[0].clone();
        gone.id = "00000000deadbeef".to_string();
        gone.status = Status::Fail;
        gone.message = "baseline message".into();
        base.findings.push(gone);
        // One passing finding failed in the baseline: resolved, and marked on the current copy.
        let passing = r
            .findings
            .iter()
            .find(|f| f.status == Status::Pass)
            .expect("a pass")
            .id
            .clone();
        base.findings
            .iter_mut()
            .find(|f| f.id == passing)
            .expect("finding")
            .status = Status::Fail;

        compare(&mut r, &base);
        let c = r.comparison.as_ref().expect("comparison");
        assert_eq!(c.new, 1);
        assert_eq!(c.still_failing, failing.len() - 1);
        assert_eq!(c.resolved, 2);
        let gone = c
            .resolved_findings
            .iter()
            .find(|f| f.id == "00000000deadbeef")
            .expect("gone");
        assert_eq!(gone.message, "baseline message");
        assert_eq!(gone.change, Some(Change::Resolved));
        let cur = |id: &str| {
            r.findings
                .iter()
                .find(|f| f.id == id)
                .expect("finding")
                .change
        };
        assert_eq!(cur(&failing[0]), Some(Change::New));
        assert_eq!(cur(&passing), Some(Change::Resolved));
    }

    #[test]
    fn bad_baselines_are_usage_errors() {
        let dir = tempfile::tempdir().expect("tmp");
        let p = dir.path().join("b.json");
        std::fs::write(&p, "{\"findings\": 3}").expect("write");
        let e = load(&p).expect_err("bad");
        assert!(matches!(e, Error::Usage(_)));
        assert!(e.to_string().contains("cannot use --baseline"), "{e}");
        let e = load(&dir.path().join("missing.json")).expect_err("missing");
        assert!(e.to_string().contains("missing.json"), "{e}");
        let mut r = demo_report();
        r.schema_version = 99;
        std::fs::write(&p, crate::render::json::render(&r)).expect("write");
        assert!(
            load(&p)
                .expect_err("schema")
                .to_string()
                .contains("schema 99")
        );
        r.schema_version = REPORT_SCHEMA_VERSION;
        std::fs::write(&p, crate::render::json::render(&r)).expect("write");
        assert_eq!(load(&p).expect("valid").findings.len(), r.findings.len());
    }

    #[test]
    fn a_schema_1_report_is_a_valid_baseline() {
        // Schema 1 repeated remediation and frameworks in every finding.
        let v1 = r#"{"schema_version": 1, "as_of": "2026-11-01T00:00:00Z", "generated_at": "2026-11-01T00:00:00Z",
            "findings": [{"id": "00000000deadbeef", "check_id": "SL101", "check_name": "rotation-disabled",
            "title": "Automatic rotation is not enabled", "category": "rotation", "severity": "high", "status": "fail",
            "resource": {"arn": "arn:aws:secretsmanager:us-east-1:111122223333:secret:a-AbCdEf", "name": "a",
            "type": "secret", "account": "111122223333", "region": "us-east-1"}, "message": "automatic rotation is not enabled",
            "evidence": {"rotation_enabled": null}, "remediation": "Enable rotation.",
            "frameworks": [{"framework": "AWS FSBP", "control": "SecretsManager.1"}]}]}"#;
        let dir = tempfile::tempdir().expect("tmp");
        let p = dir.path().join("v1.json");
        std::fs::write(&p, v1).expect("write");
        let b = load(&p).expect("schema 1 loads");
        assert_eq!(b.findings[0].status, Status::Fail);
        assert_eq!(
            b.findings[0].evidence.json(),
            r#"{"rotation_enabled": null}"#
        );
        let mut r = demo_report();
        compare(&mut r, &b);
        let c = r.comparison.as_ref().expect("comparison");
        assert_eq!(
            (c.resolved, c.resolved_findings[0].id.as_str()),
            (1, "00000000deadbeef")
        );
    }
}
