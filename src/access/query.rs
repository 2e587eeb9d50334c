//! Per-secret, per-action queries: the candidates of one query and what they share.

use std::collections::HashSet;
use std::sync::{Arc, OnceLock};

use super::account::AccountIdx;
use super::decide::{Actor, arn_account, named_outsiders, root_of};
use super::explain::{finish, merge_keys};
use super::grants::KeyGrants;
use super::index::{AccessIndex, KeyInfo, SecretInfo};
use super::memo::{Dense, DenseTable};
use super::model::{Act, Reader, SecretAccess};
use crate::inventory::{DEFAULT_KEY_ALIAS, Secret};
use crate::policy::{Effect, Policy, PrincipalEntry};

impl AccessIndex {
    /// The effective readers of the secret: `GetSecretValue` allowed and, for a customer
    /// managed key, `kms:Decrypt` allowed by the key.
    pub fn readers(&self, secret: &Secret) -> SecretAccess {
        let info = self.info(secret);
        let mut out = SecretAccess {
            readers: Vec::new(),
            complete: true,
            notes: Vec::new(),
        };
        let mut actors = Vec::new();
        // A grant's grantee is a candidate as a resource-policy principal is.
        let grantees = match &info.key {
            KeyInfo::Customer {
                policy: Some(k), ..
            } => self.key_grants.get(*k).and_then(|g| g.policy.as_ref()),
            _ => None,
        };
        self.who_can_inner(
            secret,
            &info,
            Act::GetSecretValue,
            &mut out,
            Some(&mut actors),
            grantees,
        );
        match &info.key {
            KeyInfo::AwsManaged => {
                // aws/secretsmanager: its key policy lets every principal of the account decrypt
                // through Secrets Manager, and nobody else (security-encryption.html).
                let before = out.readers.len();
                out.readers.retain(|r| r.account == secret.account);
                if out.readers.len() < before {
                    out.notes.push(format!(
                        "{} principal(s) outside account {} are granted GetSecretValue, but the secret is encrypted with {DEFAULT_KEY_ALIAS}, which only this account can use",
                        before - out.readers.len(),
                        secret.account
                    ));
                }
            }
            KeyInfo::Unknown(why) => {
                out.complete = false;
                out.notes.push(format!("kms:Decrypt not evaluated: {why}"));
            }
            KeyInfo::Customer { arn, policy } => {
                let key_policy = match policy.map(|i| &self.key_policies[i].1) {
                    Some(Ok(p)) => p,
                    Some(Err(e)) => {
                        out.complete = false;
                        out.notes.push(format!("kms:Decrypt not evaluated: the key policy of {arn} could not be parsed: {e}"));
                        return finish(out);
                    }
                    None => {
                        out.complete = false;
                        out.notes.push(format!(
                            "kms:Decrypt not evaluated: the key policy of {arn} was not collected"
                        ));
                        return finish(out);
                    }
                };
                self.note_grants(*policy, &mut out);
                let acct = self.accounts.get(&secret.account);
                let rlabel = format!("key policy of {arn}");
                let q = self.query(
                    secret,
                    acct,
                    Act::Decrypt,
                    arn,
                    Some(key_policy),
                    *policy,
                    &rlabel,
                );
                let mut actors = actors.iter();
                let mut blocked = Blocked::default();
                out.readers.retain_mut(|r| {
                    let actor = actors.next().expect("one actor per reader");
                    let found = self.verdict_of(&q, actor, Some(key_policy));
                    let Some((v, keys)) = found.get() else {
                        if let Some(b) = found.blocked() {
                            blocked.note(&mut out.notes, &r.principal_arn, Act::Decrypt, b);
                        }
                        return false;
                    };
                    r.statements.extend(v.texts.iter().cloned());
                    merge_keys(&mut r.conditional_on, keys);
                    true
                });
                blocked.finish(&mut out.notes);
            }
        }
        finish(out)
    }

