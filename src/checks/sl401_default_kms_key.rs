//! SL401 default-kms-key: the secret is encrypted with the AWS managed `aws/secretsmanager`
//! key instead of a customer managed key (or, with an allow-list, with a key not on it).

use serde::Serialize;

use super::{Check, Context, Emitter, GapEvidence};
use crate::operation::Operation;
use crate::inventory::{DEFAULT_KEY_ALIAS, Gap, Inventory, KmsKey, Secret};
use crate::kms::{KeyRef, KeyReference, parse_reference, resolve_key};
use crate::report::Status;

pub struct DefaultKmsKey;

#[derive(Serialize)]
struct Evidence<'a> {
    /// `KmsKeyId` as collected; `null` means the default key.
    kms_key_id: Option<&'a str>,
    /// The key it resolves to: `alias/aws/secretsmanager`, a key ARN, or the reference.
    key: String,
    /// `aws_managed`, `customer_managed`, `other_account` or `unresolved`.
    key_kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    key_account: Option<String>,
    /// Aliases collected for a customer managed key.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    key_aliases: Vec<&'a str>,
    allowed_kms_keys: &'a [String],
    /// Whether the key is on the allow-list; `null` without a list or when undecidable.
    on_allow_list: Option<bool>,
    /// Failed `DescribeKey` / `ListAliases` calls that may explain an unresolved key.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    gaps: Vec<GapEvidence<'a>>,
}

/// The aliases (name and ARN) collected for a key.
fn aliases_of<'a>(
    inv: &'a Inventory,
    k: &KmsKey,
) -> impl Iterator<Item = (&'a str, Option<&'a str>)> {
    let (account, region, key_id, arn) = (
        k.account.clone(),
        k.region.clone(),
        k.key_id.clone(),
        k.arn.clone(),
    );
    inv.kms_aliases
        .iter()
        .filter(move |a| {
            a.account == account
                && a.region == region
                && a.target_key_id
                    .as_deref()
                    .is_some_and(|t| t == key_id || t == arn)
        })
        .map(|a| (a.name.as_str(), a.arn.as_deref()))
}

/// Whether an allow-list entry names the customer managed key `k`: by key id, key ARN, alias
/// name or alias ARN (aliases as collected for the key's account and region).
fn allows(inv: &Inventory, entry: &str, k: &KmsKey) -> bool {
    let same_place = |region: &str, account: &str| region == k.region && account == k.account;
    match parse_reference(Some(entry)) {
        KeyReference::Absent => false,
        KeyReference::KeyId(id) => id == k.key_id || id == k.arn,
        KeyReference::KeyArn {
            region,
            account,
            key_id,
        } => same_place(&region, &account) && key_id == k.key_id,
        KeyReference::AliasName(alias) => aliases_of(inv, k).any(|(name, _)| name == alias),
        KeyReference::AliasArn {
            region,
            account,
            alias,
        } => same_place(&region, &account) && aliases_of(inv, k).any(|(name, _)| name == alias),
    }
}

/// Whether an allow-list entry names a key in another account, known only by its reference.
fn allows_foreign(entry: &str, reference: &str) -> bool {
    let entry = parse_reference(Some(entry));
    let reference = parse_reference(Some(reference));
    match (&entry, &reference) {
        (KeyReference::KeyId(id), KeyReference::KeyArn { key_id, .. }) => id == key_id,
        _ => entry == reference,
    }
}

/// Gaps on `DescribeKey` / `ListAliases` that concern this secret's key reference.
fn key_gaps<'a>(inv: &'a Inventory, s: &Secret, reference: &str) -> Vec<&'a Gap> {
    let raw = s.kms_key_id.as_deref().unwrap_or_default();
    // Aliases only matter when the reference is an alias.
    let by_alias = reference.contains("alias/");
    inv.gaps
        .iter()
        .filter(|g| g.operation == Operation::DescribeKey || (by_alias && g.operation == Operation::ListAliases))
        .filter(|g| {
            g.resource == reference
                || (!raw.is_empty() && g.resource == raw)
                || (g.account == s.account
                    && g.region == s.region
                    && (g.resource.is_empty() || g.resource == s.region))
        })
        .collect()
}

