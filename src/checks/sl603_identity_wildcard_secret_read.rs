//! SL603 identity-wildcard-secret-read: an identity policy (user, group, role; inline or
//! managed) allows `secretsmanager:GetSecretValue` on every secret (`Resource: "*"`, a
//! `NotResource`, or a pattern such as `arn:aws:secretsmanager:*:*:secret:*`). One finding per
//! granting policy and principal.

use serde::Serialize;

use super::support::access::iam_unavailable;
use super::{Check, Context, Emitter};
use crate::access::parse_policy;
use crate::inventory::IamAccount;
use crate::policy::{Effect, Policy, PolicyError};
use crate::report::{Resource, Status};

pub struct IdentityWildcardSecretRead;

/// A secret ARN no real pattern names specifically: a policy whose statement matches it
/// matches every secret.
const PROBE_SECRET: &str =
    "arn:aws:secretsmanager:zz-probe-9:999999999999:secret:zz/secretlens-probe-Zz9Zz9";

#[derive(Serialize)]
struct Evidence<'a> {
    principal: &'a str,
    principal_type: &'static str,
    /// The managed policy ARN, or `inline:NAME`; `via_group` when it comes from a group.
    policy: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    via_group: Option<&'a str>,
    /// The granting statements: index, Sid, Action/NotAction and Resource/NotResource as written.
    statements: Vec<StatementEv>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    conditions: Vec<String>,
}

#[derive(Serialize)]
struct StatementEv {
    index: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    sid: Option<String>,
    action: String,
    resource: String,
}

/// The statements that allow GetSecretValue on every secret, and the condition keys of those
/// that only do so conditionally.
fn wildcard_statements(p: &Policy) -> (Vec<StatementEv>, Vec<String>) {
    let mut out = Vec::new();
    let mut conds = Vec::new();
    for s in p.statements.iter().filter(|s| s.effect == Effect::Allow) {
        let action_ok = s
            .action
            .patterns
            .iter()
            .any(|g| g.matches("secretsmanager:getsecretvalue"))
            != s.action.negated;
        let resource_ok = match &s.resource {
            None => true,
            Some(r) => r.patterns.iter().any(|g| g.matches(PROBE_SECRET)) != r.negated,
        };
        if !(action_ok && resource_ok) {
            continue;
        }
        let ev = StatementEv {
            index: s.index,
            sid: s.sid.clone(),
            action: format!(
                "{}{}",
                if s.action.negated { "NotAction " } else { "" },
                s.action.raw.join(", ")
            ),
            resource: match &s.resource {
                Some(r) => format!(
                    "{}{}",
                    if r.negated { "NotResource " } else { "" },
                    r.raw.join(", ")
                ),
                None => "(none)".into(),
            },
        };
        if s.conditions.is_empty() {
            out.push(ev);
        } else {
            conds.extend(
                s.conditions
                    .iter()
                    .map(|c| format!("{} {}", c.op.name, c.key)),
            );
        }
    }
    (out, conds)
}

/// (policy id, the group it comes through, its parsed document; `None`: not collected).
type Attached<'a> = (String, Option<&'a str>, Option<Result<Policy, PolicyError>>);

fn principal_resource(acct: &str, arn: &str, name: &str, kind: &str) -> Resource {
    Resource::new(
        arn.to_string(),
        name.to_string(),
        kind.to_string(),
        acct.to_string(),
        "global",
    )
}

