//! Collection from AWS: the only module that links the AWS SDK.
//!
//! Per region, concurrently: `ListSecrets` (all pages, including secrets planned for
//! deletion), `GetResourcePolicy` per primary secret, `DescribeSecret` only where nothing else
//! answers (replication status of secrets that must be replicated or are known to have
//! replicas), and for the customer keys the secrets use `ListAliases`, `DescribeKey`,
//! `GetKeyRotationStatus`, `GetKeyPolicy` and `ListGrants`. Per-secret calls run with bounded
//! concurrency. With IAM, once per audit: the SCPs and RCPs of the audited accounts from AWS
//! Organizations ([`organizations`]). Every failed call
//! becomes an inventory [`Gap`]; collection itself only fails when it cannot start (no region,
//! unreadable profile).
//!
//! The auditor never calls `GetSecretValue` or `BatchGetSecretValue`: a moto-backed test
//! records every operation the SDK sends and enforces it.

mod cloudtrail;
pub(crate) mod doctor;
mod exposure;
mod iam;
mod kms;
mod organizations;
pub use organizations::{OrgAccountItem, org_accounts};
mod preflight;
mod retry;
mod secrets;

pub use retry::RetryMode;
use retry::{Retrier, RetrySettings};

use std::fmt::Debug;
use std::future::Future;
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::StreamExt;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use chrono::{DateTime, Utc};

use crate::config::Config;
use crate::error::Error;
use crate::inventory::Operation;
use crate::inventory::{Gap, Inventory, Scope};

#[derive(Debug, Clone)]
pub struct CollectOptions {
    pub profile: Option<String>,
    /// Regions to audit; `["all"]` = every region enabled for each account (asked of the
    /// account with `account:ListRegions`); empty = the configured region.
    pub regions: Vec<String>,
    pub endpoint_url: Option<String>,
    /// Accounts to audit by assuming `role_name` in each; empty = the caller's account.
    pub accounts: Vec<String>,
    /// Audit every active account of the organization (`organizations:ListAccounts`).
    pub organization: bool,
    pub role_name: Option<String>,
    pub external_id: Option<String>,
    /// Concurrent per-secret calls per region.
    pub concurrency: usize,
    /// Accounts collected at once.
    pub account_concurrency: usize,
    /// Per-attempt timeout of one API call.
    pub call_timeout: Duration,
    /// A region that has not finished by then becomes a gap instead of hanging the run.
    pub region_timeout: Duration,
    /// Attempts per call at most, in the main pass (see [`retry`]).
    pub max_attempts: u32,
    /// Time one call may spend retrying transient failures before its second pass.
    pub retry_budget: Duration,
    pub retry_mode: RetryMode,
    /// Collect IAM principals and policies (`GetAccountAuthorizationDetails`).
    pub iam: bool,
    /// Show progress on stderr.
    pub progress: bool,
}

impl Default for CollectOptions {
    fn default() -> Self {
        CollectOptions {
            profile: None,
            regions: Vec::new(),
            endpoint_url: None,
            accounts: Vec::new(),
            organization: false,
            role_name: None,
            external_id: None,
            concurrency: 16,
            account_concurrency: 4,
            call_timeout: Duration::from_secs(30),
            region_timeout: Duration::from_secs(600),
            max_attempts: 30,
            retry_budget: Duration::from_secs(60),
            retry_mode: RetryMode::Secretlens,
            iam: false,
            progress: false,
        }
    }
}

/// What one region's collection produced.
#[derive(Debug, Default)]
pub(crate) struct RegionResult {
    pub secrets: Vec<crate::inventory::Secret>,
    pub kms_keys: Vec<crate::inventory::KmsKey>,
    pub kms_aliases: Vec<crate::inventory::KmsAlias>,
    /// Key references `DescribeKey` reported as not found.
    pub missing_kms_keys: Vec<crate::inventory::MissingKey>,
    pub gaps: Vec<Gap>,
    /// Trails and Secrets Manager events, when CloudTrail is collected.
    pub cloudtrail: Option<crate::inventory::CloudTrailRegion>,
    /// Credentials in configuration outside Secrets Manager, per source.
    pub exposure: Vec<crate::inventory::ExposureScan>,
}

