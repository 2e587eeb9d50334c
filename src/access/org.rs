//! SCPs and RCPs (AWS Organizations) in the access analysis.
//!
//! The SCPs of the *principal's* account and the RCPs of the *resource's* account (the secret's,
//! or the key's for key actions) go to the engine as [`PolicySet::scps`](crate::policy::PolicySet::scps)
//! and [`rcps`](crate::policy::PolicySet::rcps): one list per level, root first. The management
//! account is governed by neither; a policy type not enabled on the root applies nowhere; an
//! account in no organization has none. When the organization was not read, or an account's
//! path was not read completely, its SCPs or RCPs are "not evaluated": nothing is applied (the
//! readers they would block are still listed) and the answer says so.
//!
//! Memoisation: the chain of an account is a function of the account alone within one index
//! (subjects' account = the cache key's account ordinal; the resource's account is part of the
//! context tuple), and which org statements' `Resource` elements match the resource is added
//! to the context tuple exactly ([`OrgIdx::push_context`]).

use std::collections::{HashMap, HashSet};

use super::account::statement_cacheable;
use super::index::parse_policy;
use super::memo::ContextTuple;
use crate::inventory::{Gap, Inventory, OrgPolicyType, OrgTargetKind};
use crate::operation::Operation;
use crate::policy::{Decision, DecisionKind, Policy, StatementRef};

/// Whether, and which, SCPs (or RCPs) govern an account.
#[derive(Debug, Clone, Copy)]
pub(super) enum Coverage<'a> {
    /// Known: none apply (no organization, the management account, the type not enabled).
    None,
    /// Known: this chain applies.
    Chain(&'a Chain),
    /// Unknown: why.
    NotEvaluated(&'a str),
}

impl Coverage<'_> {
    pub(super) fn evaluated(self) -> bool {
        !matches!(self, Coverage::NotEvaluated(_))
    }
}

/// The policies of one account's path, one list per level, root first.
#[derive(Debug, Default)]
pub(super) struct Chain {
    /// Its position in [`OrgIdx::chains`]: chains are interned by their policy ids per level.
    id: usize,
    pub(super) levels: Vec<Vec<Policy>>,
    /// Per level, per policy: `SCP p-… "NAME" (OU ou-…)`.
    pub(super) labels: Vec<Vec<String>>,
    /// Every statement may be memoised (no policy variable in a `Resource`, no
    /// encryption-context condition).
    cacheable: bool,
}

/// Per account, a chain id or why there is none.
#[derive(Debug, Clone)]
enum Entry {
    Chain(usize),
    NotEvaluated(String),
}

#[derive(Debug)]
pub(super) struct OrgIdx {
    /// `Err(why)`: the organization was not read at all.
    collected: Result<(), String>,
    in_org: bool,
    management: Option<String>,
    scps_enabled: bool,
    rcps_enabled: bool,
    chains: Vec<Chain>,
    scps: HashMap<String, Entry>,
    rcps: HashMap<String, Entry>,
    /// Per account whose path is missing: the gap that explains it.
    missing: HashMap<String, String>,
    /// The audited accounts: SCPs and RCPs are known only for them.
    audited: HashSet<String>,
    /// Per account whose path was read: `aws:PrincipalOrgID` and `aws:PrincipalOrgPaths` of
    /// its principals (`o-…`, `o-…/r-…/ou-…/`).
    principal_org: HashMap<String, (String, String)>,
}

impl Default for OrgIdx {
    fn default() -> Self {
        OrgIdx {
            collected: Err(NOT_COLLECTED.to_string()),
            in_org: false,
            management: None,
            scps_enabled: false,
            rcps_enabled: false,
            chains: Vec::new(),
            scps: HashMap::new(),
            rcps: HashMap::new(),
            missing: HashMap::new(),
            audited: HashSet::new(),
            principal_org: HashMap::new(),
        }
    }
}

const NOT_COLLECTED: &str = "AWS Organizations was not read; audit with --organization or --accounts from the management account or a delegated administrator";

fn is_org_operation(op: &Operation) -> bool {
    matches!(
        op,
        Operation::DescribeOrganization
            | Operation::ListRoots
            | Operation::ListParents
            | Operation::ListPoliciesForTarget
            | Operation::DescribePolicy
    )
}

fn gap_text(g: &Gap) -> String {
    format!("{} failed ({})", g.operation, g.error_code)
}

