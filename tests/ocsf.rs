//! `--format ocsf`: report.ocsf.jsonl validated by an independent implementation,
//! py-ocsf-models (tests/ocsf/validate_ocsf.py), from tests/moto/requirements.txt.

mod common;

use std::path::Path;

use common::{Sandbox, python, repo_root};
use serde_json::Value;

/// Runs the validator on `file`; returns its JSON summary.
fn validate(file: &Path) -> Value {
    let out = std::process::Command::new(python())
        .arg(repo_root().join("tests/ocsf/validate_ocsf.py"))
        .arg(file)
        .output()
        .expect("run python");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("No module named"),
        "py-ocsf-models is not installed for {}: pip install -r tests/moto/requirements.txt (scripts/test.sh does)\n{stderr}",
        python().display()
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "the validator printed no summary ({e}):\n{}\n{stderr}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// The demo (with its example waivers) as OCSF: 0 errors, one Detection Finding per finding
/// and one Compliance Finding per framework control; the counts docs/outputs.md states.
#[test]
fn demo_ocsf_events_validate_with_py_ocsf_models() {
    let sb = Sandbox::new();
    let config = repo_root().join("demo/secretlens.toml");
    let run = sb.run([
        "demo",
        "--out",
        "out",
        "--format",
        "json,ocsf",
        "--config",
        config.to_str().expect("UTF-8 path"),
    ]);
    assert_eq!(run.code, 0, "{}", run.describe());
    assert!(
        run.stderr.contains("report.ocsf.jsonl"),
        "{}",
        run.describe()
    );
    let report: Value = serde_json::from_str(
        &std::fs::read_to_string(sb.join("out/report.json")).expect("report.json"),
    )
    .expect("JSON");
    let findings = report["findings"].as_array().expect("findings").len();
    let controls: usize = report["frameworks"]
        .as_array()
        .expect("frameworks")
        .iter()
        .map(|f| f["controls"].as_array().expect("controls").len())
        .sum();

    let summary = validate(&sb.join("out/report.ocsf.jsonl"));
    assert_eq!(summary["errors"], serde_json::json!([]), "{summary:#}");
    assert_eq!(summary["ocsf_version"], "1.5.0");
    assert_eq!(summary["classes"]["2004"], findings, "{summary:#}");
    assert_eq!(summary["classes"]["2003"], controls, "{summary:#}");
    assert_eq!(summary["lines"], findings + controls);
    // The counts docs/outputs.md states for the demo.
    assert_eq!((findings, controls), (DEMO_DETECTIONS, DEMO_COMPLIANCE));
}

/// With `--baseline`: findings still failing (activity Update), resolved (Close, status
/// Resolved) and a baseline failure that is gone (one more Detection Finding) validate too.
#[test]
fn baseline_activities_validate() {
    let sb = Sandbox::new();
    let run = sb.run(["demo", "--out", "base", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.describe());
    let mut baseline: Value = serde_json::from_str(
        &std::fs::read_to_string(sb.join("base/report.json")).expect("report.json"),
    )
    .expect("JSON");
    let findings = baseline["findings"].as_array_mut().expect("findings");
    let mut gone = findings
        .iter()
        .find(|f| f["status"] == "fail")
        .expect("a failing finding")
        .clone();
    gone["id"] = "00000000000000ff".into();
    findings.push(gone);
    let fixed = findings
        .iter_mut()
        .find(|f| f["status"] == "pass")
        .expect("a passing finding");
    fixed["status"] = "fail".into();
    sb.write("baseline.json", &baseline.to_string());
    let run = sb.run([
        "demo",
        "--out",
        "out",
        "--format",
        "json,ocsf",
        "--baseline",
        "baseline.json",
    ]);
    assert_eq!(run.code, 0, "{}", run.describe());
    let summary = validate(&sb.join("out/report.ocsf.jsonl"));
    assert_eq!(summary["errors"], serde_json::json!([]), "{summary:#}");
    let report: Value = serde_json::from_str(
        &std::fs::read_to_string(sb.join("out/report.json")).expect("report.json"),
    )
    .expect("JSON");
    let findings = report["findings"].as_array().expect("findings").len();
    assert_eq!(summary["classes"]["2004"], findings + 1, "{summary:#}");
    let text = std::fs::read_to_string(sb.join("out/report.ocsf.jsonl")).expect("written");
    let activities: std::collections::BTreeSet<u64> = text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("JSON"))
        .filter(|e| e["class_uid"] == 2004)
        .filter_map(|e| e["activity_id"].as_u64())
        .collect();
    assert_eq!(activities, [1, 2, 3].into(), "create, update and close");
}

const DEMO_DETECTIONS: usize = 903;
const DEMO_COMPLIANCE: usize = 28;

/// The validator is not a rubber stamp: a misspelt attribute, a wrong type_uid, an unknown
/// class and a missing required attribute are each reported.
#[test]
fn the_validator_reports_what_is_wrong() {
    let sb = Sandbox::new();
    let run = sb.run(["demo", "--out", "out", "--format", "ocsf"]);
    assert_eq!(run.code, 0, "{}", run.describe());
    let text = std::fs::read_to_string(sb.join("out/report.ocsf.jsonl")).expect("written");
    let mut lines: Vec<Value> = text
        .lines()
        .take(4)
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    lines[0]["finding_info"]["titel"] = "typo".into();
    lines[1]["type_uid"] = 200403.into();
    lines[2]["class_uid"] = 2001.into();
    lines[3]
        .as_object_mut()
        .expect("object")
        .remove("finding_info");
    let bad: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let summary = validate(&sb.write("bad.jsonl", &bad));
    let errors: Vec<&str> = summary["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for want in [
        "line 1: finding_info.titel",
        "line 2: type_uid",
        "line 3: class_uid 2001",
        "line 4: finding_info",
    ] {
        assert!(
            errors.iter().any(|e| e.starts_with(want)),
            "{want}: {errors:?}"
        );
    }
}
