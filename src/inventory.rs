//! The inventory: a versioned, serialisable snapshot of everything collection found.
//!
//! `collect` is the only producer that talks to AWS; `evaluate` only ever reads an
//! [`Inventory`]. Saving it with `secretlens collect -o inventory.json` lets an audit be
//! re-run later or elsewhere without AWS access. Every string in it came from AWS and is
//! attacker-controllable: render it escaped, never interpret it.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use crate::operation::Operation;

/// Bumped whenever a field changes meaning or a required field is added.
///
/// - 2: trails record their raw event selectors (`event_selectors`); the collector no longer
///   judges them (`management_reads`, `selectors` of schema 1 are still read).
pub const SCHEMA_VERSION: u32 = 2;

/// The oldest schema this version still reads.
pub const OLDEST_READABLE_SCHEMA: u32 = 1;

/// The name of the AWS managed key Secrets Manager uses when no key is given.
pub const DEFAULT_KEY_ALIAS: &str = "alias/aws/secretsmanager";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Inventory {
    pub schema_version: u32,
    /// `secretlens` version that collected it.
    pub tool_version: String,
    /// Where it came from: `aws`, `demo`, or `fixture`.
    pub source: String,
    /// When collection finished.
    pub collected_at: DateTime<Utc>,
    /// The instant to evaluate at when none is given on the command line (the demo account
    /// carries one so its report never drifts with the calendar).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of: Option<DateTime<Utc>>,
    /// Account ids covered.
    pub accounts: Vec<String>,
    /// `(account, region)` pairs that collection was asked to cover.
    pub scopes: Vec<Scope>,
    #[serde(default)]
    pub secrets: Vec<Secret>,
    #[serde(default)]
    pub kms_keys: Vec<KmsKey>,
    #[serde(default)]
    pub kms_aliases: Vec<KmsAlias>,
    /// Key references that `DescribeKey` answered with `NotFoundException`: the key (or
    /// alias) does not exist. A finding, unlike a failed call, which is a [`Gap`].
    #[serde(default)]
    pub missing_kms_keys: Vec<MissingKey>,
    /// IAM principals and policies per account (`GetAccountAuthorizationDetails`), when
    /// collected.
    #[serde(default)]
    pub iam: Vec<IamAccount>,
    /// CloudTrail per (account, region): trail coverage and a compact summary of the
    /// Secrets Manager events of the look-back window. Empty when not collected.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cloudtrail: Vec<CloudTrailRegion>,
    /// Credentials found in configuration outside Secrets Manager (Lambda, ECS, EC2, …): one
    /// entry per (account, region, source) that was collected. Empty when not collected.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exposure: Vec<ExposureScan>,
    /// Every call that failed: what could not be collected.
    #[serde(default)]
    pub gaps: Vec<Gap>,
    /// Per (account, region): how many calls were made, retried and throttled. Empty when not
    /// collected from AWS.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub call_stats: Vec<CallStats>,
    /// AWS Organizations: the SCPs and RCPs that govern the audited accounts. `None`: not
    /// collected (no access, or an inventory from before they were), so the access analysis
    /// says they were not evaluated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<OrgPolicies>,
}

/// The service control policies (SCPs) and resource control policies (RCPs) of the audited
/// accounts, read from AWS Organizations once per audit (management account or delegated
/// administrator).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct OrgPolicies {
    /// `o-…`; `None`: the caller's account is in no organization, so no SCP or RCP applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<String>,
    /// The management account: SCPs do not restrict its principals, RCPs not its resources.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub management_account: Option<String>,
    /// Whether `SERVICE_CONTROL_POLICY` is enabled on the root (not enabled: no SCP applies).
    #[serde(default)]
    pub scps_enabled: bool,
    /// Whether `RESOURCE_CONTROL_POLICY` is enabled on the root.
    #[serde(default)]
    pub rcps_enabled: bool,
    /// The audited accounts whose path from the root was read completely (an account missing
    /// here has a gap: its SCPs and RCPs are not evaluated).
    #[serde(default)]
    pub accounts: Vec<OrgAccountPath>,
    /// Every policy a path names, once.
    #[serde(default)]
    pub policies: Vec<OrgPolicy>,
}