impl OrgIdx {
    /// Indexes the inventory's organization; `note` sees every parsed policy (for the tag keys
    /// its conditions test).
    pub(super) fn build(inv: &Inventory, note: &mut impl FnMut(&Policy)) -> OrgIdx {
        let mut idx = OrgIdx::default();
        let org_gaps: Vec<&Gap> = inv
            .gaps
            .iter()
            .filter(|g| is_org_operation(&g.operation))
            .collect();
        idx.audited = inv
            .accounts
            .iter()
            .chain(inv.iam.iter().map(|a| &a.account))
            .chain(inv.secrets.iter().map(|s| &s.account))
            .cloned()
            .collect();
        let Some(org) = &inv.organization else {
            if let Some(g) = org_gaps.first() {
                idx.collected = Err(format!(
                    "AWS Organizations could not be read: {}",
                    gap_text(g)
                ));
            }
            return idx;
        };
        idx.collected = Ok(());
        idx.in_org = org.organization_id.is_some();
        idx.management = org.management_account.clone();
        idx.scps_enabled = org.scps_enabled;
        idx.rcps_enabled = org.rcps_enabled;
        for g in &org_gaps {
            idx.missing
                .entry(g.account.clone())
                .or_insert_with(|| gap_text(g));
        }
        if let Some(org_id) = &org.organization_id {
            for a in &org.accounts {
                // The path from the root to the account's parent: `o-…/r-…/ou-…/ou-…/`
                // (aws:PrincipalOrgPaths, reference_policies_condition-keys.html).
                let parents = a.path.iter().filter(|t| t.kind != OrgTargetKind::Account);
                let mut path = format!("{org_id}/");
                for t in parents {
                    path.push_str(&t.id);
                    path.push('/');
                }
                idx.principal_org
                    .insert(a.account.clone(), (org_id.clone(), path));
            }
        }
        let policies: HashMap<&str, _> = org.policies.iter().map(|p| (p.id.as_str(), p)).collect();
        let mut parsed: HashMap<&str, Result<Policy, String>> = HashMap::new();
        let mut interned: HashMap<(OrgPolicyType, Vec<Vec<String>>), usize> = HashMap::new();
        for a in &org.accounts {
            for ty in [
                OrgPolicyType::ServiceControlPolicy,
                OrgPolicyType::ResourceControlPolicy,
            ] {
                let enabled = match ty {
                    OrgPolicyType::ServiceControlPolicy => org.scps_enabled,
                    OrgPolicyType::ResourceControlPolicy => org.rcps_enabled,
                };
                if !enabled {
                    continue;
                }
                let ids: Vec<Vec<String>> = a
                    .path
                    .iter()
                    .map(|t| match ty {
                        OrgPolicyType::ServiceControlPolicy => t.scps.clone(),
                        OrgPolicyType::ResourceControlPolicy => t.rcps.clone(),
                    })
                    .collect();
                let key = (ty, ids);
                let entry = match interned.get(&key) {
                    Some(&i) => Entry::Chain(i),
                    None => {
                        let mut chain = Chain {
                            id: idx.chains.len(),
                            cacheable: true,
                            ..Chain::default()
                        };
                        let mut bad = None;
                        for (target, level) in a.path.iter().zip(&key.1) {
                            let mut pols = Vec::new();
                            let mut labels = Vec::new();
                            for id in level {
                                let Some(p) = policies.get(id.as_str()) else {
                                    bad = Some(format!("policy {id} was not collected"));
                                    continue;
                                };
                                let r = parsed.entry(p.id.as_str()).or_insert_with(|| {
                                    parse_policy(&p.content).map_err(|e| e.to_string())
                                });
                                match r {
                                    Ok(pol) => {
                                        chain.cacheable &=
                                            pol.statements.iter().all(statement_cacheable);
                                        note(pol);
                                        pols.push(pol.clone());
                                        labels.push(format!(
                                            "{} {} \"{}\" ({} {})",
                                            type_name(ty),
                                            p.id,
                                            p.name,
                                            target.kind.as_str(),
                                            target.id
                                        ));
                                    }
                                    Err(e) => {
                                        bad = Some(format!(
                                            "{} {} could not be parsed: {e}",
                                            type_name(ty),
                                            p.id
                                        ))
                                    }
                                }
                            }
                            chain.levels.push(pols);
                            chain.labels.push(labels);
                        }
                        match bad {
                            Some(why) => Entry::NotEvaluated(why),
                            None => {
                                idx.chains.push(chain);
                                interned.insert(key, idx.chains.len() - 1);
                                Entry::Chain(idx.chains.len() - 1)
                            }
                        }
                    }
                };
                match ty {
                    OrgPolicyType::ServiceControlPolicy => {
                        idx.scps.insert(a.account.clone(), entry)
                    }
                    OrgPolicyType::ResourceControlPolicy => {
                        idx.rcps.insert(a.account.clone(), entry)
                    }
                };
            }
        }
        idx
    }