fn run_account(a: &IamAccount, out: &mut Emitter<'_>) {
    let managed = |arn: &str| {
        a.policies
            .iter()
            .find(|p| p.arn == arn)
            .and_then(|p| p.document.as_deref())
            .map(parse_policy)
    };
    // (principal arn, name, type, [(policy id, via group, document)])
    let mut principals: Vec<(&str, &str, &'static str, Vec<Attached<'_>>)> = Vec::new();
    for u in &a.users {
        let mut pols: Vec<Attached<'_>> = Vec::new();
        pols.extend(u.inline_policies.iter().map(|p| {
            (
                format!("inline:{}", p.name),
                None,
                Some(parse_policy(&p.document)),
            )
        }));
        pols.extend(
            u.attached_policies
                .iter()
                .map(|arn| (arn.clone(), None, managed(arn))),
        );
        for g in a.groups.iter().filter(|g| u.groups.contains(&g.name)) {
            pols.extend(g.inline_policies.iter().map(|p| {
                (
                    format!("inline:{}", p.name),
                    Some(g.name.as_str()),
                    Some(parse_policy(&p.document)),
                )
            }));
            pols.extend(
                g.attached_policies
                    .iter()
                    .map(|arn| (arn.clone(), Some(g.name.as_str()), managed(arn))),
            );
        }
        principals.push((&u.arn, &u.name, "iam-user", pols));
    }
    for r in &a.roles {
        let mut pols: Vec<Attached<'_>> = Vec::new();
        pols.extend(r.inline_policies.iter().map(|p| {
            (
                format!("inline:{}", p.name),
                None,
                Some(parse_policy(&p.document)),
            )
        }));
        pols.extend(
            r.attached_policies
                .iter()
                .map(|arn| (arn.clone(), None, managed(arn))),
        );
        principals.push((&r.arn, &r.name, "iam-role", pols));
    }
    for (arn, name, ty, pols) in principals {
        let mut failed = false;
        let mut unknown: Vec<String> = Vec::new();
        let mut conditional: Vec<String> = Vec::new();
        for (pid, group, doc) in pols {
            let p = match doc {
                Some(Ok(p)) => p,
                Some(Err(e)) => {
                    unknown.push(format!("{pid}: {e}"));
                    continue;
                }
                None => {
                    unknown.push(format!("{pid}: document not collected"));
                    continue;
                }
            };
            let (stmts, conds) = wildcard_statements(&p);
            if !conds.is_empty() {
                conditional.push(format!("{pid} (if {})", conds.join(", ")));
            }
            if stmts.is_empty() {
                continue;
            }
            failed = true;
            let via = group
                .map(|g| format!(" through group {g}"))
                .unwrap_or_default();
            let res_id = match group {
                Some(g) => format!("{arn}#group/{g}/{pid}"),
                None => format!("{arn}#{pid}"),
            };
            let what: Vec<String> = stmts
                .iter()
                .map(|s| {
                    format!(
                        "#{}{} {} on {}",
                        s.index,
                        s.sid
                            .as_deref()
                            .map(|x| format!(" \"{x}\""))
                            .unwrap_or_default(),
                        s.action,
                        s.resource
                    )
                })
                .collect();
            let msg = format!(
                "{pid}{via} lets {name} read every secret: {}",
                what.join("; ")
            );
            out.push(
                Resource::new(
                    res_id,
                    format!("{name} <- {pid}"),
                    "iam-policy-attachment",
                    a.account.clone(),
                    "global",
                ),
                Status::Fail,
                msg,
                Evidence {
                    principal: arn,
                    principal_type: ty,
                    policy: pid.clone(),
                    via_group: group,
                    statements: stmts,
                    conditions: Vec::new(),
                },
            );
        }
        if failed {
            continue;
        }
        let res = principal_resource(&a.account, arn, name, ty);
        let ev = Evidence {
            principal: arn,
            principal_type: ty,
            policy: String::new(),
            via_group: None,
            statements: Vec::new(),
            conditions: conditional.clone(),
        };
        if !unknown.is_empty() {
            out.push(
                res,
                Status::Error,
                format!(
                    "cannot judge every policy of {name}: {}",
                    unknown.join("; ")
                ),
                ev,
            );
        } else if !conditional.is_empty() {
            out.push(res, Status::Pass, format!("no identity policy of {name} grants GetSecretValue on every secret unconditionally (conditional: {})", conditional.join("; ")), ev);
        } else {
            out.push(
                res,
                Status::Pass,
                format!("no identity policy of {name} grants GetSecretValue on every secret"),
                ev,
            );
        }
    }
}

