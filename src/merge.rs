//! `evaluate DIR/`: one inventory per account (`collect --accounts ID -o DIR/ID.json`, one task
//! each in an organization-wide fan-out) merged into the inventory one multi-account
//! `collect` would have written, so the report has the same findings.
//!
//! What one process does once per audit, each task did for its own account: the merge takes
//! the union (secrets, keys, IAM, CloudTrail, exposure, gaps; the SCP/RCP paths of every
//! account, each policy once) and refuses inventories that cover the same account and region
//! twice, since their union would count those secrets twice.

use std::collections::BTreeMap;

use crate::error::Error;
use crate::inventory::{CallStats, Gap, Inventory, OrgPolicies, Scope};
use crate::operation::Operation;

/// The most inventories one merge reads (a folder or an S3 prefix).
pub const MAX_PARTS: usize = 100_000;

/// Merges `parts` (label, inventory) into one. The labels name the files in errors.
pub fn merge(parts: Vec<(String, Inventory)>) -> Result<Inventory, Error> {
    let Some(first) = parts.first() else {
        return Err(Error::Usage("no inventory to merge".into()));
    };
    let same = |f: &dyn Fn(&Inventory) -> String| parts.iter().all(|(_, i)| f(i) == f(&first.1));
    let source = if same(&|i| i.source.clone()) {
        first.1.source.clone()
    } else {
        "merged".to_string()
    };
    let tool_version = if same(&|i| i.tool_version.clone()) {
        first.1.tool_version.clone()
    } else {
        env!("CARGO_PKG_VERSION").to_string()
    };
    let as_of = if same(&|i| format!("{:?}", i.as_of)) {
        first.1.as_of
    } else {
        None
    };
    let collected_at = parts
        .iter()
        .map(|(_, i)| i.collected_at)
        .max()
        .unwrap_or(first.1.collected_at);

    // Each (account, region) comes from one inventory only.
    let mut owner: BTreeMap<Scope, &str> = BTreeMap::new();
    for (label, inv) in &parts {
        for s in &inv.scopes {
            if let Some(other) = owner.insert(s.clone(), label.as_str())
                && other != label.as_str()
            {
                return Err(Error::Usage(format!(
                    "{other} and {label} both cover account {} region {}: merge inventories of distinct accounts \
                     (one `collect --accounts ID` each), or evaluate them separately",
                    s.account, s.region
                )));
            }
        }
    }

    let mut out = Inventory::empty(&source, collected_at);
    out.tool_version = tool_version;
    out.as_of = as_of;
    let mut stats: BTreeMap<(String, String), CallStats> = BTreeMap::new();
    let mut orgs: Vec<(chrono::DateTime<chrono::Utc>, String, OrgPolicies)> = Vec::new();
    for (label, inv) in parts {
        let Inventory {
            accounts,
            scopes,
            secrets,
            kms_keys,
            kms_aliases,
            missing_kms_keys,
            iam,
            cloudtrail,
            exposure,
            gaps,
            call_stats,
            organization,
            collected_at,
            ..
        } = inv;
        out.accounts.extend(accounts);
        out.scopes.extend(scopes);
        out.secrets.extend(secrets);
        out.kms_keys.extend(kms_keys);
        out.kms_aliases.extend(kms_aliases);
        out.missing_kms_keys.extend(missing_kms_keys);
        out.iam.extend(iam);
        out.cloudtrail.extend(cloudtrail);
        out.exposure.extend(exposure);
        out.gaps.extend(gaps);
        for c in call_stats {
            stats
                .entry((c.account.clone(), c.region.clone()))
                .and_modify(|e| e.add(&c))
                .or_insert(c);
        }
        if let Some(o) = organization {
            orgs.push((collected_at, label, o));
        }
    }
    out.call_stats = stats.into_values().collect();
    out.organization = merge_orgs(orgs)?;
    // Two tasks may collect the same IAM account only if they cover distinct regions of it;
    // its authorization details are the same account's, so keep one.
    out.iam.sort_by(|a, b| a.account.cmp(&b.account));
    out.iam.dedup_by(|a, b| a.account == b.account);
    out.normalise();
    Ok(out)
}

