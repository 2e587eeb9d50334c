//! SL503 replica-default-kms-key: the primary is encrypted with a customer managed key but a
//! replica uses the AWS managed `aws/secretsmanager` key of its region.

use serde::Serialize;

use super::support::kms::{gaps_text, key_gaps, missing_key};
use super::support::replicas::{ReplicaView, replica_view};
use super::{Check, Context, Emitter, GapEvidence};
use crate::inventory::Secret;
use crate::kms::{KeyRef, resolve_key};
use crate::report::Status;

pub struct ReplicaDefaultKmsKey;

#[derive(Serialize)]
struct ReplicaEvidence<'a> {
    region: &'a str,
    /// `KmsKeyId` of the replica as `DescribeSecret` reported it.
    kms_key_id: Option<&'a str>,
    key: String,
    /// `aws_managed`, `customer_managed`, `other_account`, `missing` or `unresolved`.
    key_kind: &'static str,
}

#[derive(Serialize)]
struct Evidence<'a> {
    primary_kms_key_id: Option<&'a str>,
    primary_key: String,
    primary_key_kind: &'static str,
    replicas: Vec<ReplicaEvidence<'a>>,
    /// Replica regions on the AWS managed key.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    default_key_regions: Vec<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    gaps: Vec<GapEvidence<'a>>,
}

/// The kind of a resolved key; a reference recorded as missing is a (gone) customer key.
fn kind(
    ctx: &Context<'_>,
    s: &Secret,
    raw: Option<&str>,
    region: &str,
    key: &KeyRef<'_>,
) -> &'static str {
    match key {
        KeyRef::Default { .. } => "aws_managed",
        KeyRef::Customer(_) => "customer_managed",
        KeyRef::OtherAccount { .. } => "other_account",
        KeyRef::Unresolved { .. } => {
            if missing_key(ctx.inv, raw.unwrap_or_default(), &s.account, region).is_some() {
                "missing"
            } else {
                "unresolved"
            }
        }
    }
}

