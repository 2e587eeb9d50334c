//! [`AccessIndex`]: built once from an inventory (every policy parsed once), queried per secret.

use std::collections::{BTreeSet, HashMap};

use super::account::{AccountIdx, build_account, statement_cacheable};
use super::grants::{KeyGrants, add_grants};
use super::memo::Memo;
use super::org::OrgIdx;
use crate::inventory::{Inventory, Secret};
use crate::kms::{KeyRef, resolve_key};
use crate::operation::Operation;
use crate::policy::{Policy, PolicyError};

/// What the index knows about a secret's key.
#[derive(Debug, Clone)]
pub(super) enum KeyInfo {
    /// `aws/secretsmanager`: anyone in the account allowed GetSecretValue can decrypt; nobody
    /// outside it.
    AwsManaged,
    /// A customer managed key; `None` policy: not collected.
    Customer { arn: String, policy: Option<usize> },
    /// Not resolvable (other account, collection failed): why.
    Unknown(String),
}

#[derive(Debug, Clone)]
pub(super) struct SecretInfo {
    /// Parsed resource policy (`Err`: could not be parsed).
    pub(super) resource_policy: Option<Result<Policy, PolicyError>>,
    /// A `GetResourcePolicy` gap.
    pub(super) policy_gap: Option<String>,
    pub(super) key: KeyInfo,
}

/// Effective access for every secret of an inventory. Build once; query per secret.
#[derive(Debug, Default)]
pub struct AccessIndex {
    pub(super) accounts: HashMap<String, AccountIdx>,
    /// Accounts whose IAM authorization details could not be read (a gap).
    pub(super) iam_gaps: HashMap<String, String>,
    pub(super) secrets: HashMap<String, SecretInfo>,
    pub(super) key_policies: Vec<(String, Result<Policy, PolicyError>)>,
    /// Per key policy: whether decisions under it may be memoised (no policy variable in a
    /// `Resource`, no encryption-context condition).
    pub(super) key_cacheable: Vec<bool>,
    /// Per key policy: the key's grants, appended to it as statements.
    pub(super) key_grants: Vec<KeyGrants>,
    /// Condition keys on resource tags / principal tags referenced anywhere (lowercased), so
    /// that tags a secret or principal does not carry are known absent, not unknown.
    pub(super) resource_tag_keys: Vec<String>,
    pub(super) principal_tag_keys: Vec<String>,
    /// Account ids in a fixed order, for cache keys.
    pub(super) account_ord: HashMap<String, u32>,
    /// Verdicts already decided, under exact keys.
    pub(super) memo: Memo,
    /// SCPs and RCPs per account.
    pub(super) org: OrgIdx,
}

/// Why a principal's access in an account cannot be judged: IAM data is missing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IamUnavailable {
    /// Collection tried and failed (a gap).
    #[error("IAM data for account {account} could not be collected: {why}")]
    Gap { account: String, why: String },
    /// IAM was not collected for the account.
    #[error("IAM data for account {account} was not collected (collection.iam)")]
    NotCollected { account: String },
}

/// Parses a policy read from AWS.
pub fn parse_policy(text: &str) -> Result<Policy, PolicyError> {
    Policy::parse_lenient(text).map(|(p, _)| p)
}

