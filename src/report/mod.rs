//! The report model: what `evaluate` produces and every renderer consumes.
//!
//! `report.json` is this model serialised; it is the contract alert pipelines build on.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub mod scan;

pub use crate::inventory::{CallStats, Gap, ReaderActivity, Scope};
pub use crate::operation::Operation;
/// The shared vocabulary, re-exported: `report::Severity` is the path library users and the
/// checks know (see [`crate::vocab`]).
pub use crate::vocab::{Category, Severity, Status, ToolInfo, WaiverRef};

/// Bumped when a field of the report changes meaning or is removed, so that a reader of an
/// older report (`compare`, `--baseline`) can tell. Fields are also added without a bump:
/// an added field is `#[serde(default)]` (or optional), so that reports written before it
/// still read, and readers ignore fields they do not know. (Schema 2 gained
/// `checks[].remediation_cli` and `checks[].documentation` that way.)
pub const REPORT_SCHEMA_VERSION: u32 = 2;

/// Shared, immutable text: a secret's ARN, name, account and region are stored once and
/// shared by all of its findings (a 100,000-secret report has millions of findings).
pub type Text = std::sync::Arc<str>;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
pub struct Resource {
    #[serde(with = "arc_str")]
    #[schemars(with = "String")]
    pub arn: Text,
    #[serde(with = "arc_str")]
    #[schemars(with = "String")]
    pub name: Text,
    /// `secret`, `kms-key`, `region`, `config`.
    #[serde(rename = "type", with = "arc_str")]
    #[schemars(with = "String")]
    pub kind: Text,
    #[serde(with = "arc_str")]
    #[schemars(with = "String")]
    pub account: Text,
    #[serde(with = "arc_str")]
    #[schemars(with = "String")]
    pub region: Text,
}

impl Resource {
    pub fn new(
        arn: impl Into<Text>,
        name: impl Into<Text>,
        kind: impl Into<Text>,
        account: impl Into<Text>,
        region: impl Into<Text>,
    ) -> Resource {
        Resource {
            arn: arn.into(),
            name: name.into(),
            kind: kind.into(),
            account: account.into(),
            region: region.into(),
        }
    }
}

/// Serde for [`Text`] without serde's `rc` feature.
mod arc_str {
    use super::Text;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &Text, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(t)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Text, D::Error> {
        String::deserialize(d).map(Text::from)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct FrameworkRef {
    pub framework: String,
    pub control: String,
}

/// A finding's evidence: typed per check, kept as compact JSON text (one allocation instead
/// of a tree of maps; a large report holds millions of them).
#[derive(Clone, Serialize, Deserialize, JsonSchema)]
#[serde(transparent)]
pub struct Evidence(Box<serde_json::value::RawValue>);

impl Evidence {
    pub fn new(v: impl Serialize) -> Evidence {
        Evidence(serde_json::value::to_raw_value(&v).expect("evidence types are plain data"))
    }

    /// The compact JSON text.
    pub fn json(&self) -> &str {
        self.0.get()
    }

    /// The evidence as a JSON value (tests and callers that inspect fields).
    pub fn value(&self) -> serde_json::Value {
        serde_json::from_str(self.0.get()).expect("evidence is valid JSON")
    }

    /// No evidence: `null` or `{}`.
    pub fn is_empty(&self) -> bool {
        matches!(self.0.get(), "null" | "{}")
    }
}

impl Default for Evidence {
    fn default() -> Self {
        Evidence::new(serde_json::Value::Null)
    }
}

impl PartialEq for Evidence {
    fn eq(&self, other: &Self) -> bool {
        self.json() == other.json()
    }
}

impl fmt::Debug for Evidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.json())
    }
}

impl fmt::Display for Evidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if f.alternate() {
            write!(f, "{:#}", self.value())
        } else {
            f.write_str(self.json())
        }
    }
}

/// One check's verdict on one resource. The check's description (remediation, framework
/// controls, rationale) is in the report's `checks` list, once per check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Finding {
    /// Stable across runs: a hash of the check id and the resource ARN.
    pub id: String,
    pub check_id: Cow<'static, str>,
    pub check_name: Cow<'static, str>,
    pub title: Cow<'static, str>,
    pub category: Category,
    pub severity: Severity,
    pub status: Status,
    pub resource: Resource,
    pub message: Cow<'static, str>,
    /// Typed per check; see the check's documentation.
    pub evidence: Evidence,
    /// The waiver that suppressed this finding (only on `suppressed` findings).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiver: Option<Box<WaiverRef>>,
    /// With `--baseline`: how this finding compares to the baseline report (only on
    /// findings that fail now, or that failed in the baseline and no longer do).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change: Option<Change>,
}

