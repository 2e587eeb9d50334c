//! SL403 kms-key-rotation-disabled: a customer managed key that encrypts secrets does not
//! rotate its key material automatically. One finding per key (resource type `kms-key`),
//! listing the secrets (and replicas) that use it.

use std::collections::BTreeMap;

use serde::Serialize;

use super::support::kms::{alias_suffix, aliases_of, gaps_text, key_gaps, missing_key};
use super::{Check, Context, Emitter, GapEvidence};
use super::support::{rfc3339};
use crate::operation::Operation;
use crate::inventory::{KmsKey, Secret};
use crate::kms::{KeyRef, KeyReference, parse_reference, resolve_key};
use crate::report::{Resource, Status};

pub struct KmsKeyRotationDisabled;

/// A secret (or a replica of one) encrypted under the key.
#[derive(Debug, Clone, Serialize)]
struct User<'a> {
    name: &'a str,
    arn: &'a str,
    /// The region of the copy that uses the key: the secret's, or its replica's.
    region: &'a str,
    replica: bool,
}

#[derive(Serialize)]
struct Evidence<'a> {
    key_arn: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    key_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    key_aliases: Vec<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    key_state: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    origin: Option<&'a str>,
    /// `GetKeyRotationStatus`; `null` when not collected.
    rotation_enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    deletion_date: Option<String>,
    /// The secrets using the key.
    secrets: Vec<User<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    gaps: Vec<GapEvidence<'a>>,
}

/// Keys the secrets use, by kind.
#[derive(Default)]
struct Usage<'a> {
    customer: BTreeMap<&'a str, (&'a KmsKey, Vec<User<'a>>)>,
    /// Reference → (account, users).
    foreign: BTreeMap<String, (String, Vec<User<'a>>)>,
    /// (account, region, reference as written, resolved reference) → users.
    unresolved: BTreeMap<(String, String, String, String), Vec<User<'a>>>,
}

impl<'a> Usage<'a> {
    fn add(
        &mut self,
        ctx: &Context<'a>,
        s: &'a Secret,
        raw: Option<&'a str>,
        region: &'a str,
        replica: bool,
    ) {
        let user = User {
            name: &s.name,
            arn: &s.arn,
            region,
            replica,
        };
        match resolve_key(ctx.inv, s, raw, region) {
            KeyRef::Default { .. } => {}
            KeyRef::Customer(k) => self
                .customer
                .entry(k.arn.as_str())
                .or_insert((k, Vec::new()))
                .1
                .push(user),
            KeyRef::OtherAccount { reference, account } => {
                self.foreign
                    .entry(reference)
                    .or_insert((account, Vec::new()))
                    .1
                    .push(user);
            }
            KeyRef::Unresolved { reference } => {
                let key = (
                    s.account.clone(),
                    region.to_string(),
                    raw.unwrap_or_default().to_string(),
                    reference,
                );
                self.unresolved.entry(key).or_default().push(user);
            }
        }
    }
}

fn key_resource(arn: &str, name: &str, account: &str, region: &str) -> Resource {
    Resource::new(
        arn.to_string(),
        name.to_string(),
        "kms-key".to_string(),
        account.to_string(),
        region.to_string(),
    )
}

