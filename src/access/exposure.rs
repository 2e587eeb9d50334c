//! Static questions about one resource-based policy (a secret's resource policy, a KMS key
//! policy), answered with the policy engine: is it public, which other accounts does it grant.
//!
//! "Public" follows the definition Secrets Manager's `BlockPublicPolicy` points to (S3's "The
//! meaning of public", PublicAccessBlockConfiguration API docs): a grant to `"*"` is not public
//! when a condition pins the caller to fixed values of `aws:PrincipalAccount`,
//! `aws:PrincipalArn`, `aws:PrincipalOrgID`/`OrgPaths` (organization-scoped), `aws:SourceVpce`,
//! `aws:SourceVpc`, `aws:SourceIp`, `aws:SourceAccount`, `aws:SourceArn`, `aws:SourceOwner`,
//! `aws:userid` or `kms:CallerAccount`. It is decided by evaluating the policy for an unknown
//! caller whose values of those keys are outside any plausible fixed value (a probe account,
//! VPC endpoint, documentation-range IP…): if the policy can still allow it — unconditionally,
//! or depending only on other unknown keys — the grant is public. Negated operators,
//! `…IfExists`, `ForAllValues` and `NotPrincipal` are thus handled with AWS semantics.

use serde::Serialize;

use super::decide::{allow_all_identity, any_principal, named_outsiders};
use super::explain::{StatementTexts, verdict};
use crate::policy::{Policy, PolicySet, Request, evaluate};

const PROBE_ACCOUNT: &str = "999999999999";

/// One action a policy grants to an outsider.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Grant {
    pub action: String,
    /// Who: `*`, an account root ARN, a principal ARN.
    pub principal: String,
    /// Its account (`*` for any).
    pub account: String,
    /// Unknown context keys the grant depends on; empty: unconditional.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conditional_on: Vec<String>,
    /// The granting statements (`#INDEX "SID"`).
    pub statements: Vec<String>,
}

/// Whether `aws:PrincipalOrgID` conditions are probed with an outside value (the caller is
/// outside the organization) or left unknown (any organization, including the owner's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Org {
    Outside,
    Unknown,
}

fn probe(req: &mut Request, org: Org) {
    let c = &mut req.context;
    let v = |s: &str| vec![s.to_string()];
    c.insert("aws:PrincipalAccount", v(PROBE_ACCOUNT));
    c.insert(
        "aws:PrincipalArn",
        v(&format!(
            "arn:aws:iam::{PROBE_ACCOUNT}:role/secretlens-probe"
        )),
    );
    c.insert("aws:userid", v("AROASECRETLENSPROBE:probe"));
    c.insert("aws:SourceVpce", v("vpce-0secretlensprobe0"));
    c.insert("aws:SourceVpc", v("vpc-0secretlensprobe0"));
    c.insert("aws:SourceIp", v("192.0.2.123"));
    c.insert("aws:SourceAccount", v(PROBE_ACCOUNT));
    c.insert("aws:SourceOwner", v(PROBE_ACCOUNT));
    c.insert(
        "aws:SourceArn",
        v(&format!(
            "arn:aws:iam::{PROBE_ACCOUNT}:role/secretlens-probe"
        )),
    );
    c.insert("kms:CallerAccount", v(PROBE_ACCOUNT));
    if org == Org::Outside {
        c.insert("aws:PrincipalOrgID", v("o-secretlensprobe"));
        c.insert(
            "aws:PrincipalOrgPaths",
            v("o-secretlensprobe/r-prob/ou-prob-secretlens/"),
        );
    }
}

/// The actions of `actions` that `policy` grants to any caller (`"*"`, `NotPrincipal`) that is
/// not pinned by a restricting condition. `resource` is the secret or key ARN.
pub fn public_grants(policy: &Policy, resource: &str, actions: &[&str], org: Org) -> Vec<Grant> {
    if !may_name_anyone(policy) {
        return Vec::new();
    }
    let set = PolicySet {
        resource: Some(policy.clone()),
        ..Default::default()
    };
    let mut out = Vec::new();
    for action in actions {
        let mut req = Request::new(any_principal(), action, resource);
        probe(&mut req, org);
        let d = evaluate(&set, &req);
        if let Some(keys) = verdict(&d) {
            out.push(Grant {
                action: action.to_string(),
                principal: "*".into(),
                account: "*".into(),
                conditional_on: keys.to_vec(),
                statements: d.statements.allow_texts("statement"),
            });
        }
    }
    out
}

