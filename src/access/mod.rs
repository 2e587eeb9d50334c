//! Who can read each secret: effective access computed with the [`crate::policy`] engine.
//!
//! [`AccessIndex::build`] parses every IAM policy of the inventory once, reduces each
//! principal's identity policies and permissions boundary to the statements that can match
//! the few actions that matter (`secretsmanager:GetSecretValue`, `kms:Decrypt`,
//! `secretsmanager:PutResourcePolicy`, `kms:PutKeyPolicy`, `kms:CreateGrant`), and indexes the
//! `Allow` statements of those reduced policies by the literal prefix of their `Resource`
//! patterns. [`AccessIndex::readers`] then evaluates, for one secret, only the principals that
//! can possibly be allowed: those with an identity `Allow` whose resource prefix is a prefix of
//! the secret's ARN (or that is unrestricted: `*`, `NotResource`), and those its resource policy
//! names. A reader must be allowed `secretsmanager:GetSecretValue` (identity and resource
//! policy, explicit denies, boundary) and, when the secret is encrypted with a customer managed
//! key, `kms:Decrypt` by that key (key policy plus identity policies, with
//! `kms:ViaService = secretsmanager.REGION.amazonaws.com`). Semantics and limits: `docs/access.md`.
//!
//! Pure: no AWS SDK types, no I/O.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock};

use serde::Serialize;

use crate::inventory::{DEFAULT_KEY_ALIAS, IamAccount, Inventory, Secret};
use crate::kms::{KeyRef, resolve_key};
use crate::policy::model::ResourceMatch;
use crate::policy::{
    Decision, DecisionKind, Effect, Policy, PolicyRefs, PolicySet, Principal, PrincipalEntry,
    PrincipalKind, Request, StatementRef, evaluate_refs,
};

pub mod cli;
pub mod exposure;

pub const GET_SECRET_VALUE: &str = "secretsmanager:GetSecretValue";
pub const PUT_RESOURCE_POLICY: &str = "secretsmanager:PutResourcePolicy";
pub const KMS_DECRYPT: &str = "kms:Decrypt";
pub const KMS_PUT_KEY_POLICY: &str = "kms:PutKeyPolicy";
pub const KMS_CREATE_GRANT: &str = "kms:CreateGrant";

/// The actions the index keeps statements for, in [`Act`] order.
const ACTIONS: [&str; 5] = [
    GET_SECRET_VALUE,
    KMS_DECRYPT,
    PUT_RESOURCE_POLICY,
    KMS_PUT_KEY_POLICY,
    KMS_CREATE_GRANT,
];

/// An action the index can answer for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Act {
    GetSecretValue = 0,
    Decrypt = 1,
    PutResourcePolicy = 2,
    PutKeyPolicy = 3,
    CreateGrant = 4,
}

impl Act {
    pub fn name(self) -> &'static str {
        ACTIONS[self as usize]
    }

    /// Whether the action is on the secret's KMS key rather than the secret.
    fn on_key(self) -> bool {
        matches!(self, Act::Decrypt | Act::PutKeyPolicy | Act::CreateGrant)
    }
}

/// The effective readers of one secret.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SecretAccess {
    pub readers: Vec<Reader>,
    /// false when IAM data or the resource/key policy was not collected
    pub complete: bool,
    pub notes: Vec<String>,
}

/// A principal that can read (or, for [`AccessIndex::who_can`], perform the action on) a secret.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reader {
    /// The principal's ARN; `*` for "any principal"; the service name for a service principal;
    /// `arn:aws:iam::ACCOUNT:root` for "any principal of that account whose own policies allow
    /// it".
    pub principal_arn: String,
    /// Its account id (empty for services, `*` for any).
    pub account: String,
    /// `user`, `role`, `account`, `service`, `anonymous` or `any`.
    pub kind: String,
    /// Empty: allowed. Otherwise allowed only when these (unknown) context keys have matching
    /// values: a conditional reader.
    pub conditional_on: Vec<String>,
    /// The statements that grant it, e.g.
    /// `managed policy arn:aws:iam::111122223333:policy/AppRead #0 "ReadApp"`.
    pub statements: Vec<String>,
    /// `identity`, `resource_policy` or `both`: where the `GetSecretValue` grant comes from.
    pub via: String,
}

impl Reader {
    /// Allowed without conditions.
    pub fn allowed(&self) -> bool {
        self.conditional_on.is_empty()
    }

    /// `allowed` or `conditional`.
    pub fn status(&self) -> &'static str {
        if self.allowed() {
            "allowed"
        } else {
            "conditional"
        }
    }
}

/// One identity-side policy set of a principal for one action.
#[derive(Debug, Clone, Default)]
struct ActionSet {
    set: PolicySet,
    /// Evidence label of each identity policy in `set.identity`.
    labels: Vec<String>,
    boundary_label: String,
}

