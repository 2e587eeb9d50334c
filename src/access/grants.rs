//! KMS grants (`ListGrants`) as statements of the key's policy.
//!
//! A grant lets its grantee principal perform its operations on the key, like a key-policy
//! statement naming it, and explicit denies in the key policy or the caller's identity
//! policies still apply (https://docs.aws.amazon.com/kms/latest/developerguide/grants.html).
//! Each grant with `Decrypt` (or `CreateGrant`) becomes an `Allow` of `kms:Decrypt` (or
//! `kms:CreateGrant`) for `Principal: GRANTEE`, appended to the key policy the index
//! evaluates, so the engine decides it with everything else. The only thing a grant adds is
//! its constraints, decided against the encryption context Secrets Manager passes to KMS —
//! exactly `{"SecretARN": ARN, "SecretVersionId": VERSION}`
//! (https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html,
//! "Secrets Manager encryption context"):
//!
//! - `EncryptionContextSubset`: each pair must be in that context. A key other than
//!   `SecretARN` / `SecretVersionId` is never in it: the grant never applies;
//! - `EncryptionContextEquals`: the context must be exactly the pairs, so they must name both
//!   keys and nothing else;
//! - the pairs that remain become `StringEquals` conditions on
//!   `kms:EncryptionContext:SecretARN` (known: decided per secret) and
//!   `kms:EncryptionContext:SecretVersionId` (unknown: the reader is conditional). Constraint
//!   keys compare case-insensitively and values case-sensitively, as condition keys and
//!   `StringEquals` do (API_GrantConstraints.html).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::inventory::{Gap, KmsGrant, KmsKey};
use crate::operation::Operation;
use crate::policy::{Policy, Statement};

/// The encryption-context keys of a Secrets Manager request, in the case the conditions use.
const CONTEXT_KEYS: [&str; 2] = ["SecretARN", "SecretVersionId"];

/// The grants of one key, as the index uses them.
#[derive(Debug, Default)]
pub(super) struct KeyGrants {
    /// Index, in the combined key policy, of the first grant statement.
    pub(super) first: usize,
    /// Evidence text of each grant statement, in order.
    pub(super) labels: Vec<String>,
    /// The grant statements alone (their grantees are candidates); `None` without any.
    pub(super) policy: Option<Policy>,
    /// Why the key's grants are not all known (access through them is then incomplete).
    pub(super) incomplete: Option<String>,
}

impl KeyGrants {
    /// The evidence text of the combined key policy's statement `index`, when it is a grant.
    pub(super) fn label(&self, index: usize) -> Option<&str> {
        index
            .checked_sub(self.first)
            .and_then(|i| self.labels.get(i))
            .map(String::as_str)
    }
}

/// Appends the key's grants to its parsed policy and says what is known about them.
pub(super) fn add_grants(key: &KmsKey, gaps: &[Gap], policy: &mut Policy) -> KeyGrants {
    let mut out = KeyGrants {
        first: policy.statements.len(),
        ..Default::default()
    };
    let mut problems: Vec<String> = Vec::new();
    match &key.grants {
        None => problems.push(
            match gaps
                .iter()
                .find(|g| g.operation == Operation::ListGrants && g.resource == key.arn)
            {
                Some(g) => format!(
                    "the grants of {} could not be listed: ListGrants failed ({})",
                    key.arn, g.error_code
                ),
                None => format!("the grants of {} were not collected", key.arn),
            },
        ),
        Some(_) if key.grants_truncated => problems.push(format!(
            "{} has more grants than were kept: only the first are evaluated",
            key.arn
        )),
        Some(_) => {}
    }
    let mut statements: Vec<Statement> = Vec::new();
    for g in key.grants.iter().flatten() {
        let Some(conditions) = conditions(g) else {
            continue;
        };
        for (op, action) in [
            ("Decrypt", "kms:Decrypt"),
            ("CreateGrant", "kms:CreateGrant"),
        ] {
            if !g.operations.iter().any(|o| o == op) {
                continue;
            }
            match statement(g, action, &conditions) {
                Some(mut s) => {
                    s.index = out.first + statements.len();
                    statements.push(s);
                    out.labels.push(label(g, &key.arn));
                }
                None => problems.push(format!(
                    "grant {} names a grantee that cannot be evaluated: {:?}",
                    g.grant_id, g.grantee
                )),
            }
        }
    }
    problems.dedup();
    out.incomplete = (!problems.is_empty()).then(|| problems.join("; "));
    if !statements.is_empty() {
        policy.statements.extend(statements.iter().cloned());
        out.policy = Some(Policy {
            version: policy.version,
            id: None,
            statements,
        });
    }
    out
}

