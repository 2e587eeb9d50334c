//! Decision tests: one per pitfall of §1.9 of `design/iam-policy-evaluation.md`, plus the
//! evaluation-order rules they rest on.

use serde_json::{Value, json};

use super::*;

const ACCT: &str = "111122223333";
const OTHER: &str = "444455556666";
const SECRET: &str = "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf";
const GET: &str = "secretsmanager:GetSecretValue";

fn pol(v: Value) -> Policy {
    Policy::parse(&v).unwrap_or_else(|e| panic!("{v}: {e}"))
}

fn allow(action: &str, resource: &str) -> Policy {
    pol(
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}]}),
    )
}

fn rp(effect: &str, principal: Value) -> Policy {
    pol(
        json!({"Version": "2012-10-17", "Statement": [{"Effect": effect, "Principal": principal, "Action": GET, "Resource": "*"}]}),
    )
}

fn req(principal: &str, action: &str, resource: &str) -> Request {
    Request::new(Principal::parse(principal).unwrap(), action, resource)
}

fn user() -> Request {
    req(&format!("arn:aws:iam::{ACCT}:user/alice"), GET, SECRET)
}

fn decide(set: &PolicySet, r: &Request) -> DecisionKind {
    evaluate(set, r).decision
}

use DecisionKind::*;

#[test]
fn pitfall_notaction_allow_star_grants_get_secret_value() {
    // PowerUserAccess.
    let power_user = pol(json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*", "account:*"], "Resource": "*"}]}));
    let set = PolicySet {
        identity: vec![power_user],
        ..Default::default()
    };
    assert_eq!(decide(&set, &user()), Allow);
    assert_eq!(
        decide(
            &set,
            &req(
                &format!("arn:aws:iam::{ACCT}:user/alice"),
                "IAM:CreateUser",
                "*"
            )
        ),
        ImplicitDeny
    );
}

#[test]
fn pitfall_notresource_allow_grants_everything_outside_the_list() {
    let p = pol(json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "secretsmanager:*", "NotResource": "arn:aws:secretsmanager:*:*:secret:admin/*"}]}));
    let set = PolicySet {
        identity: vec![p],
        ..Default::default()
    };
    assert_eq!(decide(&set, &user()), Allow);
    let admin = req(
        &format!("arn:aws:iam::{ACCT}:user/alice"),
        GET,
        "arn:aws:secretsmanager:us-east-1:111122223333:secret:admin/root-AbCdEf",
    );
    assert_eq!(decide(&set, &admin), ImplicitDeny);
    // And actions without a resource type: "*" is not in the NotResource list.
    assert_eq!(
        decide(
            &set,
            &req(
                &format!("arn:aws:iam::{ACCT}:user/alice"),
                "secretsmanager:ListSecrets",
                "*"
            )
        ),
        Allow
    );
}

#[test]
fn pitfall_negated_operator_is_true_when_the_key_is_missing() {
    let deny = pol(json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": GET, "Resource": "*"},
        {"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*",
         "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-abc"}}}]}));
    let set = PolicySet {
        resource: Some(deny),
        ..Default::default()
    };
    let d = evaluate(&set, &user());
    assert_eq!(d.decision, ExplicitDeny);
    assert_eq!(d.conditional_on, vec!["aws:PrincipalOrgID".to_string()]);
    let mut r = user();
    r.context.insert("aws:principalorgid", vec!["o-abc".into()]);
    let d = evaluate(&set, &r);
    assert_eq!(d.decision, Allow);
    assert!(d.conditional_on.is_empty());
}

#[test]
fn pitfall_for_all_values_with_a_missing_key_is_true() {
    let p = pol(
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": GET, "Resource": "*",
        "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": ["env"]}}}]}),
    );
    let set = PolicySet {
        identity: vec![p],
        ..Default::default()
    };
    assert_eq!(decide(&set, &user()), Allow);
    let mut r = user();
    r.context
        .insert("aws:TagKeys", vec!["env".into(), "owner".into()]);
    assert_eq!(decide(&set, &r), ImplicitDeny);
}