    fn coverage<'a>(&'a self, ty: OrgPolicyType, account: Option<&str>) -> Coverage<'a> {
        if let Err(why) = &self.collected {
            return Coverage::NotEvaluated(why);
        }
        let (enabled, map) = match ty {
            OrgPolicyType::ServiceControlPolicy => (self.scps_enabled, &self.scps),
            OrgPolicyType::ResourceControlPolicy => (self.rcps_enabled, &self.rcps),
        };
        let Some(account) = account.filter(|a| !a.is_empty() && *a != "*") else {
            return Coverage::NotEvaluated("the account is unknown");
        };
        if self.management.as_deref() == Some(account) {
            return Coverage::None;
        }
        if !self.audited.contains(account) {
            // Another organization's, or one of this organization's not audited.
            return Coverage::NotEvaluated("the account is not audited");
        }
        if !self.in_org || !enabled {
            return Coverage::None;
        }
        match map.get(account) {
            Some(Entry::Chain(i)) => Coverage::Chain(&self.chains[*i]),
            Some(Entry::NotEvaluated(why)) => Coverage::NotEvaluated(why),
            None => Coverage::NotEvaluated(
                self.missing
                    .get(account)
                    .map_or("the account's path in the organization was not read", |s| {
                        s.as_str()
                    }),
            ),
        }
    }

    /// The SCPs of the principal's account.
    /// `aws:PrincipalOrgID` and `aws:PrincipalOrgPaths` of a principal of `account`, when its
    /// place in the organization was read; `None`: unknown (not audited, or another
    /// organization's), so conditions on them stay undecided.
    pub(super) fn principal_org(&self, account: &str) -> Option<(&str, &str)> {
        self.principal_org
            .get(account)
            .map(|(id, path)| (id.as_str(), path.as_str()))
    }

    pub(super) fn scps<'a>(&'a self, account: Option<&str>) -> Coverage<'a> {
        self.coverage(OrgPolicyType::ServiceControlPolicy, account)
    }

    /// The RCPs of the resource's account.
    pub(super) fn rcps<'a>(&'a self, account: Option<&str>) -> Coverage<'a> {
        self.coverage(OrgPolicyType::ResourceControlPolicy, account)
    }

    /// Whether decisions under the SCPs of `principal_account` and the RCPs of
    /// `resource_account` may be memoised.
    pub(super) fn cacheable(
        &self,
        principal_account: &str,
        resource_account: Option<&str>,
    ) -> bool {
        [
            self.scps(Some(principal_account)),
            self.rcps(resource_account),
        ]
        .iter()
        .all(|c| match c {
            Coverage::Chain(ch) => ch.cacheable,
            _ => true,
        })
    }

    /// Adds to a context tuple what org policies read from the resource: which of the
    /// statements of the principal account's SCPs and the resource account's RCPs have a
    /// `Resource`/`NotResource` pattern matching it (one byte per such statement), and the
    /// chains themselves (their ids, exactly). Nothing when neither applies.
    pub(super) fn push_context(
        &self,
        t: &mut ContextTuple,
        principal_account: &str,
        resource_account: Option<&str>,
        resource: &str,
    ) {
        let chains = [
            self.scps(Some(principal_account)),
            self.rcps(resource_account),
        ];
        if chains.iter().all(|c| !matches!(c, Coverage::Chain(_))) {
            return;
        }
        let mut bits = String::new();
        for c in chains {
            match c {
                Coverage::Chain(ch) => {
                    bits.push_str(&format!("{};", ch.id));
                    for st in ch.levels.iter().flatten().flat_map(|p| &p.statements) {
                        if let Some(r) = &st.resource
                            && !r.patterns.iter().any(|g| g.is_any())
                        {
                            let hit = r.patterns.iter().any(|g| g.matches(resource));
                            bits.push(if hit { '1' } else { '0' });
                        }
                    }
                }
                _ => bits.push('-'),
            }
            bits.push('|');
        }
        t.push(Some(&bits));
    }

    /// The labels of the SCP and RCP chains a request was evaluated under.
    pub(super) fn labels<'a>(&'a self, scps: Coverage<'a>, rcps: Coverage<'a>) -> OrgLabels<'a> {
        let l = |c: Coverage<'a>| match c {
            Coverage::Chain(ch) => ch.labels.as_slice(),
            _ => &[],
        };
        OrgLabels {
            scp: l(scps),
            rcp: l(rcps),
        }
    }

    /// A note when the SCPs or RCPs of the secret's account are not evaluated.
    pub(super) fn note(&self, account: &str) -> Option<String> {
        let (s, r) = (self.scps(Some(account)), self.rcps(Some(account)));
        match (s, r) {
            (Coverage::NotEvaluated(a), Coverage::NotEvaluated(b)) if a == b => Some(format!(
                "SCPs and RCPs of account {account} were not evaluated ({a}): readers they would block are listed"
            )),
            (Coverage::NotEvaluated(a), _) => Some(format!(
                "SCPs of account {account} were not evaluated ({a}): readers they would block are listed"
            )),
            (_, Coverage::NotEvaluated(b)) => Some(format!(
                "RCPs of account {account} were not evaluated ({b}): readers they would block are listed"
            )),
            _ => None,
        }
    }
}

