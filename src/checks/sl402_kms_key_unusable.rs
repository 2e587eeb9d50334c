//! SL402 kms-key-unusable: the secret's KMS key is disabled, pending deletion, unavailable or
//! gone, so the secret can no longer be read (or soon will not be).
//!
//! Also home of the KMS helpers SL403 and SL503 share: aliases of a key, missing-key lookup,
//! and the collection gaps that explain an unresolved reference.

use serde::Serialize;

use super::support::kms::{alias_suffix, aliases_of, gaps_text, key_gaps, missing_key};
use super::{Check, Context, Emitter, GapEvidence};
use super::support::{rfc3339, ymd};
use crate::inventory::{DEFAULT_KEY_ALIAS, KmsKey, Secret};
use crate::kms::{KeyRef, resolve_key};
use crate::report::Status;

pub struct KmsKeyUnusable;

#[derive(Serialize)]
struct Evidence<'a> {
    /// `KmsKeyId` as collected; `null` means the default key.
    kms_key_id: Option<&'a str>,
    /// The key it resolves to: `alias/aws/secretsmanager`, a key ARN, or the reference.
    key: String,
    /// `aws_managed`, `customer_managed`, `other_account`, `missing` or `unresolved`.
    key_kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    key_arn: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    key_account: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    key_aliases: Vec<&'a str>,
    /// `Enabled`, `Disabled`, `PendingDeletion`, … as `DescribeKey` reported it.
    #[serde(skip_serializing_if = "Option::is_none")]
    key_state: Option<&'a str>,
    /// When a key pending deletion will be deleted.
    #[serde(skip_serializing_if = "Option::is_none")]
    deletion_date: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    gaps: Vec<GapEvidence<'a>>,
}

crate::error::message_error!(
    /// Why a key's state cannot be judged (the key's state was not collected, or is one this version does not know).
    pub KeyStateUnknown
);

/// What a key state means for the secret: `Ok(None)` usable, `Ok(Some(why))` unusable,
/// `Err(why)` cannot tell.
fn judge_state(k: &KmsKey) -> Result<Option<String>, KeyStateUnknown> {
    let Some(state) = k.key_state.as_deref() else {
        return Err("its state was not collected".to_string().into());
    };
    let why = match state {
        "Enabled" | "Updating" => return Ok(None),
        "Disabled" => "is disabled: the secret cannot be decrypted until the key is re-enabled".to_string(),
        "PendingDeletion" | "PendingReplicaDeletion" => match k.deletion_date {
            Some(d) => format!(
                "is scheduled for deletion on {}: the secret cannot be decrypted now, and never again once the key is deleted",
                ymd(d)
            ),
            None => "is pending deletion: the secret cannot be decrypted now, and never again once the key is deleted"
                .to_string(),
        },
        "PendingImport" => "has no key material (PendingImport): the secret cannot be decrypted".to_string(),
        "Unavailable" => {
            "is unavailable (its custom key store is disconnected): the secret cannot be decrypted".to_string()
        }
        "Creating" => "is still being created: the secret cannot be decrypted yet".to_string(),
        other => return Err(format!("its state {other:?} is not one secretlens knows").into()),
    };
    Ok(Some(why))
}

/// The finding for a collected key, from its state.
fn emit_state(out: &mut Emitter<'_>, s: &Secret, k: &KmsKey, name: String, ev: Evidence<'_>) {
    match judge_state(k) {
        Ok(None) => out.secret(
            s,
            Status::Pass,
            format!("{name} is {}", k.key_state.as_deref().unwrap_or("Enabled")),
            ev,
        ),
        Ok(Some(why)) => out.secret(s, Status::Fail, format!("{name} {why}"), ev),
        Err(why) => out.secret(
            s,
            Status::Error,
            format!("cannot tell whether {name} is usable: {why}"),
            ev,
        ),
    }
}

