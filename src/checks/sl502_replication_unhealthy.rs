//! SL502 replication-unhealthy: a replica of the secret is `Failed`, or has been `InProgress`
//! for longer than `replication.max_in_progress_hours`.

use serde::Serialize;

use super::support::replicas::{ReplicaView, replica_view};
use super::{Check, Context, Emitter, GapEvidence};
use super::support::{rfc3339};
use crate::report::Status;

pub struct ReplicationUnhealthy;

#[derive(Serialize)]
struct ReplicaEvidence<'a> {
    region: &'a str,
    status: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status_message: Option<&'a str>,
    /// For `InProgress`: whole hours since the secret's `LastChangedDate` (or `CreatedDate`),
    /// a lower bound on how long replication has been in progress.
    #[serde(skip_serializing_if = "Option::is_none")]
    in_progress_hours_at_least: Option<i64>,
    /// `healthy`, `failed`, `stuck`, `in_progress` or `unknown`.
    verdict: &'static str,
}

#[derive(Serialize)]
struct Evidence<'a> {
    replicas: Vec<ReplicaEvidence<'a>>,
    max_in_progress_hours: i64,
    /// The instant `InProgress` durations are measured from (AWS gives no start time).
    #[serde(skip_serializing_if = "Option::is_none")]
    in_progress_measured_from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    gap: Option<GapEvidence<'a>>,
}

/// At most `max` characters of an AWS status message, on one line.
fn short(message: &str, max: usize) -> String {
    let one_line = message.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= max {
        one_line
    } else {
        format!("{}…", one_line.chars().take(max).collect::<String>())
    }
}