/// The `StringEquals` conditions a grant's constraints amount to for a Secrets Manager
/// request; `None` when they can never hold for one.
pub(super) fn conditions(g: &KmsGrant) -> Option<BTreeMap<&'static str, String>> {
    let mut out: BTreeMap<&'static str, String> = BTreeMap::new();
    if let Some(eq) = &g.encryption_context_equals {
        add_pairs(&mut out, eq)?;
        // Exactly the request's pairs: both keys, once each.
        if eq.len() != CONTEXT_KEYS.len() || out.len() != CONTEXT_KEYS.len() {
            return None;
        }
    }
    if let Some(sub) = &g.encryption_context_subset {
        add_pairs(&mut out, sub)?;
    }
    Some(out)
}

/// Adds constraint pairs to the conditions; `None` when a key is not in a Secrets Manager
/// encryption context or two pairs want different values for one key.
fn add_pairs(
    out: &mut BTreeMap<&'static str, String>,
    pairs: &BTreeMap<String, String>,
) -> Option<()> {
    for (k, v) in pairs {
        let key = CONTEXT_KEYS
            .into_iter()
            .find(|c| c.eq_ignore_ascii_case(k))?;
        match out.get(key) {
            Some(prev) if prev != v => return None,
            _ => {
                out.insert(key, v.clone());
            }
        }
    }
    Some(())
}

/// The key-policy statement that stands for the grant's `action`; `None` when the grantee is
/// not a principal the policy engine understands.
fn statement(
    g: &KmsGrant,
    action: &str,
    conditions: &BTreeMap<&'static str, String>,
) -> Option<Statement> {
    let grantee = g.grantee.trim();
    let principal = if grantee.starts_with("arn:")
        || (grantee.len() == 12 && grantee.bytes().all(|b| b.is_ascii_digit()))
    {
        json!({ "AWS": grantee })
    } else if !grantee.is_empty()
        && !grantee.contains(['*', '?'])
        && grantee.ends_with(".amazonaws.com")
    {
        json!({ "Service": grantee })
    } else {
        return None;
    };
    let mut s = json!({
        "Effect": "Allow",
        "Principal": principal,
        "Action": action,
        "Resource": "*",
    });
    if !conditions.is_empty() {
        let c: serde_json::Map<String, Value> = conditions
            .iter()
            .map(|(k, v)| {
                (
                    format!("kms:EncryptionContext:{k}"),
                    Value::from(v.as_str()),
                )
            })
            .collect();
        s["Condition"] = json!({ "StringEquals": c });
    }
    let doc = json!({ "Version": "2012-10-17", "Statement": [s] });
    let p = Policy::parse(&doc).ok()?;
    // A wildcard would make the grant apply to more than its grantee.
    let st = p.statements.into_iter().next()?;
    let exact = st.principal.as_ref().is_some_and(|pm| {
        !pm.negated
            && !pm
                .entries
                .iter()
                .any(|e| matches!(e, crate::policy::PrincipalEntry::Any))
    });
    exact.then_some(st)
}

/// `grant ID "NAME" on KEY to GRANTEE (Decrypt, Encrypt; EncryptionContextSubset {…})`, bounded.
fn label(g: &KmsGrant, key: &str) -> String {
    let mut t = format!("grant {}", g.grant_id);
    if !g.name.is_empty() {
        t.push_str(&format!(" {:?}", g.name));
    }
    t.push_str(&format!(
        " on {key} to {} ({}",
        g.grantee,
        g.operations.join(", ")
    ));
    let pairs = |m: &BTreeMap<String, String>| {
        m.iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let Some(eq) = &g.encryption_context_equals {
        t.push_str(&format!("; EncryptionContextEquals {{{}}}", pairs(eq)));
    }
    if let Some(sub) = &g.encryption_context_subset {
        t.push_str(&format!("; EncryptionContextSubset {{{}}}", pairs(sub)));
    }
    t.push(')');
    crate::collect::bounded(&t, 1024)
}