impl<'a> Coverage<'a> {
    /// The policies to give the engine (none when not governed or not evaluated).
    pub(super) fn policies(self) -> &'a [Vec<Policy>] {
        match self {
            Coverage::Chain(ch) => &ch.levels,
            _ => &[],
        }
    }
}

fn type_name(ty: OrgPolicyType) -> &'static str {
    match ty {
        OrgPolicyType::ServiceControlPolicy => "SCP",
        OrgPolicyType::ResourceControlPolicy => "RCP",
    }
}

/// Evidence labels of org policies: per level, per policy.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct OrgLabels<'a> {
    pub(super) scp: &'a [Vec<String>],
    pub(super) rcp: &'a [Vec<String>],
}

impl OrgLabels<'_> {
    /// The label of an engine source `scp[L][I]` / `rcp[L][I]`; `None` for other sources.
    pub(super) fn label(&self, policy: &str) -> Option<&str> {
        let (table, rest) = if let Some(r) = policy.strip_prefix("scp[") {
            (self.scp, r)
        } else if let Some(r) = policy.strip_prefix("rcp[") {
            (self.rcp, r)
        } else {
            return None;
        };
        let (l, i) = rest.strip_suffix(']')?.split_once("][")?;
        table
            .get(l.parse::<usize>().ok()?)?
            .get(i.parse::<usize>().ok()?)
            .map(String::as_str)
    }

    /// What in an SCP or RCP denied a request, named: the explicit denies, or the SCP levels
    /// where nothing allows it. `None` when no org policy took part in the denial.
    pub(super) fn blocking(&self, d: &Decision, unallowed_levels: &[usize]) -> Option<String> {
        if d.decision == DecisionKind::ExplicitDeny {
            let denies: Vec<String> = d
                .statements
                .iter()
                .filter(|s| s.effect == "Deny")
                .filter_map(|s| Some(stmt_label(self.label(&s.policy)?, s)))
                .collect();
            return (!denies.is_empty()).then(|| format!("denied by {}", denies.join(", ")));
        }
        if unallowed_levels.is_empty() {
            return None;
        }
        let levels: Vec<String> = unallowed_levels
            .iter()
            .map(|&l| {
                let names = self.scp.get(l).map(|v| v.join(", ")).unwrap_or_default();
                if names.is_empty() {
                    format!("no SCP is attached at level {l}")
                } else {
                    format!("no statement of {names} allows it")
                }
            })
            .collect();
        Some(format!("not allowed by SCPs: {}", levels.join("; ")))
    }
}

fn stmt_label(label: &str, s: &StatementRef) -> String {
    super::explain::stmt_text(label, s)
}

#[cfg(test)]
mod tests {
    use crate::access::{AccessIndex, Act};
    use crate::inventory::{
        Gap, IamAccount, IamRole, InlinePolicy, Inventory, OrgAccountPath, OrgPolicies, OrgPolicy,
        OrgPolicyType, OrgTarget, OrgTargetKind, Secret,
    };
    use crate::operation::Operation;

    const MGMT: &str = "111111111111";
    const MEMBER: &str = "222222222222";
    const OTHER: &str = "333333333333";
    const R: &str = "us-east-1";
    const FULL: &str =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;