/// Shared, read-only state of one collection run.
pub(crate) struct Ctx {
    pub sdk: SdkConfig,
    pub account: String,
    pub concurrency: usize,
    /// Which secrets must be replicated: they get a `DescribeSecret` (the same predicate
    /// SL501 uses).
    pub replication: crate::config::ReplicationSelector,
    /// `[cloudtrail]`: `None` when CloudTrail is not collected.
    pub cloudtrail: Option<cloudtrail::LookupSettings>,
    /// `aws`, `aws-cn`, `aws-us-gov` (for ARNs collection builds itself).
    pub partition: String,
    /// `[exposure]`: `None` when no source is scanned.
    pub exposure: Option<std::sync::Arc<exposure::Settings>>,
    /// Retries, pacing and call counts, shared by the whole run.
    pub retry: std::sync::Arc<Retrier>,
}

impl Ctx {
    /// One AWS call in `region` of this account, retried and paced (see [`retry`]):
    /// `ctx.call(region, Operation::X, || client.x().send()).await`.
    pub async fn call<T, E, F, Fut>(
        &self,
        region: &str,
        operation: Operation,
        attempt: F,
    ) -> Result<T, SdkError<E, HttpResponse>>
    where
        E: ProvideErrorMetadata,
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
    {
        self.retry
            .call(&self.account, region, &operation, attempt)
            .await
    }

    pub fn gap(
        &self,
        region: &str,
        operation: Operation,
        resource: &str,
        (code, message): (String, String),
    ) -> Gap {
        tracing::warn!(account = %self.account, region, operation = %operation, resource, code = %code, "call failed: {message}");
        Gap::new(&*self.account, region, operation, resource, code, message)
    }
}

/// The SDK configuration every AWS call of a run shares, and secretlens's retrier: the profile,
/// endpoint and first explicit region of `opts`, its timeouts, and the retry mode. Fails (one
/// plain line) on a bad region name, when no region is configured, or without a credentials
/// provider. Returns the config, the retrier and the home region.
pub(crate) async fn load_sdk(
    opts: &CollectOptions,
) -> Result<(SdkConfig, std::sync::Arc<Retrier>, String), Error> {
    preflight::check_regions(&opts.regions)?;
    // With secretlens's own retries (collect::retry) the SDK makes exactly one attempt per
    // call; the SDK strategies remain selectable to benchmark against.
    let (retry_config, sdk_attempts) = match opts.retry_mode {
        RetryMode::SdkAdaptive => (
            RetryConfig::adaptive().with_max_attempts(opts.max_attempts.max(1)),
            opts.max_attempts.max(1),
        ),
        RetryMode::SdkStandard => (
            RetryConfig::standard().with_max_attempts(opts.max_attempts.max(1)),
            opts.max_attempts.max(1),
        ),
        RetryMode::Secretlens | RetryMode::SecretlensNoLimiter => (RetryConfig::disabled(), 1),
    };
    let retrier = std::sync::Arc::new(Retrier::new(RetrySettings {
        mode: opts.retry_mode,
        budget: opts.retry_budget,
        max_attempts: opts.max_attempts.max(1),
        ..RetrySettings::default()
    }));
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(retry_config)
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(5).min(opts.call_timeout))
                .operation_attempt_timeout(opts.call_timeout)
                .operation_timeout(opts.call_timeout * sdk_attempts + Duration::from_secs(10))
                .build(),
        );
    if let Some(p) = &opts.profile {
        loader = loader.profile_name(p);
    }
    if let Some(url) = &opts.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    if let Some(r) = opts.regions.iter().find(|r| !r.eq_ignore_ascii_case("all")) {
        loader = loader.region(Region::new(r.clone()));
    }
    let sdk = loader.load().await;
    let Some(home_region) = sdk.region().map(|r| r.to_string()) else {
        return Err(Error::Usage(
            "no AWS region configured: pass --regions us-east-1[,…] (with `all`, also set AWS_REGION or a profile region \
             for the calls that list accounts and regions)"
                .to_string(),
        ));
    };
    if sdk.credentials_provider().is_none() {
        return Err(Error::Usage(
            "no AWS credentials provider: configure credentials (environment, --profile, SSO or an instance role)".into(),
        ));
    }
    Ok((sdk, retrier, home_region))
}

