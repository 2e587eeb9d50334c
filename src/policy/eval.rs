//! The authorization decision.
//!
//! Order and rules, from the AWS documentation:
//!
//! 1. Any applicable explicit `Deny` — in an SCP, RCP, the resource policy, an identity policy,
//!    the permissions boundary or the session policy — is final
//!    (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html).
//! 2. RCPs: `RCPFullAWSAccess` "is automatically attached to the organization root, every OU,
//!    and every account … You cannot detach this policy"
//!    (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps_evaluation.html),
//!    so an RCP level can only deny explicitly: every level implicitly allows. RCPs do not
//!    restrict service-linked roles.
//! 3. SCPs (principal's account; not service-linked roles, service principals or anonymous
//!    callers): every level, root first, must have an `Allow` that applies
//!    (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html).
//!    An empty `scps` list means the account is not governed by SCPs.
//! 4. Resource-based policy. Same account: a grant naming the caller itself — IAM user ARN,
//!    role-session ARN, federated-user ARN, or `"*"` — is sufficient on its own, not limited by
//!    identity policies, boundaries or session policies; a grant naming the *role* of a role
//!    session replaces the identity policy but is still limited by an implicit deny in the
//!    boundary or session policy; an account grant (`"AWS": "ACCOUNT"` / `:root`) delegates to
//!    IAM, so identity policies must allow
//!    (https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html,
//!    "Evaluating effective permissions with boundaries";
//!    https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html#policies_session;
//!    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html).
//!    KMS key policies and role trust policies must allow even in the same account
//!    (https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html).
//! 5. Identity policies, 6. permissions boundary, 7. session policy (role sessions without one
//!    are not limited; a federated-user session without one has no permissions).
//!
//! Cross-account (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html):
//! the resource policy must allow the caller (directly, through its account, or `"*"`) *and*
//! the caller's own account must allow it (identity policies, boundary, session policy, SCPs).
//!
//! Service principals and anonymous callers have no identity policies: only a resource-policy
//! grant (and the absence of an explicit deny) lets them in.
//!
//! Three-valued conditions: each statement that might apply carries the unknown context keys
//! that could flip it. The reported decision is the one AWS would return for the request as
//! given (unknown keys are absent); `conditional_on` lists the keys whose values could change
//! it, found by re-deciding with those statements flipped.

use serde::Serialize;

use super::condition::ClauseOutcome;
use super::model::{Effect, Policy, PolicyError, PrincipalEntry, PrincipalMatch, Statement};
use super::request::{Context, Lookup, Principal, PrincipalKind, Request};
use super::variables::resolve_as_absent;

/// Every policy that bears on one request.
#[derive(Debug, Clone, Default)]
pub struct PolicySet {
    /// Identity-based policies: the user's (with its groups') or the role's, inline and managed.
    pub identity: Vec<Policy>,
    /// The resource's policy (for a KMS key, the key policy; for `sts:AssumeRole`, the trust
    /// policy).
    pub resource: Option<Policy>,
    /// The permissions boundary of the user or role.
    pub boundary: Option<Policy>,
    /// The session policy of a role or federated-user session.
    pub session: Option<Policy>,
    /// SCPs of the principal's account, one list per level, root first. Empty: no SCPs.
    pub scps: Vec<Vec<Policy>>,
    /// RCPs of the resource's account, one list per level, root first. Empty: no RCPs.
    pub rcps: Vec<Vec<Policy>>,
}