/// An IAM user or role of an audited account.
#[derive(Debug)]
struct Subject {
    arn: String,
    kind: &'static str,
    principal: Principal,
    /// `aws:PrincipalTag/*` values, keys lowercased.
    tags: Vec<(String, String)>,
    sets: Vec<ActionSet>,
    /// How to compute the [`CacheKey`] of each action set, in [`Act`] order.
    plans: Vec<Plan>,
    /// Allowed `*` on `*` without conditions by an identity policy (and its boundary, if any).
    admin: bool,
}

/// Precomputed for one subject and action: which of its statements (identity policies, then
/// boundary; at most 64) match a resource, the [`CacheKey::matches`] bitset.
#[derive(Debug, Default)]
struct Plan {
    /// false: the decision cannot be memoised (more than 64 statements, a policy variable in a
    /// `Resource`, an encryption-context condition).
    cacheable: bool,
    /// Statements that match every resource (no `Resource` element, or `Resource: "*"`).
    fixed: u64,
    /// The others: (bit, whether it is a `NotResource`, index into [`AccountIdx::elems`]).
    tests: Vec<(u8, bool, u32)>,
}

/// Subjects by the literal prefix of the resource patterns of their `Allow` statements.
#[derive(Debug, Default)]
struct PrefixIndex {
    /// Subjects with an unrestricted `Allow` (`*`, `NotResource`, a pattern starting with a
    /// wildcard or a variable).
    universal: Vec<u32>,
    by_prefix: HashMap<String, Vec<u32>>,
    lens: BTreeSet<usize>,
}

