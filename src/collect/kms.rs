//! KMS: `ListAliases` per region, then `DescribeKey` (once per key, however many ways secrets
//! name it), `GetKeyRotationStatus`, `GetKeyPolicy` and `ListGrants` for the customer keys that
//! secrets (and their replicas) reference. A `DescribeKey` answered with
//! `NotFoundException` is recorded as a missing key (a finding for SL402), not as a gap.

use std::collections::{BTreeMap, BTreeSet};

use aws_config::Region;
use aws_sdk_kms::Client;
use futures::StreamExt;

use super::{Ctx, RegionResult, bounded, error_parts, to_chrono};
use crate::inventory::Operation;
use crate::inventory::{DEFAULT_KEY_ALIAS, KmsAlias, KmsGrant, KmsKey, MissingKey};
use crate::kms::{KeyReference, parse_reference};

/// KMS caps a key policy at 32 KiB; keep a bound on what a hostile endpoint could send.
const MAX_KEY_POLICY: usize = 64 * 1024;

fn client(ctx: &Ctx, region: &str) -> Client {
    let conf = aws_sdk_kms::config::Builder::from(&ctx.sdk)
        .region(Region::new(region.to_string()))
        .build();
    Client::from_conf(conf)
}

/// The references to describe in `region`: customer key references in this account
/// (not the default key, not keys in other accounts, which we cannot describe).
fn wanted_in_region(
    ctx: &Ctx,
    region: &str,
    raw_refs: impl Iterator<Item = String>,
) -> BTreeSet<String> {
    let mut set = BTreeSet::new();
    for raw in raw_refs {
        let keep = match parse_reference(Some(&raw)) {
            KeyReference::Absent => false,
            KeyReference::AliasName(a) => a != DEFAULT_KEY_ALIAS,
            KeyReference::KeyId(_) => true,
            KeyReference::KeyArn {
                region: r, account, ..
            } => r == region && (ctx.account.is_empty() || account == ctx.account),
            KeyReference::AliasArn {
                region: r,
                account,
                alias,
            } => {
                alias != DEFAULT_KEY_ALIAS
                    && r == region
                    && (ctx.account.is_empty() || account == ctx.account)
            }
        };
        if keep {
            set.insert(raw);
        }
    }
    set
}

pub(crate) async fn collect(ctx: &Ctx, region: &str, out: &mut RegionResult) {
    let refs = out
        .secrets
        .iter()
        .filter(|s| !s.is_replica())
        .filter_map(|s| s.kms_key_id.clone());
    let wanted = wanted_in_region(ctx, region, refs);
    if wanted.is_empty() {
        return;
    }
    let client = client(ctx, region);
    list_aliases(ctx, &client, region, out).await;
    describe_keys(ctx, &client, region, wanted, out).await;
}

async fn list_aliases(ctx: &Ctx, client: &Client, region: &str, out: &mut RegionResult) {
    let mut marker: Option<String> = None;
    loop {
        match ctx
            .call(region, Operation::ListAliases, || {
                client
                    .list_aliases()
                    .set_marker(marker.clone())
                    .limit(100)
                    .send()
            })
            .await
        {
            Ok(page) => {
                for a in page.aliases() {
                    let Some(name) = a.alias_name() else { continue };
                    out.kms_aliases.push(KmsAlias {
                        account: ctx.account.clone(),
                        region: region.to_string(),
                        name: bounded(name, 512),
                        arn: a.alias_arn().map(str::to_string),
                        target_key_id: a.target_key_id().map(str::to_string),
                    });
                }
                marker = page
                    .next_marker()
                    .map(str::to_string)
                    .filter(|m| !m.is_empty());
                if !page.truncated() || marker.is_none() {
                    break;
                }
            }
            Err(e) => {
                out.gaps
                    .push(ctx.gap(region, Operation::ListAliases, "", error_parts(&e)));
                break;
            }
        }
    }
}

