use super::*;
use crate::inventory::{
    AccessKey, IamAccount, IamGroup, IamRole, IamUser, InlinePolicy, Inventory, KmsKey,
    ManagedPolicy, Secret,
};
use crate::operation::Operation;

const A: &str = "111122223333";
const R: &str = "us-east-1";
const KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/k1";

fn doc(stmts: &str) -> String {
    format!(r#"{{"Version":"2012-10-17","Statement":[{stmts}]}}"#)
}

fn inline(name: &str, stmts: &str) -> InlinePolicy {
    InlinePolicy {
        name: name.into(),
        document: doc(stmts),
    }
}

fn role(name: &str, inl: Vec<InlinePolicy>, attached: &[&str], boundary: Option<&str>) -> IamRole {
    IamRole {
        arn: format!("arn:aws:iam::{A}:role/{name}"),
        name: name.into(),
        inline_policies: inl,
        attached_policies: attached.iter().map(|s| s.to_string()).collect(),
        permissions_boundary: boundary.map(str::to_string),
        ..Default::default()
    }
}

fn secret(name: &str, kms: Option<&str>, policy: Option<String>) -> Secret {
    Secret {
        arn: format!("arn:aws:secretsmanager:{R}:{A}:secret:{name}-AbCdEf"),
        name: name.into(),
        account: A.into(),
        region: R.into(),
        kms_key_id: kms.map(str::to_string),
        resource_policy: policy,
        ..Default::default()
    }
}

const GSV_ALL: &str =
    r#"{"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"*"}"#;

fn fixture() -> Inventory {
    let mut inv = Inventory::empty("fixture", chrono::Utc::now());
    inv.accounts = vec![A.into()];
    let read_all = format!("arn:aws:iam::{A}:policy/ReadAllSecrets");
    let s3_only = format!("arn:aws:iam::{A}:policy/S3OnlyBoundary");
    inv.iam = vec![IamAccount {
        account: A.into(),
        users: vec![IamUser {
            arn: format!("arn:aws:iam::{A}:user/alice"),
            name: "alice".into(),
            groups: vec!["devs".into()],
            access_keys: Some(vec![AccessKey {
                id: "AKIA1".into(),
                status: "Active".into(),
                ..Default::default()
            }]),
            ..Default::default()
        }],
        groups: vec![IamGroup {
            arn: format!("arn:aws:iam::{A}:group/devs"),
            name: "devs".into(),
            attached_policies: vec![read_all.clone()],
            ..Default::default()
        }],
        roles: vec![
            role(
                "app",
                vec![inline(
                    "read-db",
                    &format!(
                        r#"{{"Sid":"ReadDb","Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"arn:aws:secretsmanager:{R}:{A}:secret:prod/db-??????"}},
                           {{"Effect":"Allow","Action":"kms:Decrypt","Resource":"{KEY}"}}"#
                    ),
                )],
                &[],
                None,
            ),
            role(
                "denied",
                vec![inline(
                    "p",
                    r#"{"Effect":"Allow","Action":"secretsmanager:*","Resource":"*"},
                       {"Effect":"Deny","Action":"secretsmanager:GetSecretValue","Resource":"arn:aws:secretsmanager:*:*:secret:prod/*"}"#,
                )],
                &[],
                None,
            ),
            role(
                "power",
                vec![inline(
                    "p",
                    r#"{"Effect":"Allow","NotAction":["iam:*","organizations:*"],"Resource":"*"}"#,
                )],
                &[],
                None,
            ),
            role("bounded", vec![inline("p", GSV_ALL)], &[], Some(&s3_only)),
            role(
                "vpce",
                vec![inline(
                    "p",
                    r#"{"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-1"}}}"#,
                )],
                &[],
                None,
            ),
            role(
                "admin",
                vec![inline(
                    "p",
                    r#"{"Effect":"Allow","Action":"*","Resource":"*"}"#,
                )],
                &[],
                None,
            ),
        ],
        policies: vec![
            ManagedPolicy {
                arn: read_all,
                name: "ReadAllSecrets".into(),
                document: Some(doc(GSV_ALL)),
            },
            ManagedPolicy {
                arn: s3_only,
                name: "S3OnlyBoundary".into(),
                document: Some(doc(r#"{"Effect":"Allow","Action":"s3:*","Resource":"*"}"#)),
            },
        ],
    }];
    inv.kms_keys = vec![KmsKey {
        arn: KEY.into(),
        key_id: "k1".into(),
        account: A.into(),
        region: R.into(),
        key_manager: Some("CUSTOMER".into()),
        key_state: Some("Enabled".into()),
        policy: Some(doc(&format!(
            r#"{{"Sid":"Root","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{A}:root"}},"Action":"kms:*","Resource":"*"}}"#
        ))),
        ..Default::default()
    }];
    let partner = doc(
        r#"{"Sid":"Partner","Effect":"Allow","Principal":{"AWS":"444455556666"},"Action":"secretsmanager:GetSecretValue","Resource":"*"},
           {"Sid":"Org","Effect":"Allow","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc"}}}"#,
    );
    inv.secrets = vec![
        secret("prod/db", Some(KEY), None),
        secret("dev/api", None, None),
        secret("shared/cmk", Some(KEY), Some(partner.clone())),
        secret("shared/default", None, Some(partner)),
    ];
    inv
}

fn by_arn<'a>(a: &'a SecretAccess, name: &str) -> Option<&'a Reader> {
    a.readers.iter().find(|r| r.principal_arn.ends_with(name))
}

