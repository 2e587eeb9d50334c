//! SL607 rotation-role-too-broad: a managed external secret's rotation role (the role Secrets
//! Manager assumes to rotate it without a Lambda) is missing, can be assumed by principals
//! other than Secrets Manager (or by Secrets Manager for any account), or can read secrets it
//! does not rotate.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::support::access::iam_unavailable;
use super::{Check, Context, Emitter};
use crate::access::exposure::{Grant, assumers, service_unpinned};
use crate::access::parse_policy;
use crate::inventory::{IamRole, Secret};
use crate::report::Status;

pub struct RotationRoleTooBroad;

const SECRETS_MANAGER: &str = "secretsmanager.amazonaws.com";
/// Other readable secrets listed in the evidence (the count is always given).
const MAX_LISTED: usize = 20;

#[derive(Serialize, Clone)]
struct Readable {
    name: String,
    arn: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    secret_type: Option<String>,
    /// `allowed` or `conditional`.
    access: &'static str,
    /// The secret's resource or key policy is unknown: an explicit deny there could still
    /// stop the read its policies allow.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    unconfirmed: bool,
}

/// What the roles' own policies let them read, over every reported secret.
type Reach = BTreeMap<String, Vec<Readable>>;

#[derive(Serialize)]
struct Evidence<'a> {
    role_arn: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    secret_type: Option<&'a str>,
    /// Principals other than Secrets Manager that the trust policy lets assume the role.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    other_assumers: Vec<Grant>,
    /// Secrets Manager allowed to assume the role for any source account.
    #[serde(skip_serializing_if = "Option::is_none")]
    confused_deputy: Option<Grant>,
    secretsmanager_can_assume: bool,
    administrator: bool,
    /// Secrets it can read that are not managed external secrets of the same type.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    other_readable: Vec<Readable>,
    other_readable_count: usize,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    notes: Vec<String>,
}

/// The account of an IAM ARN (`arn:aws:iam::ACCOUNT:role/...`).
fn arn_account(arn: &str) -> Option<&str> {
    arn.split(':').nth(4).filter(|a| !a.is_empty())
}

/// The role of `arn` in the collected IAM data (names are case-insensitive; paths ignored).
fn find_role<'a>(ctx: &Context<'a>, account: &str, arn: &str) -> Option<&'a IamRole> {
    let name = arn.rsplit('/').next()?;
    ctx.inv
        .iam
        .iter()
        .filter(|a| a.account == account)
        .flat_map(|a| a.roles.iter())
        .find(|r| r.name.eq_ignore_ascii_case(name))
}

/// For each role (by lowercased ARN as IAM spells it), the secrets its identity policies let it
/// read. An incomplete answer (a resource or key policy unknown) still lists every principal
/// whose identity policies allow `GetSecretValue` (only a deny could be missed), so the list
/// never misses a read the role's own policies grant; such entries are `unconfirmed`.
fn reach(ctx: &Context<'_>, roles: &BTreeSet<String>) -> Reach {
    let mut out = Reach::new();
    for t in ctx.secrets() {
        let a = ctx.readers(t);
        for r in &a.readers {
            let key = r.principal_arn.to_ascii_lowercase();
            // What the role's own policies let it read: a grant that comes only from another
            // secret's resource policy is that secret's finding (SL601/SL602), not the role's.
            if r.via != "resource_policy" && roles.contains(&key) {
                out.entry(key).or_default().push(Readable {
                    name: t.name.clone(),
                    arn: t.arn.clone(),
                    secret_type: t.secret_type.clone(),
                    access: r.status(),
                    unconfirmed: !a.complete,
                });
            }
        }
    }
    out
}

/// The role's policies that are not in the IAM data (attached managed policies without a
/// document, a missing boundary): what it can do is then unknown.
fn missing_policies(ctx: &Context<'_>, account: &str, role: &IamRole) -> Vec<String> {
    let known = |arn: &str| {
        ctx.inv
            .iam
            .iter()
            .filter(|a| a.account == account)
            .flat_map(|a| a.policies.iter())
            .any(|p| p.arn == arn && p.document.is_some())
    };
    role.attached_policies
        .iter()
        .chain(role.permissions_boundary.iter())
        .filter(|arn| !known(arn))
        .cloned()
        .collect()
}

