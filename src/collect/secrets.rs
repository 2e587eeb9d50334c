//! Secrets Manager: `ListSecrets`, `GetResourcePolicy`, `DescribeSecret`.

use std::collections::BTreeSet;

use aws_config::Region;
use aws_sdk_secretsmanager::Client;
use futures::StreamExt;

use super::{Ctx, RegionResult, bounded, error_parts, to_chrono};
use crate::inventory::Operation;
use crate::inventory::{Replica, RotationRules, Secret};

/// Upper bounds on attacker-controllable text kept in memory.
const MAX_NAME: usize = 2_048;
const MAX_DESCRIPTION: usize = 4_096;
const MAX_TAG: usize = 1_024;
/// Secrets Manager caps resource policies at 20 KiB; anything larger is not a real policy.
const MAX_POLICY: usize = 64 * 1024;

pub(crate) fn client(ctx: &Ctx, region: &str) -> Client {
    let conf = aws_sdk_secretsmanager::config::Builder::from(&ctx.sdk)
        .region(Region::new(region.to_string()))
        .build();
    Client::from_conf(conf)
}

pub(crate) async fn collect(ctx: &Ctx, region: &str, out: &mut RegionResult) {
    let client = client(ctx, region);
    let mut token: Option<String> = None;
    // ListSecrets: every page. A failure part-way keeps what was listed and records a gap.
    loop {
        let resp = ctx
            .call(region, Operation::ListSecrets, || {
                client
                    .list_secrets()
                    .include_planned_deletion(true)
                    .max_results(100)
                    .set_next_token(token.clone())
                    .send()
            })
            .await;
        match resp {
            Ok(page) => {
                for e in page.secret_list() {
                    if let Some(s) = convert(e, region, &ctx.account) {
                        out.secrets.push(s);
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
            Err(e) => {
                out.gaps
                    .push(ctx.gap(region, Operation::ListSecrets, "", error_parts(&e)));
                break;
            }
        }
    }

    // GetResourcePolicy for every primary not scheduled for deletion (AWS refuses calls on
    // those); DescribeSecret for primaries that must be replicated (`[replication]` name
    // pattern or tag, the predicate SL501 uses) — replication status is in no other response.
    let primaries: Vec<usize> = (0..out.secrets.len())
        .filter(|&i| !out.secrets[i].is_replica() && out.secrets[i].deleted_date.is_none())
        .collect();
    let jobs = primaries.iter().map(|&i| {
        let s = &out.secrets[i];
        let arn = s.arn.clone();
        let describe = ctx.replication.must_replicate(s).is_some();
        let client = client.clone();
        async move {
            let policy = ctx
                .call(region, Operation::GetResourcePolicy, || {
                    client.get_resource_policy().secret_id(&arn).send()
                })
                .await;
            let replication = if describe {
                Some(describe_replication(ctx, region, &client, &arn).await)
            } else {
                None
            };
            (i, policy, replication)
        }
    });
    let results: Vec<_> = futures::stream::iter(jobs)
        .buffer_unordered(ctx.concurrency)
        .collect()
        .await;
    for (i, policy, replication) in results {
        let arn = out.secrets[i].arn.clone();
        match policy {
            Ok(p) => {
                out.secrets[i].resource_policy = p
                    .resource_policy()
                    .filter(|t| !t.trim().is_empty())
                    .map(|t| bounded(t, MAX_POLICY));
            }
            Err(e) => {
                out.gaps
                    .push(ctx.gap(region, Operation::GetResourcePolicy, &arn, error_parts(&e)))
            }
        }
        match replication {
            Some(Ok(r)) => out.secrets[i].replication = Some(r),
            Some(Err(parts)) => {
                out.gaps
                    .push(ctx.gap(region, Operation::DescribeSecret, &arn, parts))
            }
            None => {}
        }
    }
}

async fn describe_replication(
    ctx: &Ctx,
    region: &str,
    client: &Client,
    arn: &str,
) -> Result<Vec<Replica>, (String, String)> {
    let d = ctx
        .call(region, Operation::DescribeSecret, || {
            client.describe_secret().secret_id(arn).send()
        })
        .await
        .map_err(|e| error_parts(&e))?;
    Ok(d.replication_status()
        .iter()
        .map(|r| Replica {
            region: r.region().unwrap_or_default().to_string(),
            kms_key_id: r.kms_key_id().map(|k| bounded(k, MAX_TAG)),
            status: r.status().map(|s| s.as_str().to_string()),
            status_message: r.status_message().map(|m| bounded(m, MAX_DESCRIPTION)),
            last_accessed_date: r.last_accessed_date().and_then(to_chrono),
        })
        .collect())
}

/// After every region is listed: primaries that have a replica in some listed region but
/// were not described yet get one `DescribeSecret`, so replica health is known.
pub(crate) async fn describe_primaries_of_seen_replicas(
    ctx: &Ctx,
    results: &mut [(String, RegionResult)],
) {
    let mut wanted: BTreeSet<(String, String)> = BTreeSet::new(); // (primary region, name)
    for (_, r) in results.iter() {
        for s in r.secrets.iter().filter(|s| s.is_replica()) {
            if let Some(p) = &s.primary_region {
                wanted.insert((p.clone(), s.name.clone()));
            }
        }
    }
    for (region, r) in results.iter_mut() {
        let region = region.as_str();
        let client = client(ctx, region);
        let todo: Vec<usize> = (0..r.secrets.len())
            .filter(|&i| {
                let s = &r.secrets[i];
                !s.is_replica()
                    && s.replication.is_none()
                    && wanted.contains(&(region.to_string(), s.name.clone()))
            })
            .collect();
        let jobs = todo.iter().map(|&i| {
            let arn = r.secrets[i].arn.clone();
            let client = client.clone();
            async move { (i, describe_replication(ctx, region, &client, &arn).await) }
        });
        let done: Vec<_> = futures::stream::iter(jobs)
            .buffer_unordered(ctx.concurrency)
            .collect()
            .await;
        for (i, res) in done {
            match res {
                Ok(rep) => r.secrets[i].replication = Some(rep),
                Err(parts) => {
                    let arn = r.secrets[i].arn.clone();
                    r.gaps
                        .push(ctx.gap(region, Operation::DescribeSecret, &arn, parts));
                }
            }
        }
    }
}

fn convert(
    e: &aws_sdk_secretsmanager::types::SecretListEntry,
    region: &str,
    account: &str,
) -> Option<Secret> {
    let arn = e.arn()?.to_string();
    // arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-xxxxxx
    let parts: Vec<&str> = arn.splitn(7, ':').collect();
    let arn_account = parts.get(4).copied().unwrap_or_default();
    let arn_region = parts.get(3).copied().unwrap_or_default();
    let name = e
        .name()
        .map(str::to_string)
        .unwrap_or_else(|| parts.get(6).copied().unwrap_or_default().to_string());
    Some(Secret {
        arn: bounded(&arn, MAX_NAME),
        name: bounded(&name, MAX_NAME),
        account: if arn_account.is_empty() {
            account.to_string()
        } else {
            arn_account.to_string()
        },
        region: if arn_region.is_empty() {
            region.to_string()
        } else {
            arn_region.to_string()
        },
        description: e.description().map(|d| bounded(d, MAX_DESCRIPTION)),
        kms_key_id: e.kms_key_id().map(|k| bounded(k, MAX_NAME)),
        rotation_enabled: e.rotation_enabled(),
        rotation_lambda_arn: e
            .rotation_lambda_arn()
            .filter(|a| !a.is_empty())
            .map(|a| bounded(a, MAX_NAME)),
        rotation_rules: e.rotation_rules().map(|r| RotationRules {
            automatically_after_days: r.automatically_after_days(),
            schedule_expression: r.schedule_expression().map(|x| bounded(x, MAX_TAG)),
            duration: r.duration().map(|x| bounded(x, MAX_TAG)),
        }),
        created_date: e.created_date().and_then(to_chrono),
        last_changed_date: e.last_changed_date().and_then(to_chrono),
        last_rotated_date: e.last_rotated_date().and_then(to_chrono),
        last_accessed_date: e.last_accessed_date().and_then(to_chrono),
        next_rotation_date: e.next_rotation_date().and_then(to_chrono),
        deleted_date: e.deleted_date().and_then(to_chrono),
        tags: e
            .tags()
            .iter()
            .filter_map(|t| {
                Some((
                    bounded(t.key()?, MAX_TAG),
                    bounded(t.value().unwrap_or_default(), MAX_TAG),
                ))
            })
            .collect(),
        owning_service: e.owning_service().map(|x| bounded(x, MAX_TAG)),
        secret_type: e
            .r#type()
            .filter(|t| !t.is_empty())
            .map(|t| bounded(t, MAX_TAG)),
        external_rotation_role_arn: e
            .external_secret_rotation_role_arn()
            .filter(|a| !a.is_empty())
            .map(|a| bounded(a, MAX_NAME)),
        external_rotation_metadata_keys: e
            .external_secret_rotation_metadata()
            .iter()
            .filter_map(|m| m.key().map(|k| bounded(k, MAX_TAG)))
            .take(50)
            .collect(),
        primary_region: e
            .primary_region()
            .filter(|p| !p.is_empty())
            .map(str::to_string),
        replication: None,
        resource_policy: None,
    })
}