    /// Who can perform `act` on the secret (`GetSecretValue`, `PutResourcePolicy`) or on its
    /// customer managed key (`kms:Decrypt`, `kms:PutKeyPolicy`, `kms:CreateGrant`; for the key
    /// actions the secret's resource policy plays no part). Key actions on a secret without a
    /// customer managed key answer nothing.
    pub fn who_can(&self, secret: &Secret, act: Act) -> SecretAccess {
        let info = self.info(secret);
        let mut out = SecretAccess {
            readers: Vec::new(),
            complete: true,
            notes: Vec::new(),
        };
        self.who_can_inner(secret, &info, act, &mut out, None, None);
        finish(out)
    }

    /// Pushes who can perform `act` to `out.readers` (in subject (kind, ARN) order, then the
    /// principals of other accounts, then the account's root user) and, with `actors`, who each
    /// of them is. `grantees`: more principals to consider as the resource policy's (the
    /// grantees of the key's grants).
    pub(super) fn who_can_inner(
        &self,
        secret: &Secret,
        info: &SecretInfo,
        act: Act,
        out: &mut SecretAccess,
        mut actors: Option<&mut Vec<Actor>>,
        grantees: Option<&Policy>,
    ) {
        let acct = self.accounts.get(&secret.account);
        if let Err(e) = self.iam_status(&secret.account) {
            out.complete = false;
            out.notes.push(e.to_string());
        }
        if let Some(a) = acct
            && !a.notes.is_empty()
        {
            out.complete = false;
            out.notes.extend(a.notes.iter().cloned());
        }
        // SCPs and RCPs can only remove readers: when they are not evaluated the list is
        // still complete, but may list principals they block. Said, never implied.
        out.notes.extend(self.org.note(&secret.account));
        // The resource and its policy.
        let (resource, rpol, rlabel, key_policy): (&str, Option<&Policy>, String, Option<usize>) =
            if act.on_key() {
                match &info.key {
                    KeyInfo::Customer { arn, policy } => match policy
                        .map(|i| &self.key_policies[i].1)
                    {
                        Some(Ok(p)) => {
                            if act != Act::PutKeyPolicy {
                                self.note_grants(*policy, out);
                            }
                            (
                                arn.as_str(),
                                Some(p),
                                format!("key policy of {arn}"),
                                *policy,
                            )
                        }
                        Some(Err(e)) => {
                            out.complete = false;
                            out.notes
                                .push(format!("the key policy of {arn} could not be parsed: {e}"));
                            return;
                        }
                        None => {
                            out.complete = false;
                            out.notes
                                .push(format!("the key policy of {arn} was not collected"));
                            return;
                        }
                    },
                    KeyInfo::AwsManaged => return,
                    KeyInfo::Unknown(why) => {
                        out.complete = false;
                        out.notes.push(why.clone());
                        return;
                    }
                }
            } else {
                if let Some(g) = &info.policy_gap {
                    out.complete = false;
                    out.notes
                        .push(format!("the resource policy was not collected: {g}"));
                }
                match &info.resource_policy {
                    Some(Ok(p)) => (
                        secret.arn.as_str(),
                        Some(p),
                        "resource policy".to_string(),
                        None,
                    ),
                    Some(Err(e)) => {
                        out.complete = false;
                        out.notes
                            .push(format!("the resource policy could not be parsed: {e}"));
                        (secret.arn.as_str(), None, String::new(), None)
                    }
                    None => (secret.arn.as_str(), None, String::new(), None),
                }
            };

        let q = self.query(secret, acct, act, resource, rpol, key_policy, &rlabel);
        let rcps_evaluated = self.org.rcps(arn_account(resource)).evaluated();
        let mut blocked = Blocked::default();
        // Candidates: subjects with a possibly matching identity Allow, plus those the
        // resource policy names (all of them when it names "*" or uses NotPrincipal), by rank.
        if let Some(a) = acct {
            let mut cand: Vec<u32> = SCRATCH.with(|c| std::mem::take(&mut c.borrow_mut().cand));
            cand.clear();
            a.index[act as usize].candidates(&resource.to_lowercase(), &mut cand);
            // Subjects a statement of the secret's resource policy can apply to: those it
            // names, or all of them ("*", NotPrincipal, a deny on the account). For the others
            // the decision is the one without the policy (a same-account grant to the account
            // delegates to IAM, which must allow anyway), which can be memoised.
            let mut rp_all = act.on_key();
            let mut named: HashSet<usize> = HashSet::new();
            if let Some(p) = rpol {
                for s in p.statements.iter() {
                    let Some(pm) = &s.principal else { continue };
                    let everyone = pm.negated
                        || pm.entries.iter().any(|e| match e {
                            PrincipalEntry::Any | PrincipalEntry::UniqueId(_) => true,
                            PrincipalEntry::Account(acc) => {
                                *acc == secret.account && s.effect == Effect::Deny
                            }
                            _ => false,
                        });
                    if everyone {
                        rp_all = true;
                        if s.effect == Effect::Allow {
                            cand.clear();
                            cand.extend(0..a.subjects.len() as u32);
                        }
                        continue;
                    }
                    for e in &pm.entries {
                        let hit = match e {
                            PrincipalEntry::User { account, name }
                                if *account == secret.account =>
                            {
                                a.by_name.get(&("user", name.to_lowercase()))
                            }
                            PrincipalEntry::Role { account, name }
                            | PrincipalEntry::AssumedRole {
                                account,
                                role: name,
                                ..
                            } if *account == secret.account => {
                                a.by_name.get(&("role", name.to_lowercase()))
                            }
                            _ => None,
                        };
                        named.extend(hit);
                        if s.effect == Effect::Allow {
                            cand.extend(hit.map(|&i| a.rank[i]));
                        }
                    }
                }
            }
            cand.sort_unstable();
            cand.dedup();
            out.readers.reserve(cand.len().min(64));
            let scps_evaluated = self.org.scps(Some(&secret.account)).evaluated();
            for &r in &cand {
                let i = a.by_rank[r as usize];
                let actor = Actor::Subject(i);
                let applies = rp_all || named.contains(&i);
                let found = self.verdict_of(&q, &actor, if applies { rpol } else { None });
                let s = &a.subjects[i];
                let Some((v, keys)) = found.get() else {
                    if let Some(b) = found.blocked() {
                        blocked.note(&mut out.notes, &s.arn, act, b);
                    }
                    continue;
                };
                out.readers.push(Reader {
                    principal_arn: s.arn.clone(),
                    account: secret.account.clone(),
                    kind: s.kind.to_string(),
                    conditional_on: keys.to_vec(),
                    statements: v.texts.clone(),
                    via: v.via.to_string(),
                    scps_evaluated,
                    rcps_evaluated,
                });
                if let Some(x) = actors.as_deref_mut() {
                    x.push(actor);
                }
            }
            SCRATCH.with(|c| c.borrow_mut().cand = cand);
        }
        // Principals named by the resource policy that are not subjects of this account, then
        // the grantees of other accounts (or services) that it does not name.
        let mut outsiders =
            rpol.map_or_else(Vec::new, |p| named_outsiders(p, &secret.account, acct));
        if let Some(g) = grantees {
            let named: HashSet<String> = outsiders.iter().map(|o| o.2.clone()).collect();
            outsiders.extend(
                named_outsiders(g, &secret.account, acct)
                    .into_iter()
                    .filter(|o| o.3 != secret.account && !named.contains(&o.2)),
            );
        }
        {
            for (principal, kind, arn, account) in outsiders {
                let actor = Actor::Outside(Box::new(principal));
                let found = self.verdict_of(&q, &actor, rpol);
                let Some((v, keys)) = found.get() else {
                    if let Some(b) = found.blocked() {
                        blocked.note(&mut out.notes, &arn, act, b);
                    }
                    continue;
                };
                // SCPs govern IAM principals only (not services).
                let scps_evaluated = kind == "service" || self.org.scps(Some(&account)).evaluated();
                out.readers.push(Reader {
                    principal_arn: arn,
                    account,
                    kind: kind.to_string(),
                    conditional_on: keys.to_vec(),
                    statements: v.texts.clone(),
                    via: v.via.to_string(),
                    scps_evaluated,
                    rcps_evaluated,
                });
                if let Some(x) = actors.as_deref_mut() {
                    x.push(actor);
                }
            }
        }
        // The account's root user: allowed in its own account unless a deny stops it.
        if let Some((actor, arn)) = root_of(&secret.account) {
            let found = self.verdict_of(&q, &actor, rpol);
            if let Some((v, keys)) = found.get() {
                let mut statements = vec![format!(
                    "root user of account {}: allowed unless explicitly denied",
                    secret.account
                )];
                statements.extend(v.texts.iter().cloned());
                out.readers.push(Reader {
                    principal_arn: arn,
                    account: secret.account.clone(),
                    kind: "root".to_string(),
                    conditional_on: keys.to_vec(),
                    statements,
                    via: v.via.to_string(),
                    scps_evaluated: self.org.scps(Some(&secret.account)).evaluated(),
                    rcps_evaluated,
                });
                if let Some(x) = actors {
                    x.push(actor);
                }
            } else if let Some(b) = found.blocked() {
                blocked.note(&mut out.notes, &arn, act, b);
            }
        }
        blocked.finish(&mut out.notes);
    }

