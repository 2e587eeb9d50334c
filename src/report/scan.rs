//! The result of `secretlens scan`: the data a report embeds with `--scan PATH` and the scan
//! JSON serialises. The scanner (the `scan` module) re-exports them; they live here, owned by
//! the report model, so that the report does not depend on the scanner.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::vocab::{Severity, ToolInfo};

/// Bumped when a field of the scan JSON changes meaning.
pub const SCAN_SCHEMA_VERSION: u32 = 1;

/// One hardcoded credential.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Finding {
    pub rule_id: String,
    pub description: String,
    /// The kind of credential (absent in scans written before categories existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<RuleCategory>,
    pub severity: Severity,
    /// Rules whose format carries a checksum: whether the token's checksum holds. A token that
    /// fails it keeps its finding, at severity `low` (a sample, a truncation or a typo).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum_valid: Option<bool>,
    /// Path relative to the scanned root (forward slashes), or the path in the repository.
    pub file: String,
    pub line: usize,
    /// 1-based, in Unicode scalar values.
    pub column: usize,
    /// SHA-256 of rule id, NUL, secret: first 16 hex digits. Stable across runs and files.
    pub fingerprint: String,
    /// First 4 and last 2 characters of the secret (less for short secrets).
    pub preview: String,
    /// History scans: the oldest commit (by commit time) whose tree has the secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author_date: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// History scans: the blob the secret was found in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blob: Option<String>,
    /// AWS access key findings: the key id (not a secret) and its decoded account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aws_account_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_status: Option<KeyStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_user: Option<String>,
    /// The file is test, fixture or example code: the severity was lowered to `low` (the
    /// finding is still reported; a key linked as active in the account is critical anyway).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub test_path: bool,
}

/// A file or object that could not be scanned, and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
pub struct Skipped {
    pub path: String,
    pub reason: String,
}

/// What linking says about a leaked access key id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum KeyStatus {
    /// The key exists and is active in the audited account: rotate it now.
    ActiveInThisAccount,
    /// The key exists in the audited account but is inactive.
    InactiveInThisAccount,
    /// The key is not one of the audited account's keys (deleted, another account, temporary).
    Unknown,
}

/// Run metadata and results; serialised as the scan JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ScanReport {
    pub schema_version: u32,
    pub tool: ToolInfo,
    pub generated_at: DateTime<Utc>,
    /// The scanned path as given.
    pub target: String,
    /// `tree` or `git`.
    pub mode: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    pub rules: Vec<String>,
    pub stats: Stats,
    /// Failing findings by severity.
    pub by_severity: BTreeMap<Severity, usize>,
    pub findings: Vec<Finding>,
    pub skipped: Vec<Skipped>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Stats {
    pub files_scanned: usize,
    pub bytes_scanned: u64,
    /// History scans: commits walked and distinct blobs scanned.
    pub commits: usize,
    pub blobs: usize,
    /// Findings dropped because their fingerprint is in the baseline.
    pub baselined: usize,
    pub duration_ms: u64,
}

impl ScanReport {
    /// Findings at or above `threshold`.
    pub fn at_or_above(&self, threshold: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity >= threshold)
            .count()
    }
}

/// What kind of credential a rule finds (reports group findings, and the evaluation grades
/// recall, by category).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum RuleCategory {
    Aws,
    Cloud,
    VcsCi,
    Registry,
    Chat,
    Payments,
    Ai,
    Saas,
    PrivateKey,
    PasswordHash,
    EncodedCredential,
    Jwt,
    Generic,
}

impl RuleCategory {
    pub const ALL: [RuleCategory; 13] = [
        RuleCategory::Aws,
        RuleCategory::Cloud,
        RuleCategory::VcsCi,
        RuleCategory::Registry,
        RuleCategory::Chat,
        RuleCategory::Payments,
        RuleCategory::Ai,
        RuleCategory::Saas,
        RuleCategory::PrivateKey,
        RuleCategory::PasswordHash,
        RuleCategory::EncodedCredential,
        RuleCategory::Jwt,
        RuleCategory::Generic,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RuleCategory::Aws => "aws",
            RuleCategory::Cloud => "cloud",
            RuleCategory::VcsCi => "vcs-ci",
            RuleCategory::Registry => "registry",
            RuleCategory::Chat => "chat",
            RuleCategory::Payments => "payments",
            RuleCategory::Ai => "ai",
            RuleCategory::Saas => "saas",
            RuleCategory::PrivateKey => "private-key",
            RuleCategory::PasswordHash => "password-hash",
            RuleCategory::EncodedCredential => "encoded-credential",
            RuleCategory::Jwt => "jwt",
            RuleCategory::Generic => "generic",
        }
    }

    pub fn parse(s: &str) -> Option<RuleCategory> {
        RuleCategory::ALL.into_iter().find(|c| c.as_str() == s)
    }
}
