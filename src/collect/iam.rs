//! IAM: `GetAccountAuthorizationDetails` (all pages) for users, groups, roles and managed
//! policies, then `ListAccessKeys` and `GetAccessKeyLastUsed` per user. IAM is global: one
//! collection per account. Policy documents arrive URL-encoded and are stored decoded.

use std::collections::BTreeSet;

use aws_config::Region;
use aws_sdk_iam::Client;
use futures::StreamExt;

use super::{Ctx, bounded, error_parts, to_chrono};
use crate::inventory::Operation;
use crate::inventory::{
    AccessKey, Gap, IamAccount, IamGroup, IamRole, IamUser, InlinePolicy, ManagedPolicy,
};

/// IAM caps a managed policy at 6,144 characters and an inline one at 10,240 (roles); keep
/// a generous bound on what a hostile endpoint could send.
const MAX_POLICY: usize = 128 * 1024;
const MAX_NAME: usize = 1_024;

/// Gaps on IAM calls carry this region: IAM is a global service.
pub(crate) const IAM_REGION: &str = "global";

fn client(ctx: &Ctx) -> Client {
    // IAM is signed for us-east-1 whatever region the audit covers.
    let conf = aws_sdk_iam::config::Builder::from(&ctx.sdk)
        .region(Region::new("us-east-1"))
        .build();
    Client::from_conf(conf)
}

/// URL-decodes a policy document as IAM returns it.
pub(crate) fn decode_document(raw: &str) -> String {
    let decoded = percent_encoding::percent_decode_str(raw)
        .decode_utf8_lossy()
        .to_string();
    bounded(&decoded, MAX_POLICY)
}

fn inline(list: &[aws_sdk_iam::types::PolicyDetail]) -> Vec<InlinePolicy> {
    list.iter()
        .map(|p| InlinePolicy {
            name: bounded(p.policy_name().unwrap_or_default(), MAX_NAME),
            document: decode_document(p.policy_document().unwrap_or_default()),
        })
        .collect()
}

fn attached(list: &[aws_sdk_iam::types::AttachedPolicy]) -> Vec<String> {
    list.iter()
        .filter_map(|p| p.policy_arn().map(str::to_string))
        .collect()
}

fn tags(list: &[aws_sdk_iam::types::Tag]) -> std::collections::BTreeMap<String, String> {
    list.iter()
        .map(|t| (bounded(t.key(), MAX_NAME), bounded(t.value(), MAX_NAME)))
        .collect()
}

