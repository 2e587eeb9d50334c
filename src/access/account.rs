//! One account's IAM data, indexed: its principals with their policies reduced per action,
//! the prefix index of their `Allow` statements, and the plans that say which statements match
//! a resource.

use std::collections::{BTreeSet, HashMap, HashSet};

use super::index::parse_policy;
use super::model::ACTIONS;
use crate::inventory::IamAccount;
use crate::policy::model::ResourceMatch;
use crate::policy::{Effect, Policy, PolicyError, PolicySet, Principal};

/// One identity-side policy set of a principal for one action.
#[derive(Debug, Clone, Default)]
pub(super) struct ActionSet {
    pub(super) set: PolicySet,
    /// Evidence label of each identity policy in `set.identity`.
    pub(super) labels: Vec<String>,
    pub(super) boundary_label: String,
}

/// An IAM user or role of an audited account.
#[derive(Debug)]
pub(super) struct Subject {
    pub(super) arn: String,
    pub(super) kind: &'static str,
    pub(super) principal: Principal,
    /// `aws:PrincipalTag/*` values, keys lowercased.
    pub(super) tags: Vec<(String, String)>,
    pub(super) sets: Vec<ActionSet>,
    /// How to compute the [`CacheKey`](super::memo::CacheKey) of each action set, in [`Act`](super::Act) order.
    pub(super) plans: Vec<Plan>,
    /// Allowed `*` on `*` without conditions by an identity policy (and its boundary, if any).
    pub(super) admin: bool,
}

/// Precomputed for one subject and action: which of its statements (identity policies, then
/// boundary; at most 64) match a resource, the [`CacheKey::matches`](super::memo::CacheKey::matches) bitset.
#[derive(Debug, Default)]
pub(super) struct Plan {
    /// false: the decision cannot be memoised (more than 64 statements, a policy variable in a
    /// `Resource`, an encryption-context condition).
    pub(super) cacheable: bool,
    /// Statements that match every resource (no `Resource` element, or `Resource: "*"`).
    pub(super) fixed: u64,
    /// The others: (bit, whether it is a `NotResource`, index into [`AccountIdx::elems`]).
    pub(super) tests: Vec<(u8, bool, u32)>,
}

/// Subjects by the literal prefix of the resource patterns of their `Allow` statements.
#[derive(Debug, Default)]
pub(super) struct PrefixIndex {
    /// Subjects with an unrestricted `Allow` (`*`, `NotResource`, a pattern starting with a
    /// wildcard or a variable).
    pub(super) universal: Vec<u32>,
    pub(super) by_prefix: HashMap<String, Vec<u32>>,
    pub(super) lens: BTreeSet<usize>,
}

impl PrefixIndex {
    /// The ranks ([`AccountIdx::rank`]) of the subjects that may be allowed on `arn_lc`.
    pub(super) fn candidates(&self, arn_lc: &str, out: &mut Vec<u32>) {
        out.extend_from_slice(&self.universal);
        for &l in &self.lens {
            if l > arn_lc.len() {
                break;
            }
            if let Some(p) = arn_lc.get(..l)
                && let Some(v) = self.by_prefix.get(p)
            {
                out.extend_from_slice(v);
            }
        }
    }
}

