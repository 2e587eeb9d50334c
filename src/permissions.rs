//! The IAM permission behind each [`Operation`] collection calls: its action, the feature that
//! makes the audit call it, and the checks that report `error` when it is denied. This is the
//! one table `secretlens doctor` tests, the README's least-privilege policy lists (a test
//! compares them) and the collection-gap documentation follows. SL901 fails for every gap, so
//! it is named in none of the lists.
//!
//! Required permissions ([`Need::Required`]) are those of the posture audit itself: Secrets
//! Manager, KMS and, with `collection.iam = true` (the default), IAM. The others are optional:
//! each belongs to a feature that can be turned off (`[cloudtrail]`, an `[exposure]` source)
//! or is only used with a flag (`--organization`, `--regions all`, `--role-name`). SCPs and RCPs
//! (AWS Organizations, read once per audit with the caller's credentials) are collected with
//! IAM; without them the access analysis says they were not evaluated.

use serde::Serialize;

use crate::inventory::ExposureSource;
use crate::operation::Operation;

/// What makes the audit call an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Feature {
    /// Always: `sts:GetCallerIdentity` (needs no permission).
    Identity,
    /// Always: Secrets Manager and KMS.
    Core,
    /// `collection.iam = true` (the default).
    Iam,
    /// `[cloudtrail] enabled = true` (the default).
    CloudTrail,
    /// The `[exposure]` source (all by default).
    Exposure(ExposureSource),
    /// `--organization`.
    Organizations,
    /// SCPs and RCPs in the access analysis: collected with IAM (`collection.iam = true`).
    OrgPolicies,
    /// `--regions all`.
    AllRegions,
    /// `--role-name` with `--accounts` or `--organization`.
    AssumeRole,
}

impl Feature {
    /// `core`, `iam`, `cloudtrail`, `exposure:lambda`, `organizations`, …
    pub fn name(self) -> String {
        match self {
            Feature::Identity => "identity".into(),
            Feature::Core => "core".into(),
            Feature::Iam => "iam".into(),
            Feature::CloudTrail => "cloudtrail".into(),
            Feature::Exposure(s) => format!("exposure:{}", s.as_str()),
            Feature::Organizations => "organizations".into(),
            Feature::OrgPolicies => "organization-policies".into(),
            Feature::AllRegions => "regions-all".into(),
            Feature::AssumeRole => "assume-role".into(),
        }
    }

    /// Whether the README's least-privilege policy lists it as required.
    pub fn need(self) -> Need {
        match self {
            Feature::Core | Feature::Iam => Need::Required,
            Feature::Identity => Need::None,
            _ => Need::Optional,
        }
    }
}

/// How much the audit depends on a permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Need {
    Required,
    Optional,
    /// `sts:GetCallerIdentity`: allowed for every principal.
    None,
}

impl Need {
    pub fn as_str(self) -> &'static str {
        match self {
            Need::Required => "required",
            Need::Optional => "optional",
            Need::None => "none",
        }
    }
}

/// The permission behind one operation.
#[derive(Debug, Clone, Copy)]
pub struct Permission {
    pub operation: &'static Operation,
    /// `service:Action`, as IAM policies name it.
    pub action: &'static str,
    pub feature: Feature,
    /// The checks that report `error` (for the resources concerned) when it is denied.
    pub checks: &'static [&'static str],
    /// What else happens when it is denied, in a few words.
    pub effect: &'static str,
}

const ACCESS: &[&str] = &["SL603", "SL604", "SL605", "SL606", "SL607"];
const KEY_RESOLUTION: &[&str] = &[
    "SL401", "SL402", "SL403", "SL404", "SL503", "SL603", "SL604", "SL605", "SL606",
];