    /// Notes (and marks incomplete) what is unknown about the grants of key policy `k`.
    fn note_grants(&self, k: Option<usize>, out: &mut SecretAccess) {
        if let Some(why) = k
            .and_then(|k| self.key_grants.get(k))
            .and_then(|g| g.incomplete.as_ref())
        {
            out.complete = false;
            out.notes.push(format!(
                "access through the key's grants not evaluated: {why}"
            ));
        }
    }

    /// What every candidate of one (secret, action) query shares: computed once per query.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn query<'q>(
        &'q self,
        secret: &'q Secret,
        acct: Option<&'q AccountIdx>,
        act: Act,
        resource: &'q str,
        rpol: Option<&Policy>,
        key_policy: Option<usize>,
        rlabel: &'q str,
    ) -> Query<'q> {
        let ord = self.account_ord.get(&secret.account).copied();
        // The context part of the cache key, or `None` when nothing may be memoised.
        let context = if !self.memo.enabled()
            || acct.is_none()
            || ord.is_none()
            || !self.org.cacheable(&secret.account, arn_account(resource))
        {
            None
        } else if act.on_key() {
            // The key policy is the one of the key `resource` names; its statements' matches
            // are therefore determined by `resource` too.
            let ok = rpol.is_none()
                || key_policy.is_some_and(|k| self.key_cacheable.get(k).copied().unwrap_or(false));
            if ok {
                self.memo
                    .contexts
                    .id(&self.context_of(secret, act, resource))
            } else {
                None
            }
        } else {
            self.memo
                .contexts
                .id(&self.context_of(secret, act, resource))
        };
        let ord = ord.unwrap_or(0);
        let (mut hit, mut special, mut dense) = (Vec::new(), Vec::new(), None);
        if let (Some(context), Some(a)) = (context, acct) {
            // The elements whose patterns match the resource: only those whose leading literal
            // is a prefix of it, or that start with a wildcard, can.
            (hit, special) = SCRATCH.with(|c| {
                let mut c = c.borrow_mut();
                (std::mem::take(&mut c.hit), std::mem::take(&mut c.special))
            });
            hit.clear();
            hit.resize(a.elems.len(), false);
            special.clear();
            special.resize(a.subjects.len(), false);
            let mut test = |e: u32| {
                if !hit[e as usize]
                    && a.elems[e as usize]
                        .patterns
                        .iter()
                        .any(|g| g.matches(resource))
                {
                    hit[e as usize] = true;
                    for &i in &a.elem_subjects[act as usize][e as usize] {
                        special[i as usize] = true;
                    }
                }
            };
            a.elem_always.iter().for_each(|&e| test(e));
            for &l in &a.elem_prefix_lens {
                if l > resource.len() {
                    break;
                }
                if let Some(es) = resource.get(..l).and_then(|p| a.elem_prefix.get(p)) {
                    es.iter().for_each(|&e| test(e));
                }
            }
            dense = self.memo.dense_table(ord, act, context, a.subjects.len());
        }
        let mut q = Query {
            secret,
            acct,
            act,
            resource,
            rlabel,
            grants: key_policy
                .filter(|_| act.on_key())
                .and_then(|k| self.key_grants.get(k)),
            ord,
            context,
            hit,
            special,
            dense: None,
        };
        if let (Some(d), Some(a)) = (dense, acct) {
            d.table.get_or_init(|| {
                // The subjects whose matches are their baseline for this resource; the others
                // stay unknown.
                let mut t = DenseTable {
                    slots: vec![0; a.subjects.len()],
                    verdicts: Vec::new(),
                    lazy: (0..a.subjects.len()).map(|_| OnceLock::new()).collect(),
                };
                let rpol = if act.on_key() { rpol } else { None };
                for &r in &a.index[act as usize].universal {
                    let i = a.by_rank[r as usize];
                    if q.special[i] || !a.subjects[i].plans[act as usize].cacheable {
                        continue;
                    }
                    let v = self.decide_verdict(&q, &Actor::Subject(i), rpol);
                    t.slots[r as usize] = if v.keys.is_none() && v.blocked.is_none() {
                        1
                    } else {
                        t.verdicts.push(v);
                        t.verdicts.len() as u32 + 1
                    };
                }
                t
            });
            q.dense = Some(d);
        }
        q
    }
}