/// `sts:GetCallerIdentity`; on failure the preflight's one-line error (issue 19): without the
/// caller's identity nothing can be audited.
pub(crate) async fn caller_identity(
    sdk: &SdkConfig,
    retrier: &Retrier,
    home_region: &str,
    opts: &CollectOptions,
) -> Result<aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityOutput, Error> {
    let sts = aws_sdk_sts::Client::new(sdk);
    retrier
        .call("", home_region, &Operation::GetCallerIdentity, || {
            sts.get_caller_identity().send()
        })
        .await
        .map_err(|e| {
            preflight::identity_error(&e, opts.profile.as_deref(), opts.endpoint_url.as_deref())
        })
}

pub async fn collect(opts: &CollectOptions, cfg: &Config) -> Result<Inventory, Error> {
    let (sdk, retrier, home_region) = load_sdk(opts).await?;
    let all_regions = opts.regions.iter().any(|r| r.eq_ignore_ascii_case("all"));
    let explicit_regions: Vec<String> = {
        let mut r: Vec<String> = opts
            .regions
            .iter()
            .filter(|r| !r.eq_ignore_ascii_case("all"))
            .cloned()
            .collect();
        if r.is_empty() {
            r.push(home_region.clone());
        }
        r.sort();
        r.dedup();
        r
    };
    if (opts.organization || !opts.accounts.is_empty()) && opts.role_name.is_none() {
        return Err(Error::Usage(
            "--accounts and --organization need --role-name: the read-only role to assume in each account".into(),
        ));
    }

    let started: DateTime<Utc> = Utc::now();
    let mut inv = Inventory::empty("aws", started);
    let progress = Progress::start(opts.progress);

    // Who are we? One STS call; without an answer nothing is audited (preflight).
    let identity = caller_identity(&sdk, &retrier, &home_region, opts).await?;
    let partition = identity
        .arn()
        .and_then(|a| a.split(':').nth(1))
        .unwrap_or("aws")
        .to_string();
    let caller_account = identity.account().unwrap_or_default().to_string();

    // The accounts: the caller's, a list, or the organization's active accounts.
    let mut targets: Vec<String> = if opts.organization {
        list_org_accounts(&sdk, &retrier, &home_region).await?
    } else if !opts.accounts.is_empty() {
        opts.accounts.clone()
    } else {
        vec![caller_account.clone()]
    };
    targets.sort();
    targets.dedup();
    progress.set_accounts(targets.len());
    let exposure_sources = cfg.raw.exposure.source_set();
    let exposure_settings = (!exposure_sources.is_empty()).then(|| {
        std::sync::Arc::new(exposure::Settings {
            sources: exposure_sources,
            ecs_all_revisions: cfg.raw.exposure.ecs_all_revisions,
            engine: std::sync::Arc::new(crate::scan::Engine::new(crate::scan::rules::builtin())),
        })
    });

    let jobs = targets.iter().map(|account| {
        let sdk = &sdk;
        let home_region = &home_region;
        let explicit_regions = &explicit_regions;
        let partition = &partition;
        let progress = &progress;
        let exposure_settings = exposure_settings.clone();
        let retrier = retrier.clone();
        async move {
            let mut out = AccountResult::default();
            // Credentials: the caller's own, or the assumed role's.
            let account_sdk = match &opts.role_name {
                None => sdk.clone(),
                Some(role) => {
                    match assume_role(
                        sdk,
                        &retrier,
                        home_region,
                        partition,
                        account,
                        role,
                        opts.external_id.as_deref(),
                    )
                    .await
                    {
                        Ok(s) => s,
                        Err(parts) => {
                            // The account is known even though nothing in it could be read.
                            out.account = account.clone();
                            let role_arn = format!("arn:{partition}:iam::{account}:role/{role}");
                            out.gaps.push(Gap::new(
                                account.clone(),
                                home_region.clone(),
                                Operation::AssumeRole,
                                role_arn,
                                parts.0,
                                parts.1,
                            ));
                            out.scopes.push(Scope {
                                account: account.clone(),
                                region: home_region.clone(),
                            });
                            progress.account_done();
                            return out;
                        }
                    }
                }
            };
            let ctx = Ctx {
                sdk: account_sdk,
                account: account.clone(),
                concurrency: opts.concurrency.max(1),
                replication: cfg.replication.clone(),
                cloudtrail: cfg
                    .raw
                    .cloudtrail
                    .enabled
                    .then(|| cloudtrail::LookupSettings {
                        lookback_days: cfg.raw.cloudtrail.lookback_days,
                        max_events: cfg.raw.cloudtrail.max_events,
                        time_budget: opts.region_timeout / 2,
                        now: started,
                    }),
                partition: partition.clone(),
                exposure: exposure_settings,
                retry: retrier,
            };
            collect_account(
                &ctx,
                opts,
                all_regions,
                home_region,
                explicit_regions,
                progress,
                &mut out,
            )
            .await;
            progress.account_done();
            out
        }
    });
    // SCPs and RCPs (only the access analysis uses them, so only with IAM), read once with
    // the caller's credentials while the accounts are collected.
    let org_job = async {
        if opts.iam {
            organizations::collect(&sdk, &retrier, &caller_account, &home_region, &targets).await
        } else {
            (None, Vec::new())
        }
    };
    let (results, (organization, mut org_gaps)): (Vec<AccountResult>, _) = futures::join!(
        futures::stream::iter(jobs)
            .buffer_unordered(opts.account_concurrency.max(1))
            .collect(),
        org_job
    );
    progress.finish();
    inv.organization = organization;
    // A single-account audit usually runs in a member account, which may not read the
    // organization: there, SCPs and RCPs are simply not evaluated (each access answer says
    // so), not a gap that would fail the run. An organization-wide or multi-account audit runs
    // where the organization is readable, so a failure there is a gap.
    if opts.organization || !opts.accounts.is_empty() {
        inv.gaps.append(&mut org_gaps);
    } else if !org_gaps.is_empty() {
        tracing::info!(
            gaps = org_gaps.len(),
            "AWS Organizations could not be read: SCPs and RCPs are not evaluated"
        );
    }

    let mut accounts = Vec::new();
    for mut r in results {
        let account = if r.account.is_empty() {
            r.secrets
                .iter()
                .map(|s| s.account.clone())
                .find(|a| !a.is_empty())
                .unwrap_or_else(|| "unknown".to_string())
        } else {
            r.account.clone()
        };
        for g in &mut r.gaps {
            if g.account.is_empty() {
                g.account = account.clone();
            }
        }
        for m in &mut r.missing_kms_keys {
            if m.account.is_empty() {
                m.account = account.clone();
            }
        }
        for s in &mut r.scopes {
            if s.account.is_empty() {
                s.account = account.clone();
            }
        }
        for c in &mut r.cloudtrail {
            if c.account.is_empty() {
                c.account = account.clone();
            }
        }
        inv.cloudtrail.append(&mut r.cloudtrail);
        for e in &mut r.exposure {
            if e.account.is_empty() {
                e.account = account.clone();
            }
        }
        inv.exposure.append(&mut r.exposure);
        if let Some(iam) = &mut r.iam {
            iam.account = account.clone();
        }
        accounts.push(account);
        inv.scopes.append(&mut r.scopes);
        inv.secrets.append(&mut r.secrets);
        inv.kms_keys.append(&mut r.kms_keys);
        inv.kms_aliases.append(&mut r.kms_aliases);
        inv.missing_kms_keys.append(&mut r.missing_kms_keys);
        inv.gaps.append(&mut r.gaps);
        inv.iam.extend(r.iam);
    }
    // Keep the aliases that matter: the default key's and those naming a collected key
    // (ListAliases also returns every AWS managed alias in the region).
    let key_ids: std::collections::BTreeSet<(String, String, String)> = inv
        .kms_keys
        .iter()
        .map(|k| (k.account.clone(), k.region.clone(), k.key_id.clone()))
        .collect();
    inv.kms_aliases.retain(|a| {
        a.name == crate::inventory::DEFAULT_KEY_ALIAS
            || a.target_key_id.as_ref().is_some_and(|t| {
                key_ids.contains(&(a.account.clone(), a.region.clone(), t.clone()))
            })
    });
    // Call counts: the calls made before the caller's account was known count for it.
    let mut stats: std::collections::BTreeMap<(String, String), crate::inventory::CallStats> =
        std::collections::BTreeMap::new();
    for mut c in retrier.stats() {
        if c.account.is_empty() {
            c.account = accounts
                .first()
                .cloned()
                .unwrap_or_else(|| "unknown".to_string());
        }
        stats
            .entry((c.account.clone(), c.region.clone()))
            .and_modify(|e| e.add(&c))
            .or_insert(c);
    }
    inv.call_stats = stats.into_values().collect();
    for c in &inv.call_stats {
        tracing::info!(
            account = %c.account, region = %c.region, calls = c.calls, attempts = c.attempts,
            retried_calls = c.retried_calls, throttled = c.throttled, server_errors = c.server_errors,
            transport_errors = c.transport_errors, second_pass_calls = c.second_pass_calls,
            failed_after_retries = c.failed_after_retries, "calls"
        );
    }
    inv.accounts = accounts;
    inv.collected_at = Utc::now();
    inv.normalise();
    Ok(inv)
}

