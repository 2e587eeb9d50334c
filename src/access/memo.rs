//! Memoised verdicts, under exact keys.
//!
//! A decision is memoised when it cannot depend on anything but its [`CacheKey`]: a subject
//! of the secret's account, no resource policy on the secret side (or a key policy without
//! policy variables in `Resource` and encryption-context conditions on the key side). The
//! key's context part is an id from [`Contexts`], which interns the exact tuple of values the
//! decision reads from the secret: never a hash standing for it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};

use super::decide::{Actor, arn_account, primary_region, resource_tag};
use super::explain::Verdict;
use super::index::AccessIndex;
use super::model::Act;
use super::query::Query;
use crate::inventory::Secret;
use crate::policy::Policy;

/// Decisions already made, by what they depend on.
#[derive(Debug, Default)]
pub(super) struct Memo {
    /// The exact contexts the keys refer to.
    pub(super) contexts: Contexts,
    /// Per-key verdicts, sharded by key (see [`CacheKey`]); empty: nothing is memoised (an
    /// index not made by [`AccessIndex::build`]).
    cache: Vec<Mutex<HashMap<CacheKey, Arc<Verdict>, BuildWords>>>,
    /// Per (account ordinal, action, context id): every subject's verdict when none of the
    /// resource elements its statements test matches the resource (its "baseline" matches),
    /// the common case for principals with `Resource: "*"` grants.
    dense: Mutex<DenseMap>,
    /// Slots allocated in `dense` so far (bounded by [`DENSE_SLOTS`]).
    dense_slots: AtomicUsize,
}

const SHARDS: usize = 64;

impl Memo {
    pub(super) fn new() -> Memo {
        Memo {
            cache: (0..SHARDS)
                .map(|_| Mutex::new(HashMap::with_hasher(BuildWords::default())))
                .collect(),
            ..Memo::default()
        }
    }

    /// Whether decisions are memoised at all.
    pub(super) fn enabled(&self) -> bool {
        !self.cache.is_empty()
    }

    /// The baseline table of one (account, action, context), made empty when first asked for;
    /// `None` once [`DENSE_SLOTS`] are allocated.
    pub(super) fn dense_table(
        &self,
        ord: u32,
        act: Act,
        context: u32,
        n: usize,
    ) -> Option<Arc<Dense>> {
        let mut map = self.dense.lock().expect("dense lock");
        if let Some(d) = map.get(&(ord, act as u8, context)) {
            return Some(d.clone());
        }
        if self.dense_slots.load(Ordering::Relaxed) + n > DENSE_SLOTS {
            return None;
        }
        self.dense_slots.fetch_add(n, Ordering::Relaxed);
        let d = Arc::new(Dense::default());
        map.insert((ord, act as u8, context), d.clone());
        Some(d)
    }

    /// The verdict memoised under `key`, or the one `decide` makes, memoised.
    fn get_or_decide(&self, key: CacheKey, decide: impl FnOnce() -> Verdict) -> Arc<Verdict> {
        // Only picks a shard: the key is compared in full inside it.
        let who = (u64::from(key.ord) << 40) ^ (u64::from(key.subject) << 8) ^ u64::from(key.act);
        let shard = &self.cache
            [(who.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ u64::from(key.context)) as usize % SHARDS];
        if let Some(v) = shard.lock().expect("cache lock").get(&key) {
            return v.clone();
        }
        let v = Arc::new(decide());
        shard.lock().expect("cache lock").insert(key, v.clone());
        v
    }
}

/// Hasher of the memo tables, whose keys are a few small integers (ids, ordinals, a bitset)
/// compared in full: the hash only picks a bucket, never stands for the key.
type BuildWords = rustc_hash::FxBuildHasher;

/// What a subject's decision depends on when the resource policy plays no part (identity
/// side of `GetSecretValue`) or is the same for many secrets (a key policy): the account
/// ordinal, the subject, the action, which of its statements' `Resource` elements match the
/// resource (`matches`, a bitset over the subject's ≤ 64 statements), and everything else the
/// request takes from the secret (`context`, an id from [`Contexts`]). Compared field by
/// field: two keys are equal only when every input of the decision is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct CacheKey {
    pub(super) ord: u32,
    pub(super) subject: u32,
    pub(super) act: u8,
    pub(super) matches: u64,
    pub(super) context: u32,
}

/// (account ordinal, action, context id): the key of a [`Dense`] table.
type DenseKey = (u32, u8, u32);