#[test]
fn identity_readers_with_deny_notaction_boundary_and_conditions() {
    let inv = fixture();
    let idx = AccessIndex::build(&inv);
    let dev = idx.readers(&inv.secrets[1]);
    assert!(dev.complete, "{:?}", dev.notes);
    let names: Vec<&str> = dev
        .readers
        .iter()
        .map(|r| r.principal_arn.rsplit('/').next().unwrap())
        .collect();
    // alice via her group's managed policy; denied's deny covers prod/* only; power via
    // NotAction; bounded is cut by its boundary; vpce is conditional; app's grant is for prod/db.
    assert_eq!(
        names,
        vec!["admin", "denied", "power", "vpce", "alice"],
        "{dev:#?}"
    );
    let alice = by_arn(&dev, "user/alice").unwrap();
    assert!(alice.allowed());
    assert_eq!(alice.via, "identity");
    assert!(
        alice.statements[0].contains("ReadAllSecrets (group devs)"),
        "{:?}",
        alice.statements
    );
    let vpce = by_arn(&dev, "role/vpce").unwrap();
    assert_eq!(vpce.conditional_on, vec!["aws:SourceVpce"]);
    assert_eq!(vpce.status(), "conditional");
    assert!(idx.is_admin(A, &format!("arn:aws:iam::{A}:role/admin")));
    assert!(!idx.is_admin(A, &format!("arn:aws:iam::{A}:role/power")));
}

#[test]
fn customer_key_requires_decrypt_through_the_key_policy() {
    let inv = fixture();
    let idx = AccessIndex::build(&inv);
    let prod = idx.readers(&inv.secrets[0]);
    assert!(prod.complete, "{:?}", prod.notes);
    let names: Vec<&str> = prod
        .readers
        .iter()
        .map(|r| r.principal_arn.as_str())
        .collect();
    // alice has GetSecretValue but no kms:Decrypt; denied is denied; app has both.
    assert!(
        names.contains(&"arn:aws:iam::111122223333:role/app"),
        "{names:?}"
    );
    assert!(
        names.contains(&"arn:aws:iam::111122223333:role/admin"),
        "{names:?}"
    );
    assert!(
        names.contains(&"arn:aws:iam::111122223333:role/power"),
        "{names:?}"
    );
    assert!(
        !names
            .iter()
            .any(|n| n.ends_with("alice") || n.ends_with("denied") || n.ends_with("bounded")),
        "{names:?}"
    );
    let app = by_arn(&prod, "role/app").unwrap();
    assert!(
        app.statements.iter().any(|s| s.contains("\"ReadDb\"")),
        "{:?}",
        app.statements
    );
    assert!(
        app.statements.iter().any(|s| s.contains("key policy of")),
        "{:?}",
        app.statements
    );
}

#[test]
fn resource_policy_names_other_accounts_and_org_scoped_any() {
    let inv = fixture();
    let idx = AccessIndex::build(&inv);
    let cmk = idx.readers(&inv.secrets[2]);
    // The key policy only trusts this account: the partner cannot decrypt.
    assert!(by_arn(&cmk, "444455556666:root").is_none(), "{cmk:#?}");
    let default = idx.readers(&inv.secrets[3]);
    // aws/secretsmanager: nobody outside the account can decrypt.
    assert!(by_arn(&default, "444455556666:root").is_none());
    assert!(
        default
            .notes
            .iter()
            .any(|n| n.contains("aws/secretsmanager")),
        "{:?}",
        default.notes
    );
    // Same-account "*" with an org condition: every principal conditional on the org id,
    // unless an identity policy allows it anyway.
    let bounded = by_arn(&default, "role/bounded")
        .expect("the resource policy's * reaches bounded (direct grant)");
    assert_eq!(bounded.conditional_on, vec!["aws:PrincipalOrgID"]);
    assert_eq!(bounded.via, "resource_policy");

    // With a key policy that trusts the partner, the partner reads.
    let mut inv2 = inv.clone();
    inv2.kms_keys[0].policy = Some(doc(&format!(
        r#"{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{A}:root"}},"Action":"kms:*","Resource":"*"}},
           {{"Sid":"PartnerDecrypt","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::444455556666:root"}},"Action":"kms:Decrypt","Resource":"*"}}"#
    )));
    let idx2 = AccessIndex::build(&inv2);
    let cmk2 = idx2.readers(&inv2.secrets[2]);
    let partner = by_arn(&cmk2, "444455556666:root").expect("partner reads");
    assert_eq!(partner.kind, "account");
    assert!(partner.allowed());
    assert_eq!(partner.via, "resource_policy");
    assert!(
        partner.statements.iter().any(|s| s.contains("\"Partner\"")),
        "{:?}",
        partner.statements
    );
}

