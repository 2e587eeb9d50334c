//! The shared vocabulary: the words the report, the scan, the waivers and the config all
//! speak (severity, status, category, the tool's name and version, the waiver a suppressed
//! finding carries). It imports nothing from the crate, so every module can import it without
//! a cycle.

use std::fmt;

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
    pub fn parse(s: &str) -> Option<Severity> {
        Severity::ALL
            .into_iter()
            .find(|v| v.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Fail,
    Error,
    Suppressed,
    Pass,
    NotApplicable,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::Fail,
        Status::Error,
        Status::Suppressed,
        Status::Pass,
        Status::NotApplicable,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Error => "error",
            Status::NotApplicable => "not_applicable",
            Status::Suppressed => "suppressed",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    Rotation,
    Usage,
    Naming,
    Tagging,
    Encryption,
    Replication,
    Access,
    Lifecycle,
    Logging,
    Collection,
    /// Credentials found outside Secrets Manager (Lambda, ECS, EC2, CloudFormation, SSM, …).
    Exposure,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Rotation => "rotation",
            Category::Usage => "usage",
            Category::Naming => "naming",
            Category::Tagging => "tagging",
            Category::Encryption => "encryption",
            Category::Replication => "replication",
            Category::Access => "access",
            Category::Lifecycle => "lifecycle",
            Category::Logging => "logging",
            Category::Collection => "collection",
            Category::Exposure => "exposure",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ToolInfo {
    pub name: String,
    pub version: String,
}

/// The check that reports expired and unused waivers; it cannot itself be waived.
pub const WAIVER_CHECK: &str = "SL902";

/// The waiver a suppressed finding carries in the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct WaiverRef {
    /// Position in the config's `[[waiver]]` list, from 0.
    pub index: usize,
    /// The resource pattern that matched.
    pub resource: String,
    pub reason: String,
    pub owner: String,
    /// Last day the waiver applies, `YYYY-MM-DD` (UTC).
    pub expires: NaiveDate,
}