/// Exact identities of decision contexts: a dense `u32` per distinct tuple of the values a
/// decision reads from the secret (see [`AccessIndex::context_of`]).
///
/// Why exact: the tuple holds the values of resource tags that policies test — text anyone
/// allowed to tag a secret chooses. The memo used to be keyed by a 64-bit FNV hash of it with
/// no equality check, so two secrets whose tag values collided shared one memoised verdict,
/// and a secret could be reported with another secret's readers. FNV is not collision
/// resistant: a pair of colliding tag values takes minutes of one core to find (the test
/// `secrets_whose_tag_values_collided_in_the_old_memo_hash_get_their_own_verdicts` uses one). Here the tuple itself is the key: it is
/// encoded injectively (each value length-prefixed, absence distinct from every value) and
/// compared in full; the map's hasher (SipHash, randomly keyed, so crafted values cannot
/// degrade it either) only picks buckets.
#[derive(Debug, Default)]
pub(super) struct Contexts {
    ids: RwLock<HashMap<Box<[u8]>, u32>>,
}

impl Contexts {
    /// The id of the encoded tuple (see [`ContextTuple`]); `None` when the ids are exhausted
    /// (more than `u32::MAX` distinct contexts: the decision is then not memoised).
    pub(super) fn id(&self, tuple: &ContextTuple) -> Option<u32> {
        let key = tuple.0.as_slice();
        if let Some(&id) = self.ids.read().expect("contexts lock").get(key) {
            return Some(id);
        }
        let mut ids = self.ids.write().expect("contexts lock");
        if let Some(&id) = ids.get(key) {
            return Some(id);
        }
        let id = u32::try_from(ids.len()).ok()?;
        ids.insert(key.into(), id);
        Some(id)
    }
}

/// An injective encoding of a tuple of optional strings: a kind byte, then per value `0` for
/// absent or `1`, its length (8 bytes) and its bytes. Two tuples have the same encoding only
/// when they are equal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ContextTuple(Vec<u8>);

impl ContextTuple {
    /// Secret-side (`GetSecretValue`, `PutResourcePolicy`) and key-side contexts never share
    /// an encoding.
    pub(super) const SECRET: u8 = 0;
    pub(super) const KEY: u8 = 1;

    pub(super) fn new(kind: u8) -> ContextTuple {
        ContextTuple(vec![kind])
    }

    pub(super) fn push(&mut self, value: Option<&str>) {
        match value {
            None => self.0.push(0),
            Some(v) => {
                self.0.push(1);
                self.0.extend_from_slice(&(v.len() as u64).to_le_bytes());
                self.0.extend_from_slice(v.as_bytes());
            }
        }
    }
}

/// (account ordinal, action, context) → baseline verdicts.
type DenseMap = HashMap<DenseKey, Arc<Dense>, BuildWords>;

/// At most this many [`Dense`] slots (4 bytes each, plus the verdicts) per index; beyond,
/// the per-key cache alone is used.
const DENSE_SLOTS: usize = 1 << 23;

/// Baseline verdicts by subject rank for one (account, action, context), filled at once for
/// the subjects with an unrestricted `Allow` (the candidates for every resource): see
/// [`Memo::dense`].
#[derive(Debug, Default)]
pub(super) struct Dense {
    pub(super) table: OnceLock<DenseTable>,
}

#[derive(Debug, Default)]
pub(super) struct DenseTable {
    /// Per rank: 0 not filled at once, 1 denied, `k + 2`: `verdicts[k]` (allowed, conditional,
    /// or denied by an SCP or RCP, which its evidence names).
    pub(super) slots: Vec<u32>,
    pub(super) verdicts: Vec<Verdict>,
    /// Per rank, for the subjects not filled at once: filled when first asked (`None`: denied).
    pub(super) lazy: Vec<OnceLock<Option<Box<Verdict>>>>,
}

/// A verdict found for a candidate: borrowed from a [`Dense`] table or owned.
pub(super) enum Found<'a> {
    Denied,
    Borrowed(&'a Verdict),
    Owned(Arc<Verdict>),
}

impl Found<'_> {
    /// The verdict, when the candidate is not denied.
    pub(super) fn get(&self) -> Option<(&Verdict, &[String])> {
        let v = match self {
            Found::Denied => return None,
            Found::Borrowed(v) => v,
            Found::Owned(v) => v.as_ref(),
        };
        v.keys.as_deref().map(|k| (v, k))
    }

    /// When denied by an SCP or RCP that the other policies would not have: what in them.
    pub(super) fn blocked(&self) -> Option<&str> {
        match self {
            Found::Denied => None,
            Found::Borrowed(v) => v.blocked.as_deref(),
            Found::Owned(v) => v.blocked.as_deref(),
        }
    }
}