impl Check for ReplicationUnhealthy {
    fn id(&self) -> &'static str {
        "SL502"
    }

    fn doc(&self) -> &'static str {
        include_str!("../../checks/SL502-replication-unhealthy.md")
    }

    fn run(&self, ctx: &Context<'_>, out: &mut Emitter<'_>) {
        let max_hours = ctx.cfg.raw.replication.max_in_progress_hours;
        for s in ctx.secrets() {
            let since = s.last_changed_date.or(s.created_date);
            let mut ev = Evidence {
                replicas: Vec::new(),
                max_in_progress_hours: max_hours,
                in_progress_measured_from: None,
                gap: None,
            };
            let replicas = match replica_view(ctx, s, "replication status unknown") {
                ReplicaView::Listed(replicas) => replicas,
                ReplicaView::Verdict {
                    status,
                    message,
                    gap,
                } => {
                    ev.gap = gap.map(GapEvidence::from);
                    out.secret(s, status, message, ev);
                    continue;
                }
            };
            let (mut bad, mut unknown, mut fine) = (Vec::new(), Vec::new(), Vec::new());
            for r in replicas {
                let mut re = ReplicaEvidence {
                    region: &r.region,
                    status: r.status.as_deref(),
                    status_message: r.status_message.as_deref(),
                    in_progress_hours_at_least: None,
                    verdict: "unknown",
                };
                match r.status.as_deref() {
                    Some("InSync") => {
                        re.verdict = "healthy";
                        fine.push(format!("{} InSync", r.region));
                    }
                    Some("Failed") => {
                        re.verdict = "failed";
                        let detail = r
                            .status_message
                            .as_deref()
                            .filter(|m| !m.trim().is_empty())
                            .map_or(String::new(), |m| format!(": {}", short(m, 200)));
                        bad.push(format!("replica in {} Failed{detail}", r.region));
                    }
                    Some("InProgress") => match since {
                        Some(t) => {
                            ev.in_progress_measured_from = rfc3339(Some(t));
                            let elapsed = ctx.now - t;
                            let hours = elapsed.num_hours();
                            re.in_progress_hours_at_least = Some(hours);
                            if elapsed > chrono::Duration::hours(max_hours) {
                                re.verdict = "stuck";
                                bad.push(format!(
                                    "replica in {} InProgress for at least {hours} h (max {max_hours} h)",
                                    r.region
                                ));
                            } else {
                                re.verdict = "in_progress";
                                fine.push(format!("{} InProgress (secret last changed {hours} h ago)", r.region));
                            }
                        }
                        None => unknown.push(format!(
                            "{} InProgress since an unknown time (no LastChangedDate or CreatedDate)",
                            r.region
                        )),
                    },
                    Some(other) => unknown.push(format!("{} has status {other:?}", r.region)),
                    None => unknown.push(format!("{} has no status", r.region)),
                }
                ev.replicas.push(re);
            }
            if !bad.is_empty() {
                out.secret(s, Status::Fail, bad.join("; "), ev);
            } else if !unknown.is_empty() {
                out.secret(
                    s,
                    Status::Error,
                    format!("cannot tell replica health: {}", unknown.join("; ")),
                    ev,
                );
            } else {
                out.secret(
                    s,
                    Status::Pass,
                    format!("replicas healthy: {}", fine.join(", ")),
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
    use crate::config::Config;
    use crate::inventory::{Gap, Replica, Secret};
    use crate::report::Finding;

    fn with(
        name: &str,
        changed_hours_ago: i64,
        replicas: &[(&str, Option<&str>, Option<&str>)],
    ) -> Secret {
        let mut s = secret(name);
        s.last_changed_date = Some(now() - chrono::Duration::hours(changed_hours_ago));
        s.replication = Some(
            replicas
                .iter()
                .map(|(region, status, message)| Replica {
                    region: region.to_string(),
                    status: status.map(str::to_string),
                    status_message: message.map(str::to_string),
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
        let mut unknown_prod = secret("prod/app/unknown");
        unknown_prod.replication = None;
        let mut unknown_dev = secret("dev/app/unknown");
        unknown_dev.replication = None;
        let mut replica = secret("prod/app/insync");
        replica.region = "eu-west-1".into();
        replica.primary_region = Some(REGION.into());
        let mut inv = inventory(vec![
            with(
                "prod/app/insync",
                100,
                &[("eu-west-1", Some("InSync"), Some("Replication succeeded"))],
            ),
            replica,
            with(
                "prod/app/failed",
                100,
                &[
                    ("eu-west-1", Some("InSync"), None),
                    (
                        "ap-south-1",
                        Some("Failed"),
                        Some("Access to KMS is not allowed.\nCheck the key policy."),
                    ),
                ],
            ),
            with(
                "prod/app/stuck",
                25,
                &[("eu-west-1", Some("InProgress"), None)],
            ),
            with(
                "prod/app/fresh",
                24,
                &[("eu-west-1", Some("InProgress"), None)],
            ),
            with("prod/app/odd", 1, &[("eu-west-1", Some("Paused"), None)]),
            with("prod/app/none", 1, &[]),
            unknown_prod,
            unknown_dev,
        ]);
        inv.gaps.push(Gap::new(
            ACCOUNT,
            REGION,
            Operation::DescribeSecret,
            "prod/app/unknown",
            "ThrottlingException",
            String::new(),
        ));
        let f = run(&ReplicationUnhealthy, &inv);
        assert_eq!(f.len(), 8, "replica not evaluated separately");
        assert_eq!(status_of(&f, "prod/app/insync"), Status::Pass);
        assert_eq!(status_of(&f, "prod/app/failed"), Status::Fail);
        assert_eq!(status_of(&f, "prod/app/stuck"), Status::Fail);
        assert_eq!(
            status_of(&f, "prod/app/fresh"),
            Status::Pass,
            "exactly at the limit passes"
        );
        assert_eq!(status_of(&f, "prod/app/odd"), Status::Error);
        assert_eq!(status_of(&f, "prod/app/none"), Status::NotApplicable);
        assert_eq!(
            status_of(&f, "prod/app/unknown"),
            Status::Error,
            "must be replicated"
        );
        assert_eq!(
            status_of(&f, "dev/app/unknown"),
            Status::NotApplicable,
            "never described"
        );

        let failed = finding(&f, "prod/app/failed");
        assert_eq!(
            failed.message,
            "replica in ap-south-1 Failed: Access to KMS is not allowed. Check the key policy."
        );
        assert_eq!(failed.evidence()["replicas"][1]["verdict"], "failed");
        assert_eq!(
            failed.evidence()["replicas"][1]["status_message"],
            "Access to KMS is not allowed.\nCheck the key policy."
        );
        let stuck = finding(&f, "prod/app/stuck");
        assert_eq!(
            stuck.message,
            "replica in eu-west-1 InProgress for at least 25 h (max 24 h)"
        );
        assert_eq!(
            stuck.evidence()["replicas"][0]["in_progress_hours_at_least"],
            25
        );
        assert_eq!(
            stuck.evidence()["in_progress_measured_from"],
            "2026-05-30T23:00:00+00:00"
        );
        assert_eq!(
            finding(&f, "prod/app/fresh").message,
            "replicas healthy: eu-west-1 InProgress (secret last changed 24 h ago)"
        );
        assert_eq!(
            finding(&f, "prod/app/unknown").message,
            "replication status unknown: DescribeSecret failed (ThrottlingException)"
        );
    }

    #[test]
    fn threshold_is_configurable() {
        let cfg = Config::from_toml("x.toml", "[replication]\nmax_in_progress_hours = 48\n")
            .expect("valid");
        let inv = inventory(vec![with(
            "prod/app/stuck",
            25,
            &[("eu-west-1", Some("InProgress"), None)],
        )]);
        assert_eq!(
            status_of(
                &run_with(&ReplicationUnhealthy, &inv, &cfg),
                "prod/app/stuck"
            ),
            Status::Pass
        );
    }
}