#[derive(Debug, Default)]
pub(super) struct AccountIdx {
    pub(super) subjects: Vec<Subject>,
    /// Per subject: its position in (kind, ARN) order, the order readers are reported in.
    pub(super) rank: Vec<u32>,
    /// The subject of each rank.
    pub(super) by_rank: Vec<usize>,
    pub(super) by_arn: HashMap<String, usize>,
    /// (`user`|`role`, lowercased name) → subject.
    pub(super) by_name: HashMap<(&'static str, String), usize>,
    pub(super) index: Vec<PrefixIndex>,
    pub(super) notes: Vec<String>,
    /// The distinct `Resource`/`NotResource` elements [`Plan::tests`] refer to.
    pub(super) elems: Vec<ResourceMatch>,
    /// The elements by the leading literal of their patterns (case-sensitive, as matching is):
    /// an element can only match a resource that starts with one of them.
    pub(super) elem_prefix: HashMap<String, Vec<u32>>,
    pub(super) elem_prefix_lens: BTreeSet<usize>,
    /// Elements with a pattern that starts with a wildcard: always tested.
    pub(super) elem_always: Vec<u32>,
    /// Per action, per element: the subjects whose plan tests it.
    pub(super) elem_subjects: Vec<Vec<Vec<u32>>>,
}

pub(super) fn statement_can_match(s: &crate::policy::Statement, action_lc: &str) -> bool {
    s.action.patterns.iter().any(|g| g.matches(action_lc)) != s.action.negated
}

/// The policy reduced to the statements that can match `action`; `None` when none can.
pub(super) fn reduce(p: &Policy, action_lc: &str) -> Option<Policy> {
    let statements: Vec<_> = p
        .statements
        .iter()
        .filter(|s| statement_can_match(s, action_lc))
        .cloned()
        .collect();
    (!statements.is_empty()).then(|| Policy {
        version: p.version,
        id: p.id.clone(),
        statements,
    })
}

/// `Action: "*"` on `Resource: "*"` without conditions.
pub(super) fn grants_everything(p: &Policy) -> bool {
    p.statements.iter().any(|s| {
        s.effect == Effect::Allow
            && !s.action.negated
            && s.action.raw.iter().any(|a| a == "*" || a == "*:*")
            && s.resource
                .as_ref()
                .is_some_and(|r| !r.negated && r.raw.iter().any(|x| x == "*"))
            && s.conditions.is_empty()
    })
}

/// Whether a decision may be memoised as far as this statement goes: no policy variable in its
/// `Resource` (the match would depend on the principal), no encryption-context condition (it
/// depends on the secret's ARN).
pub(super) fn statement_cacheable(st: &crate::policy::Statement) -> bool {
    !st.conditions
        .iter()
        .any(|c| c.key_lc.starts_with("kms:encryptioncontext"))
        && st
            .resource
            .as_ref()
            .is_none_or(|r| !r.patterns.iter().any(|g| g.has_vars()))
}

/// The [`Plan`] of an action set; `elems` collects the distinct resource elements it tests.
pub(super) fn plan(
    set: &PolicySet,
    elems: &mut Vec<ResourceMatch>,
    elem_ids: &mut HashMap<(bool, Vec<String>), Vec<u32>>,
) -> Plan {
    let mut plan = Plan {
        cacheable: true,
        ..Default::default()
    };
    let statements = set
        .identity
        .iter()
        .chain(set.boundary.iter())
        .flat_map(|p| p.statements.iter());
    for (bit, st) in statements.enumerate() {
        if bit == 64 || !statement_cacheable(st) {
            return Plan::default();
        }
        match &st.resource {
            None => plan.fixed |= 1 << bit,
            Some(r) if r.patterns.iter().any(|g| g.is_any()) => {
                if !r.negated {
                    plan.fixed |= 1 << bit;
                }
            }
            Some(r) => {
                let ids = elem_ids.entry((r.negated, r.raw.clone())).or_default();
                let id = match ids.iter().find(|&&e| elems[e as usize] == *r) {
                    Some(&e) => e,
                    None => {
                        elems.push(r.clone());
                        ids.push((elems.len() - 1) as u32);
                        (elems.len() - 1) as u32
                    }
                };
                plan.tests.push((bit as u8, r.negated, id));
            }
        }
    }
    plan
}

/// The literal prefix of a resource pattern (lowercased), before any wildcard or variable.
pub(super) fn literal_prefix(raw: &str) -> String {
    let end = raw.find(['*', '?', '$']).unwrap_or(raw.len());
    raw[..end].to_lowercase()
}

pub(super) struct Builder<'a> {
    pub(super) acct: &'a IamAccount,
    pub(super) managed: HashMap<&'a str, Result<Policy, PolicyError>>,
    pub(super) reduced: HashMap<(&'a str, usize), Option<Policy>>,
    pub(super) notes: Vec<String>,
}

crate::error::message_error!(
    /// Why a principal's policies cannot be reduced for an action: a managed policy it attaches is
    /// missing or does not parse.
    pub(super) AccessError
);

impl<'a> Builder<'a> {
    pub(super) fn managed_reduced(
        &mut self,
        arn: &'a str,
        act: usize,
    ) -> Result<Option<Policy>, AccessError> {
        if let Some(r) = self.reduced.get(&(arn, act)) {
            return Ok(r.clone());
        }
        let parsed = match self.managed.get(arn) {
            Some(Ok(p)) => p,
            Some(Err(e)) => {
                return Err(format!("managed policy {arn} could not be parsed: {e}").into());
            }
            None => {
                return Err(format!(
                    "managed policy {arn} is attached but its document was not collected"
                )
                .into());
            }
        };
        let r = reduce(parsed, &ACTIONS[act].to_lowercase());
        self.reduced.insert((arn, act), r.clone());
        Ok(r)
    }