/// What one account's collection produced.
#[derive(Debug, Default)]
struct AccountResult {
    account: String,
    scopes: Vec<Scope>,
    secrets: Vec<crate::inventory::Secret>,
    kms_keys: Vec<crate::inventory::KmsKey>,
    kms_aliases: Vec<crate::inventory::KmsAlias>,
    missing_kms_keys: Vec<crate::inventory::MissingKey>,
    gaps: Vec<Gap>,
    iam: Option<crate::inventory::IamAccount>,
    cloudtrail: Vec<crate::inventory::CloudTrailRegion>,
    exposure: Vec<crate::inventory::ExposureScan>,
}

async fn collect_account(
    ctx: &Ctx,
    opts: &CollectOptions,
    all_regions: bool,
    home_region: &str,
    explicit_regions: &[String],
    progress: &Progress,
    out: &mut AccountResult,
) {
    out.account = ctx.account.clone();
    let regions: Vec<String> = if all_regions {
        match enabled_regions(ctx, home_region).await {
            Ok(r) if !r.is_empty() => r,
            Ok(_) => explicit_regions.to_vec(),
            Err(parts) => {
                out.gaps
                    .push(ctx.gap(home_region, Operation::ListRegions, "", parts));
                explicit_regions.to_vec()
            }
        }
    } else if explicit_regions.iter().any(|r| preflight::opt_in(r)) {
        // An opt-in region the account has not enabled cannot be read: say so instead of
        // failing every call there with "invalid security token". Asked only when an opt-in
        // region is requested; without account:ListRegions every region is tried.
        match enabled_regions(ctx, home_region).await {
            Ok(enabled) if !enabled.is_empty() => {
                let (on, off): (Vec<String>, Vec<String>) = explicit_regions
                    .iter()
                    .cloned()
                    .partition(|r| !preflight::opt_in(r) || enabled.contains(r));
                for region in off {
                    let why = preflight::not_enabled(&ctx.account, &region);
                    out.gaps
                        .push(ctx.gap(&region, Operation::ListRegions, "", why));
                    out.scopes.push(Scope {
                        account: ctx.account.clone(),
                        region,
                    });
                }
                on
            }
            Ok(_) => explicit_regions.to_vec(),
            Err((code, message)) => {
                tracing::debug!(account = %ctx.account, code, message, "account:ListRegions failed; every requested region is tried");
                explicit_regions.to_vec()
            }
        }
    } else {
        explicit_regions.to_vec()
    };
    progress.add_regions(regions.len());

    // Regions run concurrently (one task, interleaved I/O); each bounds its own per-secret
    // concurrency, and each has a deadline so that one unreachable region cannot hang the run.
    let mut results: Vec<(String, RegionResult)> = futures::future::join_all(regions.iter().map(|region| async move {
        let r = match tokio::time::timeout(opts.region_timeout, collect_region(ctx, region)).await {
            Ok(r) => r,
            Err(_) => RegionResult {
                gaps: vec![ctx.gap(region, Operation::ListSecrets,
                    "",
                    (
                        "RegionTimeout".to_string(),
                        format!("the region did not finish within {} s; nothing from it is reported", opts.region_timeout.as_secs()),
                    ),
                )],
                ..Default::default()
            },
        };
        tracing::debug!(account = %ctx.account, region = %region, secrets = r.secrets.len(), gaps = r.gaps.len(), "region collected");
        progress.region_done(r.secrets.len(), r.gaps.len());
        (region.clone(), r)
    }))
    .await;

    // Replicas are known only once every region has been listed; their primaries get one
    // DescribeSecret each for replication health, unless already described.
    secrets::describe_primaries_of_seen_replicas(ctx, &mut results).await;

    // Keys referenced by replicas (from DescribeSecret) live in the replica's region, which
    // may be outside the audited regions: those are described too (not added to the scopes).
    kms::collect_replica_keys(ctx, &mut results).await;

    if opts.iam {
        let (iam, mut gaps) = iam::collect(ctx).await;
        out.iam = iam;
        out.gaps.append(&mut gaps);
    }

    for (region, mut r) in results {
        out.scopes.push(Scope {
            account: ctx.account.clone(),
            region,
        });
        out.secrets.append(&mut r.secrets);
        out.kms_keys.append(&mut r.kms_keys);
        out.kms_aliases.append(&mut r.kms_aliases);
        out.missing_kms_keys.append(&mut r.missing_kms_keys);
        out.gaps.append(&mut r.gaps);
        out.cloudtrail.extend(r.cloudtrail);
        out.exposure.append(&mut r.exposure);
    }
}

