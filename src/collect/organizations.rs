//! AWS Organizations: the SCPs and RCPs that govern the audited accounts, read once per audit
//! with the caller's credentials (the management account or a delegated administrator).
//!
//! `DescribeOrganization` (the management account; `AWSOrganizationsNotInUseException` means
//! no organization, hence no SCP or RCP: not a gap), `ListRoots` (which policy types are
//! enabled), then for each audited account but the management account its path to the root
//! (`ListParents`, each OU asked once), the SCPs and RCPs attached at each level
//! (`ListPoliciesForTarget`, each target and type asked once) and every policy's document
//! (`DescribePolicy`, each policy fetched once). A failed call is a gap; an account whose path
//! is incomplete is left out, so its SCPs and RCPs count as not evaluated.
//!
//! Also the organization's accounts (`ListAccounts`): the scope of `--organization` and, with
//! their OU paths from the same `ListParents` walk, the item list of `secretlens accounts`.

use std::collections::HashMap;

use aws_config::SdkConfig;
use aws_sdk_organizations::types::{ParentType, PolicyType, PolicyTypeStatus};
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use super::retry::Retrier;
use super::{CollectOptions, bounded, error_parts, load_sdk};
use crate::error::Error;
use crate::inventory::{
    Gap, OrgAccountPath, OrgPolicies, OrgPolicy, OrgPolicyType, OrgTarget, OrgTargetKind,
};
use crate::operation::Operation;

/// OUs nest at most five deep under the root: a longer walk is a loop.
const MAX_DEPTH: usize = 8;
/// Pages of one `ListPoliciesForTarget` at most.
const MAX_PAGES: usize = 100;

/// The organization's SCPs and RCPs for `accounts`, and the gaps. `None`: not collected (the
/// first calls failed; see the gaps).
pub(super) async fn collect(
    sdk: &SdkConfig,
    retrier: &Retrier,
    caller_account: &str,
    region: &str,
    accounts: &[String],
) -> (Option<OrgPolicies>, Vec<Gap>) {
    let mut c = Collector::new(sdk, retrier, caller_account, region);
    let org = c.collect(accounts).await;
    (org, c.gaps)
}

