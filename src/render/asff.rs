//! AWS Security Finding Format (ASFF 2018-10-08): `--format asff` writes `report.asff.json`
//! (a JSON array, the shape `aws securityhub batch-import-findings --findings` takes) and
//! `audit --securityhub` imports the failing findings (src/destinations/securityhub.rs).
//!
//! One ASFF finding per report finding that was assessed (`not_applicable` ones are left out):
//!
//! | status       | Compliance.Status | RecordState |
//! |--------------|-------------------|-------------|
//! | `fail`       | FAILED            | ACTIVE      |
//! | `error`      | NOT_AVAILABLE     | ACTIVE      |
//! | `suppressed` | FAILED            | ARCHIVED    |
//! | `pass`       | PASSED            | ARCHIVED    |
//!
//! `Id` is the report's stable finding id prefixed with `secretlens/`, so a re-import updates
//! the finding instead of adding one. `ProductArn` is the account's own default product
//! (`arn:PARTITION:securityhub:REGION:ACCOUNT:product/ACCOUNT/default`): a product that is not
//! a Security Hub partner may only import findings into the account that runs it. Text from
//! AWS (names, tags) goes through serde and is cut to ASFF's field limits.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::Path;

use serde::Serialize;

use crate::report::{CheckSummary, Finding, Report};
use crate::vocab::{Severity, Status};

/// The file `--format asff` writes next to report.json.
pub const FILE_NAME: &str = "report.asff.json";
pub const SCHEMA_VERSION: &str = "2018-10-08";
/// Every secretlens finding's `GeneratorId` starts with this, and its `Id` too.
pub const ID_PREFIX: &str = "secretlens/";