/// The principals an SCP or RCP removes, as notes naming the policy: the first
/// [`Blocked::SHOWN`], then a count.
#[derive(Default)]
pub(super) struct Blocked {
    n: usize,
}

impl Blocked {
    const SHOWN: usize = 20;

    fn note(&mut self, notes: &mut Vec<String>, arn: &str, act: Act, why: &str) {
        self.n += 1;
        if self.n <= Self::SHOWN {
            notes.push(format!("{arn}: {} {why}", act.name()));
        }
    }

    fn finish(self, notes: &mut Vec<String>) {
        if self.n > Self::SHOWN {
            notes.push(format!(
                "{} more principal(s) are denied by SCPs or RCPs",
                self.n - Self::SHOWN
            ));
        }
    }
}

/// Per-thread buffers reused from query to query (they are large enough that allocating them
/// each time costs more than filling them).
#[derive(Default)]
pub(super) struct Scratch {
    pub(super) cand: Vec<u32>,
    pub(super) hit: Vec<bool>,
    pub(super) special: Vec<bool>,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

impl Drop for Query<'_> {
    fn drop(&mut self) {
        let (hit, special) = (
            std::mem::take(&mut self.hit),
            std::mem::take(&mut self.special),
        );
        SCRATCH.with(|c| {
            let mut c = c.borrow_mut();
            c.hit = hit;
            c.special = special;
        });
    }
}

/// One (secret, action) query: what its candidates share.
pub(super) struct Query<'q> {
    pub(super) secret: &'q Secret,
    pub(super) acct: Option<&'q AccountIdx>,
    pub(super) act: Act,
    pub(super) resource: &'q str,
    /// Evidence label of the resource (or key) policy.
    pub(super) rlabel: &'q str,
    /// The key's grants, statements of the key policy from [`KeyGrants::first`] on.
    pub(super) grants: Option<&'q KeyGrants>,
    /// The account's ordinal, for cache keys.
    pub(super) ord: u32,
    /// [`CacheKey::context`](super::memo::CacheKey::context); `None`: nothing is memoised.
    pub(super) context: Option<u32>,
    /// Per [`AccountIdx::elems`]: whether one of its patterns matches `resource`.
    pub(super) hit: Vec<bool>,
    /// Per subject: whether it tests an element in `hit` (its matches are not its baseline).
    pub(super) special: Vec<bool>,
    /// The baseline verdicts for this context.
    pub(super) dense: Option<Arc<Dense>>,
}