    pub(super) fn managed_grants_everything(&self, arn: &str) -> bool {
        matches!(self.managed.get(arn), Some(Ok(p)) if grants_everything(p))
    }
}

pub(super) fn build_account(acct: &IamAccount) -> AccountIdx {
    let mut b = Builder {
        acct,
        managed: acct
            .policies
            .iter()
            .map(|p| {
                let parsed = match &p.document {
                    Some(d) => parse_policy(d),
                    None => Err(PolicyError {
                        path: String::new(),
                        message: "no document collected".to_string(),
                    }),
                };
                (p.arn.as_str(), parsed)
            })
            .collect(),
        reduced: HashMap::new(),
        notes: Vec::new(),
    };
    let mut out = AccountIdx::default();
    // Group inline policies parsed once per group.
    type GroupPolicies<'g> = (Vec<(String, Policy)>, &'g [String]);
    let mut groups: HashMap<&str, GroupPolicies> = HashMap::new();
    for g in &b.acct.groups {
        let mut inl = Vec::new();
        for p in &g.inline_policies {
            match parse_policy(&p.document) {
                Ok(pol) => inl.push((
                    format!("inline policy {:?} of group {}", p.name, g.name),
                    pol,
                )),
                Err(e) => b.notes.push(format!(
                    "inline policy {:?} of group {} could not be parsed: {e}",
                    p.name, g.name
                )),
            }
        }
        groups.insert(g.name.as_str(), (inl, g.attached_policies.as_slice()));
    }
    struct Raw<'a> {
        arn: &'a str,
        kind: &'static str,
        name: &'a str,
        inline: Vec<(String, Policy)>,
        attached: Vec<(String, &'a str)>,
        boundary: Option<&'a str>,
        tags: Vec<(String, String)>,
    }
    let mut raws: Vec<Raw> = Vec::new();
    for u in &b.acct.users {
        let mut inline = Vec::new();
        for p in &u.inline_policies {
            match parse_policy(&p.document) {
                Ok(pol) => inline.push((
                    format!("inline policy {:?} of user {}", p.name, u.name),
                    pol,
                )),
                Err(e) => b.notes.push(format!(
                    "inline policy {:?} of user {} could not be parsed: {e}",
                    p.name, u.name
                )),
            }
        }
        let mut attached: Vec<(String, &str)> = u
            .attached_policies
            .iter()
            .map(|a| (format!("managed policy {a}"), a.as_str()))
            .collect();
        for gname in &u.groups {
            match groups.get(gname.as_str()) {
                Some((inl, att)) => {
                    inline.extend(inl.iter().cloned());
                    attached.extend(
                        att.iter()
                            .map(|a| (format!("managed policy {a} (group {gname})"), a.as_str())),
                    );
                }
                None => b.notes.push(format!(
                    "user {} is in group {gname}, which was not collected",
                    u.name
                )),
            }
        }
        raws.push(Raw {
            arn: &u.arn,
            kind: "user",
            name: &u.name,
            inline,
            attached,
            boundary: u.permissions_boundary.as_deref(),
            tags: u
                .tags
                .iter()
                .map(|(k, v)| (k.to_lowercase(), v.clone()))
                .collect(),
        });
    }
    for r in &b.acct.roles {
        let mut inline = Vec::new();
        for p in &r.inline_policies {
            match parse_policy(&p.document) {
                Ok(pol) => inline.push((
                    format!("inline policy {:?} of role {}", p.name, r.name),
                    pol,
                )),
                Err(e) => b.notes.push(format!(
                    "inline policy {:?} of role {} could not be parsed: {e}",
                    p.name, r.name
                )),
            }
        }
        raws.push(Raw {
            arn: &r.arn,
            kind: "role",
            name: &r.name,
            inline,
            attached: r
                .attached_policies
                .iter()
                .map(|a| (format!("managed policy {a}"), a.as_str()))
                .collect(),
            boundary: r.permissions_boundary.as_deref(),
            tags: r
                .tags
                .iter()
                .map(|(k, v)| (k.to_lowercase(), v.clone()))
                .collect(),
        });
    }
    out.index = (0..ACTIONS.len()).map(|_| PrefixIndex::default()).collect();
    let mut elem_ids = HashMap::new();
    for raw in raws {
        let principal = match Principal::parse(raw.arn) {
            Ok(p) => p,
            Err(e) => {
                b.notes.push(format!("{} {}: {e}", raw.kind, raw.arn));
                continue;
            }
        };
        let i = out.subjects.len();
        let mut sets = Vec::with_capacity(ACTIONS.len());
        let boundary_label = raw
            .boundary
            .map(|a| format!("permissions boundary {a}"))
            .unwrap_or_default();
        let mut admin_identity = raw.inline.iter().any(|(_, p)| grants_everything(p));
        admin_identity |= raw
            .attached
            .iter()
            .any(|(_, a)| b.managed_grants_everything(a));
        let admin_boundary = raw.boundary.is_none_or(|a| b.managed_grants_everything(a));
        for (ai, action) in ACTIONS.iter().enumerate() {
            let action_lc = action.to_lowercase();
            let mut set = ActionSet {
                boundary_label: boundary_label.clone(),
                ..Default::default()
            };
            for (label, p) in &raw.inline {
                if let Some(r) = reduce(p, &action_lc) {
                    set.set.identity.push(r);
                    set.labels.push(label.clone());
                }
            }
            for (label, arn) in &raw.attached {
                match b.managed_reduced(arn, ai) {
                    Ok(Some(r)) => {
                        set.set.identity.push(r);
                        set.labels.push(label.clone());
                    }
                    Ok(None) => {}
                    Err(e) if ai == 0 => b.notes.push(format!("{} {}: {e}", raw.kind, raw.name)),
                    Err(_) => {}
                }
            }
            if let Some(ba) = raw.boundary {
                match b.managed_reduced(ba, ai) {
                    // A boundary with no statement for this action allows nothing of it.
                    Ok(r) => {
                        set.set.boundary = Some(r.unwrap_or(Policy {
                            version: crate::policy::PolicyVersion::V2012_10_17,
                            id: None,
                            statements: Vec::new(),
                        }))
                    }
                    Err(e) => {
                        if ai == 0 {
                            b.notes.push(format!(
                                "permissions boundary of {} {}: {e}",
                                raw.kind, raw.name
                            ));
                        }
                    }
                }
            }
            // Index the Allow statements by resource prefix.
            let mut prefixes: HashSet<String> = HashSet::new();
            let mut universal = false;
            for p in &set.set.identity {
                for s in p.statements.iter().filter(|s| s.effect == Effect::Allow) {
                    match &s.resource {
                        Some(r) if !r.negated => {
                            for raw_pat in &r.raw {
                                let pre = literal_prefix(raw_pat);
                                if pre.is_empty() {
                                    universal = true;
                                } else {
                                    prefixes.insert(pre);
                                }
                            }
                        }
                        _ => universal = true,
                    }
                }
            }
            let pidx = &mut out.index[ai];
            if universal {
                pidx.universal.push(i as u32);
            } else {
                for pre in prefixes {
                    pidx.lens.insert(pre.len());
                    pidx.by_prefix.entry(pre).or_default().push(i as u32);
                }
            }
            sets.push(set);
        }
        let plans = sets
            .iter()
            .map(|s| plan(&s.set, &mut out.elems, &mut elem_ids))
            .collect();
        out.by_arn.insert(raw.arn.to_string(), i);
        out.by_name.insert((raw.kind, raw.name.to_lowercase()), i);
        out.subjects.push(Subject {
            arn: raw.arn.to_string(),
            kind: raw.kind,
            principal,
            tags: raw.tags,
            sets,
            plans,
            admin: admin_identity && admin_boundary,
        });
    }
    // Ranks: (kind, ARN) order, ties in subject order; the prefix index holds ranks.
    out.by_rank = (0..out.subjects.len()).collect();
    out.by_rank.sort_by(|&x, &y| {
        (out.subjects[x].kind, &out.subjects[x].arn)
            .cmp(&(out.subjects[y].kind, &out.subjects[y].arn))
    });
    out.rank = vec![0; out.subjects.len()];
    for (r, &i) in out.by_rank.iter().enumerate() {
        out.rank[i] = r as u32;
    }
    for pidx in &mut out.index {
        for v in std::iter::once(&mut pidx.universal).chain(pidx.by_prefix.values_mut()) {
            for x in v.iter_mut() {
                *x = out.rank[*x as usize];
            }
            v.sort_unstable();
        }
    }
    for (e, r) in out.elems.iter().enumerate() {
        for g in &r.patterns {
            let lit = g.leading_literal();
            if lit.is_empty() {
                out.elem_always.push(e as u32);
            } else {
                out.elem_prefix_lens.insert(lit.len());
                out.elem_prefix.entry(lit).or_default().push(e as u32);
            }
        }
    }
    out.elem_always.dedup();
    out.elem_subjects = vec![vec![Vec::new(); out.elems.len()]; ACTIONS.len()];
    for (i, s) in out.subjects.iter().enumerate() {
        for (act, plan) in s.plans.iter().enumerate() {
            for &(_, _, e) in &plan.tests {
                let v = &mut out.elem_subjects[act][e as usize];
                if v.last() != Some(&(i as u32)) {
                    v.push(i as u32);
                }
            }
        }
    }
    out.notes = b.notes;
    out.notes.sort();
    out.notes.dedup();
    out
}