impl Check for KmsKeyUnusable {
    fn id(&self) -> &'static str {
        "SL402"
    }

    fn doc(&self) -> &'static str {
        include_str!("../../checks/SL402-kms-key-unusable.md")
    }

    fn run(&self, ctx: &Context<'_>, out: &mut Emitter<'_>) {
        for s in ctx.secrets() {
            let key = resolve_key(ctx.inv, s, s.kms_key_id.as_deref(), &s.region);
            let mut ev = Evidence {
                kms_key_id: s.kms_key_id.as_deref(),
                key: key.label(),
                key_kind: "",
                key_arn: None,
                key_account: None,
                key_aliases: Vec::new(),
                key_state: None,
                deletion_date: None,
                gaps: Vec::new(),
            };
            match key {
                KeyRef::Default { key: None } => {
                    ev.key_kind = "aws_managed";
                    out.secret(
                        s,
                        Status::Pass,
                        format!("encrypted with the AWS managed key {DEFAULT_KEY_ALIAS}, which AWS keeps enabled"),
                        ev,
                    );
                }
                KeyRef::Default { key: Some(k) } => {
                    ev.key_kind = "aws_managed";
                    ev.key_arn = Some(&k.arn);
                    ev.key_account = Some(k.account.clone());
                    ev.key_state = k.key_state.as_deref();
                    ev.deletion_date = rfc3339(k.deletion_date);
                    // AWS managed keys cannot be disabled or deleted; trust what was collected.
                    if k.key_state.is_none() {
                        out.secret(
                            s,
                            Status::Pass,
                            format!("encrypted with the AWS managed key {DEFAULT_KEY_ALIAS}, which AWS keeps enabled"),
                            ev,
                        );
                    } else {
                        emit_state(
                            out,
                            s,
                            k,
                            format!("AWS managed key {DEFAULT_KEY_ALIAS}"),
                            ev,
                        );
                    }
                }
                KeyRef::Customer(k) => {
                    ev.key_kind = "customer_managed";
                    ev.key_arn = Some(&k.arn);
                    ev.key_account = Some(k.account.clone());
                    ev.key_aliases = aliases_of(ctx.inv, k);
                    ev.key_state = k.key_state.as_deref();
                    ev.deletion_date = rfc3339(k.deletion_date);
                    let name = format!("key {}{}", k.arn, alias_suffix(&ev.key_aliases));
                    emit_state(out, s, k, name, ev);
                }
                KeyRef::OtherAccount { reference, account } => {
                    ev.key_kind = "other_account";
                    ev.key_account = Some(account.clone());
                    out.secret(
                        s,
                        Status::Error,
                        format!(
                            "key {reference} is in account {account}, which was not collected: its state is unknown"
                        ),
                        ev,
                    );
                }
                KeyRef::Unresolved { reference } => {
                    let raw = s.kms_key_id.as_deref().unwrap_or_default();
                    if missing_key(ctx.inv, raw, &s.account, &s.region).is_some() {
                        ev.key_kind = "missing";
                        let msg = if reference.contains("alias/") {
                            format!(
                                "alias {reference} does not exist: new versions (and rotation) cannot be encrypted, and existing versions are readable only if the key it named still exists"
                            )
                        } else {
                            format!(
                                "key {reference} does not exist: the secret cannot be decrypted"
                            )
                        };
                        out.secret(s, Status::Fail, msg, ev);
                    } else {
                        ev.key_kind = "unresolved";
                        let gaps = key_gaps(ctx.inv, raw, &reference, &s.account, &s.region);
                        let why = if gaps.is_empty() {
                            "it is not among the collected keys and aliases".to_string()
                        } else {
                            gaps_text(&gaps)
                        };
                        ev.gaps = gaps.into_iter().map(GapEvidence::from).collect();
                        out.secret(
                            s,
                            Status::Error,
                            format!("cannot tell whether key {reference} is usable: {why}"),
                            ev,
                        );
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::{Gap, Inventory, MissingKey};
    use crate::operation::Operation;
    use crate::checks::testutil::*;
    use crate::inventory::KmsAlias;
    use crate::report::Finding;

    fn key(id: &str, manager: &str, state: Option<&str>) -> KmsKey {
        KmsKey {
            arn: format!("arn:aws:kms:{REGION}:{ACCOUNT}:key/{id}"),
            key_id: id.into(),
            account: ACCOUNT.into(),
            region: REGION.into(),
            key_manager: Some(manager.into()),
            key_state: state.map(str::to_string),
            ..Default::default()
        }
    }

    fn keyed(name: &str, key: Option<&str>) -> Secret {
        let mut s = secret(name);
        s.kms_key_id = key.map(str::to_string);
        s
    }

    fn finding<'a>(f: &'a [Finding], name: &str) -> &'a Finding {
        f.iter()
            .find(|x| x.resource.name.as_ref() == name)
            .expect("finding exists")
    }

    fn fixture() -> Inventory {
        let mut replica = keyed("prod/app/enabled", Some("k-disabled"));
        replica.region = "eu-west-1".into();
        replica.primary_region = Some(REGION.into());
        let mut inv = inventory(vec![
            keyed("prod/app/default", None),
            keyed("prod/app/enabled", Some("alias/app")),
            keyed("prod/app/disabled", Some("k-disabled")),
            keyed(
                "prod/app/pending",
                Some(&format!("arn:aws:kms:{REGION}:{ACCOUNT}:key/k-pending")),
            ),
            keyed("prod/app/import", Some("k-import")),
            keyed("prod/app/unavailable", Some("k-unavailable")),
            keyed(
                "prod/app/deleted",
                Some(&format!("arn:aws:kms:{REGION}:{ACCOUNT}:key/k-deleted")),
            ),
            keyed("prod/app/alias-gone", Some("alias/gone")),
            keyed(
                "prod/app/foreign",
                Some("arn:aws:kms:us-east-1:444455556666:key/k-foreign"),
            ),
            keyed("prod/app/denied", Some("k-denied")),
            keyed("prod/app/stateless", Some("k-stateless")),
            replica,
        ]);
        inv.kms_keys = vec![
            key("k-enabled", "CUSTOMER", Some("Enabled")),
            key("k-disabled", "CUSTOMER", Some("Disabled")),
            KmsKey {
                deletion_date: Some(days_ago(-7)),
                ..key("k-pending", "CUSTOMER", Some("PendingDeletion"))
            },
            key("k-import", "CUSTOMER", Some("PendingImport")),
            key("k-unavailable", "CUSTOMER", Some("Unavailable")),
            key("k-stateless", "CUSTOMER", None),
        ];
        inv.kms_aliases.push(KmsAlias {
            account: ACCOUNT.into(),
            region: REGION.into(),
            name: "alias/app".into(),
            arn: None,
            target_key_id: Some("k-enabled".into()),
        });
        // Collection recorded NotFoundException for these two (as the secrets wrote them,
        // or in another form).
        inv.missing_kms_keys = vec![
            MissingKey {
                account: ACCOUNT.into(),
                region: REGION.into(),
                reference: "k-deleted".into(),
            },
            MissingKey {
                account: ACCOUNT.into(),
                region: REGION.into(),
                reference: "alias/gone".into(),
            },
        ];
        inv.gaps.push(Gap::new(
            ACCOUNT,
            REGION,
            Operation::DescribeKey,
            "k-denied",
            "AccessDeniedException",
            "not authorized to perform kms:DescribeKey",
        ));
        inv
    }

    #[test]
    fn statuses_follow_the_key_state() {
        let f = run(&KmsKeyUnusable, &fixture());
        assert_eq!(f.len(), 11, "replica not evaluated separately: {f:#?}");
        for (name, want) in [
            ("prod/app/default", Status::Pass),
            ("prod/app/enabled", Status::Pass),
            ("prod/app/disabled", Status::Fail),
            ("prod/app/pending", Status::Fail),
            ("prod/app/import", Status::Fail),
            ("prod/app/unavailable", Status::Fail),
            ("prod/app/deleted", Status::Fail),
            ("prod/app/alias-gone", Status::Fail),
            ("prod/app/foreign", Status::Error),
            ("prod/app/denied", Status::Error),
            ("prod/app/stateless", Status::Error),
        ] {
            assert_eq!(
                status_of(&f, name),
                want,
                "{name}: {:#?}",
                finding(&f, name)
            );
        }
        assert!(
            f.iter()
                .all(|x| x.severity == crate::report::Severity::Critical)
        );
    }

    #[test]
    fn evidence_and_messages() {
        let f = run(&KmsKeyUnusable, &fixture());
        let enabled = finding(&f, "prod/app/enabled");
        assert_eq!(
            enabled.evidence()["key_aliases"],
            serde_json::json!(["alias/app"])
        );
        assert_eq!(enabled.evidence()["key_state"], "Enabled");

        let disabled = finding(&f, "prod/app/disabled");
        assert_eq!(
            disabled.message,
            "key arn:aws:kms:us-east-1:111122223333:key/k-disabled is disabled: the secret cannot be decrypted until the key is re-enabled"
        );
        assert_eq!(disabled.evidence()["key_state"], "Disabled");
        assert_eq!(
            disabled.evidence()["key_arn"],
            "arn:aws:kms:us-east-1:111122223333:key/k-disabled"
        );

        let pending = finding(&f, "prod/app/pending");
        assert_eq!(
            pending.evidence()["deletion_date"],
            "2026-06-08T00:00:00+00:00"
        );
        assert!(
            pending
                .message
                .contains("scheduled for deletion on 2026-06-08"),
            "{}",
            pending.message
        );

        let deleted = finding(&f, "prod/app/deleted");
        assert_eq!(deleted.evidence()["key_kind"], "missing");
        assert_eq!(
            deleted.message,
            "key arn:aws:kms:us-east-1:111122223333:key/k-deleted does not exist: the secret cannot be decrypted"
        );
        let alias = finding(&f, "prod/app/alias-gone");
        assert!(
            alias
                .message
                .starts_with("alias arn:aws:kms:us-east-1:111122223333:alias/gone does not exist"),
            "{}",
            alias.message
        );

        let foreign = finding(&f, "prod/app/foreign");
        assert_eq!(
            foreign.message,
            "key arn:aws:kms:us-east-1:444455556666:key/k-foreign is in account 444455556666, which was not collected: its state is unknown"
        );
        assert_eq!(foreign.evidence()["key_kind"], "other_account");

        let denied = finding(&f, "prod/app/denied");
        assert_eq!(
            denied.message,
            "cannot tell whether key k-denied is usable: DescribeKey failed in us-east-1 (AccessDeniedException)"
        );
        assert_eq!(
            denied.evidence()["gaps"][0]["error_code"],
            "AccessDeniedException"
        );

        let default = finding(&f, "prod/app/default");
        assert_eq!(default.evidence()["key_kind"], "aws_managed");
    }

    #[test]
    fn collected_default_key_is_trusted_when_it_says_otherwise() {
        let mut inv = inventory(vec![keyed("prod/app/default", Some("k-aws"))]);
        inv.kms_keys.push(key("k-aws", "AWS", Some("Enabled")));
        assert_eq!(
            status_of(&run(&KmsKeyUnusable, &inv), "prod/app/default"),
            Status::Pass
        );
        inv.kms_keys[0].key_state = Some("Disabled".into());
        assert_eq!(
            status_of(&run(&KmsKeyUnusable, &inv), "prod/app/default"),
            Status::Fail
        );
        inv.kms_keys[0].key_state = None;
        assert_eq!(
            status_of(&run(&KmsKeyUnusable, &inv), "prod/app/default"),
            Status::Pass
        );
    }

    #[test]
    fn missing_key_matches_any_reference_form() {
        let mut inv = inventory(vec![]);
        inv.missing_kms_keys.push(MissingKey {
            account: ACCOUNT.into(),
            region: REGION.into(),
            reference: format!("arn:aws:kms:{REGION}:{ACCOUNT}:key/k-x"),
        });
        assert!(missing_key(&inv, "k-x", ACCOUNT, REGION).is_some());
        assert!(
            missing_key(
                &inv,
                &format!("arn:aws:kms:{REGION}:{ACCOUNT}:key/k-x"),
                ACCOUNT,
                REGION
            )
            .is_some()
        );
        assert!(
            missing_key(&inv, "k-x", ACCOUNT, "eu-west-1").is_none(),
            "another region"
        );
        assert!(missing_key(&inv, "k-y", ACCOUNT, REGION).is_none());
        assert!(missing_key(&inv, "", ACCOUNT, REGION).is_none());
    }
}