impl Check for IdentityWildcardSecretRead {
    fn id(&self) -> &'static str {
        "SL603"
    }

    fn doc(&self) -> &'static str {
        include_str!("../../checks/SL603-identity-wildcard-secret-read.md")
    }

    fn run(&self, ctx: &Context<'_>, out: &mut Emitter<'_>) {
        let mut accounts: Vec<&str> = ctx.inv.accounts.iter().map(String::as_str).collect();
        accounts.extend(ctx.secrets().map(|s| s.account.as_str()));
        accounts.sort_unstable();
        accounts.dedup();
        for acct in accounts {
            match ctx.inv.iam.iter().find(|a| a.account == acct) {
                Some(a) => run_account(a, out),
                None => {
                    let (status, why) = iam_unavailable(ctx, acct).unwrap_or((
                        Status::Error,
                        format!("IAM data for account {acct} was not collected"),
                    ));
                    out.push(
                        principal_resource(
                            acct,
                            &format!("arn:aws:iam::{acct}:root"),
                            acct,
                            "account",
                        ),
                        status,
                        format!("cannot list identity policies: {why}"),
                        serde_json::json!({}),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testutil::*;
    use crate::inventory::{IamGroup, IamRole, IamUser, InlinePolicy, ManagedPolicy};

    #[test]
    fn wildcards_per_policy_and_principal() {
        let mut inv = inventory(vec![secret("prod/a/b")]);
        let doc = |s: &str| format!(r#"{{"Version":"2012-10-17","Statement":[{s}]}}"#);
        inv.iam = vec![IamAccount {
            account: ACCOUNT.into(),
            users: vec![IamUser {
                arn: format!("arn:aws:iam::{ACCOUNT}:user/bob"),
                name: "bob".into(),
                groups: vec!["ops".into()],
                ..Default::default()
            }],
            groups: vec![IamGroup {
                arn: String::new(),
                name: "ops".into(),
                attached_policies: vec!["arn:aws:iam::aws:policy/SecretsManagerReadWrite".into()],
                ..Default::default()
            }],
            roles: vec![
                IamRole {
                    arn: format!("arn:aws:iam::{ACCOUNT}:role/scoped"),
                    name: "scoped".into(),
                    inline_policies: vec![InlinePolicy {
                        name: "p".into(),
                        document: doc(
                            r#"{"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"arn:aws:secretsmanager:us-east-1:111122223333:secret:app/*"}"#,
                        ),
                    }],
                    ..Default::default()
                },
                IamRole {
                    arn: format!("arn:aws:iam::{ACCOUNT}:role/any-account"),
                    name: "any-account".into(),
                    inline_policies: vec![InlinePolicy {
                        name: "p".into(),
                        document: doc(
                            r#"{"Effect":"Allow","Action":"secretsmanager:Get*","Resource":"arn:aws:secretsmanager:*:*:secret:*"}"#,
                        ),
                    }],
                    ..Default::default()
                },
                IamRole {
                    arn: format!("arn:aws:iam::{ACCOUNT}:role/power"),
                    name: "power".into(),
                    inline_policies: vec![InlinePolicy {
                        name: "p".into(),
                        document: doc(r#"{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}"#),
                    }],
                    ..Default::default()
                },
                IamRole {
                    arn: format!("arn:aws:iam::{ACCOUNT}:role/tagged"),
                    name: "tagged".into(),
                    inline_policies: vec![InlinePolicy {
                        name: "p".into(),
                        document: doc(
                            r#"{"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"*","Condition":{"StringEquals":{"secretsmanager:ResourceTag/team":"x"}}}"#,
                        ),
                    }],
                    ..Default::default()
                },
            ],
            policies: vec![ManagedPolicy {
                arn: "arn:aws:iam::aws:policy/SecretsManagerReadWrite".into(),
                name: "SecretsManagerReadWrite".into(),
                document: Some(doc(
                    r#"{"Effect":"Allow","Action":"secretsmanager:*","Resource":"*"}"#,
                )),
            }],
        }];
        let f = run(&IdentityWildcardSecretRead, &inv);
        let st = |arn_part: &str| {
            f.iter()
                .filter(|x| x.resource.arn.contains(arn_part))
                .map(|x| x.status)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            st("user/bob#group/ops/arn:aws:iam::aws:policy/SecretsManagerReadWrite"),
            vec![Status::Fail]
        );
        assert_eq!(st("role/scoped"), vec![Status::Pass]);
        assert_eq!(st("role/any-account#inline:p"), vec![Status::Fail]);
        assert_eq!(st("role/power#inline:p"), vec![Status::Fail]);
        assert_eq!(st("role/tagged"), vec![Status::Pass]);
        let bob = f
            .iter()
            .find(|x| x.resource.arn.contains("user/bob"))
            .unwrap();
        assert_eq!(bob.resource.kind.as_ref(), "iam-policy-attachment");
        assert_eq!(bob.evidence()["via_group"], "ops");
    }

    #[test]
    fn missing_iam_is_an_error() {
        let inv = inventory(vec![secret("prod/a/b")]);
        let f = run(&IdentityWildcardSecretRead, &inv);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].status, Status::Error);
    }
}