/// The references of `wanted` grouped by the key each names, as far as this region's listed
/// aliases tell (an alias listed with its target, a key ARN, a key id): one `DescribeKey` per
/// group, by its key id. A reference that cannot be resolved here (an alias `ListAliases` did
/// not return, or returned without a target) is described as written.
fn group_by_key(
    region: &str,
    wanted: BTreeSet<String>,
    aliases: &[KmsAlias],
) -> BTreeMap<String, Vec<String>> {
    let target = |alias: &str| {
        aliases
            .iter()
            .find(|a| a.region == region && a.name == alias)
            .and_then(|a| a.target_key_id.clone())
    };
    let mut groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for reference in wanted {
        let key = match parse_reference(Some(&reference)) {
            KeyReference::KeyId(id) | KeyReference::KeyArn { key_id: id, .. } => Some(id),
            KeyReference::AliasName(alias) | KeyReference::AliasArn { alias, .. } => target(&alias),
            KeyReference::Absent => None,
        };
        groups
            .entry(key.unwrap_or_else(|| reference.clone()))
            .or_default()
            .push(reference);
    }
    groups
}

async fn describe_keys(
    ctx: &Ctx,
    client: &Client,
    region: &str,
    wanted: BTreeSet<String>,
    out: &mut RegionResult,
) {
    let groups = group_by_key(region, wanted, &out.kms_aliases);
    let jobs = groups.into_iter().map(|(key, references)| {
        let client = client.clone();
        async move {
            let d = ctx
                .call(region, Operation::DescribeKey, || {
                    client.describe_key().key_id(&key).send()
                })
                .await;
            (references, d)
        }
    });
    let described: Vec<_> = futures::stream::iter(jobs)
        .buffer_unordered(ctx.concurrency)
        .collect()
        .await;
    let mut keys: BTreeMap<String, KmsKey> = BTreeMap::new();
    for (references, res) in described {
        match res {
            Ok(d) => {
                let Some(m) = d.key_metadata() else { continue };
                let arn = m.arn().unwrap_or_default().to_string();
                let key = KmsKey {
                    arn: arn.clone(),
                    key_id: m.key_id().to_string(),
                    account: m
                        .aws_account_id()
                        .map(str::to_string)
                        .unwrap_or_else(|| ctx.account.clone()),
                    region: region.to_string(),
                    key_manager: m.key_manager().map(|k| k.as_str().to_string()),
                    key_state: m.key_state().map(|k| k.as_str().to_string()),
                    deletion_date: m.deletion_date().and_then(to_chrono),
                    origin: m.origin().map(|o| o.as_str().to_string()),
                    rotation_enabled: None,
                    policy: None,
                    grants: None,
                    grants_truncated: false,
                };
                // An alias reference that was described resolves even if ListAliases failed.
                for reference in &references {
                    if let KeyReference::AliasName(alias) | KeyReference::AliasArn { alias, .. } =
                        parse_reference(Some(reference))
                        && !out
                            .kms_aliases
                            .iter()
                            .any(|a| a.region == region && a.name == alias)
                    {
                        out.kms_aliases.push(KmsAlias {
                            account: key.account.clone(),
                            region: region.to_string(),
                            name: alias,
                            arn: None,
                            target_key_id: Some(key.key_id.clone()),
                        });
                    }
                }
                keys.insert(arn, key);
            }
            Err(e) => {
                let parts = error_parts(&e);
                // Recorded under every reference that names the key: the checks look them up
                // by the secret's own reference.
                for reference in references {
                    if parts.0 == "NotFoundException" {
                        // The key (or alias) does not exist: what SL402 reports, not a gap.
                        out.missing_kms_keys.push(MissingKey {
                            account: ctx.account.clone(),
                            region: region.to_string(),
                            reference,
                        });
                    } else {
                        out.gaps.push(ctx.gap(
                            region,
                            Operation::DescribeKey,
                            &reference,
                            parts.clone(),
                        ));
                    }
                }
            }
        }
    }
    // Rotation status for customer keys that can answer: not a key pending deletion, and
    // not one whose key material KMS does not generate (imported, CloudHSM, external key
    // store), which cannot rotate automatically.
    let statuses = per_key(
        ctx,
        &keys,
        |k| {
            is_customer(k)
                && k.key_state.as_deref() != Some("PendingDeletion")
                && k.origin.as_deref().is_none_or(|o| o == "AWS_KMS")
        },
        |arn| {
            let client = client.clone();
            async move {
                ctx.call(region, Operation::GetKeyRotationStatus, || {
                    client.get_key_rotation_status().key_id(&arn).send()
                })
                .await
            }
        },
    )
    .await;
    for (arn, r) in statuses {
        match r {
            Ok(s) => {
                if let Some(k) = keys.get_mut(&arn) {
                    k.rotation_enabled = Some(s.key_rotation_enabled());
                }
            }
            Err(e) => out.gaps.push(ctx.gap(
                region,
                Operation::GetKeyRotationStatus,
                &arn,
                error_parts(&e),
            )),
        }
    }
    // Key policies of customer keys (the access analysis needs them: who may decrypt, who may
    // rewrite the policy or create grants). The only key policy name is `default`.
    let policies = per_key(ctx, &keys, is_customer, |arn| {
        let client = client.clone();
        async move {
            ctx.call(region, Operation::GetKeyPolicy, || {
                client
                    .get_key_policy()
                    .key_id(&arn)
                    .policy_name("default")
                    .send()
            })
            .await
        }
    })
    .await;
    for (arn, r) in policies {
        match r {
            Ok(p) => {
                if let Some(k) = keys.get_mut(&arn) {
                    k.policy = p.policy().map(|t| bounded(t, MAX_KEY_POLICY));
                }
            }
            Err(e) => {
                out.gaps
                    .push(ctx.gap(region, Operation::GetKeyPolicy, &arn, error_parts(&e)))
            }
        }
    }
    // Grants of customer keys: who may decrypt (or create grants) without the key policy
    // saying so.
    let grants = per_key(ctx, &keys, is_customer, |arn| {
        let client = client.clone();
        async move { list_grants(ctx, &client, region, &arn).await }
    })
    .await;
    for (arn, r) in grants {
        match r {
            Ok((grants, truncated)) => {
                if let Some(k) = keys.get_mut(&arn) {
                    k.grants = Some(grants);
                    k.grants_truncated = truncated;
                }
            }
            Err(parts) => out
                .gaps
                .push(ctx.gap(region, Operation::ListGrants, &arn, parts)),
        }
    }
    out.kms_keys.extend(keys.into_values());
}

