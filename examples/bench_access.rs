//! Benchmark of the effective-access computation on a synthetic account:
//! 10,000 secrets, 2,000 principals (1,600 roles, 400 users in 50 groups), 10,000 managed
//! policies, 20 customer managed keys, 2,000 resource policies.
//!
//!     cargo run --release --example bench_access
//!
//! Prints the time to build the index, the time to compute every secret's readers (one
//! thread, then all cores with rayon, reusing the index and its caches), the time of the whole
//! computation from scratch (a fresh index, then all cores), the reader counts, and the peak
//! resident memory.
//!
//!     cargo run --release --example bench_access -- --digest
//!
//! also prints, after the timings, a SHA-256 digest of every answer (`readers` and `who_can`
//! for every action, serialised as JSON, secret by secret) for the benchmark account, the demo
//! account and a few smaller, deliberately varied accounts (principal tags, policy variables,
//! conditions on unknown keys, `NotPrincipal`, cross-account and service grants, key policies
//! naming roles, encryption-context conditions, missing policies …): two builds that print the
//! same digests give the same answers.
//!
//!     cargo run --release --example bench_access -- --inventory-out DIR
//!
//! only writes those inventories as JSON (`DIR/bench.json`, `DIR/varied-1.json` …), for
//! comparing `secretlens who-can-read SECRET --inventory DIR/bench.json` between builds.
#![allow(clippy::print_stdout)] // a benchmark prints its measurements.

use std::time::Instant;

use rayon::prelude::*;
use secretlens::access::{AccessIndex, Act};
use secretlens::inventory::{
    Gap, IamAccount, IamGroup, IamRole, IamUser, InlinePolicy, Inventory, KmsAlias, KmsGrant,
    KmsKey, ManagedPolicy, Secret,
};
use sha2::{Digest, Sha256};

const A: &str = "111122223333";
const R: &str = "us-east-1";

/// A small deterministic generator (no dependency, same account every run).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n
    }
}

fn doc(stmts: &[String]) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        stmts.join(",")
    )
}