impl Check for ReplicaDefaultKmsKey {
    fn id(&self) -> &'static str {
        "SL503"
    }

    fn doc(&self) -> &'static str {
        include_str!("../../checks/SL503-replica-default-kms-key.md")
    }

    fn run(&self, ctx: &Context<'_>, out: &mut Emitter<'_>) {
        for s in ctx.secrets() {
            let primary = resolve_key(ctx.inv, s, s.kms_key_id.as_deref(), &s.region);
            let primary_kind = kind(ctx, s, s.kms_key_id.as_deref(), &s.region, &primary);
            let mut ev = Evidence {
                primary_kms_key_id: s.kms_key_id.as_deref(),
                primary_key: primary.label(),
                primary_key_kind: primary_kind,
                replicas: Vec::new(),
                default_key_regions: Vec::new(),
                gaps: Vec::new(),
            };
            let replicas = match replica_view(ctx, s, "replica keys unknown") {
                ReplicaView::Listed(replicas) => replicas,
                ReplicaView::Verdict {
                    status,
                    message,
                    gap,
                } => {
                    ev.gaps = gap.into_iter().map(GapEvidence::from).collect();
                    out.secret(s, status, message, ev);
                    continue;
                }
            };
            if primary_kind == "aws_managed" {
                out.secret(
                    s,
                    Status::NotApplicable,
                    "the primary uses the AWS managed key (see SL401)",
                    ev,
                );
                continue;
            }
            let mut unresolved = Vec::new();
            for r in replicas {
                let raw = r.kms_key_id.as_deref();
                let key = resolve_key(ctx.inv, s, raw, &r.region);
                let key_kind = kind(ctx, s, raw, &r.region, &key);
                match key_kind {
                    "aws_managed" => ev.default_key_regions.push(&r.region),
                    "unresolved" => {
                        let label = key.label();
                        let gaps = key_gaps(
                            ctx.inv,
                            raw.unwrap_or_default(),
                            &label,
                            &s.account,
                            &r.region,
                        );
                        let why = if gaps.is_empty() {
                            "not among the collected keys and aliases".to_string()
                        } else {
                            gaps_text(&gaps)
                        };
                        ev.gaps.extend(gaps.into_iter().map(GapEvidence::from));
                        unresolved.push(format!("{label} in {} ({why})", r.region));
                    }
                    _ => {}
                }
                ev.replicas.push(ReplicaEvidence {
                    region: &r.region,
                    kms_key_id: raw,
                    key: key.label(),
                    key_kind,
                });
            }
            let primary_label = ev.primary_key.clone();
            if !ev.default_key_regions.is_empty() {
                let regions = ev.default_key_regions.join(", ");
                if primary_kind == "unresolved" {
                    out.secret(
                        s,
                        Status::Error,
                        format!(
                            "the replica in {regions} uses the AWS managed key, but the primary's key {primary_label} could not be resolved to tell whether it is a customer managed key"
                        ),
                        ev,
                    );
                } else {
                    out.secret(
                        s,
                        Status::Fail,
                        format!(
                            "the replica in {regions} uses the AWS managed key aws/secretsmanager while the primary uses {primary_label}"
                        ),
                        ev,
                    );
                }
            } else if !unresolved.is_empty() {
                out.secret(
                    s,
                    Status::Error,
                    format!("cannot resolve the replica key {}", unresolved.join("; ")),
                    ev,
                );
            } else {
                let regions: Vec<&str> = ev.replicas.iter().map(|r| r.region).collect();
                out.secret(
                    s,
                    Status::Pass,
                    format!(
                        "every replica ({}) uses a customer managed key",
                        regions.join(", ")
                    ),
                    ev,
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operation::Operation;
    use crate::checks::testutil::*;
    use crate::inventory::{Gap, KmsKey, MissingKey, Replica};
    use crate::report::Finding;

    const EU: &str = "eu-west-1";

    fn key(id: &str, region: &str, manager: &str) -> KmsKey {
        KmsKey {
            arn: format!("arn:aws:kms:{region}:{ACCOUNT}:key/{id}"),
            key_id: id.into(),
            account: ACCOUNT.into(),
            region: region.into(),
            key_manager: Some(manager.into()),
            key_state: Some("Enabled".into()),
            ..Default::default()
        }
    }

    fn with(name: &str, primary: Option<&str>, replicas: &[(&str, Option<&str>)]) -> Secret {
        let mut s = secret(name);
        s.kms_key_id = primary.map(str::to_string);
        s.replication = Some(
            replicas
                .iter()
                .map(|(region, k)| Replica {
                    region: region.to_string(),
                    kms_key_id: k.map(str::to_string),
                    status: Some("InSync".into()),
                    ..Default::default()
                })
                .collect(),
        );
        s
    }

    fn finding<'a>(f: &'a [Finding], name: &str) -> &'a Finding {
        f.iter()
            .find(|x| x.resource.name.as_ref() == name)
            .expect("finding exists")
    }

    #[test]
    fn statuses() {
        let eu_arn = format!("arn:aws:kms:{EU}:{ACCOUNT}:key/k-eu");
        let mut inv = inventory(vec![
            with("prod/app/fail-absent", Some("k-us"), &[(EU, None)]),
            with(
                "prod/app/fail-alias",
                Some("k-us"),
                &[
                    (EU, Some("alias/aws/secretsmanager")),
                    ("us-west-2", Some("k-west")),
                ],
            ),
            with("prod/app/pass", Some("k-us"), &[(EU, Some(&eu_arn))]),
            with(
                "prod/app/pass-foreign",
                Some("k-us"),
                &[(EU, Some("arn:aws:kms:eu-west-1:444455556666:key/x"))],
            ),
            with(
                "prod/app/pass-missing",
                Some("k-us"),
                &[(EU, Some("alias/gone"))],
            ),
            with("prod/app/default-primary", None, &[(EU, None)]),
            with("prod/app/no-replicas", Some("k-us"), &[]),
            with(
                "prod/app/unresolved",
                Some("k-us"),
                &[(EU, Some("k-denied"))],
            ),
            with(
                "prod/app/primary-unresolved",
                Some("k-nowhere"),
                &[(EU, None)],
            ),
        ]);
        inv.kms_keys = vec![
            key("k-us", REGION, "CUSTOMER"),
            key("k-eu", EU, "CUSTOMER"),
            key("k-west", "us-west-2", "CUSTOMER"),
        ];
        inv.missing_kms_keys.push(MissingKey {
            account: ACCOUNT.into(),
            region: EU.into(),
            reference: "alias/gone".into(),
        });
        inv.gaps.push(Gap::new(
            ACCOUNT,
            EU,
            Operation::DescribeKey,
            "k-denied",
            "AccessDeniedException",
            String::new(),
        ));
        let f = run(&ReplicaDefaultKmsKey, &inv);
        for (name, want) in [
            ("prod/app/fail-absent", Status::Fail),
            ("prod/app/fail-alias", Status::Fail),
            ("prod/app/pass", Status::Pass),
            ("prod/app/pass-foreign", Status::Pass),
            ("prod/app/pass-missing", Status::Pass),
            ("prod/app/default-primary", Status::NotApplicable),
            ("prod/app/no-replicas", Status::NotApplicable),
            ("prod/app/unresolved", Status::Error),
            ("prod/app/primary-unresolved", Status::Error),
        ] {
            assert_eq!(
                status_of(&f, name),
                want,
                "{name}: {:#?}",
                finding(&f, name)
            );
        }
        let fail = finding(&f, "prod/app/fail-alias");
        assert_eq!(
            fail.message,
            "the replica in eu-west-1 uses the AWS managed key aws/secretsmanager while the primary uses arn:aws:kms:us-east-1:111122223333:key/k-us"
        );
        assert_eq!(
            fail.evidence()["default_key_regions"],
            serde_json::json!(["eu-west-1"])
        );
        assert_eq!(
            fail.evidence()["replicas"][1]["key_kind"],
            "customer_managed"
        );
        assert_eq!(
            finding(&f, "prod/app/unresolved").message,
            "cannot resolve the replica key k-denied in eu-west-1 (DescribeKey failed in eu-west-1 (AccessDeniedException))"
        );
        assert_eq!(
            finding(&f, "prod/app/pass").message,
            "every replica (eu-west-1) uses a customer managed key"
        );
    }

    #[test]
    fn unknown_replication() {
        let mut a = secret("prod/app/a");
        a.kms_key_id = Some("k-us".into());
        let mut b = secret("dev/app/b");
        b.kms_key_id = Some("k-us".into());
        let mut inv = inventory(vec![a, b]);
        inv.kms_keys = vec![key("k-us", REGION, "CUSTOMER")];
        let f = run(&ReplicaDefaultKmsKey, &inv);
        assert_eq!(status_of(&f, "prod/app/a"), Status::Error);
        assert_eq!(status_of(&f, "dev/app/b"), Status::NotApplicable);
    }
}