impl Finding {
    /// The evidence as a JSON value.
    pub fn evidence(&self) -> serde_json::Value {
        self.evidence.value()
    }
}

/// The order of `findings` in a report: by check, account, region, resource ARN and id.
/// (The inventory's secrets are ordered by account, region and name, and an ARN is the name
/// plus a suffix, so a check's findings arrive almost sorted.)
pub fn finding_order(a: &Finding, b: &Finding) -> std::cmp::Ordering {
    (
        &a.check_id,
        &a.resource.account,
        &a.resource.region,
        &a.resource.arn,
        &a.id,
    )
        .cmp(&(
            &b.check_id,
            &b.resource.account,
            &b.resource.region,
            &b.resource.arn,
            &b.id,
        ))
}

/// How a finding compares to the same finding (same stable `id`) in a baseline report.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// Fails now; did not fail (or did not exist) in the baseline.
    New,
    /// Fails now and failed in the baseline.
    StillFailing,
    /// Failed in the baseline; does not fail now (passes, is suppressed, or is gone).
    Resolved,
}

impl Change {
    pub const ALL: [Change; 3] = [Change::New, Change::StillFailing, Change::Resolved];
    pub fn as_str(self) -> &'static str {
        match self {
            Change::New => "new",
            Change::StillFailing => "still_failing",
            Change::Resolved => "resolved",
        }
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The comparison with a baseline report (`--baseline PREVIOUS/report.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Comparison {
    /// The baseline report: as given on the command line.
    pub baseline: String,
    pub baseline_as_of: DateTime<Utc>,
    pub baseline_generated_at: DateTime<Utc>,
    pub new: usize,
    pub still_failing: usize,
    pub resolved: usize,
    /// The resolved findings, with the baseline's data (their `change` is `resolved`).
    pub resolved_findings: Vec<Finding>,
}

/// The stable finding id: the first 16 hex digits of SHA-256(check id, NUL, resource ARN).
pub fn finding_id(check_id: &str, resource_arn: &str) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(check_id.as_bytes());
    h.update([0u8]);
    h.update(resource_arn.as_bytes());
    let digest = h.finalize();
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut id = String::with_capacity(16);
    for b in &digest[..8] {
        id.push(HEX[usize::from(b >> 4)] as char);
        id.push(HEX[usize::from(b & 15)] as char);
    }
    id
}

/// Description of a check as it appears in the report: everything a renderer or a consumer
/// needs to explain and fix its findings without the binary (or with a newer one) — titles,
/// remediation, the CLI fix, the documentation and the framework controls. Renderers read
/// the check's description from here only, never from the check registry.
///
/// `remediation_cli` and `documentation` were added within schema version 2: reports written
/// before them read as empty (renderers then show no CLI fix and no documentation).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CheckSummary {
    pub id: String,
    pub name: String,
    pub title: String,
    pub category: Category,
    pub severity: Severity,
    /// One or two sentences: what to do.
    pub remediation: String,
    /// The AWS CLI command that fixes it, placeholders in capitals; empty when there is none.
    #[serde(default)]
    pub remediation_cli: String,
    /// The check's documentation: the Markdown body of `checks/SLnnn-name.md` (its sections
    /// *What it checks*, *Why it matters*, *Example*, *Known limitations*, *Remediation*).
    #[serde(default)]
    pub documentation: String,
    /// The framework controls the check maps to (from `checks/frameworks/`).
    pub frameworks: Vec<FrameworkRef>,
    pub counts: BTreeMap<Status, usize>,
}

/// Overall status of a framework control, from the findings of its checks.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ControlStatus {
    /// At least one finding fails.
    Fail,
    /// None fails, at least one could not be evaluated.
    Error,
    /// Every evaluated finding passes or is suppressed by a waiver.
    Pass,
    /// Nothing was evaluated (no findings, or only not applicable ones).
    NoData,
}

impl ControlStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ControlStatus::Fail => "fail",
            ControlStatus::Error => "error",
            ControlStatus::Pass => "pass",
            ControlStatus::NoData => "no_data",
        }
    }
}

/// One framework's roll-up: per control, the findings of the checks mapped to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FrameworkSummary {
    /// What `secretlens checks --framework` takes, e.g. `aws-fsbp`.
    pub id: String,
    /// The name findings use in `frameworks[].framework`, e.g. `AWS FSBP`.
    pub framework: String,
    pub title: String,
    pub version: String,
    pub url: String,
    pub controls: Vec<ControlSummary>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ControlSummary {
    pub control: String,
    pub title: String,
    pub checks: Vec<String>,
    pub pass: usize,
    pub fail: usize,
    pub error: usize,
    pub suppressed: usize,
    pub not_applicable: usize,
    pub status: ControlStatus,
}

/// A secret as shown in the report's per-secret view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SecretSummary {
    pub arn: String,
    pub name: String,
    pub account: String,
    pub region: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub tags: BTreeMap<String, String>,
    /// The key as resolved (`alias/aws/secretsmanager`, a key ARN …).
    pub kms_key: String,
    pub rotation: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_date: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_rotated_date: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_accessed_date: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted_date: Option<DateTime<Utc>>,
    pub replica_regions: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_policy: Option<String>,
    /// Who can read it (effective access; empty when IAM was not collected).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub readers: Vec<ReaderSummary>,
    /// Counts of this secret's findings by status.
    pub counts: BTreeMap<Status, usize>,
    /// The most severe failing finding, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worst_failing: Option<Severity>,
    /// Who read it, from CloudTrail (`GetSecretValue` events of the look-back window);
    /// `None` when the region's events were not collected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub did_read: Option<DidRead>,
}

/// The principals that read a secret in a CloudTrail window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DidRead {
    pub window_start: DateTime<Utc>,
    pub window_end: DateTime<Utc>,
    /// The lookup stopped at its bounds: older reads may be missing.
    pub truncated: bool,
    /// Principals with at least one successful read, most reads first.
    pub readers: Vec<ReaderActivity>,
}

/// One principal that can read a secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ReaderSummary {
    pub principal: String,
    /// `user`, `role`, `account`, `service`, `any`.
    pub kind: String,
    /// `allowed` or `conditional`.
    pub access: String,
    /// For conditional readers: the context keys the grant depends on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditional_on: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Summary {
    pub secrets: usize,
    /// Secrets with at least one failing finding of severity high or critical.
    pub secrets_failing_high: usize,
    pub findings: usize,
    pub by_status: BTreeMap<Status, usize>,
    /// Failing findings by severity.
    pub failing_by_severity: BTreeMap<Severity, usize>,
    /// Failing findings by category.
    pub failing_by_category: BTreeMap<Category, usize>,
    /// Failing findings by region.
    pub failing_by_region: BTreeMap<String, usize>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Report {
    pub schema_version: u32,
    pub tool: ToolInfo,
    /// When the report was produced. Equal to `as_of` unless the caller gives a wall clock.
    pub generated_at: DateTime<Utc>,
    /// The instant the posture was evaluated at.
    pub as_of: DateTime<Utc>,
    /// Where the inventory came from (`aws`, `demo`, `fixture`) and when it was collected.
    pub source: String,
    pub collected_at: DateTime<Utc>,
    pub accounts: Vec<String>,
    pub regions: Vec<String>,
    pub scopes: Vec<Scope>,
    /// The effective configuration the checks ran with.
    pub config: serde_json::Value,
    /// `false` when any call failed: some resources are `error`, not `pass`.
    pub coverage_complete: bool,
    pub gaps: Vec<Gap>,
    /// Per (account, region): calls made, retried, throttled (absent for demo and fixture
    /// inventories, which make no calls).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub call_stats: Vec<CallStats>,
    pub summary: Summary,
    pub checks: Vec<CheckSummary>,
    /// Per framework and control, the counts of the mapped checks' findings.
    pub frameworks: Vec<FrameworkSummary>,
    pub secrets: Vec<SecretSummary>,
    pub findings: Vec<Finding>,
    /// With `--baseline`: new, still failing and resolved findings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comparison: Option<Comparison>,
    /// With `--scan PATH`: the hardcoded-credential scan (same JSON as `secretlens scan
    /// --format json`: findings with redacted previews, never secrets, and its summary).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scan: Option<scan::ScanReport>,
}

impl Report {
    /// Failing findings at or above `threshold` (suppressed ones never count).
    pub fn failing_at_or_above(&self, threshold: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.status == Status::Fail && f.severity >= threshold)
            .count()
    }
}