impl PolicySet {
    /// Checks that each policy has the shape its type requires: no `Principal` in identity
    /// policies, boundaries, session policies and SCPs; a `Principal` in every statement of an
    /// RCP. A resource-policy statement without one is returned as a note, not an error: AWS
    /// refuses to store such a policy, but evaluates one by skipping that statement while its
    /// siblings still apply.
    pub fn validate(&self) -> Result<Vec<PolicyError>, PolicyError> {
        let no_principal = |p: &Policy, at: &str| -> Result<(), PolicyError> {
            for s in &p.statements {
                if s.principal.is_some() {
                    return Err(PolicyError {
                        path: format!("{at}.Statement[{}]", s.index),
                        message: "this policy type cannot have Principal or NotPrincipal".into(),
                    });
                }
            }
            Ok(())
        };
        let need_principal = |p: &Policy, at: &str| -> Result<(), PolicyError> {
            for s in &p.statements {
                if s.principal.is_none() {
                    return Err(PolicyError {
                        path: format!("{at}.Statement[{}]", s.index),
                        message:
                            "a resource-based policy statement needs Principal or NotPrincipal"
                                .into(),
                    });
                }
            }
            Ok(())
        };
        for (i, p) in self.identity.iter().enumerate() {
            no_principal(p, &format!("identity_policies[{i}]"))?;
        }
        if let Some(p) = &self.boundary {
            no_principal(p, "permission_boundary")?;
        }
        if let Some(p) = &self.session {
            no_principal(p, "session_policy")?;
        }
        for (l, level) in self.scps.iter().enumerate() {
            for (i, p) in level.iter().enumerate() {
                no_principal(p, &format!("scps[{l}][{i}]"))?;
            }
        }
        let mut notes = Vec::new();
        if let Some(p) = &self.resource {
            for s in p.statements.iter().filter(|s| s.principal.is_none()) {
                notes.push(PolicyError {
                    path: format!("resource_policy.Statement[{}]", s.index),
                    message: "a resource-based policy statement needs Principal or NotPrincipal: \
                              AWS would refuse to store this policy; the statement is skipped"
                        .into(),
                });
            }
        }
        for (l, level) in self.rcps.iter().enumerate() {
            for (i, p) in level.iter().enumerate() {
                need_principal(p, &format!("rcps[{l}][{i}]"))?;
            }
        }
        Ok(notes)
    }
}

/// The final decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionKind {
    Allow,
    ExplicitDeny,
    ImplicitDeny,
}

impl DecisionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DecisionKind::Allow => "allow",
            DecisionKind::ExplicitDeny => "explicit_deny",
            DecisionKind::ImplicitDeny => "implicit_deny",
        }
    }
}

/// Where a statement comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Identity(usize),
    Resource,
    Boundary,
    Session,
    Scp(usize, usize),
    Rcp(usize, usize),
}

impl Source {
    /// `identity[0]`, `resource_policy`, `permission_boundary`, `session_policy`, `scp[1][0]`…
    pub fn label(self) -> String {
        match self {
            Source::Identity(i) => format!("identity[{i}]"),
            Source::Resource => "resource_policy".into(),
            Source::Boundary => "permission_boundary".into(),
            Source::Session => "session_policy".into(),
            Source::Scp(l, i) => format!("scp[{l}][{i}]"),
            Source::Rcp(l, i) => format!("rcp[{l}][{i}]"),
        }
    }

    /// The policy type: `identity`, `resource_policy`, `permission_boundary`, `session_policy`,
    /// `scp`, `rcp`.
    pub fn kind(self) -> &'static str {
        match self {
            Source::Identity(_) => "identity",
            Source::Resource => "resource_policy",
            Source::Boundary => "permission_boundary",
            Source::Session => "session_policy",
            Source::Scp(..) => "scp",
            Source::Rcp(..) => "rcp",
        }
    }
}

/// A statement that decided (or could decide) the outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatementRef {
    /// `identity[0]`, `resource_policy`, `scp[1][0]`…
    pub policy: String,
    /// Index of the statement in its policy.
    pub index: usize,
    pub sid: Option<String>,
    pub effect: &'static str,
    /// Unknown context keys that decide whether this statement applies (empty: it applies).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conditional_on: Vec<String>,
}