/// One account's place in the organization: root, OUs, the account itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct OrgAccountPath {
    pub account: String,
    /// Root first, the account last.
    pub path: Vec<OrgTarget>,
}

/// A root, OU or account and the policies attached to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct OrgTarget {
    /// `r-…`, `ou-…` or the account id.
    pub id: String,
    pub kind: OrgTargetKind,
    /// Ids of the SCPs attached (empty when SCPs are not enabled).
    #[serde(default)]
    pub scps: Vec<String>,
    /// Ids of the RCPs attached (empty when RCPs are not enabled).
    #[serde(default)]
    pub rcps: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrgTargetKind {
    Root,
    OrganizationalUnit,
    Account,
}

impl OrgTargetKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OrgTargetKind::Root => "root",
            OrgTargetKind::OrganizationalUnit => "OU",
            OrgTargetKind::Account => "account",
        }
    }
}

/// An SCP or RCP and its document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct OrgPolicy {
    /// `p-…`
    pub id: String,
    pub name: String,
    pub policy_type: OrgPolicyType,
    /// The policy document as JSON text.
    pub content: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OrgPolicyType {
    ServiceControlPolicy,
    ResourceControlPolicy,
}

/// Where configuration was scanned for credentials.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum ExposureSource {
    /// Lambda function environment variables.
    Lambda,
    /// ECS task definitions: container `environment`, `command`, `entryPoint`.
    Ecs,
    /// EC2 instance user data, launch template versions and Auto Scaling launch configurations.
    Ec2,
    /// CloudFormation stack outputs and parameters (not NoEcho).
    Cloudformation,
    /// SSM `String` and `StringList` parameters.
    Ssm,
    /// CodeBuild `PLAINTEXT` environment variables.
    Codebuild,
    /// Step Functions state machine definitions.
    StepFunctions,
    /// AWS Batch job definitions.
    Batch,
}

impl ExposureSource {
    pub const ALL: [ExposureSource; 8] = [
        ExposureSource::Lambda,
        ExposureSource::Ecs,
        ExposureSource::Ec2,
        ExposureSource::Cloudformation,
        ExposureSource::Ssm,
        ExposureSource::Codebuild,
        ExposureSource::StepFunctions,
        ExposureSource::Batch,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ExposureSource::Lambda => "lambda",
            ExposureSource::Ecs => "ecs",
            ExposureSource::Ec2 => "ec2",
            ExposureSource::Cloudformation => "cloudformation",
            ExposureSource::Ssm => "ssm",
            ExposureSource::Codebuild => "codebuild",
            ExposureSource::StepFunctions => "step-functions",
            ExposureSource::Batch => "batch",
        }
    }

    pub fn parse(s: &str) -> Option<ExposureSource> {
        ExposureSource::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// One source scanned in one account and region. `complete` is false when a listing call
/// failed part-way (a [`Gap`] says which): resources not listed were not judged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ExposureScan {
    pub account: String,
    pub region: String,
    pub source: ExposureSource,
    pub complete: bool,
    /// Every resource listed, with or without hits (a clean resource is a `pass`).
    #[serde(default)]
    pub resources: Vec<ExposedResource>,
}

/// A resource whose configuration was scanned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ExposedResource {
    /// The resource's own ARN (function, task definition revision, instance, launch template,
    /// stack id, parameter, project, state machine, job definition).
    pub arn: String,
    pub name: String,
    /// `function`, `task-definition`, `instance`, `launch-template`, `launch-configuration`,
    /// `stack`, `parameter`, `project`, `state-machine`, `job-definition`.
    pub kind: String,
    #[serde(default)]
    pub hits: Vec<ExposureHit>,
    /// Parts that could not be judged, and why (oversized, undecodable, a per-resource call that
    /// failed). A resource with unjudged parts and no hit is an `error`, never a `pass`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<String>,
}

/// One credential found: where and what, never the value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ExposureHit {
    /// The variable, output or parameter name, or `userData line N`.
    pub location: String,
    pub rule_id: String,
    pub category: crate::report::scan::RuleCategory,
    pub severity: crate::vocab::Severity,
    /// As in `scan`: first 16 hex of SHA-256(rule id, NUL, secret).
    pub fingerprint: String,
    pub preview: String,
    /// An AWS access key id found (not a secret; linked to the account's IAM keys).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
}