/// The permission behind `op`; `None` for an operation this version does not know.
pub fn permission(op: &'static Operation) -> Option<Permission> {
    use ExposureSource as S;
    use Feature as F;
    let p = |action, feature, checks, effect| {
        Some(Permission {
            operation: op,
            action,
            feature,
            checks,
            effect,
        })
    };
    match op {
        Operation::ListSecrets => p(
            "secretsmanager:ListSecrets",
            F::Core,
            &[],
            "no secret of the region is listed: the region is not audited",
        ),
        Operation::DescribeSecret => p(
            "secretsmanager:DescribeSecret",
            F::Core,
            &["SL501", "SL502", "SL503"],
            "replication status unknown",
        ),
        Operation::GetResourcePolicy => p(
            "secretsmanager:GetResourcePolicy",
            F::Core,
            &["SL601", "SL602", "SL603", "SL604", "SL605", "SL606"],
            "who can read each secret is unknown",
        ),
        Operation::ListAliases => p(
            "kms:ListAliases",
            F::Core,
            KEY_RESOLUTION,
            "keys named by alias are unresolved",
        ),
        Operation::DescribeKey => p(
            "kms:DescribeKey",
            F::Core,
            KEY_RESOLUTION,
            "the secrets' keys are unresolved",
        ),
        Operation::GetKeyRotationStatus => p(
            "kms:GetKeyRotationStatus",
            F::Core,
            &["SL403"],
            "key rotation unknown",
        ),
        Operation::GetKeyPolicy => p(
            "kms:GetKeyPolicy",
            F::Core,
            &["SL404", "SL603", "SL604", "SL605", "SL606"],
            "key policies unknown",
        ),
        Operation::ListGrants => p(
            "kms:ListGrants",
            F::Core,
            &["SL604", "SL605", "SL606"],
            "access through the keys' grants unknown",
        ),
        Operation::GetAccountAuthorizationDetails => p(
            "iam:GetAccountAuthorizationDetails",
            F::Iam,
            ACCESS,
            "IAM principals and policies unknown",
        ),
        Operation::ListAccessKeys => p(
            "iam:ListAccessKeys",
            F::Iam,
            &["SL605"],
            "users' access keys unknown",
        ),
        Operation::GetAccessKeyLastUsed => p(
            "iam:GetAccessKeyLastUsed",
            F::Iam,
            &["SL605"],
            "users' access keys unknown",
        ),
        Operation::DescribeTrails => p(
            "cloudtrail:DescribeTrails",
            F::CloudTrail,
            &["SL801"],
            "trail coverage unknown",
        ),
        Operation::GetTrailStatus => p(
            "cloudtrail:GetTrailStatus",
            F::CloudTrail,
            &["SL801"],
            "trail coverage unknown",
        ),
        Operation::GetEventSelectors => p(
            "cloudtrail:GetEventSelectors",
            F::CloudTrail,
            &["SL801"],
            "trail coverage unknown",
        ),
        Operation::LookupEvents => p(
            "cloudtrail:LookupEvents",
            F::CloudTrail,
            &["SL802"],
            "no read events (and no rotation evidence on SL103)",
        ),
        Operation::ListRegions => p(
            "account:ListRegions",
            F::AllRegions,
            &[],
            "`--regions all` falls back to the configured region",
        ),
        Operation::AssumeRole => p(
            "sts:AssumeRole",
            F::AssumeRole,
            &[],
            "the account is not audited",
        ),
        Operation::GetCallerIdentity => p(
            "sts:GetCallerIdentity",
            F::Identity,
            &[],
            "nothing can be audited",
        ),
        Operation::ListAccounts => p(
            "organizations:ListAccounts",
            F::Organizations,
            &[],
            "`--organization` cannot run",
        ),
        Operation::DescribeOrganization
        | Operation::ListRoots
        | Operation::ListParents
        | Operation::ListPoliciesForTarget
        | Operation::DescribePolicy => p(
            match op {
                Operation::DescribeOrganization => "organizations:DescribeOrganization",
                Operation::ListRoots => "organizations:ListRoots",
                Operation::ListParents => "organizations:ListParents",
                Operation::ListPoliciesForTarget => "organizations:ListPoliciesForTarget",
                _ => "organizations:DescribePolicy",
            },
            F::OrgPolicies,
            &[],
            "SCPs and RCPs are not evaluated: readers they block are still listed",
        ),
        Operation::ListFunctions => p(
            "lambda:ListFunctions",
            F::Exposure(S::Lambda),
            &["SL001"],
            "",
        ),
        Operation::ListTaskDefinitions => p(
            "ecs:ListTaskDefinitions",
            F::Exposure(S::Ecs),
            &["SL002"],
            "",
        ),
        Operation::DescribeTaskDefinition => p(
            "ecs:DescribeTaskDefinition",
            F::Exposure(S::Ecs),
            &["SL002"],
            "",
        ),
        Operation::DescribeInstances => {
            p("ec2:DescribeInstances", F::Exposure(S::Ec2), &["SL003"], "")
        }
        Operation::DescribeInstanceAttribute => p(
            "ec2:DescribeInstanceAttribute",
            F::Exposure(S::Ec2),
            &["SL003"],
            "",
        ),
        Operation::DescribeLaunchTemplates => p(
            "ec2:DescribeLaunchTemplates",
            F::Exposure(S::Ec2),
            &["SL003"],
            "",
        ),
        Operation::DescribeLaunchTemplateVersions => p(
            "ec2:DescribeLaunchTemplateVersions",
            F::Exposure(S::Ec2),
            &["SL003"],
            "",
        ),
        Operation::DescribeLaunchConfigurations => p(
            "autoscaling:DescribeLaunchConfigurations",
            F::Exposure(S::Ec2),
            &["SL003"],
            "",
        ),
        Operation::DescribeStacks => p(
            "cloudformation:DescribeStacks",
            F::Exposure(S::Cloudformation),
            &["SL004"],
            "",
        ),
        Operation::DescribeParameters => p(
            "ssm:DescribeParameters",
            F::Exposure(S::Ssm),
            &["SL005"],
            "",
        ),
        Operation::GetParameters => p("ssm:GetParameters", F::Exposure(S::Ssm), &["SL005"], ""),
        Operation::ListProjects => p(
            "codebuild:ListProjects",
            F::Exposure(S::Codebuild),
            &["SL006"],
            "",
        ),
        Operation::BatchGetProjects => p(
            "codebuild:BatchGetProjects",
            F::Exposure(S::Codebuild),
            &["SL006"],
            "",
        ),
        Operation::ListStateMachines => p(
            "states:ListStateMachines",
            F::Exposure(S::StepFunctions),
            &["SL007"],
            "",
        ),
        Operation::DescribeStateMachine => p(
            "states:DescribeStateMachine",
            F::Exposure(S::StepFunctions),
            &["SL007"],
            "",
        ),
        Operation::DescribeJobDefinitions => p(
            "batch:DescribeJobDefinitions",
            F::Exposure(S::Batch),
            &["SL008"],
            "",
        ),
        Operation::Other(_) => None,
    }
}

