//! SL501 replication-missing: a secret that must be replicated (`[replication]` name pattern
//! or tag) has fewer replica regions than required, or lacks a required region.
//!
//! Also home of the replication helpers SL502 and SL503 share.


use serde::Serialize;

use super::support::replicas::{replica_regions, replication_unknown};
use super::{Check, Context, Emitter, GapEvidence};
use crate::report::Status;

pub struct ReplicationMissing;

#[derive(Serialize)]
struct Evidence<'a> {
    /// Why the secret must be replicated (`name matches ^prod/`, `tag Tier=critical`);
    /// `null` when it need not be.
    selected_by: Option<String>,
    /// The rule, for secrets it does not select.
    #[serde(skip_serializing_if = "Option::is_none")]
    selection_rule: Option<String>,
    /// Regions with a replica, whatever its status (health is SL502).
    replica_regions: Vec<&'a str>,
    /// Whether `DescribeSecret` (the replication status) was collected.
    replication_collected: bool,
    min_replicas: i64,
    required_regions: &'a [String],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    missing_regions: Vec<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    gap: Option<GapEvidence<'a>>,
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

impl Check for ReplicationMissing {
    fn id(&self) -> &'static str {
        "SL501"
    }

    fn doc(&self) -> &'static str {
        include_str!("../../checks/SL501-replication-missing.md")
    }

    fn run(&self, ctx: &Context<'_>, out: &mut Emitter<'_>) {
        let cfg = &ctx.cfg.raw.replication;
        let min = usize::try_from(cfg.min_replicas).unwrap_or(0);
        for s in ctx.secrets() {
            let selected_by = ctx.cfg.replication.must_replicate(s);
            let regions = replica_regions(ctx, s);
            let missing_regions: Vec<&str> = cfg
                .required_regions
                .iter()
                .map(String::as_str)
                .filter(|r| !regions.contains(r))
                .collect();
            let mut ev = Evidence {
                selected_by: selected_by.clone(),
                selection_rule: None,
                replica_regions: regions.iter().copied().collect(),
                replication_collected: s.replication.is_some(),
                min_replicas: cfg.min_replicas,
                required_regions: &cfg.required_regions,
                missing_regions: Vec::new(),
                gap: None,
            };
            if selected_by.is_none() {
                let rule = ctx.cfg.replication.describe();
                ev.selection_rule = Some(rule.clone());
                out.secret(
                    s,
                    Status::NotApplicable,
                    format!("not required to be replicated (rule: {rule})"),
                    ev,
                );
                continue;
            }
            if s.deleted_date.is_some() {
                out.secret(s, Status::NotApplicable, "scheduled for deletion", ev);
                continue;
            }
            let list = ev.replica_regions.join(", ");
            let enough = regions.len() >= min;
            if enough && missing_regions.is_empty() {
                let required = if min > 0 {
                    format!(", at least {min} required")
                } else {
                    String::new()
                };
                let msg = if regions.is_empty() {
                    "not replicated, and no replica is required".to_string()
                } else if s.replication.is_some() {
                    format!(
                        "replicated to {} ({list}){required}",
                        plural(regions.len(), "region")
                    )
                } else {
                    format!(
                        "replicated to {} ({list}){required}: replicas listed in the audited regions (DescribeSecret was not collected)",
                        plural(regions.len(), "region")
                    )
                };
                out.secret(s, Status::Pass, msg, ev);
                continue;
            }
            if s.replication.is_none() {
                let (why, gap) = replication_unknown(ctx, s);
                ev.gap = gap.map(GapEvidence::from);
                out.secret(
                    s,
                    Status::Error,
                    format!(
                        "must be replicated ({}), but its replication status is unknown: {why}",
                        selected_by.unwrap_or_default()
                    ),
                    ev,
                );
                continue;
            }
            let mut problems = Vec::new();
            if !enough {
                problems.push(if regions.is_empty() {
                    format!("not replicated to any other region, at least {min} required")
                } else {
                    format!(
                        "replicated to {} ({list}), at least {min} required",
                        plural(regions.len(), "region")
                    )
                });
            }
            if !missing_regions.is_empty() {
                problems.push(format!(
                    "not replicated to required region {}",
                    missing_regions.join(", ")
                ));
            }
            ev.missing_regions = missing_regions;
            out.secret(s, Status::Fail, problems.join("; "), ev);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::{Gap, Secret};
    use crate::operation::Operation;
    use crate::checks::testutil::*;
    use crate::config::Config;
    use crate::inventory::Replica;
    use crate::report::Finding;

    fn replicated(name: &str, regions: &[(&str, &str)]) -> Secret {
        let mut s = secret(name);
        s.replication = Some(
            regions
                .iter()
                .map(|(r, status)| Replica {
                    region: r.to_string(),
                    status: Some(status.to_string()),
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
    fn default_rule_one_replica_anywhere() {
        let mut replica = secret("prod/app/one");
        replica.region = "eu-west-1".into();
        replica.primary_region = Some(REGION.into());
        replica.arn = replica.arn.replace(REGION, "eu-west-1");
        let mut deleted = replicated("prod/app/deleted", &[]);
        deleted.deleted_date = Some(days_ago(1));
        let mut unknown = secret("prod/app/unknown");
        unknown.replication = None;
        let inv = {
            let mut inv = inventory(vec![
                replicated("prod/app/one", &[("eu-west-1", "InSync")]),
                replica,
                replicated("prod/app/failed-counts", &[("eu-west-1", "Failed")]),
                replicated("prod/app/none", &[]),
                replicated("staging/app/none", &[]),
                deleted,
                unknown,
            ]);
            inv.gaps.push(Gap::new(
                ACCOUNT,
                REGION,
                Operation::DescribeSecret,
                format!(
                    "arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:prod/app/unknown-AbCdEf"
                ),
                "AccessDeniedException",
                String::new(),
            ));
            inv
        };
        let f = run(&ReplicationMissing, &inv);
        assert_eq!(
            f.len(),
            6,
            "the replica is evidence on its primary, not a secret: {f:#?}"
        );
        assert_eq!(status_of(&f, "prod/app/one"), Status::Pass);
        assert_eq!(
            status_of(&f, "prod/app/failed-counts"),
            Status::Pass,
            "any status counts as configured"
        );
        assert_eq!(status_of(&f, "prod/app/none"), Status::Fail);
        assert_eq!(status_of(&f, "staging/app/none"), Status::NotApplicable);
        assert_eq!(status_of(&f, "prod/app/deleted"), Status::NotApplicable);
        assert_eq!(status_of(&f, "prod/app/unknown"), Status::Error);

        let one = finding(&f, "prod/app/one");
        assert_eq!(
            one.message,
            "replicated to 1 region (eu-west-1), at least 1 required"
        );
        assert_eq!(one.evidence()["selected_by"], "name matches ^prod/");
        assert_eq!(
            one.evidence()["replica_regions"],
            serde_json::json!(["eu-west-1"])
        );
        let none = finding(&f, "prod/app/none");
        assert_eq!(
            none.message,
            "not replicated to any other region, at least 1 required"
        );
        let unknown = finding(&f, "prod/app/unknown");
        assert_eq!(
            unknown.message,
            "must be replicated (name matches ^prod/), but its replication status is unknown: DescribeSecret failed (AccessDeniedException)"
        );
        assert_eq!(unknown.evidence()["gap"]["operation"], "DescribeSecret");
        let staging = finding(&f, "staging/app/none");
        assert_eq!(
            staging.message,
            "not required to be replicated (rule: name matches ^prod/)"
        );
    }

    #[test]
    fn listed_replicas_answer_when_describe_failed() {
        let mut primary = secret("prod/app/a");
        primary.replication = None;
        let mut replica = secret("prod/app/a");
        replica.region = "eu-west-1".into();
        replica.primary_region = Some(REGION.into());
        let f = run(&ReplicationMissing, &inventory(vec![primary, replica]));
        assert_eq!(status_of(&f, "prod/app/a"), Status::Pass);
        assert!(
            finding(&f, "prod/app/a")
                .message
                .contains("DescribeSecret was not collected")
        );
    }

    #[test]
    fn min_replicas_required_regions_and_tag() {
        let cfg = Config::from_toml(
            "x.toml",
            "[replication]\nname_pattern = \"\"\nrequired_tag = \"DR=multi-region\"\nmin_replicas = 2\nrequired_regions = [\"us-west-2\"]\n",
        )
        .expect("valid");
        let tagged = |name: &str, regions: &[(&str, &str)]| {
            let mut s = replicated(name, regions);
            s.tags.insert("DR".into(), "multi-region".into());
            s
        };
        let inv = inventory(vec![
            tagged("a", &[("us-west-2", "InSync"), ("eu-west-1", "InSync")]),
            tagged(
                "b",
                &[("eu-west-1", "InSync"), ("eu-central-1", "InProgress")],
            ),
            tagged("c", &[("us-west-2", "InSync")]),
            replicated("prod/app/untagged", &[]),
        ]);
        let f = run_with(&ReplicationMissing, &inv, &cfg);
        assert_eq!(status_of(&f, "a"), Status::Pass);
        assert_eq!(status_of(&f, "b"), Status::Fail);
        assert_eq!(status_of(&f, "c"), Status::Fail);
        assert_eq!(
            status_of(&f, "prod/app/untagged"),
            Status::NotApplicable,
            "empty name pattern: no name rule"
        );
        let b = finding(&f, "b");
        assert_eq!(b.message, "not replicated to required region us-west-2");
        assert_eq!(
            b.evidence()["missing_regions"],
            serde_json::json!(["us-west-2"])
        );
        assert_eq!(b.evidence()["selected_by"], "tag DR=multi-region");
        let c = finding(&f, "c");
        assert_eq!(
            c.message,
            "replicated to 1 region (us-west-2), at least 2 required"
        );
        assert_eq!(
            finding(&f, "prod/app/untagged").message,
            "not required to be replicated (rule: tag DR=multi-region)"
        );
    }
}