impl AccessIndex {
    /// Everything a memoisable decision reads from the secret besides the statement matches
    /// (see [`AccessIndex::decide`]), as an exact tuple:
    /// - key actions: the key (`resource`: its policy and `aws:ResourceAccount` follow from
    ///   it) and the secret's region (`kms:ViaService`);
    /// - secret actions: `aws:ResourceAccount` (from the secret's ARN), the primary region
    ///   (`secretsmanager:SecretPrimaryRegion`), the managed external secret's type
    ///   (`secretsmanager:resource/Type`) and the value, or absence, of every resource tag a
    ///   policy tests;
    /// - both: the SCP and RCP chains that apply and which of their statements' `Resource`
    ///   elements match the resource ([`OrgIdx::push_context`](super::org::OrgIdx::push_context)).
    ///
    /// Principal tags belong to the subject, which the key names; decisions that depend on
    /// the secret's ARN otherwise (encryption-context conditions, policy variables in
    /// `Resource`) are not memoised at all.
    pub(super) fn context_of(&self, secret: &Secret, act: Act, resource: &str) -> ContextTuple {
        let mut t = if act.on_key() {
            let mut t = ContextTuple::new(ContextTuple::KEY);
            t.push(Some(resource));
            t.push(Some(&secret.region));
            t
        } else {
            let mut t = ContextTuple::new(ContextTuple::SECRET);
            t.push(arn_account(resource));
            t.push(Some(primary_region(secret)));
            t.push(secret.secret_type.as_deref());
            for k in &self.resource_tag_keys {
                t.push(resource_tag(secret, k));
            }
            t
        };
        self.org
            .push_context(&mut t, &secret.account, arn_account(resource), resource);
        t
    }

    /// The verdict for one candidate: memoised when the decision cannot depend on anything but
    /// the [`CacheKey`] (a subject, no resource policy on the secret side, no policy variables
    /// in `Resource`, no encryption-context conditions on the key side).
    pub(super) fn verdict_of<'q>(
        &self,
        q: &'q Query<'_>,
        actor: &Actor,
        rpol: Option<&Policy>,
    ) -> Found<'q> {
        let (Actor::Subject(i), Some(context), Some(a)) = (actor, q.context, q.acct) else {
            return Found::Owned(Arc::new(self.decide_verdict(q, actor, rpol)));
        };
        if !(q.act.on_key() || rpol.is_none()) {
            return Found::Owned(Arc::new(self.decide_verdict(q, actor, rpol)));
        }
        let i = *i;
        if let Some(t) = q.dense.as_ref().and_then(|d| d.table.get())
            && !q.special[i]
        {
            // None of the elements its statements test matches: its baseline verdict for this
            // context, when known.
            let r = a.rank[i] as usize;
            match t.slots[r] {
                0 => {}
                1 => return Found::Denied,
                k => return Found::Borrowed(&t.verdicts[k as usize - 2]),
            }
            if !a.subjects[i].plans[q.act as usize].cacheable {
                return Found::Owned(Arc::new(self.decide_verdict(q, actor, rpol)));
            }
            let v = t.lazy[r].get_or_init(|| {
                let v = self.decide_verdict(q, actor, rpol);
                (v.keys.is_some() || v.blocked.is_some()).then(|| Box::new(v))
            });
            return match v {
                Some(v) => Found::Borrowed(v),
                None => Found::Denied,
            };
        }
        let plan = &a.subjects[i].plans[q.act as usize];
        if !plan.cacheable {
            return Found::Owned(Arc::new(self.decide_verdict(q, actor, rpol)));
        }
        let mut matches = plan.fixed;
        for &(bit, negated, e) in &plan.tests {
            if q.hit[e as usize] != negated {
                matches |= 1 << bit;
            }
        }
        let key = CacheKey {
            ord: q.ord,
            subject: i as u32,
            act: q.act as u8,
            matches,
            context,
        };
        Found::Owned(
            self.memo
                .get_or_decide(key, || self.decide_verdict(q, actor, rpol)),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memo_context_ids_are_exact() {
        let c = Contexts::default();
        let tuple = |kind: u8, values: &[Option<&str>]| {
            let mut t = ContextTuple::new(kind);
            values.iter().for_each(|v| t.push(*v));
            t
        };
        let s = ContextTuple::SECRET;
        let cases = [
            tuple(s, &[Some("us-east-1"), Some("ab"), Some("c")]),
            tuple(s, &[Some("us-east-1"), Some("a"), Some("bc")]),
            tuple(s, &[Some("us-east-1"), Some("abc"), None]),
            tuple(s, &[Some("us-east-1"), Some("abc"), Some("")]),
            tuple(s, &[Some("us-east-1"), Some("abc"), Some("\u{0}absent")]),
            tuple(s, &[Some("us-east-1"), Some("abc")]),
            tuple(ContextTuple::KEY, &[Some("us-east-1"), Some("abc")]),
        ];
        let ids: Vec<u32> = cases.iter().map(|t| c.id(t).expect("id")).collect();
        // Distinct tuples, distinct ids (the encodings differ too: they are the map's keys).
        for i in 0..cases.len() {
            for j in 0..i {
                assert_ne!(cases[i], cases[j], "{i} {j}");
                assert_ne!(ids[i], ids[j], "{i} {j}");
            }
        }
        // Equal tuples, the same id, however often asked.
        for (t, &id) in cases.iter().zip(&ids) {
            assert_eq!(c.id(&t.clone()), Some(id));
        }
        assert_eq!(ids, (0..cases.len() as u32).collect::<Vec<_>>());
    }
}
