//! Verdicts and their evidence: which statements grant, through what, on which conditions.

use super::grants::KeyGrants;
use super::model::SecretAccess;
use super::org::OrgLabels;
use crate::policy::{Decision, DecisionKind, StatementRef};

/// The answer for one candidate, with its evidence, shared by every reader it is the answer for.
#[derive(Debug)]
pub(super) struct Verdict {
    /// `None`: denied. Otherwise allowed (empty) or conditional on these keys.
    pub(super) keys: Option<Vec<String>>,
    /// The granting statements (empty when denied).
    pub(super) texts: Vec<String>,
    pub(super) via: &'static str,
    /// Denied by an SCP or RCP although the other policies allow: what in them, named.
    pub(super) blocked: Option<String>,
}

impl Verdict {
    pub(super) fn new(d: &Decision, labels: &Labels) -> Verdict {
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
            blocked: None,
        }
    }
}

/// `Some(keys)`: allowed (empty) or conditional on keys; `None`: denied.
pub(super) fn verdict(d: &Decision) -> Option<&[String]> {
    if d.decision == DecisionKind::Allow {
        return Some(&[]);
    }
    let could_allow = d
        .statements
        .iter()
        .any(|s| s.effect == "Allow" && !s.conditional_on.is_empty());
    (could_allow && !d.conditional_on.is_empty()).then_some(d.conditional_on.as_slice())
}

pub(super) fn merge_keys(into: &mut Vec<String>, more: &[String]) {
    for k in more {
        if !into.iter().any(|x| x.eq_ignore_ascii_case(k)) {
            into.push(k.clone());
        }
    }
    into.sort_by_key(|k| k.to_lowercase());
}

pub(super) fn finish(mut out: SecretAccess) -> SecretAccess {
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
pub(super) trait StatementTexts {
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

pub(super) struct Labels<'a> {
    pub(super) identity: &'a [String],
    pub(super) boundary: &'a str,
    pub(super) resource: &'a str,
    /// The key's grants: statements of the key policy that stand for a grant.
    pub(super) grants: Option<&'a KeyGrants>,
    pub(super) org: OrgLabels<'a>,
}

pub(super) fn allow_texts(d: &Decision, l: &Labels) -> Vec<String> {
    d.statements
        .iter()
        .filter_map(|s| {
            // SCPs and RCPs only permit: named when the answer depends on one of their
            // statements' conditions (either effect).
            if let Some(label) = l.org.label(&s.policy) {
                return (!s.conditional_on.is_empty()).then(|| stmt_text(label, s));
            }
            if s.effect != "Allow" {
                return None;
            }
            let label = if let Some(i) = s
                .policy
                .strip_prefix("identity[")
                .and_then(|r| r.strip_suffix(']'))
            {
                l.identity.get(i.parse::<usize>().ok()?)?.as_str()
            } else if s.policy == "resource_policy" {
                if let Some(grant) = l.grants.and_then(|g| g.label(s.index)) {
                    // The grant's own text replaces `LABEL #INDEX "SID"`.
                    return Some(format!("{grant}{}", if_keys(s)));
                }
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

pub(super) fn via(d: &Decision) -> &'static str {
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

/// Evidence label of a statement: `LABEL #INDEX "SID"` (+ the keys it depends on).
pub(super) fn stmt_text(label: &str, s: &StatementRef) -> String {
    let mut t = format!("{label} #{}", s.index);
    if let Some(sid) = s.sid.as_deref().filter(|x| !x.is_empty()) {
        t.push_str(&format!(" \"{sid}\""));
    }
    t.push_str(&if_keys(s));
    t
}

/// ` (if KEY, …)`: the keys a statement depends on, or nothing.
fn if_keys(s: &StatementRef) -> String {
    if s.conditional_on.is_empty() {
        String::new()
    } else {
        format!(" (if {})", s.conditional_on.join(", "))
    }
}
