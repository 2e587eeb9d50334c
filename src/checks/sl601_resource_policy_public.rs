//! SL601 resource-policy-public: the secret's resource policy lets anyone (`"*"`,
//! `NotPrincipal`) act on it without a condition that pins the caller.
//!
//! Also home of the helpers the access checks (SL601–SL606, SL404) share.

use serde::Serialize;

use super::support::access::resource_policy_or_error;
use super::{Check, Context, Emitter, GapEvidence};
use crate::operation::Operation;
use crate::access::exposure::{Grant, Org, public_grants};
use crate::report::Status;

pub struct ResourcePolicyPublic;

/// Every Secrets Manager action that acts on one secret.
pub(super) const SECRET_ACTIONS: &[&str] = &[
    "secretsmanager:GetSecretValue",
    "secretsmanager:PutResourcePolicy",
    "secretsmanager:DeleteResourcePolicy",
    "secretsmanager:PutSecretValue",
    "secretsmanager:UpdateSecret",
    "secretsmanager:UpdateSecretVersionStage",
    "secretsmanager:DeleteSecret",
    "secretsmanager:RestoreSecret",
    "secretsmanager:RotateSecret",
    "secretsmanager:CancelRotateSecret",
    "secretsmanager:DescribeSecret",
    "secretsmanager:GetResourcePolicy",
    "secretsmanager:ListSecretVersionIds",
    "secretsmanager:TagResource",
    "secretsmanager:UntagResource",
    "secretsmanager:ReplicateSecretToRegions",
    "secretsmanager:RemoveRegionsFromReplication",
    "secretsmanager:StopReplicationToReplica",
    "secretsmanager:ValidateResourcePolicy",
];

#[derive(Serialize)]
struct Evidence<'a> {
    has_resource_policy: bool,
    /// Actions anyone may perform, with the statements and any unknown keys they depend on.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    public: Vec<Grant>,
    /// Actions granted to any principal of a (any) organization: restricted by
    /// `aws:PrincipalOrgID` / `aws:PrincipalOrgPaths`, so not public.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    organization_scoped: Vec<Grant>,
    #[serde(skip_serializing_if = "Option::is_none")]
    gap: Option<GapEvidence<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    parse_error: Option<String>,
}