impl Check for RotationRoleTooBroad {
    fn id(&self) -> &'static str {
        "SL607"
    }

    fn doc(&self) -> &'static str {
        include_str!("../../checks/SL607-rotation-role-too-broad.md")
    }

    fn run(&self, ctx: &Context<'_>, out: &mut Emitter<'_>) {
        let with_role: Vec<(&Secret, &str)> = ctx
            .secrets()
            .filter_map(|s| Some((s, s.external_rotation_role_arn.as_deref()?)))
            .collect();
        if with_role.is_empty() {
            return;
        }
        // Resolve each secret's role first: the reach is computed once for the roles found.
        let resolved: Vec<(&Secret, &str, Resolved<'_>)> = with_role
            .into_iter()
            .map(|(s, arn)| (s, arn, resolve(ctx, arn)))
            .collect();
        let roles: BTreeSet<String> = resolved
            .iter()
            .filter_map(|(_, _, r)| r.as_ref().ok().map(|r| r.arn.to_ascii_lowercase()))
            .collect();
        let reach = reach(ctx, &roles);
        for (s, arn, role) in resolved {
            let role = match role {
                Ok(r) => r,
                Err((status, why)) => {
                    out.secret(
                        s,
                        status,
                        why,
                        serde_json::json!({ "role_arn": arn, "secret_type": s.secret_type }),
                    );
                    continue;
                }
            };
            judge(ctx, out, s, role, reach.get(&role.arn.to_ascii_lowercase()));
        }
    }
}

/// A rotation role found in the IAM data, or the (status, message) that says why not.
type Resolved<'a> = Result<&'a IamRole, (Status, String)>;

/// The collected role named by `arn`, or the finding that says why it cannot be judged (or
/// that it does not exist).
fn resolve<'a>(ctx: &Context<'a>, arn: &str) -> Resolved<'a> {
    let Some(account) = arn_account(arn) else {
        return Err((
            Status::Fail,
            format!("the rotation role {arn} is not a role ARN: rotation will fail"),
        ));
    };
    if let Some((_, why)) = iam_unavailable(ctx, account) {
        return Err((
            Status::Error,
            format!("cannot judge the rotation role {arn}: {why}"),
        ));
    }
    find_role(ctx, account, arn).ok_or_else(|| {
        (
            Status::Fail,
            format!("the rotation role {arn} does not exist in account {account}: rotation will fail"),
        )
    })
}