/// The answer for one request.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    pub decision: DecisionKind,
    /// The policy types that blocked: `explicit_deny:<type>` for explicit denies; `scp`,
    /// `resource_policy`, `identity`, `permission_boundary`, `session_policy` for missing allows.
    pub blocked_by: Vec<String>,
    /// The statements that decided it (and, with `conditional_on`, those that could change it).
    pub statements: Vec<StatementRef>,
    /// Context keys, missing from the request, whose values could change the decision.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conditional_on: Vec<String>,
}

/// How a resource-policy `Allow` names the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Grant {
    None,
    /// Through the caller's account: IAM must allow too.
    Account,
    /// The role of a role session: replaces the identity policy, limited by boundary/session.
    DirectRole,
    /// The caller itself (or `"*"`).
    Direct,
}

/// A statement that applies or might apply.
#[derive(Debug, Clone)]
struct Hit {
    src: Source,
    index: usize,
    sid: Option<String>,
    effect: Effect,
    /// Whether it applies to the request as given.
    base: bool,
    /// Unknown keys that could flip it; empty when certain.
    flex: Vec<String>,
    grant: Grant,
}

/// Per-request facts shared by all statements.
struct Env<'a> {
    req: &'a Request,
    ctx: Context,
    action_lc: String,
    has_boundary: bool,
}

/// The policies of a [`PolicySet`], borrowed: lets a caller combine policies it keeps
/// elsewhere (a principal's identity policies, a resource's policy) without cloning them.
#[derive(Debug, Clone, Copy, Default)]
pub struct PolicyRefs<'a> {
    pub identity: &'a [Policy],
    pub resource: Option<&'a Policy>,
    pub boundary: Option<&'a Policy>,
    pub session: Option<&'a Policy>,
    pub scps: &'a [Vec<Policy>],
    pub rcps: &'a [Vec<Policy>],
}

