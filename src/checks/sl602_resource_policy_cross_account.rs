//! SL602 resource-policy-cross-account: the resource policy lets principals of an account
//! other than the secret's (and not trusted in `[access]`) read the secret.

use serde::Serialize;

use super::support::access::resource_policy_or_error;
use super::{Check, Context, Emitter};
use crate::access::GET_SECRET_VALUE;
use crate::access::exposure::{Grant, Org, external_grants, public_grants};
use crate::report::Status;

pub struct ResourcePolicyCrossAccount;

#[derive(Serialize)]
struct Evidence<'a> {
    trusted_accounts: &'a [String],
    #[serde(skip_serializing_if = "str::is_empty")]
    organization_id: &'a str,
    /// Principals of untrusted accounts the policy lets read, with the granting statements.
    grants: Vec<Grant>,
}

impl Check for ResourcePolicyCrossAccount {
    fn id(&self) -> &'static str {
        "SL602"
    }

    fn doc(&self) -> &'static str {
        include_str!("../../checks/SL602-resource-policy-cross-account.md")
    }

    fn run(&self, ctx: &Context<'_>, out: &mut Emitter<'_>) {
        let cfg = &ctx.cfg.raw.access;
        for s in ctx.secrets() {
            let mut ev = Evidence {
                trusted_accounts: &cfg.trusted_accounts,
                organization_id: &cfg.organization_id,
                grants: Vec::new(),
            };
            let policy = match resource_policy_or_error(ctx, s) {
                Ok(Some(p)) => p,
                Ok(None) => {
                    out.secret(
                        s,
                        Status::Pass,
                        "no resource policy: no other account is granted access",
                        ev,
                    );
                    continue;
                }
                Err(why) => {
                    out.secret(
                        s,
                        Status::Error,
                        format!("cannot tell which accounts may read the secret: {why}"),
                        ev,
                    );
                    continue;
                }
            };
            ev.grants = external_grants(
                &policy,
                &s.arn,
                &s.account,
                GET_SECRET_VALUE,
                &cfg.trusted_accounts,
            );
            // "*": outside the configured organization (probe), or any organization when none
            // is configured.
            let org = if cfg.organization_id.is_empty() {
                Org::Unknown
            } else {
                Org::Outside
            };
            let mut any = public_grants(&policy, &s.arn, &[GET_SECRET_VALUE], org);
            for g in &mut any {
                if cfg.organization_id.is_empty()
                    && g.conditional_on.iter().any(|k| {
                        k.eq_ignore_ascii_case("aws:PrincipalOrgID")
                            || k.eq_ignore_ascii_case("aws:PrincipalOrgPaths")
                    })
                {
                    g.principal =
                        "* (any account of the organization named in the condition)".into();
                }
            }
            ev.grants.extend(any);
            if ev.grants.is_empty() {
                out.secret(
                    s,
                    Status::Pass,
                    "the resource policy grants read access to no untrusted account",
                    ev,
                );
                continue;
            }
            let who: Vec<String> = ev
                .grants
                .iter()
                .map(|g| {
                    let cond = if g.conditional_on.is_empty() {
                        String::new()
                    } else {
                        format!(" if {}", g.conditional_on.join(", "))
                    };
                    format!("{}{cond} ({})", g.principal, g.statements.join("; "))
                })
                .collect();
            let hint = if cfg.organization_id.is_empty()
                && ev.grants.iter().any(|g| {
                    g.principal
                        .starts_with("* (any account of the organization")
                }) {
                "; set [access] organization_id to trust your organization"
            } else {
                ""
            };
            out.secret(
                s,
                Status::Fail,
                format!(
                    "the resource policy lets untrusted accounts read the secret: {}{hint}",
                    who.join("; ")
                ),
                ev,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testutil::*;
    use crate::config::Config;

    #[test]
    fn other_accounts_trusted_accounts_and_organizations() {
        let partner = r#"{"Version":"2012-10-17","Statement":[{"Sid":"Partner","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}"#;
        let org = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abcdefghij"}}}]}"#;
        let same = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}"#;
        let describe_only = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"444455556666"},"Action":"secretsmanager:DescribeSecret","Resource":"*"}]}"#;
        let mk = |n: &str, p: &str| {
            let mut s = secret(n);
            s.resource_policy = Some(p.into());
            s
        };
        let inv = inventory(vec![
            secret("none"),
            mk("partner", partner),
            mk("org", org),
            mk("same", same),
            mk("describe", describe_only),
        ]);
        let f = run(&ResourcePolicyCrossAccount, &inv);
        assert_eq!(status_of(&f, "none"), Status::Pass);
        assert_eq!(status_of(&f, "partner"), Status::Fail);
        assert!(
            f.iter()
                .find(|x| x.resource.name.as_ref() == "partner")
                .unwrap()
                .message
                .contains("444455556666")
        );
        assert_eq!(
            status_of(&f, "org"),
            Status::Fail,
            "no organization configured"
        );
        assert_eq!(status_of(&f, "same"), Status::Pass);
        assert_eq!(status_of(&f, "describe"), Status::Pass);

        let cfg = Config::from_toml(
            "x.toml",
            "[access]\ntrusted_accounts = [\"444455556666\"]\norganization_id = \"o-abcdefghij\"\n",
        )
        .unwrap();
        let f = run_with(&ResourcePolicyCrossAccount, &inv, &cfg);
        assert_eq!(status_of(&f, "partner"), Status::Pass);
        assert_eq!(status_of(&f, "org"), Status::Pass);
    }
}
