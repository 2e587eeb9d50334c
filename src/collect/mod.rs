//! Collection from AWS: the only module that links the AWS SDK.
//!
//! Per region, concurrently: `ListSecrets` (all pages, including secrets planned for
//! deletion), `GetResourcePolicy` per primary secret, `DescribeSecret` only where nothing else
//! answers (replication status of secrets that must be replicated or are known to have
//! replicas), and for the customer keys the secrets use `ListAliases`, `DescribeKey`,
//! `GetKeyRotationStatus`. Per-secret calls run with bounded concurrency. Every failed call
//! becomes an inventory [`Gap`]; collection itself only fails when it cannot start (no region,
//! unreadable profile).
//!
//! The auditor never calls `GetSecretValue` or `BatchGetSecretValue`: a moto-backed test
//! records every operation the SDK sends and enforces it.

mod kms;
mod secrets;

use std::fmt::Debug;
use std::io::Write;
use std::time::Duration;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use chrono::{DateTime, Utc};

use crate::config::Config;
use crate::error::Error;
use crate::inventory::{Gap, Inventory, Scope};

#[derive(Debug, Clone, Default)]
pub struct CollectOptions {
    pub profile: Option<String>,
    pub regions: Vec<String>,
    pub endpoint_url: Option<String>,
    /// Concurrent per-secret calls per region.
    pub concurrency: usize,
    /// Print one line per region to stderr.
    pub progress: bool,
}

/// What one region's collection produced.
#[derive(Debug, Default)]
pub(crate) struct RegionResult {
    pub secrets: Vec<crate::inventory::Secret>,
    pub kms_keys: Vec<crate::inventory::KmsKey>,
    pub kms_aliases: Vec<crate::inventory::KmsAlias>,
    pub gaps: Vec<Gap>,
}

/// Shared, read-only state of one collection run.
pub(crate) struct Ctx {
    pub sdk: SdkConfig,
    pub account: String,
    pub concurrency: usize,
    pub replication_pattern: regex::Regex,
}

impl Ctx {
    pub fn gap(&self, region: &str, operation: &str, resource: &str, (code, message): (String, String)) -> Gap {
        Gap {
            account: self.account.clone(),
            region: region.to_string(),
            operation: operation.to_string(),
            resource: resource.to_string(),
            error_code: code,
            message,
        }
    }
}