impl AccessIndex {
    /// Indexes the inventory: every IAM policy parsed once, every resource and key policy too.
    pub fn build(inv: &Inventory) -> AccessIndex {
        let mut idx = AccessIndex::default();
        let mut tag_keys: BTreeSet<String> = BTreeSet::new();
        let mut ptag_keys: BTreeSet<String> = BTreeSet::new();
        let mut note_keys = |p: &Policy| {
            for s in &p.statements {
                for c in &s.conditions {
                    if c.key_lc.starts_with("aws:resourcetag/")
                        || c.key_lc.starts_with("secretsmanager:resourcetag/")
                    {
                        tag_keys.insert(c.key_lc.clone());
                    } else if c.key_lc.starts_with("aws:principaltag/") {
                        ptag_keys.insert(c.key_lc.clone());
                    }
                }
            }
        };
        for g in &inv.gaps {
            if g.operation == Operation::GetAccountAuthorizationDetails {
                idx.iam_gaps.insert(
                    g.account.clone(),
                    format!("{} ({})", g.operation, g.error_code),
                );
            }
        }
        for acct in &inv.iam {
            let a = build_account(acct);
            for s in &a.subjects {
                for set in &s.sets {
                    set.set
                        .identity
                        .iter()
                        .chain(set.set.boundary.iter())
                        .for_each(&mut note_keys);
                }
            }
            idx.accounts.insert(acct.account.clone(), a);
        }
        for k in &inv.kms_keys {
            if let Some(text) = &k.policy {
                let mut parsed = parse_policy(text);
                if let Ok(p) = &mut parsed {
                    note_keys(p);
                    // Grants, as statements of the key policy (`grants`).
                    idx.key_grants.push(add_grants(k, &inv.gaps, p));
                } else {
                    idx.key_grants.push(KeyGrants::default());
                }
                idx.key_cacheable.push(
                    parsed
                        .as_ref()
                        .is_ok_and(|p| p.statements.iter().all(statement_cacheable)),
                );
                idx.key_policies.push((k.arn.clone(), parsed));
            }
        }
        for s in &inv.secrets {
            let resource_policy = s.resource_policy.as_deref().map(parse_policy);
            if let Some(Ok(p)) = &resource_policy {
                note_keys(p);
            }
            let policy_gap = inv
                .gaps
                .iter()
                .find(|g| {
                    g.operation == Operation::GetResourcePolicy
                        && (g.resource == s.arn || g.resource == s.name)
                })
                .map(|g| format!("GetResourcePolicy failed ({})", g.error_code));
            let key = match resolve_key(inv, s, s.kms_key_id.as_deref(), &s.region) {
                KeyRef::Default { .. } => KeyInfo::AwsManaged,
                KeyRef::Customer(k) => KeyInfo::Customer {
                    arn: k.arn.clone(),
                    policy: idx.key_policies.iter().position(|(arn, _)| *arn == k.arn),
                },
                KeyRef::OtherAccount { reference, account } => KeyInfo::Unknown(format!(
                    "its KMS key {reference} is in account {account}, whose key policy was not collected"
                )),
                KeyRef::Unresolved { reference } => {
                    KeyInfo::Unknown(format!("its KMS key {reference} could not be resolved"))
                }
            };
            idx.secrets.insert(
                s.arn.clone(),
                SecretInfo {
                    resource_policy,
                    policy_gap,
                    key,
                },
            );
        }
        idx.org = OrgIdx::build(inv, &mut note_keys);
        idx.resource_tag_keys = tag_keys.into_iter().collect();
        idx.memo = Memo::new();
        let mut ids: Vec<&String> = idx.accounts.keys().collect();
        ids.sort();
        idx.account_ord = ids
            .into_iter()
            .enumerate()
            .map(|(i, a)| (a.clone(), i as u32))
            .collect();
        idx.principal_tag_keys = ptag_keys.into_iter().collect();
        idx
    }

    /// Whether IAM data was collected for the account, or why not.
    pub fn iam_status(&self, account: &str) -> Result<(), IamUnavailable> {
        if self.accounts.contains_key(account) {
            return Ok(());
        }
        match self.iam_gaps.get(account) {
            Some(g) => Err(IamUnavailable::Gap {
                account: account.to_string(),
                why: g.clone(),
            }),
            None => Err(IamUnavailable::NotCollected {
                account: account.to_string(),
            }),
        }
    }

    /// Notes about the account's IAM data (policies that could not be parsed or resolved).
    pub fn account_notes(&self, account: &str) -> &[String] {
        self.accounts
            .get(account)
            .map_or(&[], |a| a.notes.as_slice())
    }

    /// The ARNs of the account's principals that are administrators: allowed `Action: "*"` on
    /// `Resource: "*"` without conditions by an identity policy (and by their boundary, if any).
    pub fn admins(&self, account: &str) -> Vec<&str> {
        self.accounts
            .get(account)
            .map(|a| {
                a.subjects
                    .iter()
                    .filter(|s| s.admin)
                    .map(|s| s.arn.as_str())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Whether the principal (an ARN of an audited account) is an administrator (see [`Self::admins`]).
    pub fn is_admin(&self, account: &str, arn: &str) -> bool {
        self.accounts
            .get(account)
            .and_then(|a| a.by_arn.get(arn).map(|&i| a.subjects[i].admin))
            .unwrap_or(false)
    }

    /// The secret's parsed resource policy: `None` when it has none.
    pub fn resource_policy(&self, secret: &Secret) -> Option<Result<Policy, PolicyError>> {
        match self.secrets.get(&secret.arn) {
            Some(i) => i.resource_policy.clone(),
            None => secret.resource_policy.as_deref().map(parse_policy),
        }
    }

    pub(super) fn info(&self, secret: &Secret) -> std::borrow::Cow<'_, SecretInfo> {
        match self.secrets.get(&secret.arn) {
            Some(i) => std::borrow::Cow::Borrowed(i),
            None => std::borrow::Cow::Owned(SecretInfo {
                resource_policy: secret.resource_policy.as_deref().map(parse_policy),
                policy_gap: None,
                key: KeyInfo::Unknown("the secret was not in the indexed inventory".into()),
            }),
        }
    }
}