impl<'a> PolicyRefs<'a> {
    pub fn of(set: &'a PolicySet) -> PolicyRefs<'a> {
        PolicyRefs {
            identity: &set.identity,
            resource: set.resource.as_ref(),
            boundary: set.boundary.as_ref(),
            session: set.session.as_ref(),
            scps: &set.scps,
            rcps: &set.rcps,
        }
    }
}

/// Evaluates the request against the policies.
pub fn evaluate(set: &PolicySet, req: &Request) -> Decision {
    evaluate_refs(PolicyRefs::of(set), req)
}

/// [`evaluate`] over borrowed policies.
pub fn evaluate_refs(set: PolicyRefs<'_>, req: &Request) -> Decision {
    let env = Env {
        req,
        ctx: req.effective_context(),
        action_lc: req.action.trim().to_lowercase(),
        has_boundary: set.boundary.is_some(),
    };
    let p = &req.principal;
    let iam = p.is_iam();
    let mut hits = Vec::new();
    let mut collect = |policy: &Policy, src: Source| {
        for s in &policy.statements {
            if let Some(h) = statement_hit(s, src, &env) {
                hits.push(h);
            }
        }
    };
    if iam {
        for (i, pol) in set.identity.iter().enumerate() {
            collect(pol, Source::Identity(i));
        }
    }
    if let Some(pol) = set.resource {
        collect(pol, Source::Resource);
    }
    let takes_boundary = iam && p.kind != PrincipalKind::Root;
    if let (Some(pol), true) = (set.boundary, takes_boundary) {
        collect(pol, Source::Boundary);
    }
    if let (Some(pol), true) = (set.session, takes_boundary) {
        collect(pol, Source::Session);
    }
    let scps_apply = iam && !p.is_service_linked_role() && !set.scps.is_empty();
    if scps_apply {
        for (l, level) in set.scps.iter().enumerate() {
            for (i, pol) in level.iter().enumerate() {
                collect(pol, Source::Scp(l, i));
            }
        }
    }
    if !p.is_service_linked_role() {
        for (l, level) in set.rcps.iter().enumerate() {
            for (i, pol) in level.iter().enumerate() {
                collect(pol, Source::Rcp(l, i));
            }
        }
    }

    let resource_account = req.resource_account();
    let gates = Gates {
        principal: p,
        scp_levels: if scps_apply { set.scps.len() } else { 0 },
        cross_account: match (&p.account, &resource_account) {
            (Some(a), Some(b)) => a != b,
            _ => false,
        },
        requires_resource_policy: requires_resource_policy(
            &env.action_lc,
            &req.resource,
            set.resource.is_some(),
        ),
        has_session: set.session.is_some() && takes_boundary,
        has_boundary: set.boundary.is_some() && takes_boundary,
    };

    let base: Vec<bool> = hits.iter().map(|h| h.base).collect();
    let actual = gates.decide(&hits, &base);
    let maybe: Vec<usize> = (0..hits.len())
        .filter(|&i| !hits[i].flex.is_empty())
        .collect();
    let mut relevant: Vec<usize> = Vec::new();
    if !maybe.is_empty() {
        let mut opt = base.clone();
        let mut pes = base.clone();
        for &i in &maybe {
            opt[i] = hits[i].effect == Effect::Allow;
            pes[i] = hits[i].effect == Effect::Deny;
        }
        let d_opt = gates.decide(&hits, &opt).kind;
        let d_pes = gates.decide(&hits, &pes).kind;
        if d_opt != actual.kind || d_pes != actual.kind {
            for &i in &maybe {
                let flips = [(&base, actual.kind), (&opt, d_opt), (&pes, d_pes)]
                    .into_iter()
                    .any(|(a, k)| {
                        let mut a = a.clone();
                        a[i] = !a[i];
                        gates.decide(&hits, &a).kind != k
                    });
                if flips {
                    relevant.push(i);
                }
            }
            if relevant.is_empty() {
                relevant = maybe.clone();
            }
        }
    }

    let mut statements: Vec<StatementRef> = Vec::new();
    let mut push = |h: &Hit, cond: bool| {
        let r = StatementRef {
            policy: h.src.label(),
            index: h.index,
            sid: h.sid.clone(),
            effect: h.effect.as_str(),
            conditional_on: if cond {
                dedup_keys(h.flex.iter().cloned())
            } else {
                Vec::new()
            },
        };
        if !statements
            .iter()
            .any(|s| s.policy == r.policy && s.index == r.index)
        {
            statements.push(r);
        }
    };
    for &i in &actual.stmts {
        push(&hits[i], relevant.contains(&i));
    }
    for &i in &relevant {
        push(&hits[i], true);
    }
    let conditional_on = dedup_keys(relevant.iter().flat_map(|&i| hits[i].flex.iter().cloned()));
    Decision {
        decision: actual.kind,
        blocked_by: actual.blocked_by,
        statements,
        conditional_on,
    }
}

/// Sorted, case-insensitively unique keys (first spelling kept).
fn dedup_keys(keys: impl Iterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for k in keys {
        if !out.iter().any(|o| o.eq_ignore_ascii_case(&k)) {
            out.push(k);
        }
    }
    out.sort_by_key(|k| k.to_lowercase());
    out
}

/// KMS key policies and IAM role trust policies must allow the request themselves
/// (key-policies.html: "Unless the key policy explicitly allows it, you cannot use IAM policies
/// to allow access to a KMS key"). An alias has no key policy: the alias side of
/// `kms:CreateAlias`, `kms:UpdateAlias` and `kms:DeleteAlias` is allowed by IAM policies alone
/// (kms/latest/developerguide/alias-access.html: "You can provide this permission in an IAM
/// policy" for the alias; the key's side is a separate request on the key).
fn requires_resource_policy(action_lc: &str, resource: &str, has_resource_policy: bool) -> bool {
    let alias_management = matches!(
        action_lc,
        "kms:createalias" | "kms:updatealias" | "kms:deletealias"
    );
    let kms_key = resource.starts_with("arn:")
        && resource.contains(":kms:")
        && (resource.contains(":key/") || (resource.contains(":alias/") && !alias_management));
    if action_lc.starts_with("kms:") && (kms_key || has_resource_policy) {
        return true;
    }
    matches!(
        action_lc,
        "sts:assumerole"
            | "sts:assumerolewithsaml"
            | "sts:assumerolewithwebidentity"
            | "sts:tagsession"
            | "sts:setsourceidentity"
    ) && resource.contains(":role/")
}

struct Gates<'a> {
    principal: &'a Principal,
    scp_levels: usize,
    cross_account: bool,
    requires_resource_policy: bool,
    has_session: bool,
    has_boundary: bool,
}