fn is_customer(k: &KmsKey) -> bool {
    k.key_manager.as_deref() == Some("CUSTOMER")
}

/// `call(ARN)` for each key `keep` selects, `ctx.concurrency` at a time: (ARN, its result).
async fn per_key<T, Fut>(
    ctx: &Ctx,
    keys: &BTreeMap<String, KmsKey>,
    keep: impl Fn(&KmsKey) -> bool,
    call: impl Fn(String) -> Fut,
) -> Vec<(String, T)>
where
    Fut: Future<Output = T>,
{
    let jobs = keys.values().filter(|k| keep(k)).map(|k| {
        let arn = k.arn.clone();
        let job = call(arn.clone());
        async move { (arn, job.await) }
    });
    futures::stream::iter(jobs)
        .buffer_unordered(ctx.concurrency)
        .collect()
        .await
}

/// At most this many grants are kept per key (KMS allows 50,000); beyond, the key's grants are
/// marked truncated and the access analysis incomplete.
const MAX_GRANTS: usize = 1000;

/// Every grant of the key (`ListGrants`, paginated), bounded; whether some were left out.
async fn list_grants(
    ctx: &Ctx,
    client: &Client,
    region: &str,
    arn: &str,
) -> Result<(Vec<KmsGrant>, bool), (String, String)> {
    let mut out = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let page = ctx
            .call(region, Operation::ListGrants, || {
                client
                    .list_grants()
                    .key_id(arn)
                    .set_marker(marker.clone())
                    .limit(100)
                    .send()
            })
            .await
            .map_err(|e| error_parts(&e))?;
        for g in page.grants() {
            if out.len() == MAX_GRANTS {
                return Ok((out, true));
            }
            out.push(grant(g));
        }
        marker = page
            .next_marker()
            .map(str::to_string)
            .filter(|m| !m.is_empty());
        if !page.truncated() || marker.is_none() {
            return Ok((out, false));
        }
    }
}