#[test]
fn pitfall_variables_are_literal_without_version_2012_10_17() {
    let doc = |version: Option<&str>| {
        let mut v = json!({"Statement": [{"Effect": "Allow", "Action": GET,
            "Resource": "arn:aws:secretsmanager:us-east-1:111122223333:secret:${aws:username}/*"}]});
        if let Some(ver) = version {
            v["Version"] = json!(ver);
        }
        pol(v)
    };
    let r = req(
        &format!("arn:aws:iam::{ACCT}:user/alice"),
        GET,
        "arn:aws:secretsmanager:us-east-1:111122223333:secret:alice/db-AbCdEf",
    );
    let with = |p| PolicySet {
        identity: vec![p],
        ..Default::default()
    };
    assert_eq!(decide(&with(doc(Some("2012-10-17"))), &r), Allow);
    assert_eq!(decide(&with(doc(Some("2008-10-17"))), &r), ImplicitDeny);
    assert_eq!(decide(&with(doc(None)), &r), ImplicitDeny);
    // A role has no aws:username: the variable makes the element invalid.
    let role = req(
        &format!("arn:aws:sts::{ACCT}:assumed-role/alice/s"),
        GET,
        "arn:aws:secretsmanager:us-east-1:111122223333:secret:alice/db-AbCdEf",
    );
    assert_eq!(decide(&with(doc(Some("2012-10-17"))), &role), ImplicitDeny);
}

#[test]
fn pitfall_case_rules() {
    // Actions are case-insensitive.
    let set = PolicySet {
        identity: vec![allow("SecretsManager:getsecretVALUE", SECRET)],
        ..Default::default()
    };
    assert_eq!(decide(&set, &user()), Allow);
    // ARNs are case-sensitive.
    let set = PolicySet {
        identity: vec![allow(
            GET,
            &SECRET.to_uppercase().replace("ARN:AWS:", "arn:aws:"),
        )],
        ..Default::default()
    };
    assert_eq!(decide(&set, &user()), ImplicitDeny);
    // StringEquals values are case-sensitive; condition key names are not.
    let p = pol(
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": GET, "Resource": "*",
        "Condition": {"StringEquals": {"AWS:PRINCIPALTAG/Team": "Blue"}}}]}),
    );
    let set = PolicySet {
        identity: vec![p],
        ..Default::default()
    };
    let mut r = user();
    r.context
        .insert("aws:PrincipalTag/team", vec!["Blue".into()]);
    assert_eq!(decide(&set, &r), Allow);
    r.context
        .insert("aws:PrincipalTag/team", vec!["blue".into()]);
    assert_eq!(decide(&set, &r), ImplicitDeny);
}

#[test]
fn pitfall_account_principal_is_not_root_only() {
    for principal in [
        json!({"AWS": ACCT}),
        json!({"AWS": format!("arn:aws:iam::{ACCT}:root")}),
    ] {
        let set = PolicySet {
            resource: Some(rp("Allow", principal.clone())),
            ..Default::default()
        };
        // Any principal of the account matches — but an account grant delegates to IAM.
        assert_eq!(decide(&set, &user()), ImplicitDeny, "{principal}");
        let set = PolicySet {
            identity: vec![allow(GET, "*")],
            ..set
        };
        assert_eq!(decide(&set, &user()), Allow, "{principal}");
        // And an account-wide Deny hits every user, not only root.
        let set = PolicySet {
            identity: vec![allow(GET, "*")],
            resource: Some(rp("Deny", principal.clone())),
            ..Default::default()
        };
        assert_eq!(decide(&set, &user()), ExplicitDeny, "{principal}");
    }
}