/// Collects one account's IAM snapshot. `None` when the authorization details could not be
/// read at all (a gap says why).
pub(crate) async fn collect(ctx: &Ctx) -> (Option<IamAccount>, Vec<Gap>) {
    let client = client(ctx);
    let mut gaps = Vec::new();
    let mut acct = IamAccount {
        account: ctx.account.clone(),
        ..Default::default()
    };
    let mut marker: Option<String> = None;
    let mut all_policies = Vec::new();
    // Bounded: a server that never stops paginating (or ignores MaxItems) cannot loop us
    // forever.
    for _page in 0..10_000 {
        let resp = ctx
            .call(
                IAM_REGION,
                Operation::GetAccountAuthorizationDetails,
                || {
                    client
                        .get_account_authorization_details()
                        .set_marker(marker.clone())
                        .max_items(1000)
                        .send()
                },
            )
            .await;
        let page = match resp {
            Ok(p) => p,
            Err(e) => {
                gaps.push(ctx.gap(
                    IAM_REGION,
                    Operation::GetAccountAuthorizationDetails,
                    "",
                    error_parts(&e),
                ));
                return (None, gaps);
            }
        };
        for u in page.user_detail_list() {
            let Some(arn) = u.arn() else { continue };
            acct.users.push(IamUser {
                arn: arn.to_string(),
                name: bounded(u.user_name().unwrap_or_default(), MAX_NAME),
                user_id: u.user_id().unwrap_or_default().to_string(),
                groups: u
                    .group_list()
                    .iter()
                    .map(|g| bounded(g, MAX_NAME))
                    .collect(),
                inline_policies: inline(u.user_policy_list()),
                attached_policies: attached(u.attached_managed_policies()),
                permissions_boundary: u
                    .permissions_boundary()
                    .and_then(|b| b.permissions_boundary_arn())
                    .map(str::to_string),
                tags: tags(u.tags()),
                access_keys: None,
            });
        }
        for g in page.group_detail_list() {
            let Some(arn) = g.arn() else { continue };
            acct.groups.push(IamGroup {
                arn: arn.to_string(),
                name: bounded(g.group_name().unwrap_or_default(), MAX_NAME),
                inline_policies: inline(g.group_policy_list()),
                attached_policies: attached(g.attached_managed_policies()),
            });
        }
        for r in page.role_detail_list() {
            let Some(arn) = r.arn() else { continue };
            acct.roles.push(IamRole {
                arn: arn.to_string(),
                name: bounded(r.role_name().unwrap_or_default(), MAX_NAME),
                role_id: r.role_id().unwrap_or_default().to_string(),
                trust_policy: r.assume_role_policy_document().map(decode_document),
                inline_policies: inline(r.role_policy_list()),
                attached_policies: attached(r.attached_managed_policies()),
                permissions_boundary: r
                    .permissions_boundary()
                    .and_then(|b| b.permissions_boundary_arn())
                    .map(str::to_string),
                tags: tags(r.tags()),
            });
        }
        for p in page.policies() {
            let Some(arn) = p.arn() else { continue };
            let default = p
                .policy_version_list()
                .iter()
                .find(|v| v.is_default_version())
                .or_else(|| p.policy_version_list().first());
            all_policies.push((
                p.attachment_count().unwrap_or(0),
                ManagedPolicy {
                    arn: arn.to_string(),
                    // moto omits PolicyName: derive it from the ARN.
                    name: p
                        .policy_name()
                        .map(str::to_string)
                        .unwrap_or_else(|| arn.rsplit('/').next().unwrap_or(arn).to_string()),
                    document: default.and_then(|v| v.document()).map(decode_document),
                },
            ));
        }
        marker = page.marker().map(str::to_string).filter(|m| !m.is_empty());
        if !page.is_truncated() || marker.is_none() {
            break;
        }
    }
    // Keep customer managed policies and every policy something here uses (as a policy or a
    // boundary); unattached AWS managed policies are hundreds of documents nobody holds.
    let used: BTreeSet<&str> = acct
        .users
        .iter()
        .flat_map(|u| {
            u.attached_policies
                .iter()
                .chain(u.permissions_boundary.iter())
        })
        .chain(acct.groups.iter().flat_map(|g| g.attached_policies.iter()))
        .chain(acct.roles.iter().flat_map(|r| {
            r.attached_policies
                .iter()
                .chain(r.permissions_boundary.iter())
        }))
        .map(String::as_str)
        .collect();
    acct.policies = all_policies
        .into_iter()
        .filter(|(count, p)| {
            !p.arn.starts_with("arn:aws:iam::aws:") || *count > 0 || used.contains(p.arn.as_str())
        })
        .map(|(_, p)| p)
        .collect();
    let mut seen = BTreeSet::new();
    acct.policies.retain(|p| seen.insert(p.arn.clone()));

    // Access keys per user, with bounded concurrency.
    let jobs = acct.users.iter().enumerate().map(|(i, u)| {
        let client = client.clone();
        let name = u.name.clone();
        async move { (i, list_keys(ctx, &client, &name).await) }
    });
    let keys: Vec<_> = futures::stream::iter(jobs)
        .buffer_unordered(ctx.concurrency)
        .collect()
        .await;
    for (i, r) in keys {
        match r {
            Ok(k) => acct.users[i].access_keys = Some(k),
            Err((op, parts)) => {
                let arn = acct.users[i].arn.clone();
                gaps.push(ctx.gap(IAM_REGION, op, &arn, parts));
            }
        }
    }
    (Some(acct), gaps)
}

async fn list_keys(
    ctx: &Ctx,
    client: &Client,
    user: &str,
) -> Result<Vec<AccessKey>, (Operation, (String, String))> {
    let mut out = Vec::new();
    let mut marker = None;
    loop {
        let page = ctx
            .call(IAM_REGION, Operation::ListAccessKeys, || {
                client
                    .list_access_keys()
                    .user_name(user)
                    .set_marker(marker.clone())
                    .send()
            })
            .await
            .map_err(|e| (Operation::ListAccessKeys, error_parts(&e)))?;
        for k in page.access_key_metadata() {
            let Some(id) = k.access_key_id() else {
                continue;
            };
            out.push(AccessKey {
                id: id.to_string(),
                status: k
                    .status()
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_default(),
                created: k.create_date().and_then(to_chrono),
                last_used: None,
            });
        }
        marker = page.marker().map(str::to_string).filter(|m| !m.is_empty());
        if !page.is_truncated() || marker.is_none() {
            break;
        }
    }
    for k in &mut out {
        let used = ctx
            .call(IAM_REGION, Operation::GetAccessKeyLastUsed, || {
                client
                    .get_access_key_last_used()
                    .access_key_id(&k.id)
                    .send()
            })
            .await
            .map_err(|e| (Operation::GetAccessKeyLastUsed, error_parts(&e)))?;
        k.last_used = used
            .access_key_last_used()
            .and_then(|u| u.last_used_date())
            .and_then(to_chrono);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::decode_document;

    #[test]
    fn documents_are_url_decoded() {
        let raw = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D";
        assert_eq!(
            decode_document(raw),
            r#"{"Version":"2012-10-17","Statement":[]}"#
        );
        // Plain JSON (as some endpoints send) passes through unchanged.
        assert_eq!(decode_document(r#"{"a":"b c"}"#), r#"{"a":"b c"}"#);
    }
}