/// Credentials for `role` in `account`, assumed with the caller's credentials.
#[allow(clippy::too_many_arguments)]
async fn assume_role(
    sdk: &SdkConfig,
    retrier: &Retrier,
    home_region: &str,
    partition: &str,
    account: &str,
    role: &str,
    external_id: Option<&str>,
) -> Result<SdkConfig, (String, String)> {
    let sts = aws_sdk_sts::Client::new(sdk);
    let role_arn = format!("arn:{partition}:iam::{account}:role/{role}");
    let resp = retrier
        .call(account, home_region, &Operation::AssumeRole, || {
            sts.assume_role()
                .role_arn(&role_arn)
                .role_session_name("secretlens-audit")
                .set_external_id(external_id.map(str::to_string))
                .duration_seconds(3600)
                .send()
        })
        .await
        .map_err(|e| error_parts(&e))?;
    let c = resp.credentials().ok_or_else(|| {
        (
            "NoCredentials".to_string(),
            format!("AssumeRole on {role_arn} returned no credentials"),
        )
    })?;
    let expiry = std::time::SystemTime::try_from(*c.expiration()).ok();
    let creds = aws_credential_types::Credentials::new(
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token().to_string()),
        expiry,
        "secretlens-assume-role",
    );
    Ok(sdk
        .to_builder()
        .credentials_provider(aws_credential_types::provider::SharedCredentialsProvider::new(creds))
        .build())
}