#[test]
fn pitfall_same_account_role_grant_is_cut_by_the_boundary_user_grant_is_not() {
    let boundary = allow("ec2:*", "*");
    let role_grant = rp(
        "Allow",
        json!({"AWS": format!("arn:aws:iam::{ACCT}:role/app")}),
    );
    let session = req(
        &format!("arn:aws:sts::{ACCT}:assumed-role/app/i-1"),
        GET,
        SECRET,
    );
    let set = PolicySet {
        resource: Some(role_grant.clone()),
        boundary: Some(boundary.clone()),
        ..Default::default()
    };
    let d = evaluate(&set, &session);
    assert_eq!(d.decision, ImplicitDeny);
    assert_eq!(d.blocked_by, vec!["permission_boundary".to_string()]);
    // Without a boundary the role grant alone is enough (no identity policy needed).
    let set = PolicySet {
        resource: Some(role_grant),
        ..Default::default()
    };
    assert_eq!(decide(&set, &session), Allow);
    // A grant naming the session itself is not limited by the boundary.
    let session_grant = rp(
        "Allow",
        json!({"AWS": format!("arn:aws:sts::{ACCT}:assumed-role/app/i-1")}),
    );
    let set = PolicySet {
        resource: Some(session_grant),
        boundary: Some(boundary.clone()),
        ..Default::default()
    };
    assert_eq!(decide(&set, &session), Allow);
    // Nor is a grant naming the IAM user.
    let user_grant = rp(
        "Allow",
        json!({"AWS": format!("arn:aws:iam::{ACCT}:user/alice")}),
    );
    let set = PolicySet {
        resource: Some(user_grant),
        boundary: Some(boundary),
        ..Default::default()
    };
    assert_eq!(decide(&set, &user()), Allow);
}

#[test]
fn pitfall_notprincipal_deny_always_denies_principals_with_a_boundary() {
    let policy = pol(json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "NotPrincipal": {"AWS": [format!("arn:aws:iam::{ACCT}:user/alice"), format!("arn:aws:iam::{ACCT}:root")]},
         "Action": "*", "Resource": "*"}]}));
    let base = PolicySet {
        identity: vec![allow(GET, "*")],
        resource: Some(policy),
        ..Default::default()
    };
    assert_eq!(
        decide(&base, &user()),
        Allow,
        "alice and her account are excluded"
    );
    let bob = req(&format!("arn:aws:iam::{ACCT}:user/bob"), GET, SECRET);
    assert_eq!(decide(&base, &bob), ExplicitDeny);
    let bounded = PolicySet {
        boundary: Some(allow("*", "*")),
        ..base
    };
    assert_eq!(
        decide(&bounded, &user()),
        ExplicitDeny,
        "a boundary makes NotPrincipal+Deny deny anyway"
    );
}

#[test]
fn notprincipal_must_list_the_account_too() {
    // Listing only the user does not exclude it: the account identity is not excluded.
    let policy = pol(json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "NotPrincipal": {"AWS": format!("arn:aws:iam::{ACCT}:user/alice")}, "Action": "*", "Resource": "*"}]}));
    let set = PolicySet {
        identity: vec![allow(GET, "*")],
        resource: Some(policy),
        ..Default::default()
    };
    assert_eq!(decide(&set, &user()), ExplicitDeny);
}