fn synthetic() -> Inventory {
    let mut rng = Lcg(42);
    let mut inv = Inventory::empty("bench", chrono::Utc::now());
    inv.accounts = vec![A.into()];
    let key = |k: usize| format!("arn:aws:kms:{R}:{A}:key/00000000-0000-0000-0000-{k:012}");
    inv.kms_keys = (0..20)
        .map(|k| KmsKey {
            arn: key(k),
            key_id: format!("00000000-0000-0000-0000-{k:012}"),
            account: A.into(),
            region: R.into(),
            key_manager: Some("CUSTOMER".into()),
            key_state: Some("Enabled".into()),
            policy: Some(doc(&[format!(
                r#"{{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{A}:root"}},"Action":"kms:*","Resource":"*"}}"#
            )])),
            grants: Some(Vec::new()),
            ..Default::default()
        })
        .collect();
    let mut policies = Vec::with_capacity(10_000);
    for p in 0..10_000usize {
        let app = rng.next(500);
        let stmts: Vec<String> = match p % 100 {
            // 1 %: read every secret (Resource "*").
            0 => vec![r#"{"Effect":"Allow","Action":["secretsmanager:GetSecretValue","secretsmanager:DescribeSecret"],"Resource":"*"}"#.into()],
            // 0.2 %: NotAction power users, with decrypt.
            1 if p % 500 == 1 => vec![r#"{"Effect":"Allow","NotAction":["iam:*","organizations:*"],"Resource":"*"}"#.into()],
            // 4 %: tag-based (ABAC) read on every secret.
            2..=5 => vec![format!(
                r#"{{"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"*","Condition":{{"StringEquals":{{"secretsmanager:ResourceTag/team":"team-{}"}}}}}}"#,
                rng.next(50)
            )],
            // 2 %: explicit denies on a prefix.
            6 | 7 => vec![format!(
                r#"{{"Effect":"Deny","Action":"secretsmanager:*","Resource":"arn:aws:secretsmanager:{R}:{A}:secret:app-{app}/*"}}"#
            )],
            // 15 %: nothing about secrets.
            8..=22 => vec![
                r#"{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::bucket/*"}"#.into(),
                r#"{"Effect":"Allow","Action":"ec2:Describe*","Resource":"*"}"#.into(),
            ],
            // The rest: one application's secrets, its key, and unrelated statements.
            _ => vec![
                format!(
                    r#"{{"Sid":"ReadApp","Effect":"Allow","Action":["secretsmanager:GetSecretValue","secretsmanager:DescribeSecret"],"Resource":"arn:aws:secretsmanager:{R}:{A}:secret:app-{app}/*"}}"#
                ),
                format!(r#"{{"Effect":"Allow","Action":"kms:Decrypt","Resource":"{}"}}"#, key(app % 20)),
                r#"{"Effect":"Allow","Action":["sqs:SendMessage","sqs:ReceiveMessage"],"Resource":"*"}"#.into(),
                format!(r#"{{"Effect":"Allow","Action":"dynamodb:*","Resource":"arn:aws:dynamodb:{R}:{A}:table/app-{app}"}}"#),
            ],
        };
        policies.push(ManagedPolicy {
            arn: format!("arn:aws:iam::{A}:policy/p-{p}"),
            name: format!("p-{p}"),
            document: Some(doc(&stmts)),
        });
    }
    let mut pick = |n: usize| -> Vec<String> {
        (0..n)
            .map(|_| format!("arn:aws:iam::{A}:policy/p-{}", rng.next(10_000)))
            .collect()
    };
    let groups: Vec<IamGroup> = (0..50)
        .map(|g| IamGroup {
            arn: format!("arn:aws:iam::{A}:group/g-{g}"),
            name: format!("g-{g}"),
            attached_policies: pick(3),
            ..Default::default()
        })
        .collect();
    let roles: Vec<IamRole> = (0..1_600)
        .map(|r| IamRole {
            arn: format!("arn:aws:iam::{A}:role/r-{r}"),
            name: format!("r-{r}"),
            attached_policies: pick(5),
            permissions_boundary: (r % 10 == 0)
                .then(|| format!("arn:aws:iam::{A}:policy/p-{}", r * 3)),
            ..Default::default()
        })
        .collect();
    let mut users = Vec::new();
    for u in 0..400 {
        users.push(IamUser {
            arn: format!("arn:aws:iam::{A}:user/u-{u}"),
            name: format!("u-{u}"),
            groups: vec![format!("g-{}", u % 50), format!("g-{}", (u * 7) % 50)],
            attached_policies: pick(2),
            access_keys: Some(Vec::new()),
            ..Default::default()
        });
    }
    inv.iam = vec![IamAccount {
        account: A.into(),
        users,
        groups,
        roles,
        policies,
    }];
    let mut rng = Lcg(7);
    inv.secrets = (0..10_000usize)
        .map(|i| {
            let app = i % 500;
            let name = format!("app-{app}/secret-{i}");
            let resource_policy = (i % 5 == 0).then(|| {
                doc(&[format!(
                    r#"{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{A}:role/r-{}"}},"Action":"secretsmanager:GetSecretValue","Resource":"*"}}"#,
                    rng.next(1_600)
                )])
            });
            let mut tags = std::collections::BTreeMap::new();
            tags.insert("team".to_string(), format!("team-{}", i % 50));
            Secret {
                arn: format!("arn:aws:secretsmanager:{R}:{A}:secret:{name}-AbCdEf"),
                name,
                account: A.into(),
                region: R.into(),
                kms_key_id: (i % 3 == 0).then(|| key(app % 20)),
                resource_policy,
                tags,
                ..Default::default()
            }
        })
        .collect();
    inv
}

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// SHA-256 over every answer for every secret: `readers`, then `who_can` for each action.
fn digest(inv: &Inventory) -> (String, usize) {
    let idx = AccessIndex::build(inv);
    let per: Vec<(Vec<u8>, usize)> = inv
        .secrets
        .par_iter()
        .map(|s| {
            let r = idx.readers(s);
            let n = r.readers.len();
            let mut buf = serde_json::to_vec(&(&s.arn, &r)).expect("json");
            for act in [
                Act::GetSecretValue,
                Act::Decrypt,
                Act::PutResourcePolicy,
                Act::PutKeyPolicy,
                Act::CreateGrant,
            ] {
                buf.extend(serde_json::to_vec(&idx.who_can(s, act)).expect("json"));
            }
            (buf, n)
        })
        .collect();
    let mut h = Sha256::new();
    let mut total = 0;
    for (b, n) in &per {
        h.update(b);
        total += n;
    }
    let hex: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    (hex, total)
}

/// A smaller account (plus a second collected account) exercising many more policy shapes than
/// the benchmark: for `--digest` only.
fn varied(seed: u64) -> Inventory {
    const B: &str = "444455556666";
    let mut rng = Lcg(seed);
    let mut inv = Inventory::empty("bench", chrono::Utc::now());
    inv.accounts = vec![A.into(), B.into()];
    let key = |acct: &str, k: usize| {
        format!("arn:aws:kms:{R}:{acct}:key/11111111-0000-0000-0000-{k:012}")
    };
    let key_policies = [
        // 0: delegate to IAM.
        format!(
            r#"{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{A}:root"}},"Action":"kms:*","Resource":"*"}}"#
        ),
        // 1: names roles, with an encryption-context condition.
        format!(
            r#"{{"Sid":"Roles","Effect":"Allow","Principal":{{"AWS":["arn:aws:iam::{A}:role/r-1","arn:aws:iam::{A}:role/r-2","arn:aws:iam::{A}:user/p/u-3"]}},"Action":["kms:Decrypt","kms:CreateGrant"],"Resource":"*","Condition":{{"StringLike":{{"kms:EncryptionContext:SecretARN":"arn:aws:secretsmanager:{R}:{A}:secret:app-1*"}}}}}}"#
        ),
        // 2: via service only, plus a deny for a tag.
        format!(
            r#"{{"Effect":"Allow","Principal":{{"AWS":"*"}},"Action":"kms:Decrypt","Resource":"*","Condition":{{"StringEquals":{{"kms:ViaService":"secretsmanager.{R}.amazonaws.com","kms:CallerAccount":"{A}"}}}}}},{{"Effect":"Deny","Principal":"*","Action":"kms:*","Resource":"*","Condition":{{"StringEquals":{{"aws:PrincipalTag/team":"red"}}}}}}"#
        ),
        // 3: cross-account and conditional on an unknown key.
        format!(
            r#"{{"Effect":"Allow","Principal":{{"AWS":["{A}","arn:aws:iam::{B}:root"]}},"Action":"kms:*","Resource":"*","Condition":{{"Bool":{{"aws:SecureTransport":"true"}}}}}}"#
        ),
    ];
    inv.kms_keys = (0..6)
        .map(|k| KmsKey {
            arn: key(A, k),
            key_id: format!("11111111-0000-0000-0000-{k:012}"),
            account: A.into(),
            region: R.into(),
            key_manager: Some("CUSTOMER".into()),
            key_state: Some("Enabled".into()),
            // Key 5: policy not collected.
            policy: (k < 5).then(|| doc(&[key_policies[k % 4].clone()])),
            // Key 0: a grant to a role, one to another account's role on a version; key 4:
            // grants not collected.
            grants: match k {
                0 => Some(vec![
                    KmsGrant {
                        grant_id: "g-0".into(),
                        grantee: format!("arn:aws:iam::{A}:role/r-5"),
                        operations: vec!["Decrypt".into(), "CreateGrant".into()],
                        ..Default::default()
                    },
                    KmsGrant {
                        grant_id: "g-1".into(),
                        grantee: format!("arn:aws:iam::{B}:role/r-1"),
                        operations: vec!["Decrypt".into()],
                        encryption_context_subset: Some(
                            [("SecretVersionId".to_string(), "v".to_string())].into(),
                        ),
                        ..Default::default()
                    },
                ]),
                4 => None,
                _ => Some(Vec::new()),
            },
            ..Default::default()
        })
        .collect();
    inv.kms_keys.push(KmsKey {
        arn: key(A, 9),
        key_id: "11111111-0000-0000-0000-000000000009".into(),
        account: A.into(),
        region: R.into(),
        policy: Some("{not json".into()),
        ..Default::default()
    });
    inv.kms_aliases.push(KmsAlias {
        account: A.into(),
        region: R.into(),
        name: "alias/app".into(),
        arn: Some(format!("arn:aws:kms:{R}:{A}:alias/app")),
        target_key_id: Some("11111111-0000-0000-0000-000000000001".into()),
    });
    let shapes = |rng: &mut Lcg, acct: &str| -> Vec<String> {
        let app = rng.next(8);
        let team = ["red", "blue", "green"][rng.next(3)];
        match rng.next(16) {
            0 => vec![r#"{"Effect":"Allow","Action":"secretsmanager:*","Resource":"*"}"#.into()],
            1 => vec![r#"{"Effect":"Allow","Action":"*","Resource":"*"}"#.into()],
            2 => vec![format!(
                r#"{{"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"arn:aws:secretsmanager:{R}:{acct}:secret:${{aws:PrincipalTag/team}}/*"}}"#
            )],
            3 => vec![
                r#"{"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"*","Condition":{"StringEquals":{"secretsmanager:ResourceTag/Team":"${aws:PrincipalTag/team}"}}}"#.into(),
            ],
            4 => vec![format!(
                r#"{{"Effect":"Allow","Action":["secretsmanager:Get*","kms:Decrypt"],"Resource":"*","Condition":{{"Bool":{{"aws:MultiFactorAuthPresent":"true"}}}}}}"#
            )],
            5 => vec![format!(
                r#"{{"Effect":"Deny","Action":"secretsmanager:GetSecretValue","Resource":"*","Condition":{{"StringNotEquals":{{"aws:SourceVpce":"vpce-1"}}}}}}"#
            )],
            6 => vec![format!(
                r#"{{"Effect":"Allow","NotAction":"iam:*","NotResource":"arn:aws:secretsmanager:{R}:{acct}:secret:app-{app}/*"}}"#
            )],
            7 => vec![format!(
                r#"{{"Effect":"Deny","Action":"*","Resource":"*","Condition":{{"StringEquals":{{"aws:ResourceTag/env":"{team}"}}}}}}"#
            )],
            8 => vec![format!(
                r#"{{"Sid":"Put","Effect":"Allow","Action":["secretsmanager:PutResourcePolicy","kms:PutKeyPolicy","kms:CreateGrant"],"Resource":["arn:aws:secretsmanager:{R}:{acct}:secret:app-{app}/*","{}"]}}"#,
                key(acct, app % 6)
            )],
            9 => vec![format!(
                r#"{{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*","Condition":{{"StringLike":{{"kms:ViaService":"secretsmanager.*.amazonaws.com"}}}}}}"#
            )],
            10 => vec![format!(
                r#"{{"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"arn:aws:secretsmanager:*:{acct}:secret:app-?/*-??????","Condition":{{"StringEquals":{{"aws:PrincipalTag/team":"{team}"}}}}}}"#
            )],
            11 => vec![format!(
                r#"{{"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"*","Condition":{{"StringEquals":{{"secretsmanager:SecretPrimaryRegion":"eu-west-1"}}}}}}"#
            )],
            12 => vec![format!(
                r#"{{"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"arn:aws:secretsmanager:{R}:{acct}:secret:app-{app}/*","Condition":{{"ForAnyValue:StringLike":{{"aws:username":["u-*"]}}}}}}"#
            )],
            13 => vec![r#"{"Effect":"Allow","Action":"s3:*","Resource":"*"}"#.into()],
            _ => vec![
                format!(
                    r#"{{"Sid":"ReadApp","Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"arn:aws:secretsmanager:{R}:{acct}:secret:app-{app}/*"}}"#
                ),
                format!(r#"{{"Effect":"Allow","Action":"kms:Decrypt","Resource":"{}"}}"#, key(acct, app % 6)),
            ],
        }
    };
    let iam_of = |acct: &str, rng: &mut Lcg| -> IamAccount {
        let mut policies: Vec<ManagedPolicy> = (0..120)
            .map(|p| ManagedPolicy {
                arn: format!("arn:aws:iam::{acct}:policy/v-{p}"),
                name: format!("v-{p}"),
                document: Some(doc(&shapes(rng, acct))),
            })
            .collect();
        policies[7].document = Some("not a policy".into());
        policies[8].document = None;
        let pick = |rng: &mut Lcg, n: usize| -> Vec<String> {
            let mut v: Vec<String> = (0..n)
                .map(|_| format!("arn:aws:iam::{acct}:policy/v-{}", rng.next(120)))
                .collect();
            if rng.next(40) == 0 {
                v.push(format!("arn:aws:iam::{acct}:policy/missing"));
            }
            v
        };
        // A few identical policy sets shared by several principals.
        let shared: Vec<Vec<String>> = (0..4).map(|_| pick(rng, 3)).collect();
        let tag = |rng: &mut Lcg| {
            let mut t = std::collections::BTreeMap::new();
            match rng.next(4) {
                0 => {}
                1 => {
                    t.insert("team".to_string(), "red".to_string());
                }
                2 => {
                    t.insert("Team".to_string(), "blue".to_string());
                }
                _ => {
                    t.insert("team".to_string(), "green".to_string());
                }
            }
            t
        };
        let groups: Vec<IamGroup> = (0..6)
            .map(|g| IamGroup {
                arn: format!("arn:aws:iam::{acct}:group/g-{g}"),
                name: format!("g-{g}"),
                attached_policies: pick(rng, 2),
                inline_policies: (g % 2 == 0)
                    .then(|| InlinePolicy {
                        name: format!("gi-{g}"),
                        document: doc(&shapes(rng, acct)),
                    })
                    .into_iter()
                    .collect(),
            })
            .collect();
        let roles: Vec<IamRole> = (0..80)
            .map(|r| IamRole {
                arn: format!("arn:aws:iam::{acct}:role/r-{r}"),
                name: format!("r-{r}"),
                attached_policies: if r % 3 == 0 {
                    shared[r % 4].clone()
                } else {
                    let n = 1 + rng.next(4);
                    pick(rng, n)
                },
                inline_policies: (r % 7 == 0)
                    .then(|| InlinePolicy {
                        name: format!("ri-{r}"),
                        document: doc(&shapes(rng, acct)),
                    })
                    .into_iter()
                    .collect(),
                permissions_boundary: (r % 5 == 0)
                    .then(|| format!("arn:aws:iam::{acct}:policy/v-{}", rng.next(120))),
                tags: if r % 3 == 0 {
                    std::collections::BTreeMap::new()
                } else {
                    tag(rng)
                },
                ..Default::default()
            })
            .collect();
        let users: Vec<IamUser> = (0..40)
            .map(|u| IamUser {
                arn: if u % 4 == 3 {
                    format!("arn:aws:iam::{acct}:user/p/u-{u}")
                } else {
                    format!("arn:aws:iam::{acct}:user/u-{u}")
                },
                name: format!("u-{u}"),
                groups: vec![
                    format!("g-{}", u % 6),
                    if u == 5 {
                        "nogroup".into()
                    } else {
                        format!("g-{}", (u * 5) % 6)
                    },
                ],
                attached_policies: if u % 2 == 0 {
                    shared[u % 4].clone()
                } else {
                    pick(rng, 1)
                },
                inline_policies: (u % 9 == 0)
                    .then(|| InlinePolicy {
                        name: format!("ui-{u}"),
                        document: doc(&shapes(rng, acct)),
                    })
                    .into_iter()
                    .collect(),
                permissions_boundary: (u % 8 == 0)
                    .then(|| format!("arn:aws:iam::{acct}:policy/v-{}", rng.next(120))),
                tags: tag(rng),
                ..Default::default()
            })
            .collect();
        IamAccount {
            account: acct.into(),
            users,
            groups,
            roles,
            policies,
        }
    };
    inv.iam = vec![iam_of(A, &mut rng), iam_of(B, &mut rng)];
    let rps = [
        format!(r#"{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{A}:role/r-3"}},"Action":"secretsmanager:GetSecretValue","Resource":"*"}}"#),
        format!(r#"{{"Effect":"Allow","Principal":{{"AWS":["arn:aws:iam::{B}:root","arn:aws:iam::{B}:user/x","arn:aws:iam::{A}:user/u-4"]}},"Action":"secretsmanager:*","Resource":"*"}}"#),
        r#"{"Effect":"Allow","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-1"}}}"#.into(),
        format!(r#"{{"Effect":"Deny","NotPrincipal":{{"AWS":["arn:aws:iam::{A}:role/r-4","{A}"]}},"Action":"secretsmanager:GetSecretValue","Resource":"*"}}"#),
        format!(r#"{{"Effect":"Allow","Principal":{{"Service":"lambda.amazonaws.com","AWS":"arn:aws:sts::{B}:assumed-role/r-1/s"}},"Action":"secretsmanager:GetSecretValue","Resource":"*"}}"#),
        format!(r#"{{"Effect":"Deny","Principal":{{"AWS":"{A}"}},"Action":"secretsmanager:GetSecretValue","Resource":"*","Condition":{{"Bool":{{"aws:SecureTransport":"false"}}}}}}"#),
        format!(r#"{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{A}:root"}},"Action":"secretsmanager:GetSecretValue","Resource":"*"}}"#),
        "{broken".into(),
        format!(r#"{{"Effect":"Allow","Principal":{{"AWS":["arn:aws:iam::{A}:role/r-{}","AROAEXAMPLEID"]}},"Action":"secretsmanager:GetSecretValue","Resource":"*","Condition":{{"StringEquals":{{"aws:ResourceTag/env":"prod"}}}}}}"#, rng.next(80)),
    ];
    let mut rng2 = Lcg(seed ^ 0x5eed);
    for acct in [A, B] {
        for i in 0..200usize {
            let app = rng2.next(8);
            let name = format!("app-{app}/s-{i}");
            let arn = format!("arn:aws:secretsmanager:{R}:{acct}:secret:{name}-AbCdEf");
            let mut tags = std::collections::BTreeMap::new();
            match rng2.next(5) {
                0 => {}
                1 => {
                    tags.insert("Team".to_string(), "red".to_string());
                }
                2 => {
                    tags.insert("team".to_string(), "blue".to_string());
                    tags.insert("env".to_string(), "prod".to_string());
                }
                3 => {
                    tags.insert("env".to_string(), "green".to_string());
                }
                _ => {
                    tags.insert("TEAM".to_string(), "green".to_string());
                }
            }
            let kms_key_id = match rng2.next(8) {
                0..=2 => None,
                3 => Some(key(acct, rng2.next(6))),
                4 => Some(format!("11111111-0000-0000-0000-{:012}", rng2.next(6))),
                5 => Some("alias/app".to_string()),
                6 => Some(key(if acct == A { B } else { A }, 0)),
                _ => Some(key(A, 9)),
            };
            let resource_policy = (rng2.next(3) == 0).then(|| {
                let a = rng2.next(rps.len());
                let b = rng2.next(rps.len());
                if a == 7 {
                    rps[7].clone()
                } else {
                    doc(&[rps[a].clone(), rps[(b + 1) % 7].clone()])
                }
            });
            if i % 50 == 7 {
                inv.gaps.push(Gap::new(
                    acct,
                    R,
                    secretlens::inventory::Operation::GetResourcePolicy,
                    arn.clone(),
                    "AccessDeniedException",
                    String::new(),
                ));
            }
            inv.secrets.push(Secret {
                arn,
                name,
                account: acct.into(),
                region: R.into(),
                primary_region: (i % 11 == 0).then(|| "eu-west-1".to_string()),
                kms_key_id,
                resource_policy,
                tags,
                ..Default::default()
            });
        }
    }
    // A secret of an account whose IAM data is missing.
    inv.secrets.push(Secret {
        arn: format!("arn:aws:secretsmanager:{R}:777788889999:secret:lost-AbCdEf"),
        name: "lost".into(),
        account: "777788889999".into(),
        region: R.into(),
        ..Default::default()
    });
    inv
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(dir) = args
        .iter()
        .position(|a| a == "--inventory-out")
        .map(|i| args.get(i + 1).expect("--inventory-out DIR"))
    {
        let dir = std::path::Path::new(dir);
        std::fs::create_dir_all(dir).expect("create the output directory");
        let mut all = vec![("bench".to_string(), synthetic())];
        all.extend((1..=4).map(|seed| (format!("varied-{seed}"), varied(seed))));
        for (name, inv) in all {
            let path = dir.join(format!("{name}.json"));
            let json = serde_json::to_vec(&inv).expect("json");
            std::fs::write(&path, json).expect("write the inventory");
            println!("{}: {} secrets", path.display(), inv.secrets.len());
        }
        return;
    }
    let want_digest = args.iter().any(|a| a == "--digest");
    let t = Instant::now();
    let inv = synthetic();
    let principals = inv.iam[0].users.len() + inv.iam[0].roles.len();
    println!(
        "synthetic account: {} secrets, {} principals, {} policies, {} keys ({:.2} s to generate)",
        inv.secrets.len(),
        principals,
        inv.iam[0].policies.len(),
        inv.kms_keys.len(),
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let idx = AccessIndex::build(&inv);
    let build = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let counts: Vec<(usize, usize)> = inv
        .secrets
        .iter()
        .map(|s| {
            let a = idx.readers(s);
            (
                a.readers.len(),
                a.readers.iter().filter(|r| r.allowed()).count(),
            )
        })
        .collect();
    let serial = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let par: usize = inv
        .secrets
        .par_iter()
        .map(|s| idx.readers(s).readers.len())
        .sum();
    let parallel = t.elapsed().as_secs_f64();
    // The whole computation from scratch, as a report run does it: a fresh index (its caches
    // empty), then every secret's readers on all cores.
    drop(idx);
    let t = Instant::now();
    let idx = AccessIndex::build(&inv);
    let fresh: usize = inv
        .secrets
        .par_iter()
        .map(|s| idx.readers(s).readers.len())
        .sum();
    let cold = t.elapsed().as_secs_f64();
    drop(idx);
    assert_eq!(fresh, par);
    let total: usize = counts.iter().map(|c| c.0).sum();
    let allowed: usize = counts.iter().map(|c| c.1).sum();
    assert_eq!(total, par);
    println!("index build: {build:.2} s");
    println!(
        "readers of every secret, 1 thread: {serial:.2} s (total with build {:.2} s)",
        build + serial
    );
    println!(
        "readers of every secret, {} threads: {parallel:.2} s (total with build {:.2} s)",
        rayon::current_num_threads(),
        build + parallel
    );
    println!(
        "fresh index build + readers of every secret, {} threads: {cold:.2} s",
        rayon::current_num_threads()
    );
    println!(
        "readers: {total} ({allowed} allowed, {} conditional), {:.1} per secret on average, max {}",
        total - allowed,
        total as f64 / counts.len() as f64,
        counts.iter().map(|c| c.0).max().unwrap_or(0)
    );
    println!("peak resident memory: {:.0} MiB", peak_rss_mib());
    if want_digest {
        let (d, n) = digest(&inv);
        println!("digest bench: {d} ({n} readers)");
        let (d, n) = digest(&secretlens::demo::inventory());
        println!("digest demo: {d} ({n} readers)");
        for seed in 1..=4 {
            let (d, n) = digest(&varied(seed));
            println!("digest varied-{seed}: {d} ({n} readers)");
        }
    }
}