#[test]
fn public_policy_reader_is_any() {
    let mut inv = fixture();
    inv.secrets[1].resource_policy = Some(doc(
        r#"{"Effect":"Allow","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*"}"#,
    ));
    let idx = AccessIndex::build(&inv);
    let a = idx.readers(&inv.secrets[1]);
    // "*" with the AWS managed key: outsiders cannot decrypt, but everyone in the account reads.
    assert!(by_arn(&a, "role/bounded").is_some_and(|r| r.allowed()));
    inv.secrets[1].kms_key_id = Some(KEY.into());
    inv.kms_keys[0].policy = Some(doc(
        r#"{"Effect":"Allow","Principal":"*","Action":"kms:Decrypt","Resource":"*"}"#,
    ));
    let idx = AccessIndex::build(&inv);
    let a = idx.readers(&inv.secrets[1]);
    let any = a
        .readers
        .iter()
        .find(|r| r.kind == "any")
        .expect("any reader");
    assert!(any.allowed(), "{any:?}");
}

#[test]
fn missing_iam_or_policies_make_it_incomplete() {
    let mut inv = fixture();
    inv.iam.clear();
    let idx = AccessIndex::build(&inv);
    let a = idx.readers(&inv.secrets[1]);
    assert!(!a.complete);
    assert!(
        a.notes.iter().any(|n| n.contains("IAM data")),
        "{:?}",
        a.notes
    );

    let mut inv = fixture();
    inv.kms_keys[0].policy = None;
    let idx = AccessIndex::build(&inv);
    assert!(!idx.readers(&inv.secrets[0]).complete);

    let mut inv = fixture();
    inv.gaps.push(crate::inventory::Gap::new(
        A,
        R,
        Operation::GetResourcePolicy,
        inv.secrets[1].arn.clone(),
        "AccessDeniedException",
        String::new(),
    ));
    let idx = AccessIndex::build(&inv);
    assert!(!idx.readers(&inv.secrets[1]).complete);
}

#[test]
fn who_can_rewrite_the_policy() {
    let inv = fixture();
    let idx = AccessIndex::build(&inv);
    let put = idx.who_can(&inv.secrets[1], Act::PutResourcePolicy);
    let names: Vec<&str> = put
        .readers
        .iter()
        .map(|r| r.principal_arn.rsplit('/').next().unwrap())
        .collect();
    assert_eq!(names, vec!["admin", "denied", "power"]);
    let grant = idx.who_can(&inv.secrets[0], Act::CreateGrant);
    let names: Vec<&str> = grant
        .readers
        .iter()
        .map(|r| r.principal_arn.rsplit('/').next().unwrap())
        .collect();
    assert_eq!(names, vec!["admin", "power"]);
}

#[test]
fn resource_tags_are_known() {
    let mut inv = fixture();
    inv.iam[0].roles.push(role(
        "tagged",
        vec![inline(
            "p",
            r#"{"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"*","Condition":{"StringEquals":{"secretsmanager:ResourceTag/Team":"blue"}}}"#,
        )],
        &[],
        None,
    ));
    inv.secrets[1].tags.insert("Team".into(), "blue".into());
    let idx = AccessIndex::build(&inv);
    assert!(by_arn(&idx.readers(&inv.secrets[1]), "role/tagged").is_some_and(|r| r.allowed()));
    // prod/db has no Team tag: known absent, so not a reader (not conditional).
    assert!(
        by_arn(
            &idx.who_can(&inv.secrets[0], Act::GetSecretValue),
            "role/tagged"
        )
        .is_none()
    );
}

/// One account whose only principal is the role `reader` with the given identity statement,
/// and the given secrets.
fn one_reader(statement: &str, secrets: Vec<Secret>) -> Inventory {
    let mut inv = Inventory::empty("memo", chrono::Utc::now());
    inv.accounts = vec![A.into()];
    inv.iam = vec![IamAccount {
        account: A.into(),
        roles: vec![role("reader", vec![inline("p", statement)], &[], None)],
        ..Default::default()
    }];
    inv.secrets = secrets;
    inv
}