/// `GetSecretValue, PutResourcePolicy (if aws:SourceIp)`.
pub(super) fn grants_text(grants: &[Grant]) -> String {
    grants
        .iter()
        .map(|g| {
            let a = g
                .action
                .trim_start_matches("secretsmanager:")
                .trim_start_matches("kms:");
            if g.conditional_on.is_empty() {
                a.to_string()
            } else {
                format!("{a} (if {})", g.conditional_on.join(", "))
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

impl Check for ResourcePolicyPublic {
    fn id(&self) -> &'static str {
        "SL601"
    }

    fn doc(&self) -> &'static str {
        include_str!("../../checks/SL601-resource-policy-public.md")
    }

    fn run(&self, ctx: &Context<'_>, out: &mut Emitter<'_>) {
        for s in ctx.secrets() {
            let mut ev = Evidence {
                has_resource_policy: s.resource_policy.is_some(),
                public: Vec::new(),
                organization_scoped: Vec::new(),
                gap: None,
                parse_error: None,
            };
            let policy = match resource_policy_or_error(ctx, s) {
                Ok(Some(p)) => p,
                Ok(None) => {
                    out.secret(
                        s,
                        Status::Pass,
                        "no resource policy: only IAM policies of this account grant access",
                        ev,
                    );
                    continue;
                }
                Err(why) => {
                    ev.gap = ctx
                        .secret_gap(s, Operation::GetResourcePolicy)
                        .map(GapEvidence::from);
                    if ev.gap.is_none() {
                        ev.parse_error = Some(why.0.clone());
                    }
                    out.secret(
                        s,
                        Status::Error,
                        format!("cannot tell whether the secret is public: {why}"),
                        ev,
                    );
                    continue;
                }
            };
            ev.public = public_grants(&policy, &s.arn, SECRET_ACTIONS, Org::Outside);
            if !ev.public.is_empty() {
                let stmts: Vec<&str> = ev
                    .public
                    .iter()
                    .flat_map(|g| g.statements.iter().map(String::as_str))
                    .collect();
                let mut stmts = stmts;
                stmts.sort_unstable();
                stmts.dedup();
                out.secret(
                    s,
                    Status::Fail,
                    format!(
                        "the resource policy lets any AWS principal call {} ({}) without a condition that restricts the caller",
                        grants_text(&ev.public),
                        stmts.join("; ")
                    ),
                    ev,
                );
                continue;
            }
            let org: Vec<Grant> = public_grants(&policy, &s.arn, SECRET_ACTIONS, Org::Unknown);
            ev.organization_scoped = org;
            let msg = if ev.organization_scoped.is_empty() {
                "the resource policy grants nothing to anonymous or arbitrary principals"
                    .to_string()
            } else {
                format!(
                    "not public: the grant to \"*\" ({}) is restricted to an organization with aws:PrincipalOrgID (see SL602)",
                    grants_text(&ev.organization_scoped)
                )
            };
            out.secret(s, Status::Pass, msg, ev);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::Secret;
    use crate::checks::testutil::*;

    fn with_policy(name: &str, policy: &str) -> Secret {
        let mut s = secret(name);
        s.resource_policy = Some(policy.to_string());
        s
    }

    #[test]
    fn public_org_scoped_vpce_and_absent() {
        let public = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*"}]}"#;
        let aws_star = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"secretsmanager:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}]}"#;
        let org = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abcdefghij"}}}]}"#;
        let vpce = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-1a2b3c"}}}]}"#;
        let not_org = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*","Condition":{"StringNotEquals":{"aws:PrincipalOrgID":"o-abcdefghij"}}}]}"#;
        let named = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/app"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}"#;
        let inv = inventory(vec![
            secret("none"),
            with_policy("public", public),
            with_policy("aws-star", aws_star),
            with_policy("org", org),
            with_policy("vpce", vpce),
            with_policy("not-org", not_org),
            with_policy("named", named),
            with_policy("garbage", "{not json"),
        ]);
        let f = run(&ResourcePolicyPublic, &inv);
        assert_eq!(status_of(&f, "none"), Status::Pass);
        assert_eq!(status_of(&f, "public"), Status::Fail);
        assert_eq!(
            status_of(&f, "aws-star"),
            Status::Fail,
            "SecureTransport does not restrict the caller"
        );
        assert_eq!(status_of(&f, "org"), Status::Pass);
        assert_eq!(status_of(&f, "vpce"), Status::Pass);
        assert_eq!(
            status_of(&f, "not-org"),
            Status::Fail,
            "a negated org condition admits everyone outside it"
        );
        assert_eq!(status_of(&f, "named"), Status::Pass);
        assert_eq!(status_of(&f, "garbage"), Status::Error);
        let org_f = f
            .iter()
            .find(|x| x.resource.name.as_ref() == "org")
            .unwrap();
        assert!(org_f.message.contains("organization"), "{}", org_f.message);
        let pub_f = f
            .iter()
            .find(|x| x.resource.name.as_ref() == "public")
            .unwrap();
        assert_eq!(
            pub_f.evidence()["public"][0]["action"],
            "secretsmanager:GetSecretValue"
        );
    }

    #[test]
    fn policy_gap_is_an_error() {
        let mut inv = inventory(vec![secret("x")]);
        inv.gaps.push(crate::inventory::Gap::new(
            ACCOUNT,
            REGION,
            Operation::GetResourcePolicy,
            inv.secrets[0].arn.clone(),
            "AccessDeniedException",
            String::new(),
        ));
        assert_eq!(
            status_of(&run(&ResourcePolicyPublic, &inv), "x"),
            Status::Error
        );
    }
}