// ASFF field limits (AwsSecurityFinding in the Security Hub API reference).
const TITLE_MAX: usize = 256;
const DESCRIPTION_MAX: usize = 1024;
const RECOMMENDATION_MAX: usize = 512;
const PRODUCT_FIELD_VALUE_MAX: usize = 2048;
const TAG_KEY_MAX: usize = 128;
const TAG_VALUE_MAX: usize = 256;
const TAGS_MAX: usize = 50;
const RELATED_REQUIREMENTS_MAX: usize = 32;
const RELATED_REQUIREMENT_MAX: usize = 256;

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct AsffFinding {
    pub schema_version: &'static str,
    pub id: String,
    pub product_arn: String,
    pub generator_id: String,
    pub aws_account_id: String,
    pub region: String,
    pub types: Vec<&'static str>,
    pub created_at: String,
    pub updated_at: String,
    pub severity: AsffSeverity,
    pub title: String,
    pub description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remediation: Option<AsffRemediation>,
    pub product_fields: BTreeMap<String, String>,
    pub resources: Vec<AsffResource>,
    pub compliance: AsffCompliance,
    pub record_state: &'static str,
    pub company_name: &'static str,
    pub product_name: &'static str,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct AsffSeverity {
    pub label: &'static str,
    pub original: &'static str,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct AsffRemediation {
    pub recommendation: AsffRecommendation,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct AsffRecommendation {
    pub text: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct AsffResource {
    #[serde(rename = "Type")]
    pub kind: &'static str,
    pub id: String,
    pub partition: String,
    pub region: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct AsffCompliance {
    pub status: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related_requirements: Vec<String>,
}

/// Builds ASFF findings from one report (its check summaries, tags and time).
pub struct Builder<'a> {
    report: &'a Report,
    checks: HashMap<&'a str, &'a CheckSummary>,
    tags: HashMap<&'a str, &'a BTreeMap<String, String>>,
    time: String,
}

impl<'a> Builder<'a> {
    pub fn new(report: &'a Report) -> Builder<'a> {
        Builder {
            report,
            checks: report.checks.iter().map(|c| (c.id.as_str(), c)).collect(),
            tags: report
                .secrets
                .iter()
                .map(|s| (s.arn.as_str(), &s.tags))
                .collect(),
            time: report
                .generated_at
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        }
    }

    /// The finding's ASFF form, or None for a `not_applicable` one.
    pub fn finding(&self, f: &Finding) -> Option<AsffFinding> {
        let (compliance, record_state) = match f.status {
            Status::Fail => ("FAILED", "ACTIVE"),
            Status::Error => ("NOT_AVAILABLE", "ACTIVE"),
            Status::Suppressed => ("FAILED", "ARCHIVED"),
            Status::Pass => ("PASSED", "ARCHIVED"),
            Status::NotApplicable => return None,
        };
        let r = &f.resource;
        let partition = partition(&r.arn).to_string();
        let account = r.account.to_string();
        let region = r.region.to_string();
        let check = self.checks.get(f.check_id.as_ref()).copied();
        let mut fields = BTreeMap::new();
        let mut field = |k: &str, v: &str| {
            fields.insert(format!("secretlens/{k}"), cut(v, PRODUCT_FIELD_VALUE_MAX));
        };
        field("CheckId", &f.check_id);
        field("CheckName", &f.check_name);
        field("Category", f.category.as_str());
        field("Status", f.status.as_str());
        field("FindingId", &f.id);
        field("ResourceName", &r.name);
        if let Some(w) = &f.waiver {
            field("Waiver", &serde_json::to_string(w).unwrap_or_default());
        }
        if let Some(cli) = check
            .map(|c| c.remediation_cli.as_str())
            .filter(|s| !s.is_empty())
        {
            field("RemediationCli", cli);
        }
        fields.insert("ProviderName".into(), self.report.tool.name.clone());
        fields.insert("ProviderVersion".into(), self.report.tool.version.clone());
        let tags = self
            .tags
            .get(r.arn.as_ref())
            .map(|t| {
                t.iter()
                    .take(TAGS_MAX)
                    .map(|(k, v)| (cut(k, TAG_KEY_MAX), cut(v, TAG_VALUE_MAX)))
                    .collect()
            })
            .unwrap_or_default();
        Some(AsffFinding {
            schema_version: SCHEMA_VERSION,
            id: format!("{ID_PREFIX}{}", f.id),
            product_arn: product_arn(&partition, &region, &account),
            generator_id: format!("{ID_PREFIX}{}", f.check_id),
            aws_account_id: account,
            region: region.clone(),
            types: types(f),
            created_at: self.time.clone(),
            updated_at: self.time.clone(),
            severity: AsffSeverity {
                label: label(f.severity),
                original: f.severity.as_str(),
            },
            title: cut(
                &format!("{} {}: {}", f.check_id, f.title, r.name),
                TITLE_MAX,
            ),
            description: cut(&f.message, DESCRIPTION_MAX),
            remediation: check
                .filter(|c| !c.remediation.is_empty())
                .map(|c| AsffRemediation {
                    recommendation: AsffRecommendation {
                        text: cut(&c.remediation, RECOMMENDATION_MAX),
                    },
                }),
            product_fields: fields,
            resources: vec![AsffResource {
                kind: resource_type(&r.kind),
                id: r.arn.to_string(),
                partition,
                region,
                tags,
            }],
            compliance: AsffCompliance {
                status: compliance,
                related_requirements: check
                    .map(|c| {
                        c.frameworks
                            .iter()
                            .take(RELATED_REQUIREMENTS_MAX)
                            .map(|fr| {
                                cut(
                                    &format!("{} {}", fr.framework, fr.control),
                                    RELATED_REQUIREMENT_MAX,
                                )
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
            },
            record_state,
            company_name: "secretlens",
            product_name: "secretlens",
        })
    }

    /// Every assessed finding of the report, in report order.
    pub fn all(&self) -> Vec<AsffFinding> {
        self.report
            .findings
            .iter()
            .filter_map(|f| self.finding(f))
            .collect()
    }
}

/// `report.asff.json`: a JSON array of the report's assessed findings.
pub fn write_to(report: &Report, path: &Path) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    serde_json::to_writer_pretty(&mut out, &Builder::new(report).all())?;
    out.write_all(b"\n")?;
    out.flush()
}

/// The account's own Security Hub product, the only one a non-partner may import into.
pub fn product_arn(partition: &str, region: &str, account: &str) -> String {
    format!("arn:{partition}:securityhub:{region}:{account}:product/{account}/default")
}

fn partition(arn: &str) -> &str {
    arn.split(':')
        .nth(1)
        .filter(|p| p.starts_with("aws"))
        .unwrap_or("aws")
}

fn label(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "CRITICAL",
        Severity::High => "HIGH",
        Severity::Medium => "MEDIUM",
        Severity::Low => "LOW",
        Severity::Info => "INFORMATIONAL",
    }
}

/// ASFF finding types (`namespace/category/classifier`).
fn types(f: &Finding) -> Vec<&'static str> {
    let mut t = vec!["Software and Configuration Checks/AWS Security Best Practices"];
    if f.category.as_str() == "exposure" {
        t.push("Sensitive Data Identifications/Passwords");
    }
    if f.category.as_str() == "access" {
        t.push("Effects/Data Exposure");
    }
    t
}

/// The ASFF resource type of a report resource kind; `Other` where ASFF has none.
fn resource_type(kind: &str) -> &'static str {
    match kind {
        "secret" => "AwsSecretsManagerSecret",
        "kms-key" => "AwsKmsKey",
        "function" => "AwsLambdaFunction",
        "iam-role" => "AwsIamRole",
        "iam-user" => "AwsIamUser",
        "instance" => "AwsEc2Instance",
        "launch-template" => "AwsEc2LaunchTemplate",
        "task-definition" => "AwsEcsTaskDefinition",
        "stack" => "AwsCloudFormationStack",
        "project" => "AwsCodeBuildProject",
        "state-machine" => "AwsStepFunctionStateMachine",
        "region" => "AwsAccount",
        _ => "Other",
    }
}

/// At most `max` characters, cut on a character boundary with an ellipsis; control
/// characters become spaces.
fn cut(s: &str, max: usize) -> String {
    let clean = |c: char| if c.is_control() { ' ' } else { c };
    if s.chars().count() <= max {
        return s.chars().map(clean).collect();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).map(clean).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo_report() -> Report {
        let inv = crate::demo::inventory();
        let cfg = crate::config::Config::default();
        let now = inv.as_of.unwrap_or(inv.collected_at);
        crate::evaluate::evaluate(&inv, &cfg, now)
    }

    #[test]
    fn every_assessed_finding_maps_with_its_status_and_limits() {
        let report = demo_report();
        let all = Builder::new(&report).all();
        let assessed = report
            .findings
            .iter()
            .filter(|f| f.status != Status::NotApplicable)
            .count();
        assert_eq!(all.len(), assessed);
        for (a, f) in all.iter().zip(
            report
                .findings
                .iter()
                .filter(|f| f.status != Status::NotApplicable),
        ) {
            assert_eq!(a.id, format!("secretlens/{}", f.id));
            assert_eq!(a.aws_account_id, f.resource.account.as_ref());
            assert!(a.product_arn.ends_with(&format!(
                ":{}:product/{}/default",
                f.resource.account, f.resource.account
            )));
            assert!(a.title.chars().count() <= TITLE_MAX);
            assert!(a.description.chars().count() <= DESCRIPTION_MAX);
            let expected = match f.status {
                Status::Fail => ("FAILED", "ACTIVE"),
                Status::Error => ("NOT_AVAILABLE", "ACTIVE"),
                Status::Suppressed => ("FAILED", "ARCHIVED"),
                _ => ("PASSED", "ARCHIVED"),
            };
            assert_eq!((a.compliance.status, a.record_state), expected, "{}", f.id);
        }
        let secret = all
            .iter()
            .find(|a| a.resources[0].kind == "AwsSecretsManagerSecret")
            .expect("a secret finding");
        assert!(
            secret.resources[0]
                .id
                .starts_with("arn:aws:secretsmanager:")
        );
        // Ids are unique: a re-import updates, never duplicates.
        let ids: std::collections::HashSet<&str> = all.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids.len(), all.len());
    }

    #[test]
    fn hostile_text_is_cut_and_cleaned() {
        let long = format!("a\u{1b}[31m{}", "é".repeat(5000));
        let c = cut(&long, TITLE_MAX);
        assert_eq!(c.chars().count(), TITLE_MAX);
        assert!(!c.chars().any(char::is_control));
        assert!(c.ends_with('…'));
        assert_eq!(cut("short", 10), "short");
    }

    #[test]
    fn unknown_kinds_are_other_and_partitions_come_from_the_arn() {
        assert_eq!(resource_type("secret"), "AwsSecretsManagerSecret");
        assert_eq!(resource_type("api-call"), "Other");
        assert_eq!(
            partition("arn:aws-cn:secretsmanager:cn-north-1:1:secret:x"),
            "aws-cn"
        );
        assert_eq!(partition("not an arn"), "aws");
    }
}
