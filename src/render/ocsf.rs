//! `report.ocsf.jsonl`: the report as OCSF events, one JSON object per line (JSON Lines), for
//! security data lakes and SIEMs that speak the Open Cybersecurity Schema Framework.
//!
//! - one **Detection Finding** (class 2004) per finding of the report, whatever its status
//!   (`status_code` is the report's status: `fail`, `error`, `pass`, `suppressed`,
//!   `not_applicable`), and with `--baseline` one more (activity Close, status Resolved) per
//!   baseline failure whose finding is gone;
//! - one **Compliance Finding** (class 2003) per framework control of the report's roll-up,
//!   with the control's status.
//!
//! Built from the report only, like every renderer. Every string from AWS is serialised by
//! serde_json (escaped JSON), never interpreted. The OCSF version is [`OCSF_VERSION`], the one
//! the `py-ocsf-models` release the tests validate with implements. What OCSF has no attribute
//! for (the evidence, the compliance references of a detection, the waiver) is in `unmapped`.
//! docs/outputs.md documents the mapping.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{self, Write};

use serde::Serialize;

use crate::report::{
    Change, CheckSummary, ControlStatus, ControlSummary, Evidence, Finding, FrameworkSummary,
    Report, WaiverRef,
};
use crate::vocab::{Severity, Status};

/// The OCSF schema version the events follow (`metadata.version`).
pub const OCSF_VERSION: &str = "1.5.0";

/// The file written next to report.json.
pub const FILE_NAME: &str = "report.ocsf.jsonl";

/// OCSF class ids.
pub const DETECTION_FINDING: u32 = 2004;
pub const COMPLIANCE_FINDING: u32 = 2003;
const FINDINGS_CATEGORY: u32 = 2;

/// The whole file as a string (tests; the CLI streams with [`write_to`]).
pub fn render(report: &Report) -> String {
    super::stream_to_string(|out| write(report, out))
}

/// Writes exactly what [`render`] returns to `path`, streaming.
pub fn write_to(report: &Report, path: &std::path::Path) -> io::Result<()> {
    super::stream_to_file(path, |out| write(report, out))
}

fn write<W: Write>(report: &Report, out: &mut W) -> io::Result<()> {
    let ctx = Context::new(report);
    let mut line = |event: &Event<'_>| -> io::Result<()> {
        serde_json::to_writer(&mut *out, event).map_err(io::Error::other)?;
        out.write_all(b"\n")
    };
    for f in &report.findings {
        line(&ctx.detection(f, false))?;
    }
    if let Some(c) = &report.comparison {
        let current: HashSet<&str> = report.findings.iter().map(|f| f.id.as_str()).collect();
        for f in c
            .resolved_findings
            .iter()
            .filter(|f| !current.contains(f.id.as_str()))
        {
            line(&ctx.detection(f, true))?;
        }
    }
    for fw in &report.frameworks {
        for c in &fw.controls {
            line(&ctx.compliance(fw, c))?;
        }
    }
    Ok(())
}

/// What every event of one report shares, and the report's lookups.
struct Context<'a> {
    metadata: Metadata<'a>,
    time: i64,
    checks: HashMap<&'a str, &'a CheckSummary>,
    tags: HashMap<&'a str, &'a BTreeMap<String, String>>,
    accounts: &'a [String],
}