/// One grant as the inventory keeps it: every text bounded, at most 32 operations and 16
/// pairs per constraint (KMS allows 8).
fn grant(g: &aws_sdk_kms::types::GrantListEntry) -> KmsGrant {
    let pairs = |m: Option<&std::collections::HashMap<String, String>>| {
        m.map(|m| {
            m.iter()
                .take(16)
                .map(|(k, v)| (bounded(k, 512), bounded(v, 2048)))
                .collect::<BTreeMap<_, _>>()
        })
    };
    let c = g.constraints();
    KmsGrant {
        grant_id: bounded(g.grant_id().unwrap_or_default(), 128),
        name: bounded(g.name().unwrap_or_default(), 256),
        grantee: bounded(
            g.grantee_principal()
                .or(g.grantee_service_principal())
                .unwrap_or_default(),
            2048,
        ),
        operations: g
            .operations()
            .iter()
            .take(32)
            .map(|o| bounded(o.as_str(), 64))
            .collect(),
        encryption_context_equals: pairs(c.and_then(|c| c.encryption_context_equals())),
        encryption_context_subset: pairs(c.and_then(|c| c.encryption_context_subset())),
    }
}

/// Keys that replicas use (from `DescribeSecret` on their primaries) live in the replica's
/// region: describe the ones not collected yet. A replica region outside the audited ones
/// gets its own KMS client; its keys, aliases and gaps are recorded (each names its region)
/// without adding the region to the scopes.
pub(crate) async fn collect_replica_keys(ctx: &Ctx, results: &mut [(String, RegionResult)]) {
    let mut per_region: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (_, r) in results.iter() {
        for s in &r.secrets {
            for rep in s.replication.iter().flatten() {
                if let Some(k) = &rep.kms_key_id
                    && !rep.region.is_empty()
                {
                    per_region
                        .entry(rep.region.clone())
                        .or_default()
                        .insert(k.clone());
                }
            }
        }
    }
    // What was collected for regions outside the scopes; merged into the first region's
    // result at the end (every record carries its own region).
    let mut outside = RegionResult::default();
    for (region, refs) in per_region {
        let in_scope = results.iter().position(|(reg, _)| *reg == region);
        let r: &mut RegionResult = match in_scope {
            Some(i) => &mut results[i].1,
            None => &mut outside,
        };
        let already: BTreeSet<String> = if in_scope.is_some() {
            r.secrets
                .iter()
                .filter(|s| !s.is_replica())
                .filter_map(|s| s.kms_key_id.clone())
                .collect()
        } else {
            BTreeSet::new()
        };
        let wanted: BTreeSet<String> = wanted_in_region(ctx, &region, refs.into_iter())
            .into_iter()
            .filter(|k| !already.contains(k))
            .collect();
        if wanted.is_empty() {
            continue;
        }
        let client = client(ctx, &region);
        if !r.kms_aliases.iter().any(|a| a.region == region) {
            list_aliases(ctx, &client, &region, r).await;
        }
        describe_keys(ctx, &client, &region, wanted, r).await;
    }
    if let Some((_, first)) = results.first_mut() {
        first.kms_keys.append(&mut outside.kms_keys);
        first.kms_aliases.append(&mut outside.kms_aliases);
        first.missing_kms_keys.append(&mut outside.missing_kms_keys);
        first.gaps.append(&mut outside.gaps);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alias(region: &str, name: &str, target: Option<&str>) -> KmsAlias {
        KmsAlias {
            account: "111122223333".into(),
            region: region.into(),
            name: name.into(),
            arn: None,
            target_key_id: target.map(str::to_string),
        }
    }

    #[test]
    fn one_describe_per_key_however_it_is_named() {
        let id = "1234abcd-12ab-34cd-56ef-1234567890ab";
        let wanted: BTreeSet<String> = [
            id.to_string(),
            format!("arn:aws:kms:us-east-1:111122223333:key/{id}"),
            "alias/app".to_string(),
            "arn:aws:kms:us-east-1:111122223333:alias/app".to_string(),
            "alias/unlisted".to_string(),
            "alias/untargeted".to_string(),
            "alias/elsewhere".to_string(),
        ]
        .into();
        let aliases = [
            alias("us-east-1", "alias/app", Some(id)),
            alias("us-east-1", "alias/untargeted", None),
            alias("eu-west-1", "alias/elsewhere", Some("other-key")),
        ];
        let groups = group_by_key("us-east-1", wanted, &aliases);
        assert_eq!(groups.len(), 4, "{groups:#?}");
        assert_eq!(
            groups[id].len(),
            4,
            "id, key ARN, alias and alias ARN: {groups:#?}"
        );
        // Unresolvable here: described as written.
        for unresolved in ["alias/unlisted", "alias/untargeted", "alias/elsewhere"] {
            assert_eq!(groups[unresolved], vec![unresolved.to_string()]);
        }
    }
}