/// Every known operation's permission, in [`Operation::KNOWN`] order.
pub fn all() -> Vec<Permission> {
    Operation::KNOWN.iter().filter_map(permission).collect()
}

/// The actions of the README's least-privilege policy statement `SecretlensReadOnlyAudit`.
pub fn required_actions() -> Vec<&'static str> {
    let mut v: Vec<&str> = all()
        .iter()
        .filter(|p| p.feature.need() == Need::Required)
        .map(|p| p.action)
        .collect();
    v.sort_unstable();
    v
}

/// The actions of the README's `SecretlensOptional` statement: every optional permission but
/// `sts:AssumeRole`, which is granted on the audit roles' ARNs, not on `*`.
pub fn optional_actions() -> Vec<&'static str> {
    let mut v: Vec<&str> = all()
        .iter()
        .filter(|p| p.feature.need() == Need::Optional && p.feature != Feature::AssumeRole)
        .map(|p| p.action)
        .collect();
    v.sort_unstable();
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_has_a_permission_and_every_named_check_exists() {
        for op in Operation::KNOWN {
            let p = permission(op).unwrap_or_else(|| panic!("{op} has no permission"));
            let (service, action) = p.action.split_once(':').expect("service:Action");
            assert!(
                !service.is_empty()
                    && service
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            );
            // The action is the operation's own name, in every case collection uses.
            assert_eq!(action, op.as_str(), "{}", p.action);
            for id in p.checks {
                assert!(
                    crate::checks::registry::meta(id).is_some(),
                    "{}: {id} is not a registered check",
                    p.action
                );
                assert_ne!(*id, "SL901", "SL901 fails for every gap: not listed");
            }
            assert!(
                !p.checks.is_empty() || !p.effect.is_empty(),
                "{}: say what its absence breaks",
                p.action
            );
        }
        let other: &'static Operation = Box::leak(Box::new(Operation::Other("ListWidgets".into())));
        assert!(permission(other).is_none());
        // Every exposure source's check is covered by its operations.
        for s in ExposureSource::ALL {
            assert!(
                all().iter().any(|p| p.feature == Feature::Exposure(s)),
                "{s:?}"
            );
        }
    }

    #[test]
    fn required_and_optional_split() {
        let req = required_actions();
        assert!(req.contains(&"secretsmanager:ListSecrets"));
        assert!(req.contains(&"iam:GetAccountAuthorizationDetails"));
        assert!(!req.iter().any(|a| a.starts_with("cloudtrail:")));
        let opt = optional_actions();
        assert!(opt.contains(&"cloudtrail:LookupEvents"));
        assert!(opt.contains(&"lambda:ListFunctions"));
        assert!(opt.contains(&"organizations:ListAccounts"));
        assert!(opt.contains(&"organizations:ListPoliciesForTarget"));
        assert!(opt.contains(&"organizations:DescribePolicy"));
        assert!(!opt.contains(&"sts:AssumeRole") && !opt.contains(&"sts:GetCallerIdentity"));
        // Never the secret values.
        for a in req.iter().chain(&opt) {
            assert!(!a.contains("GetSecretValue"), "{a}");
        }
    }
}