pub async fn collect(opts: &CollectOptions, cfg: &Config) -> Result<Inventory, Error> {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(RetryConfig::adaptive().with_max_attempts(4))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(5))
                .operation_attempt_timeout(Duration::from_secs(30))
                .operation_timeout(Duration::from_secs(90))
                .build(),
        );
    if let Some(p) = &opts.profile {
        loader = loader.profile_name(p);
    }
    if let Some(url) = &opts.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    let first_region = opts.regions.first().cloned();
    if let Some(r) = &first_region {
        loader = loader.region(Region::new(r.clone()));
    }
    let sdk = loader.load().await;
    let regions: Vec<String> = if opts.regions.is_empty() {
        match sdk.region() {
            Some(r) => vec![r.to_string()],
            None => {
                return Err(Error::Usage(
                    "no AWS region configured: pass --regions us-east-1[,…] or set AWS_REGION / a region in your profile"
                        .to_string(),
                ));
            }
        }
    } else {
        let mut r = opts.regions.clone();
        r.sort();
        r.dedup();
        r
    };
    if sdk.credentials_provider().is_none() {
        return Err(Error::Usage(
            "no AWS credentials provider: configure credentials (environment, --profile, SSO or an instance role)".into(),
        ));
    }

    let started: DateTime<Utc> = Utc::now();
    let mut inv = Inventory::empty("aws", started);
    let home_region = regions[0].clone();

    // Who are we? One STS call; on failure the account is taken from the ARNs collected.
    let sts = aws_sdk_sts::Client::new(&sdk);
    let (account, sts_gap) = match sts.get_caller_identity().send().await {
        Ok(out) => (out.account().unwrap_or_default().to_string(), None),
        Err(e) => (String::new(), Some(error_parts(&e))),
    };

    let ctx = Ctx {
        sdk,
        account: account.clone(),
        concurrency: opts.concurrency.max(1),
        replication_pattern: cfg.replication_pattern.clone(),
    };

    // Regions run concurrently (one task, interleaved I/O); each bounds its own per-secret
    // concurrency.
    let mut results: Vec<(String, RegionResult)> = futures::future::join_all(
        regions
            .iter()
            .map(|region| async { (region.clone(), collect_region(&ctx, region).await) }),
    )
    .await;

    // Replicas are known only once every region has been listed; their primaries get one
    // DescribeSecret each for replication health, unless already described.
    secrets::describe_primaries_of_seen_replicas(&ctx, &mut results).await;

    // Keys referenced by replicas (from DescribeSecret) live in the replica's region.
    kms::collect_replica_keys(&ctx, &mut results).await;

    let mut account = account;
    if account.is_empty() {
        account = results
            .iter()
            .flat_map(|(_, r)| r.secrets.iter())
            .map(|s| s.account.clone())
            .find(|a| !a.is_empty())
            .unwrap_or_else(|| "unknown".to_string());
    }
    if let Some(parts) = sts_gap {
        let mut g = ctx.gap(&home_region, "GetCallerIdentity", "", parts);
        g.account = account.clone();
        inv.gaps.push(g);
    }
    for (region, mut r) in results {
        if opts.progress {
            let _ = writeln!(
                std::io::stderr(),
                "secretlens: {region}: {} secrets, {} KMS keys, {} gaps",
                r.secrets.len(),
                r.kms_keys.len(),
                r.gaps.len()
            );
        }
        for g in &mut r.gaps {
            if g.account.is_empty() {
                g.account = account.clone();
            }
        }
        inv.scopes.push(Scope {
            account: account.clone(),
            region: region.clone(),
        });
        inv.secrets.append(&mut r.secrets);
        inv.kms_keys.append(&mut r.kms_keys);
        inv.kms_aliases.append(&mut r.kms_aliases);
        inv.gaps.append(&mut r.gaps);
    }
    // Keep the aliases that matter: the default key's and those naming a collected key
    // (ListAliases also returns every AWS managed alias in the region).
    let key_ids: std::collections::BTreeSet<(String, String)> =
        inv.kms_keys.iter().map(|k| (k.region.clone(), k.key_id.clone())).collect();
    inv.kms_aliases.retain(|a| {
        a.name == crate::inventory::DEFAULT_KEY_ALIAS
            || a.target_key_id.as_ref().is_some_and(|t| key_ids.contains(&(a.region.clone(), t.clone())))
    });
    inv.accounts = vec![account];
    inv.collected_at = Utc::now();
    inv.normalise();
    Ok(inv)
}

async fn collect_region(ctx: &Ctx, region: &str) -> RegionResult {
    let mut out = RegionResult::default();
    secrets::collect(ctx, region, &mut out).await;
    kms::collect(ctx, region, &mut out).await;
    out
}

/// The error code and a one-line message of a failed call. Transport failures, which have
/// no AWS error code, are named by their kind.
pub(crate) fn error_parts<E, R>(err: &SdkError<E, R>) -> (String, String)
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: Debug,
{
    let kind = match err {
        SdkError::ConstructionFailure(_) => "ConstructionFailure",
        SdkError::TimeoutError(_) => "Timeout",
        SdkError::DispatchFailure(_) => "DispatchFailure",
        SdkError::ResponseError(_) => "ResponseError",
        SdkError::ServiceError(_) => "ServiceError",
        _ => "Unknown",
    };
    let code = err.code().map(str::to_string).unwrap_or_else(|| kind.to_string());
    let message = match err.message() {
        Some(m) => m.to_string(),
        None => {
            // Transport errors nest several layers deep; the innermost cause is the useful
            // part ("Connection refused (os error 111)").
            let mut cause: &dyn std::error::Error = err;
            while let Some(next) = cause.source() {
                cause = next;
            }
            let what = match kind {
                "DispatchFailure" => "could not reach the endpoint",
                "Timeout" => "timed out",
                "ResponseError" => "unreadable response",
                _ => "request failed",
            };
            format!("{what}: {cause}")
        }
    };
    (code, bounded(&message.replace('\n', " "), 500))
}

/// Truncates attacker- or server-controlled text to `max` bytes on a char boundary.
pub(crate) fn bounded(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

pub(crate) fn to_chrono(t: &aws_smithy_types::DateTime) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(t.secs(), t.subsec_nanos())
}