impl Check for DefaultKmsKey {
    fn id(&self) -> &'static str {
        "SL401"
    }

    fn doc(&self) -> &'static str {
        include_str!("../../checks/SL401-default-kms-key.md")
    }

    fn run(&self, ctx: &Context<'_>, out: &mut Emitter<'_>) {
        let allowed = ctx.cfg.raw.encryption.allowed_kms_keys.as_slice();
        for s in ctx.secrets() {
            let key = resolve_key(ctx.inv, s, s.kms_key_id.as_deref(), &s.region);
            let mut ev = Evidence {
                kms_key_id: s.kms_key_id.as_deref(),
                key: key.label(),
                key_kind: "",
                key_account: None,
                key_aliases: Vec::new(),
                allowed_kms_keys: allowed,
                on_allow_list: None,
                gaps: Vec::new(),
            };
            match key {
                KeyRef::Default { .. } => {
                    ev.key_kind = "aws_managed";
                    if !allowed.is_empty() {
                        ev.on_allow_list = Some(false);
                    }
                    out.secret(
                        s,
                        Status::Fail,
                        format!("encrypted with the AWS managed key {DEFAULT_KEY_ALIAS}"),
                        ev,
                    );
                }
                KeyRef::Customer(k) => {
                    ev.key_kind = "customer_managed";
                    ev.key_account = Some(k.account.clone());
                    ev.key_aliases = aliases_of(ctx.inv, k).map(|(name, _)| name).collect();
                    let named = ev
                        .key_aliases
                        .first()
                        .map_or(String::new(), |a| format!(" ({a})"));
                    if allowed.is_empty() {
                        out.secret(
                            s,
                            Status::Pass,
                            format!("encrypted with customer managed key {}{named}", k.arn),
                            ev,
                        );
                    } else if allowed.iter().any(|e| allows(ctx.inv, e, k)) {
                        ev.on_allow_list = Some(true);
                        out.secret(
                            s,
                            Status::Pass,
                            format!("encrypted with allowed key {}{named}", k.arn),
                            ev,
                        );
                    } else {
                        ev.on_allow_list = Some(false);
                        out.secret(
                            s,
                            Status::Fail,
                            format!(
                                "encrypted with key {}{named}, which is not on the allow-list",
                                k.arn
                            ),
                            ev,
                        );
                    }
                }
                KeyRef::OtherAccount { reference, account } => {
                    ev.key_kind = "other_account";
                    ev.key_account = Some(account.clone());
                    let base = format!("key {reference} in account {account}, not collected");
                    if allowed.is_empty() {
                        out.secret(s, Status::Pass, format!("encrypted with {base}"), ev);
                    } else if allowed.iter().any(|e| allows_foreign(e, &reference)) {
                        ev.on_allow_list = Some(true);
                        out.secret(
                            s,
                            Status::Pass,
                            format!("encrypted with allowed {base}"),
                            ev,
                        );
                    } else if reference.contains(":alias/") {
                        out.secret(
                            s,
                            Status::Error,
                            format!(
                                "cannot tell whether key {reference} in account {account} targets an allowed key: keys in other accounts are not collected"
                            ),
                            ev,
                        );
                    } else {
                        ev.on_allow_list = Some(false);
                        out.secret(
                            s,
                            Status::Fail,
                            format!("encrypted with {base}, which is not on the allow-list"),
                            ev,
                        );
                    }
                }
                KeyRef::Unresolved { reference }
                    if ctx.inv.missing_kms_keys.iter().any(|m| {
                        m.account == s.account
                            && m.region == s.region
                            && Some(m.reference.as_str()) == s.kms_key_id.as_deref()
                    }) =>
                {
                    // DescribeKey said the key does not exist: it is a customer key reference,
                    // not the default key. SL402 reports the missing key itself.
                    ev.key_kind = "missing";
                    let raw = s.kms_key_id.clone().unwrap_or_default();
                    if allowed.is_empty() || allowed.iter().any(|e| *e == raw || *e == reference) {
                        out.secret(
                            s,
                            Status::Pass,
                            format!("references customer key {reference}, which does not exist (see SL402): not the default key"),
                            ev,
                        );
                    } else {
                        ev.on_allow_list = Some(false);
                        out.secret(
                            s,
                            Status::Fail,
                            format!("references key {reference} (which does not exist), not on the allow-list"),
                            ev,
                        );
                    }
                }
                KeyRef::Unresolved { reference } => {
                    ev.key_kind = "unresolved";
                    let gaps = key_gaps(ctx.inv, s, &reference);
                    let why = if gaps.is_empty() {
                        "not found among the collected keys and aliases".to_string()
                    } else {
                        gaps.iter()
                            .map(|g| {
                                format!("{} failed in {} ({})", g.operation, g.region, g.error_code)
                            })
                            .collect::<Vec<_>>()
                            .join("; ")
                    };
                    ev.gaps = gaps.into_iter().map(GapEvidence::from).collect();
                    out.secret(
                        s,
                        Status::Error,
                        format!("cannot resolve key {reference}: {why}"),
                        ev,
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testutil::*;
    use crate::inventory::KmsAlias;
    use crate::report::Finding;

    const CMK_ARN: &str = "arn:aws:kms:us-east-1:111122223333:key/k-cmk";

    fn keyed(name: &str, key: Option<&str>) -> Secret {
        let mut s = secret(name);
        s.kms_key_id = key.map(str::to_string);
        s
    }

    fn inv_with_keys(secrets: Vec<Secret>) -> Inventory {
        let mut inv = inventory(secrets);
        for (id, manager) in [
            ("k-cmk", "CUSTOMER"),
            ("k-other", "CUSTOMER"),
            ("k-aws", "AWS"),
        ] {
            inv.kms_keys.push(KmsKey {
                arn: format!("arn:aws:kms:{REGION}:{ACCOUNT}:key/{id}"),
                key_id: id.into(),
                account: ACCOUNT.into(),
                region: REGION.into(),
                key_manager: Some(manager.into()),
                key_state: Some("Enabled".into()),
                ..Default::default()
            });
        }
        for (alias, target) in [
            ("alias/secrets", "k-cmk"),
            ("alias/aws/secretsmanager", "k-aws"),
        ] {
            inv.kms_aliases.push(KmsAlias {
                account: ACCOUNT.into(),
                region: REGION.into(),
                name: alias.into(),
                arn: Some(format!("arn:aws:kms:{REGION}:{ACCOUNT}:{alias}")),
                target_key_id: Some(target.into()),
            });
        }
        inv
    }

    fn finding<'a>(f: &'a [Finding], name: &str) -> &'a Finding {
        f.iter()
            .find(|x| x.resource.name.as_ref() == name)
            .expect("finding exists")
    }

    fn all_forms() -> Vec<Secret> {
        let mut replica = keyed("prod/app/replica", None);
        replica.region = "eu-west-1".into();
        replica.primary_region = Some(REGION.into());
        vec![
            keyed("prod/app/absent", None),
            keyed("prod/app/default-alias", Some("alias/aws/secretsmanager")),
            keyed("prod/app/default-key-id", Some("k-aws")),
            keyed("prod/app/cmk-alias", Some("alias/secrets")),
            keyed("prod/app/cmk-arn", Some(CMK_ARN)),
            keyed("prod/app/other-cmk", Some("k-other")),
            keyed(
                "prod/app/foreign",
                Some("arn:aws:kms:us-east-1:444455556666:key/k-foreign"),
            ),
            keyed(
                "prod/app/foreign-alias",
                Some("arn:aws:kms:us-east-1:444455556666:alias/shared"),
            ),
            keyed("prod/app/missing-alias", Some("alias/gone")),
            replica,
        ]
    }

    #[test]
    fn without_allow_list() {
        let f = run(&DefaultKmsKey, &inv_with_keys(all_forms()));
        assert_eq!(f.len(), 9, "replica excluded");
        assert_eq!(status_of(&f, "prod/app/absent"), Status::Fail);
        assert_eq!(status_of(&f, "prod/app/default-alias"), Status::Fail);
        assert_eq!(status_of(&f, "prod/app/default-key-id"), Status::Fail);
        assert_eq!(status_of(&f, "prod/app/cmk-alias"), Status::Pass);
        assert_eq!(status_of(&f, "prod/app/cmk-arn"), Status::Pass);
        assert_eq!(status_of(&f, "prod/app/other-cmk"), Status::Pass);
        assert_eq!(status_of(&f, "prod/app/foreign"), Status::Pass);
        assert_eq!(status_of(&f, "prod/app/foreign-alias"), Status::Pass);
        assert_eq!(status_of(&f, "prod/app/missing-alias"), Status::Error);

        let absent = finding(&f, "prod/app/absent");
        assert_eq!(
            absent.message,
            "encrypted with the AWS managed key alias/aws/secretsmanager"
        );
        assert_eq!(absent.evidence()["key_kind"], "aws_managed");
        assert!(absent.evidence()["kms_key_id"].is_null());
        let cmk = finding(&f, "prod/app/cmk-alias");
        assert_eq!(cmk.evidence()["key"], CMK_ARN);
        assert_eq!(
            cmk.evidence()["key_aliases"],
            serde_json::json!(["alias/secrets"])
        );
        let foreign = finding(&f, "prod/app/foreign");
        assert_eq!(foreign.evidence()["key_account"], "444455556666");
        assert!(
            foreign
                .message
                .contains("in account 444455556666, not collected"),
            "{}",
            foreign.message
        );
        let missing = finding(&f, "prod/app/missing-alias");
        assert_eq!(
            missing.message,
            "cannot resolve key arn:aws:kms:us-east-1:111122223333:alias/gone: not found among the collected keys and aliases"
        );
    }

    #[test]
    fn with_allow_list() {
        let mut cfg = crate::config::Config::default();
        cfg.raw.encryption.allowed_kms_keys = vec![
            "alias/secrets".into(),
            "arn:aws:kms:us-east-1:444455556666:key/k-foreign".into(),
        ];
        let f = run_with(&DefaultKmsKey, &inv_with_keys(all_forms()), &cfg);
        assert_eq!(status_of(&f, "prod/app/absent"), Status::Fail);
        assert_eq!(status_of(&f, "prod/app/cmk-alias"), Status::Pass);
        assert_eq!(
            status_of(&f, "prod/app/cmk-arn"),
            Status::Pass,
            "allowed by its alias"
        );
        assert_eq!(status_of(&f, "prod/app/other-cmk"), Status::Fail);
        assert_eq!(status_of(&f, "prod/app/foreign"), Status::Pass);
        assert_eq!(status_of(&f, "prod/app/foreign-alias"), Status::Error);
        let other = finding(&f, "prod/app/other-cmk");
        assert_eq!(other.evidence()["on_allow_list"], false);
        assert!(
            other.message.ends_with("which is not on the allow-list"),
            "{}",
            other.message
        );
        assert_eq!(
            finding(&f, "prod/app/cmk-arn").evidence()["on_allow_list"],
            true
        );

        // By key id and by key ARN.
        for entry in ["k-other", "arn:aws:kms:us-east-1:111122223333:key/k-other"] {
            cfg.raw.encryption.allowed_kms_keys = vec![entry.into()];
            let f = run_with(&DefaultKmsKey, &inv_with_keys(all_forms()), &cfg);
            assert_eq!(status_of(&f, "prod/app/other-cmk"), Status::Pass, "{entry}");
            assert_eq!(status_of(&f, "prod/app/cmk-alias"), Status::Fail, "{entry}");
            assert_eq!(status_of(&f, "prod/app/foreign"), Status::Fail, "{entry}");
        }
        // By alias ARN.
        cfg.raw.encryption.allowed_kms_keys =
            vec!["arn:aws:kms:us-east-1:111122223333:alias/secrets".into()];
        let f = run_with(&DefaultKmsKey, &inv_with_keys(all_forms()), &cfg);
        assert_eq!(status_of(&f, "prod/app/cmk-arn"), Status::Pass);
    }

    #[test]
    fn a_key_that_does_not_exist_is_not_the_default_key() {
        let gone = "arn:aws:kms:us-east-1:111122223333:key/gone";
        let mut inv = inventory(vec![keyed("prod/app/gone", Some(gone))]);
        inv.missing_kms_keys.push(crate::inventory::MissingKey {
            account: ACCOUNT.into(),
            region: REGION.into(),
            reference: gone.into(),
        });
        let f = run(&DefaultKmsKey, &inv);
        assert_eq!(status_of(&f, "prod/app/gone"), Status::Pass, "{f:#?}");
        assert_eq!(f[0].evidence()["key_kind"], "missing");
        // Without the missing-key record it stays an error: never a guess.
        let f = run(
            &DefaultKmsKey,
            &inventory(vec![keyed("prod/app/gone", Some(gone))]),
        );
        assert_eq!(status_of(&f, "prod/app/gone"), Status::Error);
    }

    #[test]
    fn unresolved_names_the_gap() {
        let mut inv = inv_with_keys(vec![
            keyed("prod/app/a", Some("alias/app")),
            keyed("prod/app/b", Some("k-x")),
        ]);
        inv.gaps.push(Gap::new(
            ACCOUNT,
            REGION,
            Operation::ListAliases,
            REGION,
            "AccessDeniedException",
            "not authorized to perform kms:ListAliases",
        ));
        inv.gaps.push(Gap::new(
            ACCOUNT,
            REGION,
            Operation::DescribeKey,
            "k-x",
            "ThrottlingException",
            String::new(),
        ));
        let f = run(&DefaultKmsKey, &inv);
        assert_eq!(status_of(&f, "prod/app/a"), Status::Error);
        assert_eq!(status_of(&f, "prod/app/b"), Status::Error);
        let a = finding(&f, "prod/app/a");
        assert_eq!(
            a.message,
            "cannot resolve key arn:aws:kms:us-east-1:111122223333:alias/app: ListAliases failed in us-east-1 (AccessDeniedException)"
        );
        assert_eq!(a.evidence()["gaps"][0]["operation"], "ListAliases");
        let b = finding(&f, "prod/app/b");
        assert_eq!(
            b.message,
            "cannot resolve key k-x: DescribeKey failed in us-east-1 (ThrottlingException)",
            "a ListAliases gap does not concern a key id"
        );
        assert_eq!(b.evidence()["key_kind"], "unresolved");
    }
}