/// The organization's active accounts, id and name (names cleaned and bounded), sorted.
/// `hint` ends the error of a failed `ListAccounts` (what else the user can do).
pub(super) async fn active_accounts(
    client: &aws_sdk_organizations::Client,
    retrier: &Retrier,
    region: &str,
    hint: &str,
) -> Result<Vec<(String, String)>, Error> {
    let mut accounts = Vec::new();
    let mut token = None;
    for _ in 0..10_000 {
        let page = retrier
            .call("", region, &Operation::ListAccounts, || {
                client.list_accounts().set_next_token(token.clone()).send()
            })
            .await
            .map_err(|e| {
                let (code, message) = error_parts(&e);
                Error::Collect(format!(
                    "organizations:ListAccounts failed ({code}: {message}); run from the management account or a \
                     delegated administrator{hint}"
                ))
            })?;
        for a in page.accounts() {
            #[allow(deprecated)]
            let active = a.status().map(|s| s.as_str() == "ACTIVE").unwrap_or(true)
                && a.state().map(|s| s.as_str() == "ACTIVE").unwrap_or(true);
            if active && let Some(id) = a.id() {
                let name = crate::sanitize::clean(a.name().unwrap_or_default());
                accounts.push((id.to_string(), name.chars().take(256).collect()));
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
    accounts.sort();
    accounts.dedup();
    Ok(accounts)
}

/// One account of `secretlens accounts --organization`: an item of the Distributed Map.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OrgAccountItem {
    pub account_id: String,
    pub name: String,
    /// The parents from the root down, by id: `r-ab12/ou-ab12-xxxx/ou-ab12-yyyy`.
    pub ou_path: String,
}

/// The organization's active accounts with their names and OU paths (ListAccounts, then
/// ListParents up to the root, each OU asked once, as for the SCP paths). Any failure is an
/// error: the item list is the scope of the whole fan-out.
pub async fn org_accounts(opts: &CollectOptions) -> Result<Vec<OrgAccountItem>, Error> {
    let (sdk, retrier, home_region) = load_sdk(opts).await?;
    let mut c = Collector::new(&sdk, &retrier, "", &home_region);
    let accounts = active_accounts(&c.client, &retrier, &home_region, "").await?;
    let mut out = Vec::with_capacity(accounts.len());
    for (id, name) in accounts {
        let Some(path) = c.path(&id).await else {
            let why = c.gaps.last().map_or_else(String::new, |g| {
                format!(
                    "organizations:{} of {} failed ({}: {})",
                    g.operation, g.resource, g.error_code, g.message
                )
            });
            return Err(Error::Collect(why));
        };
        // Root first, the account last: its parents.
        let parents: Vec<&str> = path[..path.len() - 1]
            .iter()
            .map(|(t, _)| t.as_str())
            .collect();
        out.push(OrgAccountItem {
            account_id: id,
            name,
            ou_path: parents.join("/"),
        });
    }
    Ok(out)
}

struct Collector<'a> {
    client: aws_sdk_organizations::Client,
    retrier: &'a Retrier,
    caller: &'a str,
    region: &'a str,
    gaps: Vec<Gap>,
    /// Child id → its parent (`None`: the call failed).
    parents: HashMap<String, Option<(String, OrgTargetKind)>>,
    /// (target, type) → attached policy ids (`None`: the call failed).
    attached: HashMap<(String, OrgPolicyType), Option<Vec<String>>>,
    /// Policy id → the policy (`None`: the call failed).
    policies: HashMap<String, Option<OrgPolicy>>,
}

impl<'a> Collector<'a> {
    fn new(sdk: &SdkConfig, retrier: &'a Retrier, caller: &'a str, region: &'a str) -> Self {
        Collector {
            client: aws_sdk_organizations::Client::new(sdk),
            retrier,
            caller,
            region,
            gaps: Vec::new(),
            parents: HashMap::new(),
            attached: HashMap::new(),
            policies: HashMap::new(),
        }
    }

    fn gap(&mut self, account: &str, operation: Operation, resource: &str, e: (String, String)) {
        tracing::warn!(account, operation = %operation, resource, code = %e.0, "call failed: {}", e.1);
        self.gaps.push(Gap::new(
            account.to_string(),
            self.region.to_string(),
            operation,
            resource.to_string(),
            e.0,
            e.1,
        ));
    }

    async fn collect(&mut self, accounts: &[String]) -> Option<OrgPolicies> {
        let (caller, region) = (self.caller, self.region);
        let client = self.client.clone();
        let described = self
            .retrier
            .call(caller, region, &Operation::DescribeOrganization, || {
                client.describe_organization().send()
            })
            .await;
        let org = match described {
            Ok(o) => o.organization().cloned(),
            Err(e) if e.code() == Some("AWSOrganizationsNotInUseException") => {
                // Not in an organization: no SCP or RCP applies anywhere.
                return Some(OrgPolicies::default());
            }
            Err(e) => {
                self.gap(caller, Operation::DescribeOrganization, "", error_parts(&e));
                return None;
            }
        };
        let mut out = OrgPolicies {
            organization_id: org
                .as_ref()
                .and_then(|o| o.id())
                .map(|s| bounded(s, 64))
                .or_else(|| Some(String::new())),
            management_account: org
                .as_ref()
                .and_then(|o| o.master_account_id())
                .map(|s| bounded(s, 64)),
            ..OrgPolicies::default()
        };
        let roots = match self
            .retrier
            .call(caller, region, &Operation::ListRoots, || {
                client.list_roots().send()
            })
            .await
        {
            Ok(r) => r,
            Err(e) => {
                // Which policy types apply is unknown: nothing is known.
                self.gap(caller, Operation::ListRoots, "", error_parts(&e));
                return None;
            }
        };
        for root in roots.roots() {
            for t in root.policy_types() {
                let on = t.status() == Some(&PolicyTypeStatus::Enabled);
                match t.r#type() {
                    Some(PolicyType::ServiceControlPolicy) => out.scps_enabled |= on,
                    Some(PolicyType::ResourceControlPolicy) => out.rcps_enabled |= on,
                    _ => {}
                }
            }
        }
        if !out.scps_enabled && !out.rcps_enabled {
            return Some(out);
        }
        let mut types = Vec::new();
        if out.scps_enabled {
            types.push(OrgPolicyType::ServiceControlPolicy);
        }
        if out.rcps_enabled {
            types.push(OrgPolicyType::ResourceControlPolicy);
        }
        for account in accounts {
            if out.management_account.as_deref() == Some(account.as_str()) {
                // SCPs do not restrict the management account, nor RCPs its resources.
                continue;
            }
            let Some(ids) = self.path(account).await else {
                continue;
            };
            let mut path = Vec::new();
            let mut complete = true;
            for (id, kind) in ids {
                let mut target = OrgTarget {
                    id: id.clone(),
                    kind,
                    scps: Vec::new(),
                    rcps: Vec::new(),
                };
                for &ty in &types {
                    let Some(attached) = self.attached(account, &id, ty).await else {
                        complete = false;
                        continue;
                    };
                    for p in &attached {
                        if self.policy(account, p, ty).await.is_none() {
                            complete = false;
                        }
                    }
                    match ty {
                        OrgPolicyType::ServiceControlPolicy => target.scps = attached,
                        OrgPolicyType::ResourceControlPolicy => target.rcps = attached,
                    }
                }
                path.push(target);
            }
            if complete {
                out.accounts.push(OrgAccountPath {
                    account: account.clone(),
                    path,
                });
            }
        }
        out.policies = self.policies.values().flatten().cloned().collect();
        out.policies.sort_by(|a, b| a.id.cmp(&b.id));
        Some(out)
    }

    /// The account's path, root first, the account last; `None` when a call failed.
    async fn path(&mut self, account: &str) -> Option<Vec<(String, OrgTargetKind)>> {
        let mut path = vec![(account.to_string(), OrgTargetKind::Account)];
        let mut child = account.to_string();
        for _ in 0..MAX_DEPTH {
            let parent = match self.parents.get(&child) {
                Some(p) => p.clone(),
                None => {
                    let client = self.client.clone();
                    let r = self
                        .retrier
                        .call(self.caller, self.region, &Operation::ListParents, || {
                            client.list_parents().child_id(&child).send()
                        })
                        .await;
                    let p = match r {
                        Ok(r) => match r.parents().first() {
                            Some(p) => p.id().map(|id| {
                                let kind = if p.r#type() == Some(&ParentType::Root) {
                                    OrgTargetKind::Root
                                } else {
                                    OrgTargetKind::OrganizationalUnit
                                };
                                (bounded(id, 128), kind)
                            }),
                            None => {
                                self.gap(
                                    account,
                                    Operation::ListParents,
                                    &child,
                                    ("NoParent".into(), format!("{child} has no parent")),
                                );
                                None
                            }
                        },
                        Err(e) => {
                            self.gap(account, Operation::ListParents, &child, error_parts(&e));
                            None
                        }
                    };
                    self.parents.insert(child.clone(), p.clone());
                    p
                }
            };
            let (id, kind) = parent?;
            path.push((id.clone(), kind));
            if kind == OrgTargetKind::Root {
                path.reverse();
                return Some(path);
            }
            child = id;
        }
        self.gap(
            account,
            Operation::ListParents,
            account,
            (
                "PathTooDeep".into(),
                format!("no root within {MAX_DEPTH} levels above {account}"),
            ),
        );
        None
    }

    /// The ids of the policies of type `ty` attached to `target`; `None` when a call failed.
    async fn attached(
        &mut self,
        account: &str,
        target: &str,
        ty: OrgPolicyType,
    ) -> Option<Vec<String>> {
        let key = (target.to_string(), ty);
        if let Some(a) = self.attached.get(&key) {
            return a.clone();
        }
        let filter = match ty {
            OrgPolicyType::ServiceControlPolicy => PolicyType::ServiceControlPolicy,
            OrgPolicyType::ResourceControlPolicy => PolicyType::ResourceControlPolicy,
        };
        let client = self.client.clone();
        let mut ids = Vec::new();
        let mut token: Option<String> = None;
        let mut result = None;
        for _ in 0..MAX_PAGES {
            let r = self
                .retrier
                .call(
                    self.caller,
                    self.region,
                    &Operation::ListPoliciesForTarget,
                    || {
                        client
                            .list_policies_for_target()
                            .target_id(target)
                            .filter(filter.clone())
                            .set_next_token(token.clone())
                            .send()
                    },
                )
                .await;
            match r {
                Ok(page) => {
                    ids.extend(
                        page.policies()
                            .iter()
                            .filter_map(|p| p.id())
                            .map(|id| bounded(id, 128)),
                    );
                    token = page
                        .next_token()
                        .map(str::to_string)
                        .filter(|t| !t.is_empty());
                    if token.is_none() {
                        ids.sort();
                        ids.dedup();
                        result = Some(ids);
                        break;
                    }
                }
                Err(e) => {
                    self.gap(
                        account,
                        Operation::ListPoliciesForTarget,
                        target,
                        error_parts(&e),
                    );
                    break;
                }
            }
        }
        self.attached.insert(key, result.clone());
        result
    }

    /// The policy `id` (fetched once); `None` when the call failed.
    async fn policy(&mut self, account: &str, id: &str, ty: OrgPolicyType) -> Option<()> {
        if let Some(p) = self.policies.get(id) {
            return p.as_ref().map(|_| ());
        }
        let client = self.client.clone();
        let r = self
            .retrier
            .call(self.caller, self.region, &Operation::DescribePolicy, || {
                client.describe_policy().policy_id(id).send()
            })
            .await;
        let p = match r {
            Ok(r) => match r.policy().and_then(|p| p.content().map(|c| (p, c))) {
                Some((p, content)) => Some(OrgPolicy {
                    id: id.to_string(),
                    name: p
                        .policy_summary()
                        .and_then(|s| s.name())
                        .map(|n| bounded(n, 256))
                        .unwrap_or_default(),
                    policy_type: ty,
                    content: content.to_string(),
                }),
                None => {
                    self.gap(
                        account,
                        Operation::DescribePolicy,
                        id,
                        ("NoContent".into(), format!("{id} has no document")),
                    );
                    None
                }
            },
            Err(e) => {
                self.gap(account, Operation::DescribePolicy, id, error_parts(&e));
                None
            }
        };
        let found = p.as_ref().map(|_| ());
        self.policies.insert(id.to_string(), p);
        found
    }
}