impl PrefixIndex {
    /// The ranks ([`AccountIdx::rank`]) of the subjects that may be allowed on `arn_lc`.
    fn candidates(&self, arn_lc: &str, out: &mut Vec<u32>) {
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
struct AccountIdx {
    subjects: Vec<Subject>,
    /// Per subject: its position in (kind, ARN) order, the order readers are reported in.
    rank: Vec<u32>,
    /// The subject of each rank.
    by_rank: Vec<usize>,
    by_arn: HashMap<String, usize>,
    /// (`user`|`role`, lowercased name) → subject.
    by_name: HashMap<(&'static str, String), usize>,
    index: Vec<PrefixIndex>,
    notes: Vec<String>,
    /// The distinct `Resource`/`NotResource` elements [`Plan::tests`] refer to.
    elems: Vec<ResourceMatch>,
    /// The elements by the leading literal of their patterns (case-sensitive, as matching is):
    /// an element can only match a resource that starts with one of them.
    elem_prefix: HashMap<String, Vec<u32>>,
    elem_prefix_lens: BTreeSet<usize>,
    /// Elements with a pattern that starts with a wildcard: always tested.
    elem_always: Vec<u32>,
    /// Per action, per element: the subjects whose plan tests it.
    elem_subjects: Vec<Vec<Vec<u32>>>,
}

/// What the index knows about a secret's key.
#[derive(Debug, Clone)]
enum KeyInfo {
    /// `aws/secretsmanager`: anyone in the account allowed GetSecretValue can decrypt; nobody
    /// outside it.
    AwsManaged,
    /// A customer managed key; `None` policy: not collected.
    Customer { arn: String, policy: Option<usize> },
    /// Not resolvable (other account, collection failed): why.
    Unknown(String),
}

#[derive(Debug, Clone)]
struct SecretInfo {
    /// Parsed resource policy (`Err`: could not be parsed).
    resource_policy: Option<Result<Policy, String>>,
    /// A `GetResourcePolicy` gap.
    policy_gap: Option<String>,
    key: KeyInfo,
}

/// Effective access for every secret of an inventory. Build once; query per secret.
#[derive(Debug, Default)]
pub struct AccessIndex {
    accounts: HashMap<String, AccountIdx>,
    /// Accounts whose IAM authorization details could not be read (a gap).
    iam_gaps: HashMap<String, String>,
    secrets: HashMap<String, SecretInfo>,
    key_policies: Vec<(String, Result<Policy, String>)>,
    /// Per key policy: whether decisions under it may be memoised (no policy variable in a
    /// `Resource`, no encryption-context condition).
    key_cacheable: Vec<bool>,
    /// Condition keys on resource tags / principal tags referenced anywhere (lowercased), so
    /// that tags a secret or principal does not carry are known absent, not unknown.
    resource_tag_keys: Vec<String>,
    principal_tag_keys: Vec<String>,
    /// Decisions already made, by what they depend on (see [`CacheKey`]): sharded.
    cache: Vec<Mutex<HashMap<CacheKey, Arc<Verdict>, BuildWords>>>,
    /// The exact contexts the memo keys refer to.
    contexts: Contexts,
    /// Account ids in a fixed order, for cache keys.
    account_ord: HashMap<String, u32>,
    /// Per (account ordinal, action, [`CacheKey::context`]): every subject's verdict when none
    /// of the resource elements its statements test matches the resource (its "baseline"
    /// matches), the common case for principals with `Resource: "*"` grants.
    dense: Mutex<DenseMap>,
    /// Slots allocated in `dense` so far (bounded by [`DENSE_SLOTS`]).
    dense_slots: std::sync::atomic::AtomicUsize,
}

/// (account ordinal, action, context) → baseline verdicts.
type DenseMap = HashMap<DenseKey, Arc<Dense>, BuildWords>;

/// At most this many [`Dense`] slots (4 bytes each, plus the verdicts) per index; beyond,
/// the per-key cache alone is used.
const DENSE_SLOTS: usize = 1 << 23;

/// Baseline verdicts by subject rank for one (account, action, context), filled at once for
/// the subjects with an unrestricted `Allow` (the candidates for every resource): see
/// [`AccessIndex::dense`].
#[derive(Debug, Default)]
struct Dense {
    table: OnceLock<DenseTable>,
}

#[derive(Debug, Default)]
struct DenseTable {
    /// Per rank: 0 not filled at once, 1 denied, `k + 2`: `verdicts[k]`.
    slots: Vec<u32>,
    verdicts: Vec<Verdict>,
    /// Per rank, for the subjects not filled at once: filled when first asked (`None`: denied).
    lazy: Vec<OnceLock<Option<Box<Verdict>>>>,
}

/// A verdict found for a candidate: borrowed from a [`Dense`] table or owned.
enum Found<'a> {
    Denied,
    Borrowed(&'a Verdict),
    Owned(Arc<Verdict>),
}

impl Found<'_> {
    /// The verdict, when the candidate is not denied.
    fn get(&self) -> Option<(&Verdict, &[String])> {
        let v = match self {
            Found::Denied => return None,
            Found::Borrowed(v) => v,
            Found::Owned(v) => v.as_ref(),
        };
        v.keys.as_deref().map(|k| (v, k))
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
struct CacheKey {
    ord: u32,
    subject: u32,
    act: u8,
    matches: u64,
    context: u32,
}

/// (account ordinal, action, context id): the key of a [`Dense`] table.
type DenseKey = (u32, u8, u32);

/// Exact identities of decision contexts: a dense `u32` per distinct tuple of the values a
/// decision reads from the secret (see [`AccessIndex::context_of`]).
///
/// Why exact: the tuple holds the values of resource tags that policies test — text anyone
/// allowed to tag a secret chooses. The memo used to be keyed by a 64-bit FNV hash of it with
/// no equality check, so two secrets whose tag values collided (FNV is not collision
/// resistant: a collision takes minutes to find) shared one memoised verdict, and a secret
/// could be reported with another secret's readers. Here the tuple itself is the key: it is
/// encoded injectively (each value length-prefixed, absence distinct from every value) and
/// compared in full; the map's hasher (SipHash, randomly keyed, so crafted values cannot
/// degrade it either) only picks buckets.
#[derive(Debug, Default)]
struct Contexts {
    ids: std::sync::RwLock<HashMap<Box<[u8]>, u32>>,
}

impl Contexts {
    /// The id of the encoded tuple (see [`ContextTuple`]); `None` when the ids are exhausted
    /// (more than `u32::MAX` distinct contexts: the decision is then not memoised).
    fn id(&self, tuple: &ContextTuple) -> Option<u32> {
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
struct ContextTuple(Vec<u8>);

impl ContextTuple {
    /// Secret-side (`GetSecretValue`, `PutResourcePolicy`) and key-side contexts never share
    /// an encoding.
    const SECRET: u8 = 0;
    const KEY: u8 = 1;

    fn new(kind: u8) -> ContextTuple {
        ContextTuple(vec![kind])
    }

    fn push(&mut self, value: Option<&str>) {
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

const SHARDS: usize = 64;

/// Parses a policy read from AWS; errors become text.
pub fn parse_policy(text: &str) -> Result<Policy, String> {
    Policy::parse_lenient(text)
        .map(|(p, _)| p)
        .map_err(|e| e.to_string())
}

fn statement_can_match(s: &crate::policy::Statement, action_lc: &str) -> bool {
    s.action.patterns.iter().any(|g| g.matches(action_lc)) != s.action.negated
}

/// The policy reduced to the statements that can match `action`; `None` when none can.
fn reduce(p: &Policy, action_lc: &str) -> Option<Policy> {
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
fn grants_everything(p: &Policy) -> bool {
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
fn statement_cacheable(st: &crate::policy::Statement) -> bool {
    !st.conditions
        .iter()
        .any(|c| c.key_lc.starts_with("kms:encryptioncontext"))
        && st
            .resource
            .as_ref()
            .is_none_or(|r| !r.patterns.iter().any(|g| g.has_vars()))
}

/// The [`Plan`] of an action set; `elems` collects the distinct resource elements it tests.
fn plan(
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
fn literal_prefix(raw: &str) -> String {
    let end = raw.find(['*', '?', '$']).unwrap_or(raw.len());
    raw[..end].to_lowercase()
}

fn allow_all_identity() -> &'static Policy {
    static P: OnceLock<Policy> = OnceLock::new();
    P.get_or_init(|| {
        Policy::parse(r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#)
            .expect("valid policy")
    })
}

/// Evidence label of a statement: `LABEL #INDEX "SID"` (+ the keys it depends on).
fn stmt_text(label: &str, s: &StatementRef) -> String {
    let mut t = format!("{label} #{}", s.index);
    if let Some(sid) = s.sid.as_deref().filter(|x| !x.is_empty()) {
        t.push_str(&format!(" \"{sid}\""));
    }
    if !s.conditional_on.is_empty() {
        t.push_str(&format!(" (if {})", s.conditional_on.join(", ")));
    }
    t
}

struct Builder<'a> {
    acct: &'a IamAccount,
    managed: HashMap<&'a str, Result<Policy, String>>,
    reduced: HashMap<(&'a str, usize), Option<Policy>>,
    notes: Vec<String>,
}

impl<'a> Builder<'a> {
    fn managed_reduced(&mut self, arn: &'a str, act: usize) -> Result<Option<Policy>, String> {
        if let Some(r) = self.reduced.get(&(arn, act)) {
            return Ok(r.clone());
        }
        let parsed = match self.managed.get(arn) {
            Some(Ok(p)) => p,
            Some(Err(e)) => return Err(format!("managed policy {arn} could not be parsed: {e}")),
            None => {
                return Err(format!(
                    "managed policy {arn} is attached but its document was not collected"
                ));
            }
        };
        let r = reduce(parsed, &ACTIONS[act].to_lowercase());
        self.reduced.insert((arn, act), r.clone());
        Ok(r)
    }

    fn managed_grants_everything(&self, arn: &str) -> bool {
        matches!(self.managed.get(arn), Some(Ok(p)) if grants_everything(p))
    }
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
            if g.operation == "GetAccountAuthorizationDetails" {
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
                let parsed = parse_policy(text);
                if let Ok(p) = &parsed {
                    note_keys(p);
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
                    g.operation == "GetResourcePolicy"
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
        idx.resource_tag_keys = tag_keys.into_iter().collect();
        idx.cache = (0..SHARDS)
            .map(|_| Mutex::new(HashMap::with_hasher(BuildWords::default())))
            .collect();
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
    pub fn iam_status(&self, account: &str) -> Result<(), String> {
        if self.accounts.contains_key(account) {
            return Ok(());
        }
        match self.iam_gaps.get(account) {
            Some(g) => Err(format!(
                "IAM data for account {account} could not be collected: {g}"
            )),
            None => Err(format!(
                "IAM data for account {account} was not collected (collection.iam)"
            )),
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
    pub fn resource_policy(&self, secret: &Secret) -> Option<Result<Policy, String>> {
        match self.secrets.get(&secret.arn) {
            Some(i) => i.resource_policy.clone(),
            None => secret.resource_policy.as_deref().map(parse_policy),
        }
    }

    fn info(&self, secret: &Secret) -> std::borrow::Cow<'_, SecretInfo> {
        match self.secrets.get(&secret.arn) {
            Some(i) => std::borrow::Cow::Borrowed(i),
            None => std::borrow::Cow::Owned(SecretInfo {
                resource_policy: secret.resource_policy.as_deref().map(parse_policy),
                policy_gap: None,
                key: KeyInfo::Unknown("the secret was not in the indexed inventory".into()),
            }),
        }
    }

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
        self.who_can_inner(
            secret,
            &info,
            Act::GetSecretValue,
            &mut out,
            Some(&mut actors),
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
                out.readers.retain_mut(|r| {
                    let actor = actors.next().expect("one actor per reader");
                    let found = self.verdict_of(&q, actor, Some(key_policy));
                    let Some((v, keys)) = found.get() else {
                        return false;
                    };
                    r.statements.extend(v.texts.iter().cloned());
                    merge_keys(&mut r.conditional_on, keys);
                    true
                });
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
        self.who_can_inner(secret, &info, act, &mut out, None);
        finish(out)
    }

    /// Pushes who can perform `act` to `out.readers` (in subject (kind, ARN) order, then the
    /// principals of other accounts) and, with `actors`, who each of them is.
    fn who_can_inner(
        &self,
        secret: &Secret,
        info: &SecretInfo,
        act: Act,
        out: &mut SecretAccess,
        mut actors: Option<&mut Vec<Actor>>,
    ) {
        let acct = self.accounts.get(&secret.account);
        if let Err(e) = self.iam_status(&secret.account) {
            out.complete = false;
            out.notes.push(e);
        }
        if let Some(a) = acct
            && !a.notes.is_empty()
        {
            out.complete = false;
            out.notes.extend(a.notes.iter().cloned());
        }
        // The resource and its policy.
        let (resource, rpol, rlabel, key_policy): (&str, Option<&Policy>, String, Option<usize>) =
            if act.on_key() {
                match &info.key {
                    KeyInfo::Customer { arn, policy } => match policy
                        .map(|i| &self.key_policies[i].1)
                    {
                        Some(Ok(p)) => (
                            arn.as_str(),
                            Some(p),
                            format!("key policy of {arn}"),
                            *policy,
                        ),
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
            for &r in &cand {
                let i = a.by_rank[r as usize];
                let actor = Actor::Subject(i);
                let applies = rp_all || named.contains(&i);
                let found = self.verdict_of(&q, &actor, if applies { rpol } else { None });
                let Some((v, keys)) = found.get() else {
                    continue;
                };
                let s = &a.subjects[i];
                out.readers.push(Reader {
                    principal_arn: s.arn.clone(),
                    account: secret.account.clone(),
                    kind: s.kind.to_string(),
                    conditional_on: keys.to_vec(),
                    statements: v.texts.clone(),
                    via: v.via.to_string(),
                });
                if let Some(x) = actors.as_deref_mut() {
                    x.push(actor);
                }
            }
            SCRATCH.with(|c| c.borrow_mut().cand = cand);
        }
        // Principals named by the resource policy that are not subjects of this account.
        if let Some(p) = rpol {
            for (principal, kind, arn, account) in named_outsiders(p, &secret.account, acct) {
                let actor = Actor::Outside(Box::new(principal));
                let found = self.verdict_of(&q, &actor, rpol);
                let Some((v, keys)) = found.get() else {
                    continue;
                };
                out.readers.push(Reader {
                    principal_arn: arn,
                    account,
                    kind: kind.to_string(),
                    conditional_on: keys.to_vec(),
                    statements: v.texts.clone(),
                    via: v.via.to_string(),
                });
                if let Some(x) = actors.as_deref_mut() {
                    x.push(actor);
                }
            }
        }
    }

    /// What every candidate of one (secret, action) query shares: computed once per query.
    #[allow(clippy::too_many_arguments)]
    fn query<'q>(
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
        let context = if self.cache.is_empty() || acct.is_none() || ord.is_none() {
            None
        } else if act.on_key() {
            // The key policy is the one of the key `resource` names; its statements' matches
            // are therefore determined by `resource` too.
            let ok = rpol.is_none()
                || key_policy.is_some_and(|k| self.key_cacheable.get(k).copied().unwrap_or(false));
            if ok {
                self.contexts.id(&self.context_of(secret, act, resource))
            } else {
                None
            }
        } else {
            self.contexts.id(&self.context_of(secret, act, resource))
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
            dense = self.dense_table(ord, act, context, a.subjects.len());
        }
        let mut q = Query {
            secret,
            acct,
            act,
            resource,
            rlabel,
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
                    t.slots[r as usize] = if v.keys.is_none() {
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

    /// Everything a memoisable decision reads from the secret besides the statement matches
    /// (see [`Self::decide`]), as an exact tuple:
    /// - key actions: the key (`resource`: its policy and `aws:ResourceAccount` follow from
    ///   it) and the secret's region (`kms:ViaService`);
    /// - secret actions: `aws:ResourceAccount` (from the secret's ARN), the primary region
    ///   (`secretsmanager:SecretPrimaryRegion`) and the value, or absence, of every resource
    ///   tag a policy tests.
    ///
    /// Principal tags belong to the subject, which the key names; decisions that depend on
    /// the secret's ARN otherwise (encryption-context conditions, policy variables in
    /// `Resource`) are not memoised at all.
    fn context_of(&self, secret: &Secret, act: Act, resource: &str) -> ContextTuple {
        if act.on_key() {
            let mut t = ContextTuple::new(ContextTuple::KEY);
            t.push(Some(resource));
            t.push(Some(&secret.region));
            t
        } else {
            let mut t = ContextTuple::new(ContextTuple::SECRET);
            t.push(arn_account(resource));
            t.push(Some(primary_region(secret)));
            for k in &self.resource_tag_keys {
                t.push(resource_tag(secret, k));
            }
            t
        }
    }

    fn dense_table(&self, ord: u32, act: Act, context: u32, n: usize) -> Option<Arc<Dense>> {
        use std::sync::atomic::Ordering;
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

    /// The verdict for one candidate: memoised when the decision cannot depend on anything but
    /// the [`CacheKey`] (a subject, no resource policy on the secret side, no policy variables
    /// in `Resource`, no encryption-context conditions on the key side).
    fn verdict_of<'q>(&self, q: &'q Query<'_>, actor: &Actor, rpol: Option<&Policy>) -> Found<'q> {
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
                v.keys.is_some().then(|| Box::new(v))
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
        // Only picks a shard: the key is compared in full inside it.
        let who = (u64::from(key.ord) << 40) ^ (u64::from(key.subject) << 8) ^ u64::from(key.act);
        let shard = &self.cache
            [(who.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ u64::from(key.context)) as usize % SHARDS];
        if let Some(v) = shard.lock().expect("cache lock").get(&key) {
            return Found::Owned(v.clone());
        }
        let v = Arc::new(self.decide_verdict(q, actor, rpol));
        shard.lock().expect("cache lock").insert(key, v.clone());
        Found::Owned(v)
    }

    /// Evaluates one request and turns the decision into a verdict with its evidence.
    fn decide_verdict(&self, q: &Query<'_>, actor: &Actor, rpol: Option<&Policy>) -> Verdict {
        let d = self.decide(q, actor, rpol);
        match actor {
            Actor::Subject(i) => {
                let set = q.acct.map(|a| &a.subjects[*i].sets[q.act as usize]);
                let labels = Labels {
                    identity: set.map_or(&[], |s| s.labels.as_slice()),
                    boundary: set.map_or("", |s| s.boundary_label.as_str()),
                    resource: q.rlabel,
                };
                Verdict::new(&d, &labels)
            }
            Actor::Outside(p) => {
                let identity = [format!(
                    "policies of account {} (not collected; assumed to allow)",
                    p.account.as_deref().unwrap_or("?")
                )];
                Verdict::new(
                    &d,
                    &Labels {
                        identity: &identity,
                        boundary: "",
                        resource: q.rlabel,
                    },
                )
            }
        }
    }

    /// Evaluates one request.
    fn decide(&self, q: &Query<'_>, actor: &Actor, rpol: Option<&Policy>) -> Decision {
        let (secret, act, resource) = (q.secret, q.act, q.resource);
        let outside_identity;
        let (principal, mut refs, tags): (&Principal, PolicyRefs<'_>, &[(String, String)]) =
            match actor {
                Actor::Subject(i) => {
                    let s = &q.acct.expect("a subject's account").subjects[*i];
                    (
                        &s.principal,
                        PolicyRefs::of(&s.sets[act as usize].set),
                        &s.tags,
                    )
                }
                Actor::Outside(p) => {
                    outside_identity = if p.is_iam() {
                        std::slice::from_ref(allow_all_identity())
                    } else {
                        &[]
                    };
                    (
                        p,
                        PolicyRefs {
                            identity: outside_identity,
                            ..Default::default()
                        },
                        &[],
                    )
                }
            };
        let mut req = Request::new(principal.clone(), act.name(), resource);
        let c = &mut req.context;
        if let PrincipalKind::Other(_) = principal.kind {
            // "Any principal": nothing about it is known.
        } else {
            for k in &self.principal_tag_keys {
                let tag = &k["aws:principaltag/".len()..];
                match tags.iter().find(|(t, _)| t == tag) {
                    Some((_, v)) => c.insert(k, vec![v.clone()]),
                    None => c.mark_absent(k),
                }
            }
        }
        if act.on_key() {
            if act == Act::Decrypt {
                c.insert(
                    "kms:ViaService",
                    vec![format!("secretsmanager.{}.amazonaws.com", secret.region)],
                );
                c.insert("kms:EncryptionContext:SecretARN", vec![secret.arn.clone()]);
            }
        } else {
            for k in &self.resource_tag_keys {
                match resource_tag(secret, k) {
                    Some(v) => c.insert(k, vec![v.to_string()]),
                    None => c.mark_absent(k),
                }
            }
            c.insert(
                "secretsmanager:SecretPrimaryRegion",
                vec![primary_region(secret).to_string()],
            );
        }
        if rpol.is_some() {
            refs.resource = rpol;
        }
        evaluate_refs(refs, &req)
    }
}

/// The primary region a request about the secret carries: its own region unless it is a
/// replica.
fn primary_region(secret: &Secret) -> &str {
    secret
        .primary_region
        .as_deref()
        .filter(|r| !r.is_empty())
        .unwrap_or(&secret.region)
}

/// The secret's value of the tag a resource-tag condition key names (`…resourcetag/TAG`,
/// lowercased): tag keys compare case-insensitively.
fn resource_tag<'s>(secret: &'s Secret, key_lc: &str) -> Option<&'s str> {
    let tag = key_lc.split_once('/').map_or("", |(_, t)| t);
    secret
        .tags
        .iter()
        .find(|(t, _)| {
            // `tag` is lowercased: for an ASCII key this is `t.to_lowercase() == tag` without
            // the allocation.
            if t.is_ascii() {
                t.eq_ignore_ascii_case(tag)
            } else {
                t.to_lowercase() == tag
            }
        })
        .map(|(_, v)| v.as_str())
}

/// The account `aws:ResourceAccount` takes from a resource ARN, as
/// [`crate::policy::Request::resource_account`] derives it.
fn arn_account(arn: &str) -> Option<&str> {
    let mut parts = arn.splitn(6, ':');
    let arn_prefix = parts.next();
    let account = parts.nth(3);
    let whole = parts.next().is_some();
    account.filter(|a| arn_prefix == Some("arn") && whole && !a.is_empty())
}

/// Per-thread buffers reused from query to query (they are large enough that allocating them
/// each time costs more than filling them).
#[derive(Default)]
struct Scratch {
    cand: Vec<u32>,
    hit: Vec<bool>,
    special: Vec<bool>,
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
struct Query<'q> {
    secret: &'q Secret,
    acct: Option<&'q AccountIdx>,
    act: Act,
    resource: &'q str,
    /// Evidence label of the resource (or key) policy.
    rlabel: &'q str,
    /// The account's ordinal, for cache keys.
    ord: u32,
    /// [`CacheKey::context`]; `None`: nothing is memoised.
    context: Option<u32>,
    /// Per [`AccountIdx::elems`]: whether one of its patterns matches `resource`.
    hit: Vec<bool>,
    /// Per subject: whether it tests an element in `hit` (its matches are not its baseline).
    special: Vec<bool>,
    /// The baseline verdicts for this context.
    dense: Option<Arc<Dense>>,
}

/// The answer for one candidate, with its evidence, shared by every reader it is the answer for.
#[derive(Debug)]
struct Verdict {
    /// `None`: denied. Otherwise allowed (empty) or conditional on these keys.
    keys: Option<Vec<String>>,
    /// The granting statements (empty when denied).
    texts: Vec<String>,
    via: &'static str,
}

impl Verdict {
    fn new(d: &Decision, labels: &Labels) -> Verdict {
        let keys = verdict(d).map(<[String]>::to_vec);
        let texts = if keys.is_some() {
            allow_texts(d, labels)
        } else {
            Vec::new()
        };
        Verdict {
            keys,
            texts,
            via: via(d),
        }
    }
}

/// `Some(keys)`: allowed (empty) or conditional on keys; `None`: denied.
fn verdict(d: &Decision) -> Option<&[String]> {
    if d.decision == DecisionKind::Allow {
        return Some(&[]);
    }
    let could_allow = d
        .statements
        .iter()
        .any(|s| s.effect == "Allow" && !s.conditional_on.is_empty());
    (could_allow && !d.conditional_on.is_empty()).then_some(d.conditional_on.as_slice())
}

fn merge_keys(into: &mut Vec<String>, more: &[String]) {
    for k in more {
        if !into.iter().any(|x| x.eq_ignore_ascii_case(k)) {
            into.push(k.clone());
        }
    }
    into.sort_by_key(|k| k.to_lowercase());
}

fn finish(mut out: SecretAccess) -> SecretAccess {
    out.readers
        .sort_by(|a, b| (&a.kind, &a.principal_arn).cmp(&(&b.kind, &b.principal_arn)));
    out.readers
        .dedup_by(|a, b| a.principal_arn == b.principal_arn && a.kind == b.kind);
    for r in &mut out.readers {
        // Keep the first of equal statements (a handful per reader: no set needed).
        let mut i = 1;
        while i < r.statements.len() {
            if r.statements[..i].contains(&r.statements[i]) {
                r.statements.remove(i);
            } else {
                i += 1;
            }
        }
    }
    out.notes.dedup();
    out
}

/// The resource-policy `Allow` statements of a decision as evidence text.
trait StatementTexts {
    fn allow_texts(&self, label: &str) -> Vec<String>;
}

impl StatementTexts for [StatementRef] {
    fn allow_texts(&self, label: &str) -> Vec<String> {
        self.iter()
            .filter(|s| s.effect == "Allow" && s.policy == "resource_policy")
            .map(|s| stmt_text(label, s))
            .collect()
    }
}

struct Labels<'a> {
    identity: &'a [String],
    boundary: &'a str,
    resource: &'a str,
}

fn allow_texts(d: &Decision, l: &Labels) -> Vec<String> {
    d.statements
        .iter()
        .filter(|s| s.effect == "Allow")
        .filter_map(|s| {
            let label = if let Some(i) = s
                .policy
                .strip_prefix("identity[")
                .and_then(|r| r.strip_suffix(']'))
            {
                l.identity.get(i.parse::<usize>().ok()?)?.as_str()
            } else if s.policy == "resource_policy" {
                l.resource
            } else if s.policy == "permission_boundary" {
                l.boundary
            } else {
                s.policy.as_str()
            };
            Some(stmt_text(label, s))
        })
        .collect()
}

fn via(d: &Decision) -> &'static str {
    let allows = d.statements.iter().filter(|s| s.effect == "Allow");
    let (mut id, mut rp) = (false, false);
    for s in allows {
        id |= s.policy.starts_with("identity[");
        rp |= s.policy == "resource_policy";
    }
    match (id, rp) {
        (true, true) => "both",
        (false, true) => "resource_policy",
        _ => "identity",
    }
}

/// Who is asking.
#[derive(Debug, Clone)]
enum Actor {
    /// A subject of the secret's account: its index.
    Subject(usize),
    /// A principal named by the resource policy that is not a collected subject.
    Outside(Box<Principal>),
}

/// The principals a resource policy's `Allow` statements name that are not subjects of the
/// secret's account: (principal, kind, arn, account).
fn named_outsiders(
    p: &Policy,
    account: &str,
    acct: Option<&AccountIdx>,
) -> Vec<(Principal, &'static str, String, String)> {
    let mut out: Vec<(Principal, &'static str, String, String)> = Vec::new();
    let mut seen = HashSet::new();
    let mk = |raw: &str| Principal::parse(raw).ok();
    for s in p.statements.iter().filter(|s| s.effect == Effect::Allow) {
        let Some(pm) = &s.principal else { continue };
        if pm.negated {
            if seen.insert("*".to_string()) {
                out.push((any_principal(), "any", "*".into(), "*".into()));
            }
            continue;
        }
        for e in &pm.entries {
            let item = match e {
                PrincipalEntry::Any => {
                    Some((any_principal(), "any", "*".to_string(), "*".to_string()))
                }
                PrincipalEntry::Account(a) if a != account => {
                    let arn = format!("arn:aws:iam::{a}:root");
                    mk(&arn).map(|p| (p, "account", arn, a.clone()))
                }
                PrincipalEntry::User { account: a, name } => {
                    let known = a == account
                        && acct.is_some_and(|x| {
                            x.by_name.contains_key(&("user", name.to_lowercase()))
                        });
                    let arn = format!("arn:aws:iam::{a}:user/{name}");
                    (!known)
                        .then(|| mk(&arn).map(|p| (p, "user", arn, a.clone())))
                        .flatten()
                }
                PrincipalEntry::Role { account: a, name } => {
                    let known = a == account
                        && acct.is_some_and(|x| {
                            x.by_name.contains_key(&("role", name.to_lowercase()))
                        });
                    let arn = format!("arn:aws:iam::{a}:role/{name}");
                    (!known)
                        .then(|| mk(&arn).map(|p| (p, "role", arn, a.clone())))
                        .flatten()
                }
                PrincipalEntry::AssumedRole {
                    account: a,
                    role,
                    session,
                } if a != account => {
                    let arn = format!("arn:aws:sts::{a}:assumed-role/{role}/{session}");
                    mk(&arn).map(|p| (p, "role", arn, a.clone()))
                }
                PrincipalEntry::FederatedUser { account: a, name } if a != account => {
                    let arn = format!("arn:aws:sts::{a}:federated-user/{name}");
                    mk(&arn).map(|p| (p, "user", arn, a.clone()))
                }
                PrincipalEntry::Service(svc) => {
                    mk(svc).map(|p| (p, "service", svc.clone(), String::new()))
                }
                _ => None,
            };
            if let Some(item) = item
                && seen.insert(item.2.clone())
            {
                out.push(item);
            }
        }
    }
    out
}

/// "Any principal": a caller about whom nothing is known (no account, no org, no tags), so
/// every condition on it stays undecided.
fn any_principal() -> Principal {
    Principal {
        raw: "*".into(),
        kind: PrincipalKind::Other("*".into()),
        account: None,
        partition: "aws".into(),
        path: "/".into(),
    }
}

fn build_account(acct: &IamAccount) -> AccountIdx {
    let mut b = Builder {
        acct,
        managed: acct
            .policies
            .iter()
            .map(|p| {
                let parsed = match &p.document {
                    Some(d) => parse_policy(d),
                    None => Err("no document collected".to_string()),
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

#[cfg(test)]
mod tests;