#[test]
fn pitfall_scps_every_level_must_allow_and_not_for_service_linked_roles() {
    let full = allow("*", "*");
    let only_s3 = allow("s3:*", "*");
    let id = PolicySet {
        identity: vec![allow(GET, "*")],
        ..Default::default()
    };
    let set = PolicySet {
        scps: vec![
            vec![full.clone()],
            vec![only_s3.clone()],
            vec![full.clone()],
        ],
        ..id.clone()
    };
    let d = evaluate(&set, &user());
    assert_eq!(d.decision, ImplicitDeny);
    assert_eq!(d.blocked_by, vec!["scp".to_string()]);
    let set = PolicySet {
        scps: vec![
            vec![full.clone()],
            vec![only_s3, full.clone()],
            vec![full.clone()],
        ],
        ..id.clone()
    };
    assert_eq!(
        decide(&set, &user()),
        Allow,
        "one allowing policy per level is enough"
    );
    // `[]` = no SCPs (not in an organization, or the management account).
    assert_eq!(
        decide(
            &PolicySet {
                scps: vec![],
                ..id.clone()
            },
            &user()
        ),
        Allow
    );
    // Service-linked roles are not restricted by SCPs.
    let slr = req(
        &format!("arn:aws:sts::{ACCT}:assumed-role/AWSServiceRoleForX/s"),
        GET,
        SECRET,
    );
    let mut slr_role = slr.clone();
    slr_role.principal = Principal::parse(&format!(
        "arn:aws:iam::{ACCT}:role/aws-service-role/x.amazonaws.com/AWSServiceRoleForX"
    ))
    .unwrap();
    let deny_all = pol(json!({"Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}));
    let set = PolicySet {
        scps: vec![vec![full, deny_all]],
        ..id
    };
    assert_eq!(decide(&set, &slr), ExplicitDeny);
    assert_eq!(decide(&set, &slr_role), Allow);
}

#[test]
fn pitfall_star_resource_in_a_secret_policy_means_that_secret() {
    let set = PolicySet {
        resource: Some(rp(
            "Allow",
            json!({"AWS": format!("arn:aws:iam::{ACCT}:user/alice")}),
        )),
        ..Default::default()
    };
    assert_eq!(decide(&set, &user()), Allow);
}

#[test]
fn pitfall_batch_get_secret_value_needs_resource_star() {
    let narrow = allow(
        "secretsmanager:BatchGetSecretValue",
        "arn:aws:secretsmanager:*:*:secret:*",
    );
    let r = req(
        &format!("arn:aws:iam::{ACCT}:user/alice"),
        "secretsmanager:BatchGetSecretValue",
        "*",
    );
    assert_eq!(
        decide(
            &PolicySet {
                identity: vec![narrow],
                ..Default::default()
            },
            &r
        ),
        ImplicitDeny
    );
    let star = allow("secretsmanager:BatchGetSecretValue", "*");
    assert_eq!(
        decide(
            &PolicySet {
                identity: vec![star],
                ..Default::default()
            },
            &r
        ),
        Allow
    );
}

#[test]
fn pitfall_identity_wildcard_account_crosses_accounts() {
    let wide = allow(GET, "arn:aws:secretsmanager:*:*:secret:*");
    let foreign = req(&format!("arn:aws:iam::{OTHER}:user/mallory"), GET, SECRET);
    // The identity side allows the foreign secret; the secret's policy decides.
    let mut set = PolicySet {
        identity: vec![wide],
        ..Default::default()
    };
    let d = evaluate(&set, &foreign);
    assert_eq!(d.decision, ImplicitDeny);
    assert_eq!(d.blocked_by, vec!["resource_policy".to_string()]);
    set.resource = Some(rp("Allow", json!({"AWS": OTHER})));
    assert_eq!(decide(&set, &foreign), Allow);
    // Cross-account needs both sides: the resource grant alone is not enough.
    set.identity.clear();
    assert_eq!(decide(&set, &foreign), ImplicitDeny);
}

#[test]
fn pitfall_unique_id_principals_of_deleted_roles_match_nothing() {
    let set = PolicySet {
        resource: Some(rp("Allow", json!({"AWS": "AROAEXAMPLEDELETED123"}))),
        ..Default::default()
    };
    let session = req(
        &format!("arn:aws:sts::{ACCT}:assumed-role/app/s"),
        GET,
        SECRET,
    );
    assert_eq!(decide(&set, &session), ImplicitDeny);
    // The live role whose unique id it is (aws:userid = ROLEID:session) still matches.
    let mut live = session.clone();
    live.context
        .insert("aws:userid", vec!["AROAEXAMPLEDELETED123:s".into()]);
    assert_eq!(decide(&set, &live), Allow);
}

#[test]
fn missing_keys_make_the_decision_conditional() {
    let p = pol(
        json!({"Version": "2012-10-17", "Statement": [{"Sid": "Office", "Effect": "Allow", "Action": GET, "Resource": "*",
        "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}]}),
    );
    let set = PolicySet {
        identity: vec![p],
        ..Default::default()
    };
    let d = evaluate(&set, &user());
    assert_eq!(d.decision, ImplicitDeny);
    assert_eq!(d.conditional_on, vec!["aws:SourceIp".to_string()]);
    assert_eq!(d.statements[0].sid.as_deref(), Some("Office"));
    let mut r = user();
    r.context.insert("aws:SourceIp", vec!["203.0.113.5".into()]);
    let d = evaluate(&set, &r);
    assert_eq!((d.decision, d.conditional_on.len()), (Allow, 0));
    // A key that cannot change the outcome is not reported.
    let set = PolicySet {
        identity: vec![allow("s3:*", "*")],
        ..set
    };
    assert!(evaluate(&set, &user()).conditional_on.is_empty());
}

#[test]
fn unsupported_operators_are_never_silently_true() {
    let doc = json!({"Statement": [{"Effect": "Allow", "Action": GET, "Resource": "*", "Condition": {"StringFuture": {"a:b": "c"}}}]});
    assert!(Policy::parse(&doc).is_err());
    let (p, _) = Policy::parse_lenient(&doc).unwrap();
    let d = evaluate(
        &PolicySet {
            identity: vec![p],
            ..Default::default()
        },
        &user(),
    );
    assert_eq!(d.decision, ImplicitDeny);
    assert_eq!(
        d.conditional_on,
        vec!["unsupported operator StringFuture".to_string()]
    );
}

#[test]
fn rcps_only_deny_explicitly() {
    let id = PolicySet {
        identity: vec![allow(GET, "*")],
        ..Default::default()
    };
    let unrelated = pol(
        json!({"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}]}),
    );
    let set = PolicySet {
        rcps: vec![vec![unrelated]],
        ..id.clone()
    };
    assert_eq!(
        decide(&set, &user()),
        Allow,
        "RCPFullAWSAccess is implied at every level"
    );
    let perimeter = pol(
        json!({"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "secretsmanager:*", "Resource": "*",
        "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-abc"}, "Bool": {"aws:PrincipalIsAWSService": "false"}}}]}),
    );
    let set = PolicySet {
        rcps: vec![vec![], vec![perimeter]],
        ..id
    };
    let mut r = user();
    r.context
        .insert("aws:PrincipalOrgID", vec!["o-other".into()]);
    let d = evaluate(&set, &r);
    assert_eq!(d.decision, ExplicitDeny);
    assert_eq!(d.blocked_by, vec!["explicit_deny:rcp".to_string()]);
    assert_eq!(d.statements[0].policy, "rcp[1][0]");
}

#[test]
fn session_policies_and_federated_users() {
    let session = req(
        &format!("arn:aws:sts::{ACCT}:assumed-role/app/s"),
        GET,
        SECRET,
    );
    let id = PolicySet {
        identity: vec![allow(GET, "*")],
        ..Default::default()
    };
    assert_eq!(decide(&id, &session), Allow);
    let set = PolicySet {
        session: Some(allow("s3:*", "*")),
        ..id.clone()
    };
    let d = evaluate(&set, &session);
    assert_eq!(
        (d.decision, d.blocked_by.clone()),
        (ImplicitDeny, vec!["session_policy".to_string()])
    );
    // A grant naming the session ARN is not limited by the session policy.
    let set = PolicySet {
        resource: Some(rp(
            "Allow",
            json!({"AWS": format!("arn:aws:sts::{ACCT}:assumed-role/app/s")}),
        )),
        ..set
    };
    assert_eq!(decide(&set, &session), Allow);
    // A federated user without a session policy has no permissions.
    let fed = req(
        &format!("arn:aws:sts::{ACCT}:federated-user/bob"),
        GET,
        SECRET,
    );
    assert_eq!(decide(&id, &fed), ImplicitDeny);
    assert_eq!(
        decide(
            &PolicySet {
                session: Some(allow(GET, "*")),
                ..id
            },
            &fed
        ),
        Allow
    );
}

#[test]
fn kms_key_policy_must_allow() {
    let key = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    let r = req(
        &format!("arn:aws:iam::{ACCT}:user/alice"),
        "kms:Decrypt",
        key,
    );
    let id = PolicySet {
        identity: vec![allow("kms:*", "*")],
        ..Default::default()
    };
    assert_eq!(decide(&id, &r), ImplicitDeny, "no key policy, no access");
    let root = pol(
        json!({"Version": "2012-10-17", "Statement": [{"Sid": "Enable IAM User Permissions", "Effect": "Allow",
        "Principal": {"AWS": format!("arn:aws:iam::{ACCT}:root")}, "Action": "kms:*", "Resource": "*"}]}),
    );
    let set = PolicySet {
        resource: Some(root.clone()),
        ..id
    };
    assert_eq!(
        decide(&set, &r),
        Allow,
        "the account statement enables IAM policies"
    );
    let set = PolicySet {
        resource: Some(root),
        ..Default::default()
    };
    assert_eq!(decide(&set, &r), ImplicitDeny, "…which must then allow");
}

#[test]
fn service_and_anonymous_principals_need_the_resource_policy() {
    let lambda = req("lambda.amazonaws.com", GET, SECRET);
    let anon = req("anonymous", GET, SECRET);
    assert_eq!(decide(&PolicySet::default(), &lambda), ImplicitDeny);
    let set = PolicySet {
        resource: Some(rp("Allow", json!({"Service": "lambda.amazonaws.com"}))),
        ..Default::default()
    };
    assert_eq!(decide(&set, &lambda), Allow);
    assert_eq!(decide(&set, &anon), ImplicitDeny);
    let public = PolicySet {
        resource: Some(rp("Allow", json!("*"))),
        ..Default::default()
    };
    assert_eq!(decide(&public, &anon), Allow);
    let d = evaluate(
        &PolicySet {
            resource: Some(rp("Allow", json!({"Service": "lambda.amazonaws.com"}))),
            ..Default::default()
        },
        &{
            let mut r = lambda.clone();
            r.context.insert("aws:SourceAccount", vec![ACCT.into()]);
            r
        },
    );
    assert_eq!(d.decision, Allow);
}

#[test]
fn derived_principal_arn_is_the_role_for_sessions() {
    let p = pol(
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*",
        "Condition": {"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/app"}}}]}),
    );
    let set = PolicySet {
        identity: vec![allow(GET, "*"), p],
        ..Default::default()
    };
    let session = req(
        &format!("arn:aws:sts::{ACCT}:assumed-role/app/s"),
        GET,
        SECRET,
    );
    assert_eq!(decide(&set, &session), Allow);
    let other = req(
        &format!("arn:aws:sts::{ACCT}:assumed-role/other/s"),
        GET,
        SECRET,
    );
    assert_eq!(decide(&set, &other), ExplicitDeny);
}