/// The organization's policies as every task read them: one organization, the union of the
/// account paths and policies; the policy types' state from the latest read.
fn merge_orgs(
    mut orgs: Vec<(chrono::DateTime<chrono::Utc>, String, OrgPolicies)>,
) -> Result<Option<OrgPolicies>, Error> {
    orgs.sort_by_key(|o| o.0);
    let Some((_, first_label, first)) = orgs.first().cloned() else {
        return Ok(None);
    };
    let mut merged = first;
    for (_, label, o) in orgs.into_iter().skip(1) {
        if o.organization_id != merged.organization_id {
            return Err(Error::Usage(format!(
                "{first_label} and {label} come from different organizations ({} and {}): evaluate them separately",
                merged.organization_id.as_deref().unwrap_or("none"),
                o.organization_id.as_deref().unwrap_or("none")
            )));
        }
        merged.management_account = o.management_account.or(merged.management_account);
        merged.scps_enabled = o.scps_enabled;
        merged.rcps_enabled = o.rcps_enabled;
        merged.accounts.extend(o.accounts);
        merged.policies.extend(o.policies);
    }
    // Sorted and deduplicated by `Inventory::normalise`.
    Ok(Some(merged))
}

/// The inventories in a directory: every `*.json` file directly in it, in name order.
pub fn load_dir(dir: &std::path::Path) -> Result<Vec<(String, Inventory)>, Error> {
    let io = |source| Error::Io {
        action: "read directory",
        path: dir.display().to_string(),
        source,
    };
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(Error::Usage(format!(
            "{} has no inventory (*.json): write them with `secretlens collect --accounts ID -o {}/ID.json`",
            dir.display(),
            dir.display()
        )));
    }
    files
        .into_iter()
        .map(|p| {
            let label = p.display().to_string();
            let inv = Inventory::load(&label)?;
            Ok((label, inv))
        })
        .collect()
}

/// The most account ids `--expect-accounts` reads.
pub const MAX_EXPECTED: usize = 1_000_000;

/// The account ids of `--expect-accounts`: the JSON array `secretlens accounts` writes
/// (objects with `account_id`), or a plain array of ids.
pub fn parse_account_list(label: &str, bytes: &[u8]) -> Result<Vec<String>, Error> {
    let bad = |why: String| Error::Usage(format!("--expect-accounts {label}: {why}"));
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
        bad(format!(
            "not JSON ({e}): expected the list `secretlens accounts --organization -o` writes"
        ))
    })?;
    let items = value.as_array().ok_or_else(|| {
        bad("not a JSON array: expected [{\"account_id\": \"123456789012\", …}, …]".into())
    })?;
    if items.len() > MAX_EXPECTED {
        return Err(bad(format!("more than {MAX_EXPECTED} accounts")));
    }
    let mut ids = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let id = item
            .get("account_id")
            .unwrap_or(item)
            .as_str()
            .filter(|s| s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(|| bad(format!("item {i} has no 12-digit account_id")))?;
        ids.push(id.to_string());
    }
    ids.sort();
    ids.dedup();
    Ok(ids)
}

/// Makes every `expected` account that `inv` does not cover an SL901 gap of that account (no
/// region: nothing in it was read), so a fan-out whose task for an account failed or timed out
/// gives an incomplete report naming the account rather than a complete-looking one without
/// it. Returns the missing accounts.
pub fn expect_accounts(inv: &mut Inventory, expected: &[String], source: &str) -> Vec<String> {
    let have: std::collections::BTreeSet<&String> = inv.accounts.iter().collect();
    let missing: Vec<String> = expected
        .iter()
        .filter(|a| !have.contains(a))
        .cloned()
        .collect();
    for account in &missing {
        inv.accounts.push(account.clone());
        inv.gaps.push(Gap::new(
            account.clone(),
            "",
            Operation::Other(COLLECT.into()),
            "",
            "NoInventory",
            format!("{source} has no inventory of account {account}"),
        ));
    }
    if !missing.is_empty() {
        inv.normalise();
    }
    missing
}

/// The "operation" of an account whose whole collection left no inventory: not an API call.
pub const COLLECT: &str = "Collect";

#[cfg(test)]
mod tests {
    use super::*;

