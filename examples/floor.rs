//! The benchmark floor: a minimal client that makes only the API calls `secretlens audit`
//! makes for one region — `ListSecrets` (all pages), `GetResourcePolicy` per secret,
//! `DescribeSecret` for names starting `prod/`, `DescribeKey` per distinct key and `GetKeyRotationStatus` per customer key —
//! at the same per-secret concurrency, and nothing else (no evaluation, no rendering).
//!
//! `cargo run --release --example floor -- ENDPOINT REGION [CONCURRENCY]`; used by
//! `scripts/bench-audit.sh` to show how close the audit is to the cost of its API calls.
#![allow(clippy::print_stdout)] // a benchmark prints its measurements.

use std::collections::BTreeSet;

use futures::StreamExt;

mod common;

#[tokio::main]
async fn main() {
    let (sdk, concurrency) = common::setup("floor").await;
    let sm = aws_sdk_secretsmanager::Client::new(&sdk);
    let kms = aws_sdk_kms::Client::new(&sdk);
    let _ = aws_sdk_sts::Client::new(&sdk)
        .get_caller_identity()
        .send()
        .await;
    let mut secrets = Vec::new();
    let mut token = None;
    loop {
        let page = sm
            .list_secrets()
            .include_planned_deletion(true)
            .max_results(100)
            .set_next_token(token)
            .send()
            .await
            .expect("ListSecrets");
        for e in page.secret_list() {
            secrets.push((
                e.arn().unwrap_or_default().to_string(),
                e.name().unwrap_or_default().to_string(),
                e.kms_key_id().map(str::to_string),
            ));
        }
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    let calls = futures::stream::iter(secrets.iter().map(|(arn, name, _)| {
        let sm = sm.clone();
        async move {
            let _ = sm.get_resource_policy().secret_id(arn).send().await;
            if name.starts_with("prod/") {
                let _ = sm.describe_secret().secret_id(arn).send().await;
            }
        }
    }))
    .buffer_unordered(concurrency)
    .collect::<Vec<_>>();
    calls.await;
    let refs: BTreeSet<String> = secrets.iter().filter_map(|(_, _, k)| k.clone()).collect();
    // Like the audit: one DescribeKey per key, however the secrets name it (alias, ARN, id).
    let mut targets = std::collections::HashMap::new();
    if !refs.is_empty()
        && let Ok(page) = kms.list_aliases().send().await
    {
        for a in page.aliases() {
            if let (Some(name), Some(target)) = (a.alias_name(), a.target_key_id()) {
                targets.insert(name.to_string(), target.to_string());
            }
        }
    }
    let keys: BTreeSet<String> = refs
        .iter()
        .map(|r| {
            let tail = r.rsplit_once(':').map_or(r.as_str(), |(_, t)| t);
            if tail.starts_with("alias/") {
                targets.get(tail).cloned().unwrap_or_else(|| r.clone())
            } else {
                tail.strip_prefix("key/").unwrap_or(tail).to_string()
            }
        })
        .collect();
    futures::stream::iter(keys.iter().map(|k| {
        let kms = kms.clone();
        async move {
            if let Ok(d) = kms.describe_key().key_id(k).send().await
                && let Some(m) = d.key_metadata()
                && m.key_manager().map(|x| x.as_str()) == Some("CUSTOMER")
            {
                let _ = kms
                    .get_key_rotation_status()
                    .key_id(m.key_id())
                    .send()
                    .await;
            }
        }
    }))
    .buffer_unordered(concurrency)
    .collect::<Vec<_>>()
    .await;
    println!("{} secrets, {} keys", secrets.len(), keys.len());
}