#[test]
fn root_user_is_allowed_in_its_account_but_not_past_scps_or_denies() {
    let root = req(&format!("arn:aws:iam::{ACCT}:root"), GET, SECRET);
    assert_eq!(decide(&PolicySet::default(), &root), Allow);
    let deny = PolicySet {
        resource: Some(rp("Deny", json!("*"))),
        ..Default::default()
    };
    assert_eq!(decide(&deny, &root), ExplicitDeny);
    let scp = PolicySet {
        scps: vec![vec![allow("s3:*", "*")]],
        ..Default::default()
    };
    assert_eq!(decide(&scp, &root), ImplicitDeny);
}

#[test]
fn parser_never_panics_on_mutations() {
    let doc = json!({"Version": "2012-10-17", "Statement": [{"Sid": "A", "Effect": "Allow",
        "Principal": {"AWS": ["111122223333", "arn:aws:sts::111122223333:assumed-role/r/s"], "Service": "x.amazonaws.com"},
        "Action": ["secretsmanager:Get*"], "NotResource": "arn:aws:secretsmanager:*:*:secret:${aws:username, 'x'}-??????",
        "Condition": {"ForAnyValue:StringLikeIfExists": {"aws:TagKeys": ["a*", 1, true]}, "IpAddress": {"aws:SourceIp": "::1/128"},
                      "DateLessThan": {"aws:CurrentTime": "2026-01-01"}, "Null": {"k:k": "false"}}}]})
    .to_string();
    let r = user();
    let chars: Vec<char> = doc.chars().collect();
    for i in 0..chars.len() {
        let truncated: String = chars[..i].iter().collect();
        let deleted: String = chars[..i].iter().chain(&chars[i + 1..]).collect();
        for text in [truncated, deleted] {
            let _ = Policy::parse_lenient(text.as_str());
            if let Ok(p) = Policy::parse(text.as_str()) {
                let _ = evaluate(
                    &PolicySet {
                        identity: vec![p.clone()],
                        resource: Some(p),
                        ..Default::default()
                    },
                    &r,
                );
            }
        }
    }
}
