//! Benchmark of the effective-access computation on a synthetic account:
//! 10,000 secrets, 2,000 principals (1,600 roles, 400 users in 50 groups), 10,000 managed
//! policies, 20 customer managed keys, 2,000 resource policies.
//!
//!     cargo run --release --example bench_access
//!
//! Prints the time to build the index, the time to compute every secret's readers (one
//! thread, then all cores with rayon), the reader counts, and the peak resident memory.

use std::time::Instant;

use rayon::prelude::*;
use secretlens::access::AccessIndex;
use secretlens::inventory::{IamAccount, IamGroup, IamRole, IamUser, Inventory, KmsKey, ManagedPolicy, Secret};

const A: &str = "111122223333";
const R: &str = "us-east-1";

/// A small deterministic generator (no dependency, same account every run).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n
    }
}

fn doc(stmts: &[String]) -> String {
    format!(r#"{{"Version":"2012-10-17","Statement":[{}]}}"#, stmts.join(","))
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
        policies.push(ManagedPolicy { arn: format!("arn:aws:iam::{A}:policy/p-{p}"), name: format!("p-{p}"), document: Some(doc(&stmts)) });
    }
    let mut pick = |n: usize| -> Vec<String> { (0..n).map(|_| format!("arn:aws:iam::{A}:policy/p-{}", rng.next(10_000))).collect() };
    let groups: Vec<IamGroup> = (0..50)
        .map(|g| IamGroup { arn: format!("arn:aws:iam::{A}:group/g-{g}"), name: format!("g-{g}"), attached_policies: pick(3), ..Default::default() })
        .collect();
    let roles: Vec<IamRole> = (0..1_600)
        .map(|r| IamRole {
            arn: format!("arn:aws:iam::{A}:role/r-{r}"),
            name: format!("r-{r}"),
            attached_policies: pick(5),
            permissions_boundary: (r % 10 == 0).then(|| format!("arn:aws:iam::{A}:policy/p-{}", r * 3)),
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
    inv.iam = vec![IamAccount { account: A.into(), users, groups, roles, policies }];
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

fn main() {
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
            (a.readers.len(), a.readers.iter().filter(|r| r.allowed()).count())
        })
        .collect();
    let serial = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let par: usize = inv.secrets.par_iter().map(|s| idx.readers(s).readers.len()).sum();
    let parallel = t.elapsed().as_secs_f64();
    let total: usize = counts.iter().map(|c| c.0).sum();
    let allowed: usize = counts.iter().map(|c| c.1).sum();
    assert_eq!(total, par);
    println!("index build: {build:.2} s");
    println!("readers of every secret, 1 thread: {serial:.2} s (total with build {:.2} s)", build + serial);
    println!(
        "readers of every secret, {} threads: {parallel:.2} s (total with build {:.2} s)",
        rayon::current_num_threads(),
        build + parallel
    );
    println!(
        "readers: {total} ({allowed} allowed, {} conditional), {:.1} per secret on average, max {}",
        total - allowed,
        total as f64 / counts.len() as f64,
        counts.iter().map(|c| c.0).max().unwrap_or(0)
    );
    println!("peak resident memory: {:.0} MiB", peak_rss_mib());
}