#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
pub struct Scope {
    pub account: String,
    pub region: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Secret {
    pub arn: String,
    pub name: String,
    pub account: String,
    pub region: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `KmsKeyId` as the API returned it: absent (the default key), a key id, key ARN, alias
    /// name or alias ARN. See [`crate::kms::resolve_key`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotation_enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotation_lambda_arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotation_rules: Option<RotationRules>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_date: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_changed_date: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_rotated_date: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_accessed_date: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_rotation_date: Option<DateTime<Utc>>,
    /// Set when the secret is scheduled for deletion.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_date: Option<DateTime<Utc>>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// Set when another AWS service (RDS, Redshift …) manages the secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owning_service: Option<String>,
    /// `Type`: the partner of a managed external secret (rotated by Secrets Manager with the
    /// partner, without a Lambda); `None` for an ordinary secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_type: Option<String>,
    /// `ExternalSecretRotationRoleArn`: the role Secrets Manager assumes to rotate a managed
    /// external secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_rotation_role_arn: Option<String>,
    /// The keys of `ExternalSecretRotationMetadata` (their values are not kept).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub external_rotation_metadata_keys: Vec<String>,
    /// Set on replicas (and, by some endpoints, on primaries): the primary's region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_region: Option<String>,
    /// From `DescribeSecret`; `None` when it was not called for this secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replication: Option<Vec<Replica>>,
    /// The resource policy's JSON text as returned by `GetResourcePolicy`; `None` when the
    /// secret has none (or it was not collected: see `gaps`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_policy: Option<String>,
}

impl Secret {
    /// A replica lives in another region than its primary; findings are reported on the
    /// primary, never on the replica.
    pub fn is_replica(&self) -> bool {
        self.primary_region
            .as_deref()
            .is_some_and(|p| !p.is_empty() && p != self.region)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RotationRules {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub automatically_after_days: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule_expression: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Replica {
    pub region: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
    /// `InSync`, `Failed` or `InProgress`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_accessed_date: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct KmsKey {
    pub arn: String,
    pub key_id: String,
    pub account: String,
    pub region: String,
    /// `AWS` or `CUSTOMER`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_manager: Option<String>,
    /// `Enabled`, `Disabled`, `PendingDeletion`, …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deletion_date: Option<DateTime<Utc>>,
    /// Where the key material comes from: `AWS_KMS`, `EXTERNAL` (imported), `AWS_CLOUDHSM`
    /// or `EXTERNAL_KEY_STORE`. Only `AWS_KMS` keys support automatic rotation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    /// `GetKeyRotationStatus`; `None` when not collected (AWS managed keys rotate yearly).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotation_enabled: Option<bool>,
    /// The key policy's JSON text, when collected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// The key's grants (`ListGrants`, customer managed keys only); `None` when not collected
    /// (a `ListGrants` gap, or an inventory from before grants were collected).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grants: Option<Vec<KmsGrant>>,
    /// More grants than collection keeps ([`KmsGrant`]s are bounded per key): `grants` is
    /// partial.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub grants_truncated: bool,
}

/// One grant on a KMS key (`ListGrants`), bounded: the name and the constraints are text
/// whoever may create grants chooses.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct KmsGrant {
    pub grant_id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// `GranteePrincipal` (an ARN, an account, a service principal); empty when absent.
    #[serde(default)]
    pub grantee: String,
    /// `Decrypt`, `Encrypt`, `CreateGrant`, …
    #[serde(default)]
    pub operations: Vec<String>,
    /// `EncryptionContextEquals`: the request's encryption context must be exactly this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption_context_equals: Option<BTreeMap<String, String>>,
    /// `EncryptionContextSubset`: the request's encryption context must include these pairs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption_context_subset: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct KmsAlias {
    pub account: String,
    pub region: String,
    /// `alias/…`
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    /// Absent for AWS managed aliases whose key was never created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_key_id: Option<String>,
}

/// A key reference that does not exist: `DescribeKey` in `account`/`region` answered
/// `NotFoundException` for `reference` (as the secret or replica gave it: key id, key ARN,
/// alias name or alias ARN).
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
pub struct MissingKey {
    pub account: String,
    pub region: String,
    pub reference: String,
}

/// What the calls to one (account, region) went through: retries, throttling, server errors.
/// Attempts are counted by the retry layer (`collect::retry`); with the SDK's own retry modes
/// (`retry_mode = "sdk-…"`) each call counts as one attempt.
#[derive(
    Debug,
    Clone,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
pub struct CallStats {
    pub account: String,
    pub region: String,
    /// API calls (each may take several attempts).
    pub calls: u64,
    pub attempts: u64,
    /// Calls that needed more than one attempt.
    pub retried_calls: u64,
    /// Attempts answered with throttling.
    pub throttled: u64,
    /// Attempts answered with HTTP 5xx or a transient service error.
    pub server_errors: u64,
    /// Attempts that timed out, lost the connection or got an unreadable answer.
    pub transport_errors: u64,
    /// Calls that reached the second pass (their time budget was spent).
    pub second_pass_calls: u64,
    /// Calls whose retries ran out on a transient failure (throttling, server or transport
    /// errors): each is also a gap. A call throttled and then answered with a permanent error
    /// (AccessDenied, NotFound) is not counted here.
    pub failed_after_retries: u64,
}

impl CallStats {
    /// Adds `other`'s counts to these; the scope (`account`, `region`) stays.
    pub fn add(&mut self, other: &CallStats) {
        // Destructured so that a new counter cannot be left out of the sum.
        let CallStats {
            account: _,
            region: _,
            calls,
            attempts,
            retried_calls,
            throttled,
            server_errors,
            transport_errors,
            second_pass_calls,
            failed_after_retries,
        } = other;
        self.calls += calls;
        self.attempts += attempts;
        self.retried_calls += retried_calls;
        self.throttled += throttled;
        self.server_errors += server_errors;
        self.transport_errors += transport_errors;
        self.second_pass_calls += second_pass_calls;
        self.failed_after_retries += failed_after_retries;
    }
}

/// A call that failed. Checks that needed its data report `error` for the resources it
/// covers, and SL901 reports the gap itself.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
pub struct Gap {
    pub account: String,
    pub region: String,
    /// API operation, e.g. `ListSecrets`.
    pub operation: Operation,
    /// ARN or identifier of what the call was about; empty for region-wide calls.
    #[serde(default)]
    pub resource: String,
    /// AWS error code (`AccessDeniedException`, `ThrottlingException`) or a transport error
    /// kind (`DispatchFailure`, `Timeout`).
    pub error_code: String,
    #[serde(default)]
    pub message: String,
    /// Why, in plain language ([`crate::cause::describe`]): "could not reach the endpoint:
    /// connection refused", "access denied by an explicit deny in a service control policy".
    /// Filled in when an older inventory without it is read.
    #[serde(default)]
    pub cause: String,
}

impl Gap {
    /// A gap with its plain-language cause.
    pub fn new(
        account: impl Into<String>,
        region: impl Into<String>,
        operation: Operation,
        resource: impl Into<String>,
        error_code: impl Into<String>,
        message: impl Into<String>,
    ) -> Gap {
        let (error_code, message) = (error_code.into(), message.into());
        Gap {
            cause: crate::cause::describe(&operation, &error_code, &message),
            account: account.into(),
            region: region.into(),
            operation,
            resource: resource.into(),
            error_code,
            message,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum InventoryError {
    #[error("cannot read inventory {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} is not a secretlens inventory: {source}")]
    Parse {
        path: String,
        source: serde_json::Error,
    },
    #[error(
        "{path} has inventory schema_version {found}, this secretlens reads versions {OLDEST_READABLE_SCHEMA} to {SCHEMA_VERSION}: re-run `secretlens collect` with this version"
    )]
    Version { path: String, found: u64 },
}

impl Inventory {
    pub fn empty(source: &str, collected_at: DateTime<Utc>) -> Self {
        Inventory {
            schema_version: SCHEMA_VERSION,
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            source: source.to_string(),
            collected_at,
            as_of: None,
            accounts: Vec::new(),
            scopes: Vec::new(),
            secrets: Vec::new(),
            kms_keys: Vec::new(),
            kms_aliases: Vec::new(),
            missing_kms_keys: Vec::new(),
            iam: Vec::new(),
            cloudtrail: Vec::new(),
            exposure: Vec::new(),
            gaps: Vec::new(),
            call_stats: Vec::new(),
            organization: None,
        }
    }

    /// Parses inventory JSON, checking the schema version before the shape so that an
    /// inventory from another version gets a message about versions, not about fields.
    pub fn from_json(path: &str, text: &str) -> Result<Self, InventoryError> {
        // The version first (skimming the rest), so that another version's inventory is
        // reported as such rather than as whichever field no longer parses.
        #[derive(Deserialize)]
        struct Version {
            schema_version: Option<serde_json::Value>,
        }
        let version: Version =
            serde_json::from_str(text).map_err(|source| InventoryError::Parse {
                path: path.to_string(),
                source,
            })?;
        let found = version.schema_version.as_ref().and_then(|v| v.as_u64());
        match found {
            // Schema 1 differs only in the trails' selectors, which serde reads into the
            // legacy fields of `TrailInfo`.
            Some(v)
                if (u64::from(OLDEST_READABLE_SCHEMA)..=u64::from(SCHEMA_VERSION)).contains(&v) => {
            }
            Some(v) => {
                return Err(InventoryError::Version {
                    path: path.to_string(),
                    found: v,
                });
            }
            None => {
                return Err(InventoryError::Parse {
                    path: path.to_string(),
                    source: serde::de::Error::custom("missing field `schema_version`"),
                });
            }
        }
        let mut inv: Inventory =
            serde_json::from_str(text).map_err(|source| InventoryError::Parse {
                path: path.to_string(),
                source,
            })?;
        // A hand-made or generated inventory may be in any order; evaluation and the
        // reports rely on the canonical one.
        inv.normalise();
        Ok(inv)
    }

    /// [`Inventory::from_json`] on bytes (an object read from S3): bytes that are not UTF-8
    /// are a parse error like any other. `path` names the source in errors.
    pub fn from_slice(path: &str, bytes: &[u8]) -> Result<Self, InventoryError> {
        let text = std::str::from_utf8(bytes).map_err(|e| InventoryError::Parse {
            path: path.to_string(),
            source: serde::de::Error::custom(format!("not UTF-8 text: {e}")),
        })?;
        Self::from_json(path, text)
    }

    pub fn load(path: &str) -> Result<Self, InventoryError> {
        let text = std::fs::read_to_string(path).map_err(|source| InventoryError::Read {
            path: path.to_string(),
            source,
        })?;
        Self::from_json(path, &text)
    }

    /// Sorts everything so that the same collection always serialises identically.
    pub fn normalise(&mut self) {
        self.accounts.sort();
        self.accounts.dedup();
        self.scopes.sort();
        self.scopes.dedup();
        self.secrets.sort_by(|a, b| {
            (&a.account, &a.region, &a.name, &a.arn).cmp(&(&b.account, &b.region, &b.name, &b.arn))
        });
        self.kms_keys.sort_by(|a, b| a.arn.cmp(&b.arn));
        self.kms_keys.dedup_by(|a, b| a.arn == b.arn);
        self.kms_aliases.sort_by(|a, b| {
            (&a.account, &a.region, &a.name).cmp(&(&b.account, &b.region, &b.name))
        });
        self.iam.sort_by(|a, b| a.account.cmp(&b.account));
        for a in &mut self.iam {
            a.users.sort_by(|x, y| x.arn.cmp(&y.arn));
            a.groups.sort_by(|x, y| x.arn.cmp(&y.arn));
            a.roles.sort_by(|x, y| x.arn.cmp(&y.arn));
            a.policies.sort_by(|x, y| x.arn.cmp(&y.arn));
        }
        self.missing_kms_keys.sort();
        self.missing_kms_keys.dedup();
        self.cloudtrail
            .sort_by(|a, b| (&a.account, &a.region).cmp(&(&b.account, &b.region)));
        for c in &mut self.cloudtrail {
            if let Some(t) = &mut c.trails {
                t.sort_by(|x, y| x.arn.cmp(&y.arn));
            }
        }
        self.exposure.sort_by(|a, b| {
            (&a.account, &a.region, a.source).cmp(&(&b.account, &b.region, b.source))
        });
        for e in &mut self.exposure {
            e.resources.sort_by(|x, y| x.arn.cmp(&y.arn));
        }
        for g in &mut self.gaps {
            if g.cause.is_empty() {
                g.cause = crate::cause::describe(&g.operation, &g.error_code, &g.message);
            }
        }
        self.gaps.sort();
        self.gaps.dedup();
        if let Some(o) = &mut self.organization {
            // Paths stay root first: their order is their meaning.
            o.accounts.sort_by(|a, b| a.account.cmp(&b.account));
            o.accounts.dedup_by(|a, b| a.account == b.account);
            o.policies.sort_by(|a, b| a.id.cmp(&b.id));
            o.policies.dedup_by(|a, b| a.id == b.id);
        }
    }

    /// The gaps recorded for one operation on one resource.
    pub fn gaps_for<'a>(
        &'a self,
        operation: Operation,
        resource: &'a str,
    ) -> impl Iterator<Item = &'a Gap> + 'a {
        self.gaps
            .iter()
            .filter(move |g| g.operation == operation && g.resource == resource)
    }
}

/// One account's IAM principals and the policies attached to them. Policy documents are
/// kept as JSON text, URL-decoded.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct IamAccount {
    pub account: String,
    #[serde(default)]
    pub users: Vec<IamUser>,
    #[serde(default)]
    pub groups: Vec<IamGroup>,
    #[serde(default)]
    pub roles: Vec<IamRole>,
    /// Managed policies (customer managed, and AWS managed ones that are attached), with
    /// their default version's document.
    #[serde(default)]
    pub policies: Vec<ManagedPolicy>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct InlinePolicy {
    pub name: String,
    pub document: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct IamUser {
    pub arn: String,
    pub name: String,
    #[serde(default)]
    pub user_id: String,
    /// Group names.
    #[serde(default)]
    pub groups: Vec<String>,
    #[serde(default)]
    pub inline_policies: Vec<InlinePolicy>,
    /// Managed policy ARNs.
    #[serde(default)]
    pub attached_policies: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions_boundary: Option<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// From `ListAccessKeys`; `None` when not collected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_keys: Option<Vec<AccessKey>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AccessKey {
    pub id: String,
    /// `Active` or `Inactive`.
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct IamGroup {
    pub arn: String,
    pub name: String,
    #[serde(default)]
    pub inline_policies: Vec<InlinePolicy>,
    #[serde(default)]
    pub attached_policies: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct IamRole {
    pub arn: String,
    pub name: String,
    #[serde(default)]
    pub role_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trust_policy: Option<String>,
    #[serde(default)]
    pub inline_policies: Vec<InlinePolicy>,
    #[serde(default)]
    pub attached_policies: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions_boundary: Option<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ManagedPolicy {
    pub arn: String,
    pub name: String,
    /// The default version's document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<String>,
}

/// CloudTrail as seen from one (account, region): the trails that apply to the region and
/// what `LookupEvents` returned for Secrets Manager in the look-back window. Never raw
/// events: per secret, who read it and how rotations went.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CloudTrailRegion {
    pub account: String,
    pub region: String,
    /// `DescribeTrails` (shadow trails included: multi-region and organization trails from
    /// other regions); `None` when it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trails: Option<Vec<TrailInfo>>,
    /// The `LookupEvents` window; `None` when the lookup failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lookup: Option<EventLookup>,
    /// Per secret (its ARN when the event named a collected secret, else the id the event
    /// gave), the activity of the window.
    #[serde(default)]
    pub secrets: BTreeMap<String, SecretActivity>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TrailInfo {
    pub arn: String,
    pub name: String,
    pub home_region: String,
    pub multi_region: bool,
    pub organization: bool,
    /// `GetTrailStatus`; `None` when it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_logging: Option<bool>,
    /// `GetEventSelectors`, as returned (bounded); `None` when it failed. Whether they record
    /// Secrets Manager reads is SL801's judgement, made at evaluation
    /// ([`crate::checks`]`::support::cloudtrail`), not collection's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_selectors: Option<EventSelectors>,
    /// Schema 1 only (read, never written): the collector's own verdict on whether the selectors
    /// log management read events, from before the raw selectors were recorded.
    #[serde(rename = "management_reads", default, skip_serializing)]
    pub legacy_management_reads: Option<bool>,
    /// Schema 1 only (read, never written): why, in the collector's words.
    #[serde(rename = "selectors", default, skip_serializing)]
    pub legacy_selectors: String,
}

/// A trail's event selectors as `GetEventSelectors` returns them: basic or advanced (a trail
/// uses one kind or the other; none returned means the default, all management events).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct EventSelectors {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub basic: Vec<BasicEventSelector>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub advanced: Vec<AdvancedEventSelector>,
}

/// A basic event selector (its data resources are not recorded: they never select management
/// events).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct BasicEventSelector {
    /// `ReadOnly`, `WriteOnly` or `All`; `None` when AWS gave none (= `All`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_write_type: Option<String>,
    /// `None` when AWS gave none (= true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_management_events: Option<bool>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude_management_event_sources: Vec<String>,
}

/// An advanced event selector: every field selector must match.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AdvancedEventSelector {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default)]
    pub field_selectors: Vec<FieldSelector>,
}

/// One field of an advanced event selector with its operators.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct FieldSelector {
    pub field: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub equals: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_equals: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub starts_with: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_starts_with: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ends_with: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_ends_with: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct EventLookup {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// Events returned (all Secrets Manager events, before filtering by name).
    pub events: u64,
    /// Events whose `CloudTrailEvent` JSON was missing, malformed or truncated.
    #[serde(default)]
    pub malformed: u64,
    /// The page, event or time bound stopped the lookup before the window was exhausted.
    #[serde(default)]
    pub truncated: bool,
}

/// One secret's CloudTrail activity in the window.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SecretActivity {
    /// Principals that called `GetSecretValue`/`BatchGetSecretValue` on it, by principal.
    #[serde(default)]
    pub readers: Vec<ReaderActivity>,
    #[serde(default)]
    pub rotation: RotationOutcomes,
    /// Other management events by name (`PutResourcePolicy`, `RotateSecret`, …): count.
    #[serde(default)]
    pub changes: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ReaderActivity {
    /// IAM user ARN, role ARN (for assumed-role sessions), `root` ARN, federated user ARN or
    /// the AWS service name.
    pub principal: String,
    /// `IAMUser`, `AssumedRole`, `Root`, `FederatedUser`, `AWSService`, `AWSAccount`, …
    pub kind: String,
    /// The caller's account.
    #[serde(default)]
    pub account: String,
    /// Successful reads.
    pub count: u64,
    /// Attempts that failed (`errorCode` set, e.g. `AccessDenied`).
    #[serde(default)]
    pub errors: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last: Option<DateTime<Utc>>,
    /// Distinct source IPs (or service names), at most 10.
    #[serde(default)]
    pub source_ips: Vec<String>,
    /// Distinct user agents, at most 5 (each truncated).
    #[serde(default)]
    pub user_agents: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RotationOutcomes {
    pub succeeded: u64,
    pub failed: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_succeeded: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_failed: Option<DateTime<Utc>>,
}

impl Inventory {
    /// CloudTrail data of the secret's (account, region), when collected.
    pub fn cloudtrail_for(&self, account: &str, region: &str) -> Option<&CloudTrailRegion> {
        self.cloudtrail
            .iter()
            .find(|c| c.account == account && c.region == region)
    }
}

#[cfg(test)]
mod tests {
    use super::CallStats;

    #[test]
    fn call_stats_add_sums_every_counter_and_keeps_the_scope() {
        let mut a = CallStats {
            account: "111111111111".into(),
            region: "eu-west-1".into(),
            calls: 1,
            attempts: 2,
            retried_calls: 3,
            throttled: 4,
            server_errors: 5,
            transport_errors: 6,
            second_pass_calls: 7,
            failed_after_retries: 8,
        };
        let b = CallStats {
            account: "222222222222".into(),
            region: "us-east-1".into(),
            calls: 10,
            attempts: 20,
            retried_calls: 30,
            throttled: 40,
            server_errors: 50,
            transport_errors: 60,
            second_pass_calls: 70,
            failed_after_retries: 80,
        };
        a.add(&b);
        assert_eq!(
            a,
            CallStats {
                account: "111111111111".into(),
                region: "eu-west-1".into(),
                calls: 11,
                attempts: 22,
                retried_calls: 33,
                throttled: 44,
                server_errors: 55,
                transport_errors: 66,
                second_pass_calls: 77,
                failed_after_retries: 88,
            }
        );
    }
}