    fn role(account: &str) -> IamAccount {
        IamAccount {
            account: account.into(),
            roles: vec![IamRole {
                arn: format!("arn:aws:iam::{account}:role/reader"),
                name: "reader".into(),
                inline_policies: vec![InlinePolicy {
                    name: "read".into(),
                    document: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"*"}]}"#.into(),
                }],
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    fn secret(account: &str, name: &str) -> Secret {
        Secret {
            arn: format!("arn:aws:secretsmanager:{R}:{account}:secret:{name}-AbCdEf"),
            name: name.into(),
            account: account.into(),
            region: R.into(),
            ..Default::default()
        }
    }

    fn policy(id: &str, name: &str, ty: OrgPolicyType, content: &str) -> OrgPolicy {
        OrgPolicy {
            id: id.into(),
            name: name.into(),
            policy_type: ty,
            content: content.into(),
        }
    }

    fn target(id: &str, kind: OrgTargetKind, scps: &[&str], rcps: &[&str]) -> OrgTarget {
        OrgTarget {
            id: id.into(),
            kind,
            scps: scps.iter().map(|s| s.to_string()).collect(),
            rcps: rcps.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// Three audited accounts with the same role `reader` (GetSecretValue on `*`) and secrets
    /// `app` and `locked-*` in each. MEMBER sits in OU ou-restricted, which has the SCP
    /// `scp_ou`; OTHER directly under the root, with the RCP `rcp_other` on the account.
    fn org_inventory(scp_ou: &str, rcp_other: &str) -> Inventory {
        let mut inv = Inventory::empty("fixture", chrono::Utc::now());
        inv.accounts = vec![MGMT.into(), MEMBER.into(), OTHER.into()];
        inv.iam = vec![role(MGMT), role(MEMBER), role(OTHER)];
        for a in [MGMT, MEMBER, OTHER] {
            inv.secrets.push(secret(a, "app"));
            for i in 0..3 {
                inv.secrets.push(secret(a, &format!("locked-{i}")));
            }
        }
        use OrgPolicyType::*;
        use OrgTargetKind::*;
        let root = target(
            "r-root",
            Root,
            &["p-FullAWSAccess"],
            &["p-RCPFullAWSAccess"],
        );
        inv.organization = Some(OrgPolicies {
            organization_id: Some("o-abc".into()),
            management_account: Some(MGMT.into()),
            scps_enabled: true,
            rcps_enabled: true,
            accounts: vec![
                OrgAccountPath {
                    account: MEMBER.into(),
                    path: vec![
                        root.clone(),
                        target(
                            "ou-restricted",
                            OrganizationalUnit,
                            &["p-FullAWSAccess", "p-ou"],
                            &["p-RCPFullAWSAccess"],
                        ),
                        target(
                            MEMBER,
                            Account,
                            &["p-FullAWSAccess"],
                            &["p-RCPFullAWSAccess"],
                        ),
                    ],
                },
                OrgAccountPath {
                    account: OTHER.into(),
                    path: vec![
                        root,
                        target(
                            OTHER,
                            Account,
                            &["p-FullAWSAccess"],
                            &["p-RCPFullAWSAccess", "p-rcp"],
                        ),
                    ],
                },
            ],
            policies: vec![
                policy(
                    "p-FullAWSAccess",
                    "FullAWSAccess",
                    ServiceControlPolicy,
                    FULL,
                ),
                policy(
                    "p-RCPFullAWSAccess",
                    "RCPFullAWSAccess",
                    ResourceControlPolicy,
                    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#,
                ),
                policy("p-ou", "DenySecretReads", ServiceControlPolicy, scp_ou),
                policy("p-rcp", "LockedSecrets", ResourceControlPolicy, rcp_other),
            ],
        });
        inv.normalise();
        inv
    }

    const DENY_READS: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"NoReads","Effect":"Deny","Action":"secretsmanager:GetSecretValue","Resource":"*"}]}"#;
    const LOCKED: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"Locked","Effect":"Deny","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"arn:aws:secretsmanager:*:*:secret:locked-1-*"}]}"#;