struct Outcome {
    kind: DecisionKind,
    blocked_by: Vec<String>,
    stmts: Vec<usize>,
}

impl Gates<'_> {
    fn decide(&self, hits: &[Hit], on: &[bool]) -> Outcome {
        let applies = |i: usize, eff: Effect| on[i] && hits[i].effect == eff;
        // 1. Explicit deny anywhere.
        let denies: Vec<usize> = (0..hits.len())
            .filter(|&i| applies(i, Effect::Deny))
            .collect();
        if !denies.is_empty() {
            let mut blocked: Vec<String> = Vec::new();
            for &i in &denies {
                let b = format!("explicit_deny:{}", hits[i].src.kind());
                if !blocked.contains(&b) {
                    blocked.push(b);
                }
            }
            return Outcome {
                kind: DecisionKind::ExplicitDeny,
                blocked_by: blocked,
                stmts: denies,
            };
        }
        let allows = |pred: &dyn Fn(Source) -> bool| -> Vec<usize> {
            (0..hits.len())
                .filter(|&i| applies(i, Effect::Allow) && pred(hits[i].src))
                .collect()
        };
        let mut blocked: Vec<&str> = Vec::new();
        let mut used: Vec<usize> = Vec::new();
        // 2. RCPs: full access implied at every level; nothing to do beyond explicit denies.
        // 3. SCPs: each level must allow.
        for l in 0..self.scp_levels {
            let a = allows(&|s| matches!(s, Source::Scp(lv, _) if lv == l));
            if a.is_empty() {
                if !blocked.contains(&"scp") {
                    blocked.push("scp");
                }
            } else {
                used.extend(a);
            }
        }
        let p = self.principal;
        let grants = allows(&|s| s == Source::Resource);
        let grant = grants
            .iter()
            .map(|&i| hits[i].grant)
            .max()
            .unwrap_or(Grant::None);
        if !p.is_iam() {
            // Service principals, anonymous callers: only a resource policy can allow.
            if grant == Grant::None {
                blocked.push("resource_policy");
            } else {
                used.extend(&grants);
            }
        } else {
            if (self.cross_account || self.requires_resource_policy) && grant == Grant::None {
                blocked.push("resource_policy");
            }
            let best: Vec<usize> = grants
                .iter()
                .copied()
                .filter(|&i| hits[i].grant == grant)
                .collect();
            if !self.cross_account && grant == Grant::Direct {
                used.extend(best);
            } else {
                if grant != Grant::None {
                    used.extend(&best);
                }
                let root = p.kind == PrincipalKind::Root;
                let identity_needed = !root && (grant != Grant::DirectRole || self.cross_account);
                if identity_needed {
                    let a = allows(&|s| matches!(s, Source::Identity(_)));
                    if a.is_empty() {
                        blocked.push("identity");
                    }
                    used.extend(a);
                }
                if self.has_boundary {
                    let a = allows(&|s| s == Source::Boundary);
                    if a.is_empty() {
                        blocked.push("permission_boundary");
                    }
                    used.extend(a);
                }
                if self.has_session {
                    let a = allows(&|s| s == Source::Session);
                    if a.is_empty() {
                        blocked.push("session_policy");
                    }
                    used.extend(a);
                } else if matches!(p.kind, PrincipalKind::FederatedUser { .. }) {
                    // GetFederationToken sessions without a session policy have no permissions
                    // (except resource-policy grants naming the session itself).
                    blocked.push("session_policy");
                }
            }
        }
        if blocked.is_empty() {
            Outcome {
                kind: DecisionKind::Allow,
                blocked_by: Vec::new(),
                stmts: used,
            }
        } else {
            Outcome {
                kind: DecisionKind::ImplicitDeny,
                blocked_by: blocked.into_iter().map(String::from).collect(),
                stmts: Vec::new(),
            }
        }
    }
}