/// `prod/a (us-east-1), prod/b (replica in eu-west-1)`, at most five names.
fn users_text(users: &[User<'_>]) -> String {
    let mut names: Vec<String> = users
        .iter()
        .take(5)
        .map(|u| {
            if u.replica {
                format!("{} (replica in {})", u.name, u.region)
            } else {
                u.name.to_string()
            }
        })
        .collect();
    if users.len() > 5 {
        names.push(format!("{} more", users.len() - 5));
    }
    names.join(", ")
}

/// The region of an unresolved reference: the ARN's, else the one it was used in.
fn arn_for(reference: &str, account: &str, region: &str) -> String {
    if reference.starts_with("arn:") {
        reference.to_string()
    } else if reference.starts_with("alias/") {
        format!("arn:aws:kms:{region}:{account}:{reference}")
    } else {
        format!("arn:aws:kms:{region}:{account}:key/{reference}")
    }
}

impl Check for KmsKeyRotationDisabled {
    fn id(&self) -> &'static str {
        "SL403"
    }

    fn doc(&self) -> &'static str {
        include_str!("../../checks/SL403-kms-key-rotation-disabled.md")
    }

    fn run(&self, ctx: &Context<'_>, out: &mut Emitter<'_>) {
        let mut usage = Usage::default();
        for s in ctx.secrets() {
            usage.add(ctx, s, s.kms_key_id.as_deref(), &s.region, false);
            for rep in s
                .replication
                .iter()
                .flatten()
                .filter(|r| !r.region.is_empty())
            {
                usage.add(ctx, s, rep.kms_key_id.as_deref(), &rep.region, true);
            }
        }

        for (arn, (k, users)) in usage.customer {
            let aliases = aliases_of(ctx.inv, k);
            let resource = key_resource(
                arn,
                aliases.first().copied().unwrap_or(&k.key_id),
                &k.account,
                &k.region,
            );
            let named = format!("key {arn}{}", alias_suffix(&aliases));
            let used_by = users_text(&users);
            let mut ev = Evidence {
                key_arn: arn,
                key_id: Some(&k.key_id),
                key_aliases: aliases,
                key_state: k.key_state.as_deref(),
                origin: k.origin.as_deref(),
                rotation_enabled: k.rotation_enabled,
                deletion_date: rfc3339(k.deletion_date),
                secrets: users,
                gaps: Vec::new(),
            };
            if matches!(
                k.key_state.as_deref(),
                Some("PendingDeletion" | "PendingReplicaDeletion")
            ) {
                out.push(
                    resource,
                    Status::NotApplicable,
                    format!("{named} is pending deletion (see SL402); used by {used_by}"),
                    ev,
                );
                continue;
            }
            if let Some(origin) = k.origin.as_deref().filter(|o| *o != "AWS_KMS") {
                out.push(
                    resource,
                    Status::NotApplicable,
                    format!(
                        "{named} has key material from {origin}, which AWS KMS cannot rotate automatically: rotate it manually; used by {used_by}"
                    ),
                    ev,
                );
                continue;
            }
            match k.rotation_enabled {
                Some(true) => out.push(
                    resource,
                    Status::Pass,
                    format!("{named} rotates automatically; used by {used_by}"),
                    ev,
                ),
                Some(false) => out.push(
                    resource,
                    Status::Fail,
                    format!("automatic rotation is disabled for {named}, used by {used_by}"),
                    ev,
                ),
                None => {
                    let gaps: Vec<_> = ctx.inv.gaps_for(Operation::GetKeyRotationStatus, arn).collect();
                    let why = if gaps.is_empty() {
                        "it was not collected".to_string()
                    } else {
                        gaps_text(&gaps)
                    };
                    ev.gaps = gaps.into_iter().map(GapEvidence::from).collect();
                    out.push(
                        resource,
                        Status::Error,
                        format!("cannot tell whether {named} rotates: {why}; used by {used_by}"),
                        ev,
                    );
                }
            }
        }

        for (reference, (account, users)) in usage.foreign {
            let used_by = users_text(&users);
            let ev = Evidence {
                key_arn: &reference,
                key_id: None,
                key_aliases: Vec::new(),
                key_state: None,
                origin: None,
                rotation_enabled: None,
                deletion_date: None,
                secrets: users,
                gaps: Vec::new(),
            };
            // Other-account references are always ARNs: the key lives in the ARN's region.
            let region = match parse_reference(Some(&reference)) {
                KeyReference::KeyArn { region, .. } | KeyReference::AliasArn { region, .. } => {
                    region
                }
                _ => String::new(),
            };
            out.push(
                key_resource(&reference, &reference, &account, &region),
                Status::Error,
                format!(
                    "key {reference} is in account {account}, which was not collected: its rotation status is unknown; used by {used_by}"
                ),
                ev,
            );
        }

        for ((account, region, raw, reference), users) in usage.unresolved {
            let arn = arn_for(&reference, &account, &region);
            let used_by = users_text(&users);
            let mut ev = Evidence {
                key_arn: &arn,
                key_id: None,
                key_aliases: Vec::new(),
                key_state: None,
                origin: None,
                rotation_enabled: None,
                deletion_date: None,
                secrets: users,
                gaps: Vec::new(),
            };
            let resource = key_resource(&arn, &reference, &account, &region);
            if missing_key(ctx.inv, &raw, &account, &region).is_some() {
                out.push(
                    resource,
                    Status::NotApplicable,
                    format!("key {reference} does not exist (see SL402); used by {used_by}"),
                    ev,
                );
                continue;
            }
            let gaps = key_gaps(ctx.inv, &raw, &reference, &account, &region);
            let why = if gaps.is_empty() {
                "it is not among the collected keys and aliases".to_string()
            } else {
                gaps_text(&gaps)
            };
            ev.gaps = gaps.into_iter().map(GapEvidence::from).collect();
            out.push(
                resource,
                Status::Error,
                format!("cannot resolve key {reference} to tell whether it rotates: {why}; used by {used_by}"),
                ev,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testutil::*;
    use crate::inventory::{Gap, Inventory, KmsAlias, MissingKey, Replica};
    use crate::report::Finding;

    fn key(id: &str, region: &str, manager: &str, rotation: Option<bool>) -> KmsKey {
        KmsKey {
            arn: format!("arn:aws:kms:{region}:{ACCOUNT}:key/{id}"),
            key_id: id.into(),
            account: ACCOUNT.into(),
            region: region.into(),
            key_manager: Some(manager.into()),
            key_state: Some("Enabled".into()),
            origin: Some("AWS_KMS".into()),
            rotation_enabled: rotation,
            ..Default::default()
        }
    }

    fn keyed(name: &str, key: Option<&str>) -> Secret {
        let mut s = secret(name);
        s.kms_key_id = key.map(str::to_string);
        s
    }

    fn by_name<'a>(f: &'a [Finding], name: &str) -> &'a Finding {
        let m: Vec<_> = f
            .iter()
            .filter(|x| x.resource.name.as_ref() == name)
            .collect();
        assert_eq!(m.len(), 1, "one finding on {name}: {f:#?}");
        m[0]
    }

    fn fixture() -> Inventory {
        let mut a = keyed("prod/app/a", Some("alias/rotating"));
        a.replication = Some(vec![Replica {
            region: "eu-west-1".into(),
            kms_key_id: Some("k-eu".into()),
            status: Some("InSync".into()),
            ..Default::default()
        }]);
        // The replica's own listing: never a separate user.
        let mut a_replica = keyed("prod/app/a", Some("k-eu"));
        a_replica.region = "eu-west-1".into();
        a_replica.primary_region = Some(REGION.into());
        let mut inv = inventory(vec![
            a,
            a_replica,
            keyed("prod/app/b", Some("k-rotating")),
            keyed("prod/app/c", Some("k-static")),
            keyed("prod/app/default", None),
            keyed("prod/app/aws", Some("k-aws")),
            keyed("prod/app/pending", Some("k-pending")),
            keyed("prod/app/imported", Some("k-imported")),
            keyed("prod/app/unknown", Some("k-unknown")),
            keyed(
                "prod/app/foreign",
                Some("arn:aws:kms:us-east-1:444455556666:key/k-f"),
            ),
            keyed("prod/app/gone", Some("k-gone")),
            keyed("prod/app/denied", Some("k-denied")),
        ]);
        inv.kms_keys = vec![
            key("k-rotating", REGION, "CUSTOMER", Some(true)),
            key("k-static", REGION, "CUSTOMER", Some(false)),
            key("k-eu", "eu-west-1", "CUSTOMER", Some(false)),
            key("k-aws", REGION, "AWS", None),
            KmsKey {
                key_state: Some("PendingDeletion".into()),
                ..key("k-pending", REGION, "CUSTOMER", None)
            },
            KmsKey {
                origin: Some("EXTERNAL".into()),
                ..key("k-imported", REGION, "CUSTOMER", None)
            },
            key("k-unknown", REGION, "CUSTOMER", None),
        ];
        inv.kms_aliases.push(KmsAlias {
            account: ACCOUNT.into(),
            region: REGION.into(),
            name: "alias/rotating".into(),
            arn: None,
            target_key_id: Some("k-rotating".into()),
        });
        inv.missing_kms_keys.push(MissingKey {
            account: ACCOUNT.into(),
            region: REGION.into(),
            reference: "k-gone".into(),
        });
        for (op, res) in [
            (
                "GetKeyRotationStatus",
                format!("arn:aws:kms:{REGION}:{ACCOUNT}:key/k-unknown"),
            ),
            ("DescribeKey", "k-denied".to_string()),
        ] {
            inv.gaps.push(Gap::new(
                ACCOUNT,
                REGION,
                Operation::from_name(op),
                res,
                "AccessDeniedException",
                String::new(),
            ));
        }
        inv
    }

    #[test]
    fn one_finding_per_customer_key() {
        let f = run(&KmsKeyRotationDisabled, &fixture());
        assert!(f.iter().all(|x| x.resource.kind.as_ref() == "kms-key"));
        let ids: Vec<&str> = f.iter().map(|x| x.resource.name.as_ref()).collect();
        assert_eq!(f.len(), 9, "no finding for the AWS managed key: {ids:?}");

        let rotating = by_name(&f, "alias/rotating");
        assert_eq!(rotating.status, Status::Pass);
        assert_eq!(
            rotating.resource.arn.as_ref(),
            "arn:aws:kms:us-east-1:111122223333:key/k-rotating"
        );
        assert_eq!(
            rotating.evidence()["secrets"],
            serde_json::json!([
                {"name": "prod/app/a", "arn": "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/app/a-AbCdEf", "region": "us-east-1", "replica": false},
                {"name": "prod/app/b", "arn": "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/app/b-AbCdEf", "region": "us-east-1", "replica": false},
            ])
        );
        assert_eq!(
            rotating.message,
            "key arn:aws:kms:us-east-1:111122223333:key/k-rotating (alias/rotating) rotates automatically; used by prod/app/a, prod/app/b"
        );

        let fixed = by_name(&f, "k-static");
        assert_eq!(fixed.status, Status::Fail);
        assert_eq!(fixed.evidence()["rotation_enabled"], false);
        assert_eq!(
            fixed.message,
            "automatic rotation is disabled for key arn:aws:kms:us-east-1:111122223333:key/k-static, used by prod/app/c"
        );

        // The replica's key, in the replica's region, used once (by the primary's replica).
        let eu = by_name(&f, "k-eu");
        assert_eq!(eu.status, Status::Fail);
        assert_eq!(eu.resource.region.as_ref(), "eu-west-1");
        assert_eq!(eu.evidence()["secrets"].as_array().map(Vec::len), Some(1));
        assert!(
            eu.message
                .ends_with("used by prod/app/a (replica in eu-west-1)"),
            "{}",
            eu.message
        );

        assert_eq!(by_name(&f, "k-pending").status, Status::NotApplicable);
        assert_eq!(by_name(&f, "k-imported").status, Status::NotApplicable);
        let unknown = by_name(&f, "k-unknown");
        assert_eq!(unknown.status, Status::Error);
        assert!(
            unknown
                .message
                .contains("GetKeyRotationStatus failed in us-east-1 (AccessDeniedException)"),
            "{}",
            unknown.message
        );
        let foreign = by_name(&f, "arn:aws:kms:us-east-1:444455556666:key/k-f");
        assert_eq!(foreign.status, Status::Error);
        assert_eq!(foreign.resource.account.as_ref(), "444455556666");
        assert!(
            foreign
                .message
                .contains("in account 444455556666, which was not collected"),
            "{}",
            foreign.message
        );
        assert_eq!(by_name(&f, "k-gone").status, Status::NotApplicable);
        let denied = by_name(&f, "k-denied");
        assert_eq!(denied.status, Status::Error);
        assert_eq!(
            denied.resource.arn.as_ref(),
            "arn:aws:kms:us-east-1:111122223333:key/k-denied"
        );
        assert!(
            denied.message.contains("DescribeKey failed"),
            "{}",
            denied.message
        );
    }

    #[test]
    fn finding_ids_are_stable_per_key() {
        let f1 = run(&KmsKeyRotationDisabled, &fixture());
        let f2 = run(&KmsKeyRotationDisabled, &fixture());
        let ids1: Vec<_> = f1.iter().map(|f| &f.id).collect();
        let ids2: Vec<_> = f2.iter().map(|f| &f.id).collect();
        assert_eq!(ids1, ids2);
        let unique: std::collections::BTreeSet<_> = ids1.iter().collect();
        assert_eq!(unique.len(), ids1.len(), "one finding per key");
    }
}