fn judge(
    ctx: &Context<'_>,
    out: &mut Emitter<'_>,
    s: &Secret,
    role: &IamRole,
    reach: Option<&Vec<Readable>>,
) {
    let arn = role.arn.as_str();
    let account = arn_account(arn).unwrap_or_default();
    let trust = match role.trust_policy.as_deref().map(parse_policy) {
        None => {
            return out.secret(
                s,
                Status::Error,
                format!("cannot tell who can assume the rotation role {arn}: its trust policy was not collected"),
                serde_json::json!({ "role_arn": arn }),
            );
        }
        Some(Err(e)) => {
            return out.secret(
                s,
                Status::Error,
                format!("cannot tell who can assume the rotation role {arn}: its trust policy does not parse ({e})"),
                serde_json::json!({ "role_arn": arn }),
            );
        }
        Some(Ok(p)) => p,
    };
    let all = assumers(&trust, arn);
    let secretsmanager_can_assume = all.iter().any(|g| g.principal == SECRETS_MANAGER);
    let other_assumers: Vec<Grant> = all
        .into_iter()
        .filter(|g| g.principal != SECRETS_MANAGER)
        .collect();
    let confused_deputy = service_unpinned(&trust, arn, SECRETS_MANAGER);
    let administrator = ctx.access().is_admin(account, arn);
    let other: Vec<Readable> = reach
        .into_iter()
        .flatten()
        .filter(|r| r.arn != s.arn && (s.secret_type.is_none() || r.secret_type != s.secret_type))
        .cloned()
        .collect();
    let missing = missing_policies(ctx, account, role);
    let mut notes = Vec::new();
    if !missing.is_empty() {
        notes.push(format!(
            "policies of the role missing from the IAM data: {}",
            missing.join(", ")
        ));
    }
    let mut problems = Vec::new();
    if !other_assumers.is_empty() {
        let who: Vec<String> = other_assumers
            .iter()
            .map(|g| {
                let who = match g.principal.strip_suffix(":root") {
                    Some(_) => format!("any principal of account {} its policies allow", g.account),
                    None => g.principal.clone(),
                };
                if g.conditional_on.is_empty() {
                    who
                } else {
                    format!("{who} (if {})", g.conditional_on.join(", "))
                }
            })
            .collect();
        problems.push(format!("can be assumed by {}", who.join(", ")));
    }
    if confused_deputy.is_some() {
        problems.push(
            "lets Secrets Manager assume it for any account (no aws:SourceAccount or aws:SourceArn condition)"
                .to_string(),
        );
    }
    if !secretsmanager_can_assume {
        problems.push("cannot be assumed by Secrets Manager: rotation will fail".to_string());
    }
    if administrator {
        problems.push("is an administrator (* on *)".to_string());
    }
    if !other.is_empty() {
        let names: Vec<&str> = other.iter().take(3).map(|r| r.name.as_str()).collect();
        let more = if other.len() > 3 { ", …" } else { "" };
        let noun = if other.len() == 1 { "secret" } else { "secrets" };
        problems.push(format!(
            "can read {} {noun} it does not rotate ({}{more})",
            other.len(),
            names.join(", ")
        ));
    }
    let ev = Evidence {
        role_arn: arn,
        secret_type: s.secret_type.as_deref(),
        other_assumers,
        confused_deputy,
        secretsmanager_can_assume,
        administrator,
        other_readable_count: other.len(),
        other_readable: other.into_iter().take(MAX_LISTED).collect(),
        notes,
    };
    if !problems.is_empty() {
        out.secret(
            s,
            Status::Fail,
            format!("the rotation role {arn} {}", problems.join("; ")),
            ev,
        );
    } else if !missing.is_empty() {
        out.secret(
            s,
            Status::Error,
            format!(
                "the rotation role {arn} is assumable only by Secrets Manager, but what it can read is unknown: {} missing from the IAM data",
                missing.join(", ")
            ),
            ev,
        );
    } else {
        out.secret(
            s,
            Status::Pass,
            format!("the rotation role {arn} is assumable only by Secrets Manager for this account and reads only the secrets it rotates"),
            ev,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testutil::*;
    use crate::inventory::{IamAccount, InlinePolicy};

    const TYPE: &str = "SalesforceClientSecret";
    const GOOD_TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"secretsmanager.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"111122223333"}}}]}"#;
    const SCOPED: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["secretsmanager:GetSecretValue","secretsmanager:PutSecretValue"],"Resource":"*","Condition":{"StringEquals":{"secretsmanager:resource/Type":"SalesforceClientSecret"}}}]}"#;

    fn role_arn() -> String {
        format!("arn:aws:iam::{ACCOUNT}:role/mes-rotation")
    }

    /// A managed external secret, a second one of the same type, an ordinary secret, and the
    /// rotation role with `trust` and the inline permissions `perms`.
    fn fixture(trust: Option<&str>, perms: &str) -> crate::inventory::Inventory {
        let mes = |name: &str| {
            let mut s = secret(name);
            s.secret_type = Some(TYPE.into());
            s.rotation_enabled = Some(true);
            s.external_rotation_role_arn = Some(role_arn());
            s
        };
        let mut inv = inventory(vec![
            mes("prod/salesforce/client"),
            mes("prod/salesforce/other"),
            secret("prod/payments/db"),
        ]);
        inv.iam = vec![IamAccount {
            account: ACCOUNT.into(),
            roles: vec![IamRole {
                arn: role_arn(),
                name: "mes-rotation".into(),
                trust_policy: trust.map(str::to_string),
                inline_policies: vec![InlinePolicy {
                    name: "rotation".into(),
                    document: perms.to_string(),
                }],
                ..Default::default()
            }],
            ..Default::default()
        }];
        inv
    }

    fn message(f: &[crate::report::Finding], name: &str) -> String {
        f.iter()
            .find(|f| f.resource.name.as_ref() == name)
            .map(|f| f.message.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn a_role_scoped_like_the_aws_example_passes_and_ordinary_secrets_get_no_finding() {
        let f = run(&RotationRoleTooBroad, &fixture(Some(GOOD_TRUST), SCOPED));
        assert_eq!(f.len(), 2, "{f:#?}");
        assert_eq!(status_of(&f, "prod/salesforce/client"), Status::Pass);
        assert_eq!(status_of(&f, "prod/salesforce/other"), Status::Pass);
    }

    #[test]
    fn another_assumer_fails_and_is_named() {
        let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"secretsmanager.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"111122223333"}}},{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:role/ci"},"Action":"sts:AssumeRole"}]}"#;
        let f = run(&RotationRoleTooBroad, &fixture(Some(trust), SCOPED));
        assert_eq!(status_of(&f, "prod/salesforce/client"), Status::Fail);
        let m = message(&f, "prod/salesforce/client");
        assert!(m.contains("can be assumed by arn:aws:iam::444455556666:role/ci"), "{m}");
        assert!(!m.contains("any account"), "{m}");
    }

    #[test]
    fn secretsmanager_without_a_source_condition_is_a_confused_deputy() {
        let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"secretsmanager.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
        let f = run(&RotationRoleTooBroad, &fixture(Some(trust), SCOPED));
        assert_eq!(status_of(&f, "prod/salesforce/client"), Status::Fail);
        let m = message(&f, "prod/salesforce/client");
        assert!(m.contains("for any account"), "{m}");
        assert!(!m.contains("can be assumed by"), "{m}");
    }

    #[test]
    fn a_trust_policy_without_secretsmanager_fails() {
        let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
        let f = run(&RotationRoleTooBroad, &fixture(Some(trust), SCOPED));
        let m = message(&f, "prod/salesforce/client");
        assert!(m.contains("cannot be assumed by Secrets Manager"), "{m}");
        assert!(m.contains("lambda.amazonaws.com"), "{m}");
    }

    #[test]
    fn reading_secrets_of_another_kind_fails_with_the_list() {
        let broad = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"*"}]}"#;
        let f = run(&RotationRoleTooBroad, &fixture(Some(GOOD_TRUST), broad));
        assert_eq!(status_of(&f, "prod/salesforce/client"), Status::Fail);
        let m = message(&f, "prod/salesforce/client");
        assert!(
            m.contains("can read 1 secret it does not rotate (prod/payments/db)"),
            "{m}"
        );
        let ev = &f
            .iter()
            .find(|f| f.resource.name.as_ref() == "prod/salesforce/client")
            .unwrap()
            .evidence
            .value();
        assert_eq!(ev["other_readable_count"], 1);
        assert_eq!(ev["other_readable"][0]["name"], "prod/payments/db");
    }

    #[test]
    fn an_administrator_role_fails() {
        let admin = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
        let f = run(&RotationRoleTooBroad, &fixture(Some(GOOD_TRUST), admin));
        let m = message(&f, "prod/salesforce/client");
        assert!(m.contains("is an administrator"), "{m}");
    }

    #[test]
    fn a_missing_role_fails_and_missing_data_is_an_error() {
        let mut inv = fixture(Some(GOOD_TRUST), SCOPED);
        inv.iam[0].roles.clear();
        let f = run(&RotationRoleTooBroad, &inv);
        assert_eq!(status_of(&f, "prod/salesforce/client"), Status::Fail);
        assert!(message(&f, "prod/salesforce/client").contains("does not exist"));

        let f = run(&RotationRoleTooBroad, &fixture(None, SCOPED));
        assert_eq!(status_of(&f, "prod/salesforce/client"), Status::Error);
        assert!(message(&f, "prod/salesforce/client").contains("trust policy was not collected"));

        let mut inv = fixture(Some(GOOD_TRUST), SCOPED);
        inv.iam[0].roles[0]
            .attached_policies
            .push(format!("arn:aws:iam::{ACCOUNT}:policy/gone"));
        let f = run(&RotationRoleTooBroad, &inv);
        assert_eq!(status_of(&f, "prod/salesforce/client"), Status::Error);
        assert!(message(&f, "prod/salesforce/client").contains("policy/gone missing"));

        let mut inv = fixture(Some(GOOD_TRUST), SCOPED);
        inv.iam.clear();
        let f = run(&RotationRoleTooBroad, &inv);
        assert_eq!(status_of(&f, "prod/salesforce/client"), Status::Error);
    }
}