/// Whether a statement applies (or might), or `None` when it certainly does not.
fn statement_hit(s: &Statement, src: Source, env: &Env) -> Option<Hit> {
    // Action / NotAction (case-insensitive).
    let any_action = s.action.patterns.iter().any(|g| g.matches(&env.action_lc));
    if any_action == s.action.negated {
        return None;
    }
    // Principal / NotPrincipal (resource policies and RCPs only).
    let mut grant = Grant::None;
    if matches!(src, Source::Resource | Source::Rcp(..)) {
        match &s.principal {
            None if matches!(src, Source::Rcp(..)) => grant = Grant::Direct,
            None => return None,
            Some(pm) => {
                grant = principal_grant(pm, s.effect, env)?;
            }
        }
    }
    let mut clauses: Vec<ClauseOutcome> = Vec::with_capacity(s.conditions.len() + 1);
    // Resource / NotResource.
    if let Some(rm) = &s.resource {
        let mut unknown = Vec::new();
        let mut any = false;
        for g in &rm.patterns {
            let m = if g.has_vars() {
                g.resolve(|v| {
                    let (val, unk) = resolve_as_absent(v, &env.ctx);
                    unknown.extend(unk);
                    val
                })
                .is_some_and(|g| g.matches(&env.req.resource))
            } else {
                g.matches(&env.req.resource)
            };
            any |= m;
        }
        clauses.push(ClauseOutcome {
            value: any != rm.negated,
            unknown,
        });
    }
    for c in &s.conditions {
        clauses.push(c.eval(&env.ctx));
    }
    let base = clauses.iter().all(|c| c.value);
    // It could flip if every false clause depends on unknown keys and some clause does.
    let certain_false = clauses.iter().any(|c| !c.value && c.unknown.is_empty());
    let flex: Vec<String> = if certain_false {
        Vec::new()
    } else {
        clauses
            .iter()
            .flat_map(|c| c.unknown.iter().cloned())
            .collect()
    };
    if !base && flex.is_empty() {
        return None;
    }
    Some(Hit {
        src,
        index: s.index,
        sid: s.sid.clone(),
        effect: s.effect,
        base,
        flex,
        grant,
    })
}

/// The identities a caller presents, for Principal / NotPrincipal matching: the session, the
/// role or user, and the account (reference_policies_elements_notprincipal.html: to exclude a
/// role session from a `NotPrincipal` deny, list the session ARN, the role ARN and the account).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Identity {
    Account,
    User,
    Role,
    Session,
    FederatedUser,
    Service,
    Anonymous,
    Other,
}

fn identities(p: &Principal) -> &'static [Identity] {
    use Identity::*;
    match p.kind {
        PrincipalKind::Root => &[Account],
        PrincipalKind::User { .. } => &[User, Account],
        PrincipalKind::Role { .. } => &[Role, Account],
        PrincipalKind::AssumedRole { .. } => &[Session, Role, Account],
        PrincipalKind::FederatedUser { .. } => &[FederatedUser, Account],
        PrincipalKind::Service(_) => &[Service],
        PrincipalKind::Anonymous => &[Anonymous],
        PrincipalKind::Other(_) => &[Other],
    }
}