/// The organization's active accounts. Failing to list them is fatal: the scope itself is
/// unknown.
async fn list_org_accounts(
    sdk: &SdkConfig,
    retrier: &Retrier,
    home_region: &str,
) -> Result<Vec<String>, Error> {
    let client = aws_sdk_organizations::Client::new(sdk);
    let accounts = organizations::active_accounts(
        &client,
        retrier,
        home_region,
        ", or list accounts with --accounts",
    )
    .await?;
    Ok(accounts.into_iter().map(|(id, _)| id).collect())
}

/// Regions enabled for the account (`ENABLED` or `ENABLED_BY_DEFAULT`), asked of the account.
async fn enabled_regions(ctx: &Ctx, home_region: &str) -> Result<Vec<String>, (String, String)> {
    list_enabled_regions(&ctx.sdk, &ctx.retry, &ctx.account, home_region).await
}

/// [`enabled_regions`] with explicit credentials and retrier (`account` names the scope the
/// calls are counted in; empty before it is known).
pub(crate) async fn list_enabled_regions(
    sdk: &SdkConfig,
    retrier: &Retrier,
    account: &str,
    home_region: &str,
) -> Result<Vec<String>, (String, String)> {
    use aws_sdk_account::types::RegionOptStatus;
    let conf = aws_sdk_account::config::Builder::from(sdk)
        .region(Region::new(home_region.to_string()))
        .build();
    let client = aws_sdk_account::Client::from_conf(conf);
    let mut out = Vec::new();
    let mut token = None;
    for _ in 0..1_000 {
        let page = retrier
            .call(account, home_region, &Operation::ListRegions, || {
                client
                    .list_regions()
                    .region_opt_status_contains(RegionOptStatus::Enabled)
                    .region_opt_status_contains(RegionOptStatus::EnabledByDefault)
                    .max_results(50)
                    .set_next_token(token.clone())
                    .send()
            })
            .await
            .map_err(|e| error_parts(&e))?;
        for r in page.regions() {
            let enabled = matches!(
                r.region_opt_status(),
                Some(RegionOptStatus::Enabled) | Some(RegionOptStatus::EnabledByDefault) | None
            );
            if enabled && let Some(name) = r.region_name() {
                out.push(name.to_string());
            }
        }
        token = page
            .next_token()
            .map(str::to_string)
            .filter(|t| !t.is_empty());
        if token.is_none() {
            break;
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// A progress line on stderr (only when it is a terminal): accounts, regions, secrets, gaps.
struct Progress {
    enabled: bool,
    accounts: AtomicUsize,
    accounts_done: AtomicUsize,
    regions: AtomicUsize,
    regions_done: AtomicUsize,
    secrets: AtomicUsize,
    gaps: AtomicUsize,
}

impl Progress {
    fn start(enabled: bool) -> Progress {
        Progress {
            enabled,
            accounts: AtomicUsize::new(0),
            accounts_done: AtomicUsize::new(0),
            regions: AtomicUsize::new(0),
            regions_done: AtomicUsize::new(0),
            secrets: AtomicUsize::new(0),
            gaps: AtomicUsize::new(0),
        }
    }
    fn set_accounts(&self, n: usize) {
        self.accounts.store(n, Ordering::Relaxed);
        self.draw();
    }
    fn add_regions(&self, n: usize) {
        self.regions.fetch_add(n, Ordering::Relaxed);
        self.draw();
    }
    fn region_done(&self, secrets: usize, gaps: usize) {
        self.regions_done.fetch_add(1, Ordering::Relaxed);
        self.secrets.fetch_add(secrets, Ordering::Relaxed);
        self.gaps.fetch_add(gaps, Ordering::Relaxed);
        self.draw();
    }
    fn account_done(&self) {
        self.accounts_done.fetch_add(1, Ordering::Relaxed);
        self.draw();
    }
    fn draw(&self) {
        if !self.enabled {
            return;
        }
        let _ = write!(
            std::io::stderr(),
            "\r\x1b[2Kcollecting: accounts {}/{} · regions {}/{} · secrets {} · gaps {}",
            self.accounts_done.load(Ordering::Relaxed),
            self.accounts.load(Ordering::Relaxed),
            self.regions_done.load(Ordering::Relaxed),
            self.regions.load(Ordering::Relaxed),
            self.secrets.load(Ordering::Relaxed),
            self.gaps.load(Ordering::Relaxed),
        );
    }
    fn finish(&self) {
        if self.enabled {
            self.draw();
            let _ = writeln!(std::io::stderr());
        }
    }
}

async fn collect_region(ctx: &Ctx, region: &str) -> RegionResult {
    let mut out = RegionResult::default();
    secrets::collect(ctx, region, &mut out).await;
    kms::collect(ctx, region, &mut out).await;
    if let Some(settings) = &ctx.cloudtrail {
        out.cloudtrail =
            Some(cloudtrail::collect(ctx, region, settings, &out.secrets, &mut out.gaps).await);
    }
    if let Some(settings) = &ctx.exposure {
        let refs = out
            .secrets
            .iter()
            .flat_map(|s| [s.name.clone(), s.arn.clone()])
            .collect();
        let (mut scans, mut gaps) = exposure::collect(ctx, settings, region, refs).await;
        out.exposure.append(&mut scans);
        out.gaps.append(&mut gaps);
    }
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
    let code = err
        .code()
        .map(str::to_string)
        .unwrap_or_else(|| kind.to_string());
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
