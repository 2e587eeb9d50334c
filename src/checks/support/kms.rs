//! KMS keys as several checks see them (SL402, SL403, SL404, SL503): aliases, keys recorded as
//! missing, and the collection gaps that explain an unresolved key reference.

use crate::inventory::{DEFAULT_KEY_ALIAS, Gap, Inventory, KmsKey, MissingKey};
use crate::kms::{KeyReference, parse_reference};
use crate::operation::Operation;

/// The alias names collected for a key, in name order.
pub(crate) fn aliases_of<'a>(inv: &'a Inventory, k: &KmsKey) -> Vec<&'a str> {
    let mut names: Vec<&str> = inv
        .kms_aliases
        .iter()
        .filter(|a| {
            a.account == k.account
                && a.region == k.region
                && a.name != DEFAULT_KEY_ALIAS
                && a.target_key_id
                    .as_deref()
                    .is_some_and(|t| t == k.key_id || t == k.arn)
        })
        .map(|a| a.name.as_str())
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// ` (alias/x)` when the key has an alias, for messages.
pub(crate) fn alias_suffix(aliases: &[&str]) -> String {
    aliases.first().map_or(String::new(), |a| format!(" ({a})"))
}

/// A reference reduced to what it names: (account, region, `key` or `alias`, id or name).
fn canonical(
    raw: &str,
    account: &str,
    region: &str,
) -> Option<(String, String, &'static str, String)> {
    match parse_reference(Some(raw)) {
        KeyReference::Absent => None,
        KeyReference::KeyId(id) => Some((account.into(), region.into(), "key", id)),
        KeyReference::KeyArn {
            region,
            account,
            key_id,
        } => Some((account, region, "key", key_id)),
        KeyReference::AliasName(alias) => Some((account.into(), region.into(), "alias", alias)),
        KeyReference::AliasArn {
            region,
            account,
            alias,
        } => Some((account, region, "alias", alias)),
    }
}

/// The missing-key record (`DescribeKey` said `NotFoundException`) for a reference used in
/// `account`/`region`, whatever form either was written in.
pub(crate) fn missing_key<'a>(
    inv: &'a Inventory,
    raw: &str,
    account: &str,
    region: &str,
) -> Option<&'a MissingKey> {
    let want = canonical(raw, account, region)?;
    inv.missing_kms_keys
        .iter()
        .find(|m| canonical(&m.reference, &m.account, &m.region).as_ref() == Some(&want))
}

/// `DescribeKey` / `ListAliases` gaps that may explain why a reference used in
/// `account`/`region` did not resolve.
pub(crate) fn key_gaps<'a>(
    inv: &'a Inventory,
    raw: &str,
    resolved: &str,
    account: &str,
    region: &str,
) -> Vec<&'a Gap> {
    let by_alias = resolved.contains("alias/") || raw.starts_with("alias/");
    let want = canonical(raw, account, region);
    inv.gaps
        .iter()
        .filter(|g| {
            g.operation == Operation::DescribeKey
                || (by_alias && g.operation == Operation::ListAliases)
        })
        .filter(|g| {
            let same_ref = !g.resource.is_empty()
                && (g.resource == raw
                    || g.resource == resolved
                    || (want.is_some() && canonical(&g.resource, &g.account, &g.region) == want));
            let region_wide = g.account == account
                && g.region == region
                && (g.resource.is_empty() || g.resource == region);
            same_ref || region_wide
        })
        .collect()
}

/// `DescribeKey failed in us-east-1 (AccessDeniedException); …`
pub(crate) fn gaps_text(gaps: &[&Gap]) -> String {
    gaps.iter()
        .map(|g| format!("{} failed in {} ({})", g.operation, g.region, g.error_code))
        .collect::<Vec<_>>()
        .join("; ")
}