impl<'a> Context<'a> {
    fn new(report: &'a Report) -> Context<'a> {
        Context {
            metadata: Metadata {
                version: OCSF_VERSION,
                product: Product {
                    name: &report.tool.name,
                    vendor_name: &report.tool.name,
                    version: &report.tool.version,
                },
                profiles: &[],
                event_code: None,
            },
            time: report.generated_at.timestamp_millis(),
            checks: report.checks.iter().map(|c| (c.id.as_str(), c)).collect(),
            tags: report
                .secrets
                .iter()
                .map(|s| (s.arn.as_str(), &s.tags))
                .collect(),
            accounts: &report.accounts,
        }
    }

    /// A finding's Detection Finding; `gone` for a baseline failure that no longer exists.
    fn detection(&self, f: &'a Finding, gone: bool) -> Event<'a> {
        let (activity, status) = if gone {
            (Activity::Close, WorkflowStatus::Resolved)
        } else {
            match (f.status, f.change) {
                (Status::Suppressed, _) => (Activity::Create, WorkflowStatus::Suppressed),
                (_, Some(Change::Resolved)) => (Activity::Close, WorkflowStatus::Resolved),
                (_, Some(Change::StillFailing)) => (Activity::Update, WorkflowStatus::New),
                _ => (Activity::Create, WorkflowStatus::New),
            }
        };
        let check = self.checks.get(f.check_id.as_ref()).copied();
        let mut compliance: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for r in check.map(|c| c.frameworks.as_slice()).unwrap_or_default() {
            compliance.entry(&r.framework).or_default().push(&r.control);
        }
        let r = &f.resource;
        let labels = self
            .tags
            .get(r.arn.as_ref())
            .map(|tags| tags.iter().map(|(k, v)| format!("{k}={v}")).collect())
            .unwrap_or_default();
        let message: Cow<'a, str> = if gone {
            Cow::Borrowed(
                "failed in the baseline and is no longer reported (the resource is gone or no longer evaluated)",
            )
        } else {
            Cow::Borrowed(f.message.as_ref())
        };
        let (sev_id, sev) = ocsf_severity(f.severity);
        Event {
            metadata: Metadata {
                event_code: Some(&f.check_id),
                profiles: &["cloud"],
                ..self.metadata
            },
            category_uid: FINDINGS_CATEGORY,
            category_name: "Findings",
            class_uid: DETECTION_FINDING,
            class_name: "Detection Finding",
            activity_id: activity as u32,
            activity_name: activity.name(),
            type_uid: DETECTION_FINDING * 100 + activity as u32,
            type_name: format!("Detection Finding: {}", activity.name()),
            time: self.time,
            severity_id: sev_id,
            severity: sev,
            status_id: status as u32,
            status: status.name(),
            status_code: if gone { "resolved" } else { f.status.as_str() },
            status_detail: message.clone(),
            message,
            finding_info: FindingInfo {
                uid: Cow::Borrowed(&f.id),
                title: Cow::Borrowed(&f.title),
                desc: check.map(|c| c.title.as_str()),
                types: vec![f.category.as_str()],
            },
            cloud: Some(Cloud {
                provider: "AWS",
                region: non_empty(&r.region),
                account: non_empty(&r.account).map(Account::aws),
            }),
            resources: vec![ResourceDetails {
                uid: &r.arn,
                name: non_empty(&r.name),
                kind: &r.kind,
                region: non_empty(&r.region),
                cloud_partition: partition(&r.arn),
                labels,
            }],
            remediation: check
                .filter(|c| !c.remediation.is_empty())
                .map(|c| Remediation {
                    desc: &c.remediation,
                }),
            compliance: None,
            unmapped: Unmapped::Detection {
                check_id: &f.check_id,
                check_name: &f.check_name,
                evidence: &f.evidence,
                compliance,
                remediation_cli: check
                    .map(|c| c.remediation_cli.as_str())
                    .filter(|s| !s.is_empty()),
                waiver: f.waiver.as_deref(),
                change: f.change,
            },
        }
    }

    /// A framework control's Compliance Finding.
    fn compliance(&self, fw: &'a FrameworkSummary, c: &'a ControlSummary) -> Event<'a> {
        // Severity: the highest of the control's checks that fail, else informational.
        let worst = c
            .checks
            .iter()
            .filter_map(|id| self.checks.get(id.as_str()))
            .filter(|k| k.counts.get(&Status::Fail).is_some_and(|n| *n > 0))
            .map(|k| k.severity)
            .max()
            .unwrap_or(Severity::Info);
        let (sev_id, sev) = ocsf_severity(worst);
        let compliance_status = match c.status {
            ControlStatus::Pass => 1,
            ControlStatus::Fail => 3,
            // Could not be evaluated, or nothing to evaluate: unknown, never a pass.
            ControlStatus::Error | ControlStatus::NoData => 0,
        };
        let detail = format!(
            "{} fail, {} error, {} pass, {} suppressed, {} not applicable",
            c.fail, c.error, c.pass, c.suppressed, c.not_applicable
        );
        let activity = Activity::Create;
        Event {
            metadata: self.metadata,
            category_uid: FINDINGS_CATEGORY,
            category_name: "Findings",
            class_uid: COMPLIANCE_FINDING,
            class_name: "Compliance Finding",
            activity_id: activity as u32,
            activity_name: activity.name(),
            type_uid: COMPLIANCE_FINDING * 100 + activity as u32,
            type_name: format!("Compliance Finding: {}", activity.name()),
            time: self.time,
            severity_id: sev_id,
            severity: sev,
            status_id: WorkflowStatus::New as u32,
            status: WorkflowStatus::New.name(),
            status_code: c.status.as_str(),
            status_detail: Cow::Owned(detail.clone()),
            message: Cow::Owned(detail),
            finding_info: FindingInfo {
                uid: Cow::Owned(format!("{}:{}", fw.id, c.control)),
                title: Cow::Owned(format!("{} {}: {}", fw.framework, c.control, c.title)),
                desc: None,
                types: vec!["Compliance"],
            },
            // py-ocsf-models' Compliance Finding has no `cloud`: the accounts are in `unmapped`.
            cloud: None,
            resources: Vec::new(),
            remediation: None,
            compliance: Some(Compliance {
                standards: vec![format!("{} {}", fw.title, fw.version)],
                control: &c.control,
                desc: &c.title,
                status_id: compliance_status,
                checks: c
                    .checks
                    .iter()
                    .map(|id| {
                        let k = self.checks.get(id.as_str());
                        let (severity_id, severity) = k.map_or((None, None), |k| {
                            let (i, s) = ocsf_severity(k.severity);
                            (Some(i), Some(s))
                        });
                        ComplianceCheck {
                            uid: id,
                            name: k.map(|k| k.title.as_str()),
                            severity_id,
                            severity,
                        }
                    })
                    .collect(),
            }),
            unmapped: Unmapped::Compliance {
                accounts: self.accounts,
                framework_id: &fw.id,
                framework_url: &fw.url,
                pass: c.pass,
                fail: c.fail,
                error: c.error,
                suppressed: c.suppressed,
                not_applicable: c.not_applicable,
            },
        }
    }
}