    /// The demo inventory split by (account, region), as tasks covering distinct scopes would
    /// collect it, and merged again is the demo inventory.
    #[test]
    fn split_by_scope_and_merged_is_the_same_inventory() {
        let whole = crate::demo::inventory();
        assert!(whole.scopes.len() >= 2, "the demo has several regions");
        let mut parts = Vec::new();
        for (n, scope) in whole.scopes.iter().enumerate() {
            let first = n == 0;
            let here = |account: &str, region: &str| {
                (account == scope.account && region == scope.region)
                    || (first
                        && !whole
                            .scopes
                            .iter()
                            .any(|s| s.account == account && s.region == region))
            };
            let mut p = whole.clone();
            p.scopes.retain(|s| s == scope);
            p.secrets.retain(|s| here(&s.account, &s.region));
            p.kms_keys.retain(|k| here(&k.account, &k.region));
            p.kms_aliases.retain(|k| here(&k.account, &k.region));
            p.missing_kms_keys.retain(|k| here(&k.account, &k.region));
            p.cloudtrail.retain(|c| here(&c.account, &c.region));
            p.exposure.retain(|e| here(&e.account, &e.region));
            p.gaps.retain(|g| here(&g.account, &g.region));
            p.call_stats.retain(|c| here(&c.account, &c.region));
            parts.push((format!("{}-{}.json", scope.account, scope.region), p));
        }
        let merged = merge(parts).expect("merge");
        let mut expected = whole.clone();
        expected.normalise();
        assert_eq!(merged.secrets.len(), whole.secrets.len());
        assert_eq!(
            serde_json::to_value(&merged).unwrap(),
            serde_json::to_value(&expected).unwrap()
        );
    }

    #[test]
    fn the_same_account_and_region_twice_is_refused() {
        let whole = crate::demo::inventory();
        let err = merge(vec![
            ("a.json".into(), whole.clone()),
            ("b.json".into(), whole),
        ])
        .expect_err("overlap");
        let msg = err.to_string();
        assert!(
            msg.contains("a.json and b.json both cover account"),
            "{msg}"
        );
    }

    #[test]
    fn an_expected_account_without_inventory_is_a_gap_of_that_account() {
        let mut inv = crate::demo::inventory();
        let demo = inv.accounts[0].clone();
        assert!(inv.gaps.iter().all(|g| g.error_code != "NoInventory"));
        let list = format!(
            r#"[{{"account_id":"{demo}","name":"demo","ou_path":"/"}},
                {{"account_id":"999999999999","name":"lost","ou_path":"/Root/ou"}}]"#
        );
        let expected = parse_account_list("accounts.json", list.as_bytes()).expect("list");
        assert_eq!(expected, vec![demo.clone(), "999999999999".to_string()]);
        let missing = expect_accounts(&mut inv, &expected, "inv/");
        assert_eq!(missing, vec!["999999999999".to_string()]);
        assert!(inv.accounts.contains(&"999999999999".to_string()));
        let gaps: Vec<&Gap> = inv
            .gaps
            .iter()
            .filter(|g| g.error_code == "NoInventory")
            .collect();
        assert_eq!(gaps.len(), 1);
        assert_eq!(gaps[0].account, "999999999999");
        assert_eq!(gaps[0].operation.as_str(), COLLECT);
        assert!(
            gaps[0].cause.contains("collection did not finish"),
            "{}",
            gaps[0].cause
        );
        // Every account covered: nothing added.
        let before = inv.gaps.len();
        assert!(expect_accounts(&mut inv, &expected, "inv/").is_empty());
        assert_eq!(inv.gaps.len(), before);
    }

    #[test]
    fn a_bad_account_list_is_a_usage_error() {
        for (text, want) in [
            ("{}", "not a JSON array"),
            ("nope", "not JSON"),
            (
                r#"[{"account_id": "12"}]"#,
                "item 0 has no 12-digit account_id",
            ),
            (r#"[{"name": "x"}]"#, "item 0"),
        ] {
            let err = parse_account_list("a.json", text.as_bytes()).expect_err(text);
            assert!(err.to_string().contains(want), "{text}: {err}");
        }
        assert_eq!(
            parse_account_list("a.json", br#"["111111111111", "111111111111"]"#).unwrap(),
            vec!["111111111111".to_string()]
        );
    }

    #[test]
    fn nothing_to_merge_is_an_error() {
        assert!(merge(Vec::new()).is_err());
    }
}
