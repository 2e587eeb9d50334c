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
        grants: Some(Vec::new()),
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
    // NotAction; bounded is cut by its boundary; vpce is conditional; app's grant is for prod/db;
    // the account's root user (kind `root`, sorted between roles and users).
    assert_eq!(
        names,
        vec![
            "admin",
            "denied",
            "power",
            "vpce",
            "arn:aws:iam::111122223333:root",
            "alice"
        ],
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
    // The root user can, and is listed (SL606 counts it among the administrators).
    assert_eq!(
        names,
        vec!["admin", "denied", "power", "arn:aws:iam::111122223333:root"]
    );
    let grant = idx.who_can(&inv.secrets[0], Act::CreateGrant);
    let names: Vec<&str> = grant
        .readers
        .iter()
        .map(|r| r.principal_arn.rsplit('/').next().unwrap())
        .collect();
    assert_eq!(
        names,
        vec!["admin", "power", "arn:aws:iam::111122223333:root"]
    );
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

// --- KMS grants -------------------------------------------------------------------------

/// A grant on `KEY` to `grantee` for `operations`, with constraints.
fn grant(
    id: &str,
    grantee: &str,
    operations: &[&str],
    equals: Option<&[(&str, &str)]>,
    subset: Option<&[(&str, &str)]>,
) -> crate::inventory::KmsGrant {
    let map = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    crate::inventory::KmsGrant {
        grant_id: id.into(),
        name: format!("name-{id}"),
        grantee: grantee.into(),
        operations: operations.iter().map(|s| s.to_string()).collect(),
        encryption_context_equals: equals.map(map),
        encryption_context_subset: subset.map(map),
    }
}

/// The fixture plus role `granted`, allowed GetSecretValue on every secret but without any
/// `kms:Decrypt` of its own, and the given grants on `KEY`.
fn with_grants(grants: Vec<crate::inventory::KmsGrant>) -> Inventory {
    let mut inv = fixture();
    inv.iam[0]
        .roles
        .push(role("granted", vec![inline("p", GSV_ALL)], &[], None));
    inv.kms_keys[0].grants = Some(grants);
    inv
}

const GRANTED: &str = "arn:aws:iam::111122223333:role/granted";

/// `role/granted`'s access to prod/db (secret 0) and shared/cmk (secret 2), both under `KEY`.
fn granted_access(inv: &Inventory) -> [Option<Reader>; 2] {
    let idx = AccessIndex::build(inv);
    [0, 2].map(|i| {
        let a = idx.readers(&inv.secrets[i]);
        assert!(a.complete, "{:?}", a.notes);
        by_arn(&a, "role/granted").cloned()
    })
}

#[test]
fn without_a_grant_the_key_policy_alone_decides() {
    let inv = with_grants(Vec::new());
    assert_eq!(granted_access(&inv), [None, None]);
}

#[test]
fn a_decrypt_grant_makes_its_grantee_a_reader_and_is_named_in_the_evidence() {
    let inv = with_grants(vec![grant(
        "g1",
        GRANTED,
        &["Decrypt", "Encrypt"],
        None,
        None,
    )]);
    let [prod, shared] = granted_access(&inv);
    let prod = prod.expect("the grant lets role/granted decrypt prod/db");
    assert!(prod.allowed(), "{prod:?}");
    assert!(shared.is_some_and(|r| r.allowed()));
    let grant_text = prod
        .statements
        .iter()
        .find(|s| s.starts_with("grant g1"))
        .unwrap_or_else(|| panic!("{:?}", prod.statements));
    assert_eq!(
        grant_text,
        &format!("grant g1 \"name-g1\" on {KEY} to {GRANTED} (Decrypt, Encrypt)")
    );
    // The GetSecretValue side is still its identity policy.
    assert!(
        prod.statements
            .iter()
            .any(|s| s.starts_with("inline policy \"p\" of role granted")),
        "{:?}",
        prod.statements
    );
}

#[test]
fn grant_constraints_are_decided_against_the_secret_encryption_context() {
    let inv = fixture();
    let prod_arn = inv.secrets[0].arn.clone();
    let allowed = |r: &Option<Reader>| r.as_ref().is_some_and(|r| r.allowed());
    let version = |r: &Option<Reader>| {
        r.as_ref()
            .is_some_and(|r| r.conditional_on == ["kms:EncryptionContext:SecretVersionId"])
    };
    // EncryptionContextSubset on SecretARN: that secret only (keys case-insensitive).
    for key in ["SecretARN", "secretarn"] {
        let [prod, shared] = granted_access(&with_grants(vec![grant(
            "g",
            GRANTED,
            &["Decrypt"],
            None,
            Some(&[(key, &prod_arn)]),
        )]));
        assert!(allowed(&prod), "{key}: {prod:?}");
        assert!(shared.is_none(), "{key}: {shared:?}");
    }
    // Values compare case-sensitively.
    let [prod, _] = granted_access(&with_grants(vec![grant(
        "g",
        GRANTED,
        &["Decrypt"],
        None,
        Some(&[("SecretARN", &prod_arn.to_uppercase())]),
    )]));
    assert!(prod.is_none(), "{prod:?}");
    // EncryptionContextEquals must name the whole context: both keys; the version id is not
    // known, so the reader is conditional on it.
    let [prod, shared] = granted_access(&with_grants(vec![grant(
        "g",
        GRANTED,
        &["Decrypt"],
        Some(&[("SecretARN", &prod_arn), ("SecretVersionId", "v-1")]),
        None,
    )]));
    assert!(version(&prod), "{prod:?}");
    assert!(
        prod.as_ref()
            .unwrap()
            .statements
            .iter()
            .any(|s| s.contains("EncryptionContextEquals {SecretARN=")
                && s.ends_with("(if kms:EncryptionContext:SecretVersionId)")),
        "{prod:?}"
    );
    assert!(shared.is_none(), "{shared:?}");
    // Equals with the ARN alone can never equal a Secrets Manager context.
    let [prod, _] = granted_access(&with_grants(vec![grant(
        "g",
        GRANTED,
        &["Decrypt"],
        Some(&[("SecretARN", &prod_arn)]),
        None,
    )]));
    assert!(prod.is_none(), "{prod:?}");
    // A subset naming only the version: conditional on every secret of the key.
    let [prod, shared] = granted_access(&with_grants(vec![grant(
        "g",
        GRANTED,
        &["Decrypt"],
        None,
        Some(&[("SecretVersionId", "v-1")]),
    )]));
    assert!(version(&prod) && version(&shared), "{prod:?} {shared:?}");
    // A key Secrets Manager never sends: the grant never applies.
    let [prod, shared] = granted_access(&with_grants(vec![grant(
        "g",
        GRANTED,
        &["Decrypt"],
        None,
        Some(&[("Department", "IT")]),
    )]));
    assert_eq!((prod, shared), (None, None));
}

#[test]
fn unrelated_grants_and_grants_without_decrypt_add_no_reader() {
    let inv = with_grants(vec![
        grant(
            "other",
            "arn:aws:iam::111122223333:role/app",
            &["Decrypt"],
            None,
            None,
        ),
        grant(
            "encrypt-only",
            GRANTED,
            &["Encrypt", "GenerateDataKey", "RetireGrant"],
            None,
            None,
        ),
    ]);
    assert_eq!(granted_access(&inv), [None, None]);
}

#[test]
fn an_explicit_deny_in_the_key_policy_wins_over_a_grant() {
    let mut inv = with_grants(vec![grant("g", GRANTED, &["Decrypt"], None, None)]);
    inv.kms_keys[0].policy = Some(doc(&format!(
        r#"{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{A}:root"}},"Action":"kms:*","Resource":"*"}},
           {{"Effect":"Deny","Principal":{{"AWS":"{GRANTED}"}},"Action":"kms:Decrypt","Resource":"*"}}"#
    )));
    assert_eq!(granted_access(&inv), [None, None]);
}

#[test]
fn a_grantee_of_another_account_is_a_candidate() {
    // shared/cmk's resource policy lets account 444455556666 read; the key policy does not
    // trust it, but a grant to one of its roles does: that role reads, its account does not.
    let partner = "arn:aws:iam::444455556666:role/partner";
    let inv = with_grants(vec![grant("p", partner, &["Decrypt"], None, None)]);
    let idx = AccessIndex::build(&inv);
    let a = idx.readers(&inv.secrets[2]);
    assert!(a.complete, "{:?}", a.notes);
    let r = by_arn(&a, "role/partner").expect("the partner's role reads through the grant");
    assert_eq!(
        (r.kind.as_str(), r.account.as_str()),
        ("role", "444455556666")
    );
    assert!(r.allowed(), "{r:?}");
    assert!(
        r.statements.iter().any(|s| s.starts_with("grant p ")),
        "{:?}",
        r.statements
    );
    assert!(by_arn(&a, "444455556666:root").is_none(), "{a:#?}");
    // prod/db has no resource policy: the grant alone does not let another account read.
    assert!(by_arn(&idx.readers(&inv.secrets[0]), "role/partner").is_none());
}

#[test]
fn grants_not_listed_make_the_answer_incomplete() {
    let mut inv = with_grants(Vec::new());
    inv.kms_keys[0].grants = None;
    let idx = AccessIndex::build(&inv);
    let a = idx.readers(&inv.secrets[0]);
    assert!(!a.complete);
    assert!(
        a.notes
            .iter()
            .any(|n| n.contains("grants") && n.contains("not collected")),
        "{:?}",
        a.notes
    );
    // The AWS managed key has no grants to list.
    assert!(idx.readers(&inv.secrets[1]).complete);
    inv.gaps.push(crate::inventory::Gap::new(
        A,
        R,
        Operation::ListGrants,
        KEY,
        "AccessDeniedException",
        String::new(),
    ));
    let a = AccessIndex::build(&inv).readers(&inv.secrets[0]);
    assert!(!a.complete);
    assert!(
        a.notes
            .iter()
            .any(|n| n.contains("ListGrants failed (AccessDeniedException)")),
        "{:?}",
        a.notes
    );
    inv.kms_keys[0].grants = Some(Vec::new());
    inv.kms_keys[0].grants_truncated = true;
    assert!(!AccessIndex::build(&inv).readers(&inv.secrets[0]).complete);
}

#[test]
fn a_create_grant_grant_lets_its_grantee_create_grants() {
    let inv = with_grants(vec![grant("cg", GRANTED, &["CreateGrant"], None, None)]);
    let idx = AccessIndex::build(&inv);
    let who = idx.who_can(&inv.secrets[0], Act::CreateGrant);
    assert!(by_arn(&who, "role/granted").is_some(), "{who:#?}");
    // It is not a Decrypt grant.
    assert!(by_arn(&idx.readers(&inv.secrets[0]), "role/granted").is_none());
}

// --- The root user ----------------------------------------------------------------------

const ROOT: &str = "arn:aws:iam::111122223333:root";

#[test]
fn the_root_user_reads_unless_a_deny_stops_it() {
    let mut inv = fixture();
    let idx = AccessIndex::build(&inv);
    // The AWS managed key, and a customer key whose policy trusts the account.
    for i in [1, 0] {
        let a = idx.readers(&inv.secrets[i]);
        let root = a
            .readers
            .iter()
            .find(|r| r.principal_arn == ROOT)
            .unwrap_or_else(|| panic!("{a:#?}"));
        assert_eq!((root.kind.as_str(), root.account.as_str()), ("root", A));
        assert!(root.allowed() && root.is_root());
        assert!(
            root.statements[0].starts_with("root user of account 111122223333"),
            "{:?}",
            root.statements
        );
    }
    // A deny in the resource policy, for everyone or naming the account.
    for principal in [r#""*""#, &format!(r#"{{"AWS":"{ROOT}"}}"#)] {
        inv.secrets[1].resource_policy = Some(doc(&format!(
            r#"{{"Effect":"Deny","Principal":{principal},"Action":"secretsmanager:GetSecretValue","Resource":"*"}}"#
        )));
        let a = AccessIndex::build(&inv).readers(&inv.secrets[1]);
        assert!(
            !a.readers.iter().any(|r| r.is_root()),
            "{principal}: {a:#?}"
        );
    }
    // A deny that spares named roles still stops the root user.
    inv.secrets[1].resource_policy = Some(doc(&format!(
        r#"{{"Effect":"Deny","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*","Condition":{{"ArnNotEquals":{{"aws:PrincipalArn":"arn:aws:iam::{A}:role/admin"}}}}}}"#
    )));
    let a = AccessIndex::build(&inv).readers(&inv.secrets[1]);
    assert!(!a.readers.iter().any(|r| r.is_root()), "{a:#?}");
    assert!(by_arn(&a, "role/admin").is_some());
    // A key policy that does not trust the account: the root user cannot decrypt.
    inv.kms_keys[0].policy = Some(doc(&format!(
        r#"{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{A}:role/app"}},"Action":"kms:*","Resource":"*"}}"#
    )));
    let a = AccessIndex::build(&inv).readers(&inv.secrets[0]);
    assert!(!a.readers.iter().any(|r| r.is_root()), "{a:#?}");
    assert!(by_arn(&a, "role/app").is_some(), "{a:#?}");
}

#[test]
fn request_keys_of_other_calls_are_absent_from_get_secret_value() {
    // An allow that requires `secretsmanager:KmsKeyArn` (a CreateSecret/UpdateSecret key)
    // never matches a GetSecretValue request: not a reader, not a conditional one.
    let inv = one_reader(
        r#"{"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"*","Condition":{"StringEquals":{"secretsmanager:KmsKeyArn":"arn:aws:kms:us-east-1:111122223333:key/k1"}}}"#,
        vec![secret("app/db", None, None)],
    );
    let idx = AccessIndex::build(&inv);
    let a = idx.readers(&inv.secrets[0]);
    assert!(by_arn(&a, "role/reader").is_none(), "{a:?}");
    // A deny on a key the request lacks: `StringEquals` does not match (the reader stays,
    // decided); `StringNotEquals` matches, as AWS evaluates negated operators on a missing
    // key, and so does any `…IfExists` (true when the key is absent): the reader is removed.
    for (op, reads) in [
        ("StringEquals", true),
        ("StringNotEquals", false),
        ("StringEqualsIfExists", false),
    ] {
        let stmt = format!(
            r#"{{"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"*"}},{{"Effect":"Deny","Action":"secretsmanager:GetSecretValue","Resource":"*","Condition":{{"{op}":{{"secretsmanager:ExternalSecretRotationRoleArn":"arn:aws:iam::111122223333:role/r"}}}}}}"#
        );
        let inv = one_reader(&stmt, vec![secret("app/db", None, None)]);
        let idx = AccessIndex::build(&inv);
        let a = idx.readers(&inv.secrets[0]);
        let r = by_arn(&a, "role/reader");
        assert_eq!(r.is_some(), reads, "{op}: {a:?}");
        if let Some(r) = r {
            assert!(r.allowed(), "decided, not conditional: {r:?}");
        }
    }
}