fn entry_matches(e: &PrincipalEntry, id: Identity, p: &Principal, ctx: &Context) -> bool {
    let acct = p.account.as_deref().unwrap_or("");
    match (e, id) {
        (PrincipalEntry::Any, _) => true,
        (PrincipalEntry::Account(a), Identity::Account) => a == acct,
        (PrincipalEntry::User { account, name }, Identity::User) => {
            matches!(&p.kind, PrincipalKind::User { name: n } if account == acct && n.eq_ignore_ascii_case(name))
        }
        (PrincipalEntry::Role { account, name }, Identity::Role) => matches!(&p.kind,
            PrincipalKind::Role { name: n } | PrincipalKind::AssumedRole { role: n, .. } if account == acct && n.eq_ignore_ascii_case(name)),
        (
            PrincipalEntry::AssumedRole {
                account,
                role,
                session,
            },
            Identity::Session,
        ) => matches!(&p.kind,
            PrincipalKind::AssumedRole { role: r, session: s } if account == acct && r.eq_ignore_ascii_case(role) && s == session),
        (PrincipalEntry::FederatedUser { account, name }, Identity::FederatedUser) => {
            matches!(&p.kind, PrincipalKind::FederatedUser { name: n } if account == acct && n == name)
        }
        (PrincipalEntry::UniqueId(uid), Identity::User | Identity::Role) => {
            let wanted = if id == Identity::User { "AIDA" } else { "AROA" };
            uid.starts_with(wanted)
                && match ctx.lookup("aws:userid") {
                    Lookup::Present(v) => v.iter().any(|u| {
                        u == uid
                            || u.strip_prefix(uid.as_str())
                                .is_some_and(|r| r.starts_with(':'))
                    }),
                    _ => false,
                }
        }
        (PrincipalEntry::Service(s), Identity::Service) => {
            matches!(&p.kind, PrincipalKind::Service(n) if s == "*" || n == s)
        }
        (
            PrincipalEntry::OtherArn(a)
            | PrincipalEntry::Federated(a)
            | PrincipalEntry::CanonicalUser(a),
            _,
        ) => id == identities(p)[0] && *a == p.raw,
        _ => false,
    }
}

/// `Some(grant)` when the Principal element selects the caller.
fn principal_grant(pm: &PrincipalMatch, effect: Effect, env: &Env) -> Option<Grant> {
    let p = &env.req.principal;
    let ids = identities(p);
    if pm.negated {
        // access_policies_boundaries.html, "Important": NotPrincipal with Deny always denies a
        // principal that has a permissions boundary, whatever NotPrincipal lists.
        let bounded = env.has_boundary && p.is_iam() && p.kind != PrincipalKind::Root;
        if effect == Effect::Deny && bounded {
            return Some(Grant::Direct);
        }
        let listed = |id: Identity| pm.entries.iter().any(|e| entry_matches(e, id, p, &env.ctx));
        // A Deny excludes the caller only when every identity it presents is listed (the
        // session, its role and the account: reference_policies_elements_notprincipal.html).
        // An Allow (which AWS does not support) never grants to a principal it names, under any
        // of its identities.
        let excluded = match effect {
            Effect::Deny => ids.iter().all(|&id| listed(id)),
            Effect::Allow => ids.iter().any(|&id| listed(id)),
        };
        return (!excluded).then_some(Grant::Direct);
    }
    let mut best = Grant::None;
    for &id in ids {
        if pm.entries.iter().any(|e| entry_matches(e, id, p, &env.ctx)) {
            let g = if pm.entries.contains(&PrincipalEntry::Any) {
                Grant::Direct
            } else {
                match id {
                    Identity::Account => Grant::Account,
                    Identity::Role => Grant::DirectRole,
                    _ => Grant::Direct,
                }
            };
            best = best.max(g);
        }
    }
    (best != Grant::None).then_some(best)
}