fn non_empty(s: &str) -> Option<&str> {
    (!s.is_empty()).then_some(s)
}

/// `aws` of `arn:aws:…`.
fn partition(arn: &str) -> Option<&str> {
    let mut parts = arn.splitn(3, ':');
    match (parts.next(), parts.next()) {
        (Some("arn"), Some(p)) if !p.is_empty() => Some(p),
        _ => None,
    }
}

/// OCSF `severity_id` and its caption.
fn ocsf_severity(s: Severity) -> (u32, &'static str) {
    match s {
        Severity::Info => (1, "Informational"),
        Severity::Low => (2, "Low"),
        Severity::Medium => (3, "Medium"),
        Severity::High => (4, "High"),
        Severity::Critical => (5, "Critical"),
    }
}

/// OCSF finding `activity_id`.
#[derive(Clone, Copy)]
enum Activity {
    Create = 1,
    Update = 2,
    Close = 3,
}

impl Activity {
    fn name(self) -> &'static str {
        match self {
            Activity::Create => "Create",
            Activity::Update => "Update",
            Activity::Close => "Close",
        }
    }
}

/// OCSF finding `status_id` (the workflow status, not the check's verdict).
#[derive(Clone, Copy)]
enum WorkflowStatus {
    New = 1,
    Suppressed = 3,
    Resolved = 4,
}

impl WorkflowStatus {
    fn name(self) -> &'static str {
        match self {
            WorkflowStatus::New => "New",
            WorkflowStatus::Suppressed => "Suppressed",
            WorkflowStatus::Resolved => "Resolved",
        }
    }
}

#[derive(Serialize)]
struct Event<'a> {
    metadata: Metadata<'a>,
    category_uid: u32,
    category_name: &'static str,
    class_uid: u32,
    class_name: &'static str,
    activity_id: u32,
    activity_name: &'static str,
    type_uid: u32,
    type_name: String,
    /// Epoch milliseconds: when the report was generated.
    time: i64,
    severity_id: u32,
    severity: &'static str,
    status_id: u32,
    status: &'static str,
    status_code: &'a str,
    status_detail: Cow<'a, str>,
    message: Cow<'a, str>,
    finding_info: FindingInfo<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cloud: Option<Cloud<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    resources: Vec<ResourceDetails<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    remediation: Option<Remediation<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    compliance: Option<Compliance<'a>>,
    unmapped: Unmapped<'a>,
}

