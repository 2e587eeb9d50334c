//! Scan renderers: JSON (the [`ScanReport`] serialised), SARIF 2.1.0 and a terminal summary.

use std::fmt::Write as _;

use serde_json::json;

use super::{ScanReport, rules};
use crate::vocab::Severity;

/// Output formats of `secretlens scan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ScanFormat {
    Text,
    Json,
    Sarif,
}

pub fn render(report: &ScanReport, format: ScanFormat, fail_on: Severity) -> String {
    match format {
        ScanFormat::Json => json(report),
        ScanFormat::Sarif => sarif(report),
        ScanFormat::Text => text(report, fail_on),
    }
}

pub fn json(report: &ScanReport) -> String {
    serde_json::to_string_pretty(report).expect("the scan report is plain data") + "\n"
}

fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub code scanning reads `security-severity` (0.0–10.0) to rank security results.
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

/// A relative URI reference for a repository path (RFC 3986: unreserved characters and `/` kept).
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

pub fn sarif(report: &ScanReport) -> String {
    let all = rules::builtin();
    let rule_index = |id: &str| all.iter().position(|r| r.id == id);
    let rules_json: Vec<serde_json::Value> = all
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "name": r.id,
                "shortDescription": { "text": r.description },
                "fullDescription": { "text": format!("{} Detected by secretlens rule {}.", r.description, r.id) },
                "help": { "text": "Revoke or rotate the credential, remove it from the code (and from history when it was committed), and load it at run time from AWS Secrets Manager or the environment. Accept a known false positive with `secretlens:allow` on the line or a --baseline file." },
                "defaultConfiguration": { "level": sarif_level(r.severity) },
                "properties": {
                    "tags": ["security", "secrets"],
                    "security-severity": security_severity(r.severity),
                    "severity": r.severity.as_str(),
                },
            })
        })
        .collect();
    let results: Vec<serde_json::Value> = report
        .findings
        .iter()
        .map(|f| {
            let mut message = format!("{} ({}): {}", f.description, f.rule_id, f.preview);
            if let Some(c) = &f.commit {
                let _ = write!(message, " — introduced in commit {}", &c[..c.len().min(12)]);
            }
            if let Some(a) = &f.aws_account_id {
                let _ = write!(message, " — AWS account {a}");
            }
            let mut props = json!({ "severity": f.severity.as_str(), "preview": f.preview });
            for (k, v) in [
                ("commit", f.commit.clone()),
                ("blob", f.blob.clone()),
                ("author_date", f.author_date.map(|d| d.to_rfc3339())),
                ("aws_account_id", f.aws_account_id.clone()),
                (
                    "key_status",
                    f.key_status.map(|s| {
                        serde_json::to_value(s)
                            .expect("enum")
                            .as_str()
                            .unwrap_or("")
                            .to_string()
                    }),
                ),
            ] {
                if let Some(v) = v {
                    props[k] = json!(v);
                }
            }
            let mut r = json!({
                "ruleId": f.rule_id,
                "level": sarif_level(f.severity),
                "message": { "text": message },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri(&f.file) },
                        "region": { "startLine": f.line.max(1), "startColumn": f.column.max(1) },
                    },
                }],
                "partialFingerprints": { "secretlens/v1": f.fingerprint },
                "properties": props,
            });
            if let Some(i) = rule_index(&f.rule_id) {
                r["ruleIndex"] = json!(i);
            }
            r
        })
        .collect();
    let notifications: Vec<serde_json::Value> = report
        .skipped
        .iter()
        .map(|s| json!({ "level": "warning", "message": { "text": format!("skipped {}: {}", s.path, s.reason) } }))
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "secretlens",
                "version": report.tool.version,
                "semanticVersion": report.tool.version,
                "rules": rules_json,
            }},
            "columnKind": "unicodeCodePoints",
            "invocations": [{
                "executionSuccessful": true,
                "toolExecutionNotifications": notifications,
            }],
            "results": results,
        }],
    });
    serde_json::to_string_pretty(&doc).expect("plain JSON") + "\n"
}

pub fn text(report: &ScanReport, fail_on: Severity) -> String {
    let mut s = String::new();
    for f in &report.findings {
        let _ = write!(
            s,
            "{:<8} {:<24} {}:{}:{}  {}",
            f.severity.as_str(),
            f.rule_id,
            f.file,
            f.line,
            f.column,
            f.preview
        );
        if let Some(c) = &f.commit {
            let date = f
                .author_date
                .map(|d| d.format("%Y-%m-%d").to_string())
                .unwrap_or_default();
            let _ = write!(s, "  commit {} {}", &c[..c.len().min(12)], date);
        }
        if let Some(a) = &f.aws_account_id {
            let _ = write!(s, "  account {a}");
        }
        if let Some(k) = f.key_status {
            let _ = write!(
                s,
                "  {}",
                serde_json::to_value(k)
                    .expect("enum")
                    .as_str()
                    .unwrap_or("")
            );
        }
        s.push('\n');
    }
    for k in &report.skipped {
        let _ = writeln!(s, "skipped  {}: {}", k.path, k.reason);
    }
    let st = &report.stats;
    let mib = st.bytes_scanned as f64 / (1024.0 * 1024.0);
    let _ = write!(s, "\n{} finding(s)", report.findings.len());
    let parts: Vec<String> = Severity::ALL
        .iter()
        .filter_map(|sev| report.by_severity.get(sev).map(|n| format!("{n} {sev}")))
        .collect();
    if !parts.is_empty() {
        let _ = write!(s, " ({})", parts.join(", "));
    }
    let _ = write!(s, "; {} file(s), {:.1} MiB", st.files_scanned, mib);
    if report.mode == "git" {
        let _ = write!(s, " in {} blob(s) from {} commit(s)", st.blobs, st.commits);
    }
    let _ = write!(s, " in {} ms", st.duration_ms);
    if st.baselined > 0 {
        let _ = write!(s, "; {} baselined", st.baselined);
    }
    if !report.skipped.is_empty() {
        let _ = write!(s, "; {} skipped", report.skipped.len());
    }
    let failing = report.at_or_above(fail_on);
    let _ = writeln!(s, "\n{failing} finding(s) at or above --fail-on {fail_on}");
    s
}