/// Whether `role/reader` reads each secret, asking in the given order on one index (so the
/// answer for the first is memoised when the second is asked).
fn reads_in_order(inv: &Inventory, order: &[usize]) -> Vec<(usize, bool)> {
    let idx = AccessIndex::build(inv);
    order
        .iter()
        .map(|&i| {
            let a = idx.readers(&inv.secrets[i]);
            (i, by_arn(&a, "role/reader").is_some_and(|r| r.allowed()))
        })
        .collect()
}

#[test]
fn secrets_whose_tag_keys_differ_beyond_ascii_get_their_own_verdicts() {
    // A condition on a non-ASCII tag key: the tagged secret reads, the untagged one does not,
    // whichever is asked first (the memo once looked tags up ASCII-case-insensitively while the
    // decision used Unicode lowercasing, so both secrets shared one context).
    let stmt = r#"{"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/Équipe":"rouge"}}}"#;
    let mut tagged = secret("tagged", None, None);
    tagged.tags.insert("ÉQUIPE".into(), "rouge".into());
    let inv = one_reader(stmt, vec![tagged, secret("untagged", None, None)]);
    assert_eq!(reads_in_order(&inv, &[0, 1]), vec![(0, true), (1, false)]);
    assert_eq!(reads_in_order(&inv, &[1, 0]), vec![(1, false), (0, true)]);
}

#[test]
fn replicas_with_an_empty_primary_region_get_their_own_verdicts() {
    // An empty primary region means the secret's own region, in the memo key as in the
    // decision.
    let stmt = r#"{"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"*","Condition":{"StringEquals":{"secretsmanager:SecretPrimaryRegion":"us-east-1"}}}"#;
    let mut east = secret("east", None, None);
    east.primary_region = Some(String::new());
    let mut west = secret("west", None, None);
    west.region = "eu-west-1".into();
    west.arn = format!("arn:aws:secretsmanager:eu-west-1:{A}:secret:west-AbCdEf");
    west.primary_region = Some(String::new());
    let inv = one_reader(stmt, vec![east, west]);
    assert_eq!(reads_in_order(&inv, &[0, 1]), vec![(0, true), (1, false)]);
    assert_eq!(reads_in_order(&inv, &[1, 0]), vec![(1, false), (0, true)]);
}

#[test]
fn secrets_whose_tag_values_collided_in_the_old_memo_hash_get_their_own_verdicts() {
    // Two tag values whose 64-bit FNV-1a context hashes (the memo key before it was made
    // exact: FNV-1a over "us-east-1", 0xff, the value, 0xff) are equal, found by a Pollard
    // rho search with distinguished points (about 3·10⁹ hash evaluations): a secret tagged
    // with one was reported with the readers of a secret tagged with the other, whichever
    // was asked first.
    let (granted, other) = ("VwlqpMoWz5A", "AHGLyuP68hG");
    let old_context = |value: &str| {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for part in [R, value] {
            for b in part.bytes().chain([0xff]) {
                h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
            }
        }
        h
    };
    assert_eq!(old_context(granted), old_context(other));
    let stmt = format!(
        r#"{{"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"*","Condition":{{"StringEquals":{{"aws:ResourceTag/team":"{granted}"}}}}}}"#
    );
    let mut a = secret("a", None, None);
    a.tags.insert("team".into(), granted.into());
    let mut b = secret("b", None, None);
    b.tags.insert("team".into(), other.into());
    let inv = one_reader(&stmt, vec![a, b]);
    assert_eq!(reads_in_order(&inv, &[0, 1]), vec![(0, true), (1, false)]);
    assert_eq!(reads_in_order(&inv, &[1, 0]), vec![(1, false), (0, true)]);
}

#[test]
fn managed_external_secrets_are_told_apart_by_their_type() {
    // `secretsmanager:resource/Type` is the partner of a managed external secret and absent
    // for an ordinary one: in the decision and in the memo key.
    let stmt = r#"{"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"*","Condition":{"StringEquals":{"secretsmanager:resource/Type":"SalesforceClientSecret"}}}"#;
    let mut external = secret("external", None, None);
    external.secret_type = Some("SalesforceClientSecret".into());
    let inv = one_reader(stmt, vec![external, secret("ordinary", None, None)]);
    assert_eq!(reads_in_order(&inv, &[0, 1]), vec![(0, true), (1, false)]);
    assert_eq!(reads_in_order(&inv, &[1, 0]), vec![(1, false), (0, true)]);
}
