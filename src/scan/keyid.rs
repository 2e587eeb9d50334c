//! AWS access key ids: the owning account decoded offline, and linking found keys against the
//! audited account's IAM access keys.
//!
//! An access key id is a 4-character type prefix (AKIA long-term, ASIA temporary, …) followed by
//! 16 base32 characters (RFC 4648 alphabet `A-Z2-7`) = 80 bits. In current-generation ids the
//! first of those bits is 1 and the next 40 bits are the account number: take the first 6 decoded
//! bytes as a big-endian integer, mask with `0x7fff_ffff_ff80` and shift right by 7. This gives the
//! answer `aws sts get-access-key-info` returns, without a call. Old-generation ids (first bit 0,
//! e.g. `AKIAI…`/`AKIAJ…`) do not encode the account; for them this returns `None`.

use serde::{Deserialize, Serialize};

use super::{Finding, KeyStatus};
use crate::vocab::Severity;

fn base32_value(c: u8) -> Option<u64> {
    match c {
        b'A'..=b'Z' => Some((c - b'A') as u64),
        b'2'..=b'7' => Some((c - b'2' + 26) as u64),
        _ => None,
    }
}

/// The 12-digit account id encoded in an access key id, when it encodes one.
pub fn account_id(key_id: &str) -> Option<String> {
    let b = key_id.as_bytes();
    if b.len() != 20 || !b[..4].iter().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    // The first 48 bits of the base32 payload are the first 10 characters' 50 bits, less 2.
    let mut v: u64 = 0;
    for &c in &b[4..14] {
        v = (v << 5) | base32_value(c)?;
    }
    for &c in &b[14..] {
        base32_value(c)?;
    }
    let first48 = v >> 2;
    if first48 >> 47 == 0 {
        return None; // old-generation key id: the account is not encoded
    }
    let account = (first48 & 0x7fff_ffff_ff80) >> 7;
    Some(format!("{account:012}"))
}

/// An IAM access key of the audited account, as collected from IAM (ids only; never secrets).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnownAccessKey {
    pub id: String,
    /// `Active` or `Inactive`, as IAM reports it.
    pub status: String,
    pub user: String,
}

/// The IAM access keys (ids, status, user) in an inventory, or `None` when no user's access keys
/// were collected (IAM collection off or denied), in which case nothing can be linked.
pub fn known_keys(inv: &crate::inventory::Inventory) -> Option<Vec<KnownAccessKey>> {
    let mut collected = false;
    let mut out = Vec::new();
    for acct in &inv.iam {
        for u in &acct.users {
            let Some(keys) = &u.access_keys else { continue };
            collected = true;
            for k in keys {
                out.push(KnownAccessKey {
                    id: k.id.clone(),
                    status: k.status.clone(),
                    user: if acct.account.is_empty() {
                        u.name.clone()
                    } else {
                        format!("{} ({})", u.name, acct.account)
                    },
                });
            }
        }
    }
    collected.then_some(out)
}

/// Marks every `aws-access-key-id` finding with its status against the audited account's keys,
/// comparing ids only. Active keys become critical.
pub fn link_keys(findings: &mut [Finding], known: &[KnownAccessKey]) {
    for f in findings
        .iter_mut()
        .filter(|f| f.rule_id == "aws-access-key-id")
    {
        let Some(id) = f.key_id.as_deref() else {
            continue;
        };
        match known.iter().find(|k| k.id == id) {
            Some(k) if k.status.eq_ignore_ascii_case("active") => {
                f.key_status = Some(KeyStatus::ActiveInThisAccount);
                f.key_user = Some(k.user.clone());
                f.severity = Severity::Critical;
            }
            Some(k) => {
                // Inactive keys can be re-activated: at least medium, even in test code.
                f.key_status = Some(KeyStatus::InactiveInThisAccount);
                f.key_user = Some(k.user.clone());
                f.severity = f.severity.max(Severity::Medium);
            }
            None => f.key_status = Some(KeyStatus::Unknown),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_the_published_example() {
        // Published with the algorithm (secretlens:allow): ASIAY34FZKBOKMUTVV7A is account 609629065308.
        assert_eq!(
            account_id("ASIAY34FZKBOKMUTVV7A").as_deref(),
            Some("609629065308")
        ); // secretlens:allow
    }

    #[test]
    fn old_generation_and_malformed_ids_decode_to_none() {
        assert_eq!(account_id("AKIAIOSFODNN7EXAMPLE"), None);
        assert_eq!(account_id("AKIA123"), None);
        assert_eq!(account_id("AKIAY34FZKBOKMUTVV71"), None); // '1' is not base32; secretlens:allow
    }

    #[test]
    fn encodes_then_decodes_any_account() {
        for acct in [0u64, 1, 123456789012, 999999999999] {
            let id = super::super::testutil::key_id_for_account("AKIA", acct, 7);
            assert_eq!(account_id(&id), Some(format!("{acct:012}")), "{id}");
        }
    }

    #[test]
    fn linking_marks_active_inactive_and_unknown() {
        let id_a = super::super::testutil::key_id_for_account("AKIA", 123456789012, 1);
        let id_b = super::super::testutil::key_id_for_account("AKIA", 123456789012, 2);
        let id_c = super::super::testutil::key_id_for_account("AKIA", 123456789012, 3);
        let mk = |id: &str| super::super::testutil::finding("aws-access-key-id", id);
        let mut fs = vec![
            mk(&id_a),
            mk(&id_b),
            mk(&id_c),
            super::super::testutil::finding("github-token", "x"),
        ];
        let known = vec![
            KnownAccessKey {
                id: id_a.clone(),
                status: "Active".into(),
                user: "alice".into(),
            },
            KnownAccessKey {
                id: id_b.clone(),
                status: "Inactive".into(),
                user: "bob".into(),
            },
        ];
        link_keys(&mut fs, &known);
        assert_eq!(fs[0].key_status, Some(KeyStatus::ActiveInThisAccount));
        assert_eq!(fs[0].severity, Severity::Critical);
        assert_eq!(fs[0].key_user.as_deref(), Some("alice"));
        assert_eq!(fs[1].key_status, Some(KeyStatus::InactiveInThisAccount));
        assert_eq!(fs[1].severity, Severity::High);
        assert_eq!(fs[2].key_status, Some(KeyStatus::Unknown));
        assert_eq!(fs[3].key_status, None);
    }
}