#[derive(Clone, Copy, Serialize)]
struct Metadata<'a> {
    version: &'static str,
    product: Product<'a>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    profiles: &'static [&'static str],
    #[serde(skip_serializing_if = "Option::is_none")]
    event_code: Option<&'a str>,
}

#[derive(Clone, Copy, Serialize)]
struct Product<'a> {
    name: &'a str,
    vendor_name: &'a str,
    version: &'a str,
}

#[derive(Serialize)]
struct FindingInfo<'a> {
    uid: Cow<'a, str>,
    title: Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    desc: Option<&'a str>,
    types: Vec<&'a str>,
}

#[derive(Serialize)]
struct Cloud<'a> {
    provider: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    account: Option<Account<'a>>,
}

#[derive(Serialize)]
struct Account<'a> {
    uid: &'a str,
    /// OCSF requires a name; secretlens knows the account by its id only.
    name: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    type_id: u32,
}

impl<'a> Account<'a> {
    fn aws(id: &'a str) -> Account<'a> {
        Account {
            uid: id,
            name: id,
            kind: "AWS Account",
            type_id: 10,
        }
    }
}

#[derive(Serialize)]
struct ResourceDetails<'a> {
    uid: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(rename = "type")]
    kind: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cloud_partition: Option<&'a str>,
    /// The secret's tags, `key=value`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    labels: Vec<String>,
}

#[derive(Serialize)]
struct Remediation<'a> {
    desc: &'a str,
}

#[derive(Serialize)]
struct Compliance<'a> {
    standards: Vec<String>,
    control: &'a str,
    desc: &'a str,
    /// 0 unknown, 1 pass, 3 fail.
    status_id: u32,
    checks: Vec<ComplianceCheck<'a>>,
}

#[derive(Serialize)]
struct ComplianceCheck<'a> {
    uid: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    severity_id: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    severity: Option<&'static str>,
}