    fn find<'a>(inv: &'a Inventory, account: &str, name: &str) -> &'a Secret {
        inv.secrets
            .iter()
            .find(|s| s.account == account && s.name == name)
            .expect("secret")
    }

    fn reader_arn(account: &str) -> String {
        format!("arn:aws:iam::{account}:role/reader")
    }

    /// The readers other than the account's root user (listed by every answer; the tests
    /// that are about it say so).
    fn non_root(a: &crate::access::SecretAccess) -> Vec<&crate::access::Reader> {
        a.readers.iter().filter(|r| r.kind != "root").collect()
    }

    /// `note` about the reader of `account`, said of that account's root user.
    fn of_root(note: &str, account: &str) -> String {
        note.replace(
            &reader_arn(account),
            &format!("arn:aws:iam::{account}:root"),
        )
    }

    #[test]
    fn an_scp_on_the_ou_removes_its_accounts_readers_and_names_the_policy() {
        let inv = org_inventory(DENY_READS, LOCKED);
        let idx = AccessIndex::build(&inv);
        // The member account in the OU: no reader; the note names the SCP, its statement and
        // where it is attached.
        let a = idx.readers(find(&inv, MEMBER, "app"));
        assert!(a.complete, "{a:?}");
        assert!(a.readers.is_empty(), "{a:?}");
        let want = format!(
            "{}: secretsmanager:GetSecretValue denied by SCP p-ou \"DenySecretReads\" (OU ou-restricted) #0 \"NoReads\"",
            reader_arn(MEMBER)
        );
        // The SCP stops the member account's root user as well.
        assert_eq!(a.notes, vec![want.clone(), of_root(&want, MEMBER)]);
        // The management account: SCPs do not restrict it (nor its root user).
        let m = idx.readers(find(&inv, MGMT, "app"));
        assert_eq!(non_root(&m).len(), 1, "{m:?}");
        assert_eq!(m.readers[0].principal_arn, reader_arn(MGMT));
        assert!(m.readers.iter().any(|r| r.kind == "root"), "{m:?}");
        assert!(m.readers[0].scps_evaluated && m.readers[0].rcps_evaluated);
        assert!(m.notes.is_empty(), "{:?}", m.notes);
        // An account outside the OU: its SCPs (FullAWSAccess only) allow.
        let o = idx.readers(find(&inv, OTHER, "app"));
        assert_eq!(non_root(&o).len(), 1, "{o:?}");
        assert!(o.readers[0].scps_evaluated);
        // The evidence claims nothing about SCPs that only permit.
        assert!(
            o.readers[0].statements.iter().all(|s| !s.contains("SCP")),
            "{:?}",
            o.readers[0].statements
        );
    }

    #[test]
    fn an_rcp_blocks_only_the_secrets_its_resource_matches_whatever_the_order() {
        let inv = org_inventory(FULL, LOCKED);
        // Asked in both orders on one index each: the memo must tell the secrets apart.
        for order in [[0, 1, 2], [2, 1, 0]] {
            let idx = AccessIndex::build(&inv);
            for i in order {
                let name = format!("locked-{i}");
                let a = idx.readers(find(&inv, OTHER, &name));
                let reads = a
                    .readers
                    .iter()
                    .any(|r| r.principal_arn == reader_arn(OTHER));
                assert_eq!(reads, i != 1, "{name}: {a:?}");
                if i == 1 {
                    assert!(
                        a.notes.iter().any(|n| n.contains(
                            "denied by RCP p-rcp \"LockedSecrets\" (account 333333333333) #0 \"Locked\""
                        )),
                        "{:?}",
                        a.notes
                    );
                }
            }
        }
        // RCPs do not govern the management account's resources, and p-rcp is not attached to
        // MEMBER.
        let idx = AccessIndex::build(&inv);
        for account in [MGMT, MEMBER] {
            let a = idx.readers(find(&inv, account, "locked-1"));
            assert_eq!(non_root(&a).len(), 1, "{account}: {a:?}");
        }
    }

    #[test]
    fn an_scp_level_without_an_allow_blocks_and_says_where() {
        let only_s3 = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#;
        let mut inv = org_inventory(only_s3, LOCKED);
        // The OU has only the S3 SCP.
        let o = inv.organization.as_mut().expect("org");
        o.accounts[0].path[1].scps = vec!["p-ou".into()];
        let idx = AccessIndex::build(&inv);
        let a = idx.readers(find(&inv, MEMBER, "app"));
        assert!(a.readers.is_empty(), "{a:?}");
        let want = format!(
            "{}: secretsmanager:GetSecretValue not allowed by SCPs: no statement of SCP p-ou \"DenySecretReads\" (OU ou-restricted) allows it",
            reader_arn(MEMBER)
        );
        // The member account's root user is stopped the same way.
        assert_eq!(a.notes, vec![want.clone(), of_root(&want, MEMBER)]);
    }

    #[test]
    fn scp_statements_with_unknown_conditions_are_named() {
        // A deny that applies when the key is absent (no VPC endpoint): removed, and the note
        // names the statement and the key it depends on.
        let vpce = r#"{"Version":"2012-10-17","Statement":[{"Sid":"OnlyFromVpce","Effect":"Deny","Action":"secretsmanager:GetSecretValue","Resource":"*","Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-1"}}}]}"#;
        let inv = org_inventory(vpce, LOCKED);
        let idx = AccessIndex::build(&inv);
        let a = idx.readers(find(&inv, MEMBER, "app"));
        assert!(a.readers.is_empty(), "{a:?}");
        let want = format!(
            "{}: secretsmanager:GetSecretValue denied by SCP p-ou \"DenySecretReads\" (OU ou-restricted) #0 \"OnlyFromVpce\" (if aws:SourceVpce)",
            reader_arn(MEMBER)
        );
        // The member account's root user is stopped the same way.
        assert_eq!(a.notes, vec![want.clone(), of_root(&want, MEMBER)]);
        // A deny that does not apply without the key: the reader stays, and its evidence names
        // the SCP statement that could still stop it.
        let mfa = r#"{"Version":"2012-10-17","Statement":[{"Sid":"NoMfaNoRead","Effect":"Deny","Action":"secretsmanager:GetSecretValue","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"false"}}}]}"#;
        let inv = org_inventory(mfa, LOCKED);
        let idx = AccessIndex::build(&inv);
        let a = idx.readers(find(&inv, MEMBER, "app"));
        assert_eq!(non_root(&a).len(), 1, "{a:?}");
        assert!(
            a.readers[0].statements.iter().any(|s| s
                == "SCP p-ou \"DenySecretReads\" (OU ou-restricted) #0 \"NoMfaNoRead\" (if aws:MultiFactorAuthPresent)"),
            "{:?}",
            a.readers[0].statements
        );
    }

    /// A principal of an account whose place in the organization was read carries
    /// `aws:PrincipalOrgID` and `aws:PrincipalOrgPaths` (`o-abc/r-root/ou-restricted/`), so
    /// conditions on them are decided, not left conditional.
    #[test]
    fn principal_org_id_and_paths_of_audited_accounts_are_known() {
        let scp = |cond: &str| {
            format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"OrgOnly","Effect":"Deny","Action":"secretsmanager:GetSecretValue","Resource":"*","Condition":{cond}}}]}}"#
            )
        };
        let cases = [
            (
                r#"{"StringNotEquals":{"aws:PrincipalOrgID":"o-abc"}}"#,
                true,
            ),
            (
                r#"{"StringNotEquals":{"aws:PrincipalOrgID":"o-zzz"}}"#,
                false,
            ),
            (
                r#"{"ForAllValues:StringNotLike":{"aws:PrincipalOrgPaths":"o-abc/r-root/ou-restricted/"}}"#,
                true,
            ),
            (
                r#"{"ForAllValues:StringNotLike":{"aws:PrincipalOrgPaths":"o-abc/r-root/ou-other/*"}}"#,
                false,
            ),
        ];
        for (cond, reads) in cases {
            let inv = org_inventory(&scp(cond), LOCKED);
            let idx = AccessIndex::build(&inv);
            let a = idx.readers(find(&inv, MEMBER, "app"));
            let r: Vec<_> = non_root(&a)
                .into_iter()
                .filter(|r| r.principal_arn == reader_arn(MEMBER))
                .collect();
            assert_eq!(r.len(), usize::from(reads), "{cond}: {a:?}");
            if let Some(r) = r.first() {
                assert!(r.conditional_on.is_empty(), "{cond}: {r:?}");
                assert!(
                    r.statements.iter().all(|s| !s.contains("OrgOnly")),
                    "{cond}: {r:?}"
                );
            } else {
                assert!(
                    a.notes.iter().any(
                        |n| n.contains("#0 \"OrgOnly\"") && !n.contains("(if aws:PrincipalOrg")
                    ),
                    "{cond}: {:?}",
                    a.notes
                );
            }
        }
    }

    #[test]
    fn without_organizations_data_readers_say_scps_were_not_evaluated() {
        let mut inv = org_inventory(DENY_READS, LOCKED);
        inv.organization = None;
        let idx = AccessIndex::build(&inv);
        let a = idx.readers(find(&inv, MEMBER, "app"));
        assert!(a.complete);
        assert_eq!(non_root(&a).len(), 1);
        assert!(!a.readers[0].scps_evaluated && !a.readers[0].rcps_evaluated);
        assert_eq!(
            a.notes,
            vec![format!(
                "SCPs and RCPs of account {MEMBER} were not evaluated (AWS Organizations was not read; audit with --organization or --accounts from the management account or a delegated administrator): readers they would block are listed"
            )]
        );
        // A denied DescribeOrganization names the call.
        inv.gaps.push(Gap::new(
            MGMT,
            R,
            Operation::DescribeOrganization,
            "",
            "AccessDeniedException",
            "You don't have permissions to access this resource.",
        ));
        let idx = AccessIndex::build(&inv);
        let a = idx.readers(find(&inv, MEMBER, "app"));
        assert!(a.notes[0].contains("AWS Organizations could not be read: DescribeOrganization failed (AccessDeniedException)"), "{:?}", a.notes);
        // An account whose path could not be read: not evaluated, the gap named.
        let mut inv = org_inventory(DENY_READS, LOCKED);
        inv.organization.as_mut().expect("org").accounts.remove(0);
        inv.gaps.push(Gap::new(
            MEMBER,
            R,
            Operation::ListParents,
            MEMBER,
            "AccessDeniedException",
            "denied",
        ));
        let idx = AccessIndex::build(&inv);
        let a = idx.readers(find(&inv, MEMBER, "app"));
        assert_eq!(non_root(&a).len(), 1);
        assert!(!a.readers[0].scps_evaluated);
        assert!(
            a.notes[0].contains("(ListParents failed (AccessDeniedException))"),
            "{:?}",
            a.notes
        );
        // The other accounts are still evaluated.
        let o = idx.readers(find(&inv, OTHER, "app"));
        assert!(o.readers[0].scps_evaluated && o.notes.is_empty(), "{o:?}");
    }

    #[test]
    fn not_in_an_organization_nothing_applies_and_nothing_is_claimed_missing() {
        let mut inv = org_inventory(DENY_READS, LOCKED);
        inv.organization = Some(OrgPolicies::default());
        let idx = AccessIndex::build(&inv);
        let a = idx.readers(find(&inv, MEMBER, "app"));
        assert_eq!(non_root(&a).len(), 1);
        assert!(a.readers[0].scps_evaluated && a.readers[0].rcps_evaluated);
        assert!(a.notes.is_empty(), "{:?}", a.notes);
    }

    #[test]
    fn other_accounts_named_by_a_resource_policy_are_not_claimed_evaluated() {
        let mut inv = org_inventory(FULL, LOCKED);
        let s = inv
            .secrets
            .iter_mut()
            .find(|s| s.account == OTHER && s.name == "app")
            .expect("secret");
        s.resource_policy = Some(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::444444444444:root","arn:aws:iam::222222222222:role/reader"]},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}"#.into());
        let inv2 = inv.clone();
        let idx = AccessIndex::build(&inv2);
        // who_can: the AWS managed key would keep other accounts out of `readers`.
        let a = idx.who_can(find(&inv2, OTHER, "app"), Act::GetSecretValue);
        let outside = a
            .readers
            .iter()
            .find(|r| r.account == "444444444444")
            .expect("outside reader");
        assert!(!outside.scps_evaluated, "{outside:?}");
        // MEMBER is audited and its SCPs (FullAWSAccess) are evaluated for its role.
        let member = a
            .readers
            .iter()
            .find(|r| r.principal_arn == reader_arn(MEMBER))
            .expect("member reader");
        assert!(member.scps_evaluated, "{member:?}");
        // With the deny-all-reads SCP on MEMBER's OU, its role is removed, named.
        let mut inv3 = inv;
        inv3.organization.as_mut().expect("org").policies[2].content = DENY_READS.into();
        let idx = AccessIndex::build(&inv3);
        let a = idx.who_can(find(&inv3, OTHER, "app"), Act::GetSecretValue);
        assert!(
            a.readers
                .iter()
                .all(|r| r.principal_arn != reader_arn(MEMBER)),
            "{a:?}"
        );
        assert!(
            a.notes
                .iter()
                .any(|n| n.starts_with(&reader_arn(MEMBER)) && n.contains("SCP p-ou")),
            "{:?}",
            a.notes
        );
    }
}