/// Whether an `Allow` statement of `policy` could select an arbitrary caller: one without a
/// `Principal`, with `NotPrincipal`, or naming `"*"` (or an entry matched literally, which
/// the probe's `"*"` could equal). When none does, [`public_grants`] is empty without
/// evaluating anything (most resource policies name their principals).
fn may_name_anyone(policy: &Policy) -> bool {
    use crate::policy::{Effect, PrincipalEntry};
    policy.statements.iter().any(|s| {
        s.effect == Effect::Allow
            && s.principal.as_ref().is_none_or(|p| {
                p.negated
                    || p.entries.iter().any(|e| {
                        matches!(
                            e,
                            PrincipalEntry::Any
                                | PrincipalEntry::OtherArn(_)
                                | PrincipalEntry::Federated(_)
                                | PrincipalEntry::CanonicalUser(_)
                        )
                    })
            })
    })
}

/// Principals in accounts other than `owner` (and not in `trusted`) that `policy` names and
/// lets perform `action` on `resource` (their own account's policies assumed to allow it).
pub fn external_grants(
    policy: &Policy,
    resource: &str,
    owner: &str,
    action: &str,
    trusted: &[String],
) -> Vec<Grant> {
    let mut out = Vec::new();
    for (principal, kind, arn, account) in named_outsiders(policy, owner, None) {
        if matches!(kind, "any" | "service") || account == owner || trusted.contains(&account) {
            continue;
        }
        let set = PolicySet {
            identity: vec![allow_all_identity().clone()],
            resource: Some(policy.clone()),
            ..Default::default()
        };
        let req = Request::new(principal, action, resource);
        let d = evaluate(&set, &req);
        if let Some(keys) = verdict(&d) {
            out.push(Grant {
                action: action.to_string(),
                principal: arn,
                account,
                conditional_on: keys.to_vec(),
                statements: d.statements.allow_texts("statement"),
            });
        }
    }
    out
}

/// Who a role's trust policy lets call `sts:AssumeRole`: every principal it names (any
/// account, the role's own included; an account root stands for the principals of that
/// account whose identity policies allow it), each evaluated as if its own account allowed the
/// call, plus `"*"` when the policy is public (see [`public_grants`]). Service principals are
/// listed with their name as `principal` and an empty `account`.
pub fn assumers(trust: &Policy, role_arn: &str) -> Vec<Grant> {
    const ASSUME: &str = "sts:AssumeRole";
    let mut out = public_grants(trust, role_arn, &[ASSUME], Org::Unknown);
    let set = PolicySet {
        identity: vec![allow_all_identity().clone()],
        resource: Some(trust.clone()),
        ..Default::default()
    };
    for (principal, kind, arn, account) in named_outsiders(trust, "", None) {
        if kind == "any" {
            continue;
        }
        let d = evaluate(&set, &Request::new(principal, ASSUME, role_arn));
        if let Some(keys) = verdict(&d) {
            out.push(Grant {
                action: ASSUME.to_string(),
                principal: arn,
                account,
                conditional_on: keys.to_vec(),
                statements: d.statements.allow_texts("statement"),
            });
        }
    }
    out
}

/// Whether the trust policy lets the service `service` assume the role on behalf of any
/// account (the confused deputy: no `aws:SourceAccount`/`aws:SourceArn` pins it): the service
/// is evaluated with a probe source account and ARN. `Some(grant)` when it is still allowed.
pub fn service_unpinned(trust: &Policy, role_arn: &str, service: &str) -> Option<Grant> {
    let principal = crate::policy::Principal::parse(service).ok()?;
    let set = PolicySet {
        resource: Some(trust.clone()),
        ..Default::default()
    };
    let mut req = Request::new(principal, "sts:AssumeRole", role_arn);
    probe(&mut req, Org::Outside);
    let d = evaluate(&set, &req);
    verdict(&d).map(|keys| Grant {
        action: "sts:AssumeRole".into(),
        principal: service.to_string(),
        account: String::new(),
        conditional_on: keys.to_vec(),
        statements: d.statements.allow_texts("statement"),
    })
}