/// What OCSF has no attribute for.
#[derive(Serialize)]
#[serde(untagged)]
enum Unmapped<'a> {
    Detection {
        check_id: &'a str,
        check_name: &'a str,
        evidence: &'a Evidence,
        /// Framework name → the controls the check maps to.
        compliance: BTreeMap<&'a str, Vec<&'a str>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        remediation_cli: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        waiver: Option<&'a WaiverRef>,
        #[serde(skip_serializing_if = "Option::is_none")]
        change: Option<Change>,
    },
    Compliance {
        /// The audited accounts.
        accounts: &'a [String],
        framework_id: &'a str,
        framework_url: &'a str,
        pass: usize,
        fail: usize,
        error: usize,
        suppressed: usize,
        not_applicable: usize,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn demo() -> Report {
        let inv = crate::demo::inventory();
        let now = inv.as_of.expect("the demo carries its as-of instant");
        let mut report = crate::evaluate::evaluate(&inv, &crate::demo::config(), now);
        report.generated_at = now;
        report
    }

    fn events(report: &Report) -> Vec<Value> {
        render(report)
            .lines()
            .map(|l| serde_json::from_str(l).expect("each line is one JSON object"))
            .collect()
    }

    #[test]
    fn one_detection_per_finding_and_one_compliance_per_control() {
        let report = demo();
        let ev = events(&report);
        let controls: usize = report.frameworks.iter().map(|f| f.controls.len()).sum();
        let class = |uid: u32| ev.iter().filter(|e| e["class_uid"] == uid).count();
        assert_eq!(class(DETECTION_FINDING), report.findings.len());
        assert_eq!(class(COMPLIANCE_FINDING), controls);
        assert_eq!(ev.len(), report.findings.len() + controls);
        for e in &ev {
            assert_eq!(e["metadata"]["version"], OCSF_VERSION);
            assert_eq!(e["metadata"]["product"]["name"], "secretlens");
            assert_eq!(e["category_uid"], 2);
            assert_eq!(
                e["type_uid"].as_u64(),
                Some(e["class_uid"].as_u64().unwrap() * 100 + e["activity_id"].as_u64().unwrap())
            );
            assert_eq!(e["time"], report.generated_at.timestamp_millis());
        }
    }

    #[test]
    fn a_detection_carries_the_finding() {
        let report = demo();
        let ev = events(&report);
        let f = report
            .findings
            .iter()
            .find(|f| {
                f.status == Status::Fail
                    && f.resource.kind.as_ref() == "secret"
                    && report
                        .secrets
                        .iter()
                        .any(|s| s.arn == f.resource.arn.as_ref() && !s.tags.is_empty())
            })
            .expect("the demo has a failing finding on a tagged secret");
        let e = ev
            .iter()
            .find(|e| e["finding_info"]["uid"] == f.id.as_str())
            .expect("its event");
        let check = report.checks.iter().find(|c| c.id == f.check_id).unwrap();
        assert_eq!(e["class_uid"], DETECTION_FINDING);
        assert_eq!(e["cloud"]["provider"], "AWS");
        assert_eq!(e["metadata"]["event_code"], f.check_id.as_ref());
        assert_eq!(e["status_code"], "fail");
        assert_eq!(
            (e["status_id"].as_u64(), &e["status"]),
            (Some(1), &Value::from("New"))
        );
        assert_eq!(e["severity_id"], ocsf_severity(f.severity).0);
        assert_eq!(e["finding_info"]["title"], f.title.as_ref());
        assert_eq!(e["finding_info"]["types"][0], f.category.as_str());
        assert_eq!(e["resources"][0]["uid"], f.resource.arn.as_ref());
        assert_eq!(e["resources"][0]["type"], "secret");
        assert_eq!(e["resources"][0]["region"], f.resource.region.as_ref());
        assert_eq!(e["resources"][0]["cloud_partition"], "aws");
        let secret = report
            .secrets
            .iter()
            .find(|s| s.arn == f.resource.arn.as_ref())
            .unwrap();
        let labels: Vec<String> = secret
            .tags
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        assert_eq!(e["resources"][0]["labels"], serde_json::json!(labels));
        assert_eq!(e["cloud"]["account"]["uid"], f.resource.account.as_ref());
        assert_eq!(e["cloud"]["account"]["type_id"], 10);
        assert_eq!(e["remediation"]["desc"], check.remediation.as_str());
        assert_eq!(e["message"], f.message.as_ref());
        assert_eq!(e["unmapped"]["evidence"], f.evidence());
        for r in &check.frameworks {
            assert!(
                e["unmapped"]["compliance"][&r.framework]
                    .as_array()
                    .is_some_and(|c| c.iter().any(|c| c == r.control.as_str())),
                "{} {} in {:#}",
                r.framework,
                r.control,
                e["unmapped"]
            );
        }

        let suppressed = report
            .findings
            .iter()
            .find(|f| f.status == Status::Suppressed)
            .expect("the demo config waives a finding");
        let e = ev
            .iter()
            .find(|e| e["finding_info"]["uid"] == suppressed.id.as_str())
            .unwrap();
        assert_eq!(
            (e["status_id"].as_u64(), e["status_code"].as_str()),
            (Some(3), Some("suppressed"))
        );
        assert!(e["unmapped"]["waiver"]["reason"].is_string());
    }

    #[test]
    fn compliance_findings_follow_the_control_status() {
        let mut report = demo();
        // Every control of the demo fails: give three of them the other statuses.
        let controls = &mut report.frameworks[0].controls;
        assert!(controls.len() >= 3);
        controls[0].status = ControlStatus::Pass;
        controls[1].status = ControlStatus::Error;
        controls[2].status = ControlStatus::NoData;
        let ev = events(&report);
        let mut seen = std::collections::BTreeSet::new();
        for fw in &report.frameworks {
            for c in &fw.controls {
                let uid = format!("{}:{}", fw.id, c.control);
                let e = ev
                    .iter()
                    .find(|e| e["finding_info"]["uid"] == uid.as_str())
                    .unwrap_or_else(|| panic!("no event for {uid}"));
                assert_eq!(e["class_uid"], COMPLIANCE_FINDING);
                assert_eq!(e["status_code"], c.status.as_str());
                assert_eq!(e["compliance"]["control"], c.control.as_str());
                let want = match c.status {
                    ControlStatus::Pass => 1,
                    ControlStatus::Fail => 3,
                    ControlStatus::Error | ControlStatus::NoData => 0,
                };
                assert_eq!(e["compliance"]["status_id"], want, "{uid}");
                assert_eq!(e["unmapped"]["fail"], c.fail);
                assert_eq!(
                    e["compliance"]["checks"].as_array().map(Vec::len),
                    Some(c.checks.len())
                );
                // The most severe of the control's checks that fail; informational if none.
                let worst = report
                    .checks
                    .iter()
                    .filter(|k| c.checks.contains(&k.id))
                    .filter(|k| k.counts.get(&Status::Fail).copied().unwrap_or(0) > 0)
                    .map(|k| ocsf_severity(k.severity).0)
                    .max()
                    .unwrap_or(1);
                assert_eq!(e["severity_id"], worst, "{uid}");
                seen.insert(c.status);
            }
        }
        assert_eq!(seen.len(), 4, "every control status is exercised");
    }

    #[test]
    fn baseline_changes_become_activities() {
        let report = demo();
        let mut baseline = crate::compare::Baseline {
            schema_version: report.schema_version,
            as_of: report.as_of,
            generated_at: report.generated_at,
            findings: report.findings.clone(),
            label: "baseline.json".into(),
        };
        // A failure of the baseline that is gone now, and one that now passes.
        let mut gone = baseline
            .findings
            .iter()
            .find(|f| f.status == Status::Fail)
            .unwrap()
            .clone();
        gone.id = "0000000000000000".into();
        baseline.findings.push(gone);
        let fixed = baseline
            .findings
            .iter_mut()
            .find(|f| f.status == Status::Pass)
            .unwrap();
        fixed.status = Status::Fail;
        let fixed_id = fixed.id.clone();
        let mut now = report.clone();
        crate::compare::compare(&mut now, &baseline);
        let ev = events(&now);
        let by_uid = |id: &str| {
            ev.iter()
                .filter(|e| e["finding_info"]["uid"] == id)
                .collect::<Vec<_>>()
        };
        let gone = by_uid("0000000000000000");
        assert_eq!(gone.len(), 1);
        assert_eq!(
            (
                gone[0]["activity_id"].as_u64(),
                gone[0]["status_id"].as_u64(),
                gone[0]["status_code"].as_str()
            ),
            (Some(3), Some(4), Some("resolved"))
        );
        let fixed = by_uid(&fixed_id);
        assert_eq!(fixed.len(), 1, "the current copy only");
        assert_eq!(
            (
                fixed[0]["activity_id"].as_u64(),
                fixed[0]["status_id"].as_u64(),
                fixed[0]["status_code"].as_str()
            ),
            (Some(3), Some(4), Some("pass"))
        );
        let still = now
            .findings
            .iter()
            .find(|f| f.change == Some(Change::StillFailing))
            .unwrap();
        assert_eq!(by_uid(&still.id)[0]["activity_id"], 2);
        assert_eq!(
            ev.iter()
                .filter(|e| e["class_uid"] == DETECTION_FINDING)
                .count(),
            now.findings.len() + 1
        );
    }

    #[test]
    fn attacker_text_stays_one_escaped_line() {
        let mut report = demo();
        let hostile = "x\n{\"class_uid\":2003}\u{2028}</script>\"";
        report.findings[0].message = hostile.to_string().into();
        report.secrets[0]
            .tags
            .insert(hostile.into(), hostile.into());
        let text = render(&report);
        let lines: Vec<&str> = text.lines().collect();
        let controls: usize = report.frameworks.iter().map(|f| f.controls.len()).sum();
        assert_eq!(lines.len(), report.findings.len() + controls);
        let first: Value = serde_json::from_str(lines[0]).expect("JSON");
        assert_eq!(first["message"], hostile);
    }

    #[test]
    fn partition_of_an_arn() {
        assert_eq!(
            partition("arn:aws-cn:secretsmanager:cn-north-1:1:secret:x"),
            Some("aws-cn")
        );
        assert_eq!(partition("arn::x"), None);
        assert_eq!(partition("config"), None);
        assert_eq!(partition(""), None);
    }
}
