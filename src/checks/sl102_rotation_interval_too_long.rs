//! SL102 rotation-interval-too-long: the rotation schedule allows more days between two
//! rotations than `rotation.max_interval_days`.

use serde::Serialize;

use super::{Check, Context, Emitter};
use super::support::{fmt_days, rfc3339, rotation_interval};
use crate::report::Status;

pub struct RotationIntervalTooLong;

#[derive(Serialize)]
struct Evidence<'a> {
    rotation_enabled: Option<bool>,
    schedule_expression: Option<&'a str>,
    automatically_after_days: Option<i64>,
    /// The longest interval the schedule allows, in days.
    interval_days: Option<f64>,
    max_interval_days: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    deleted_date: Option<String>,
}

impl Check for RotationIntervalTooLong {
    fn id(&self) -> &'static str {
        "SL102"
    }

    fn doc(&self) -> &'static str {
        include_str!("../../checks/SL102-rotation-interval-too-long.md")
    }

    fn run(&self, ctx: &Context<'_>, out: &mut Emitter<'_>) {
        let max = ctx.cfg.raw.rotation.max_interval_days;
        for s in ctx.secrets() {
            let rules = s.rotation_rules.as_ref();
            let mut ev = Evidence {
                rotation_enabled: s.rotation_enabled,
                schedule_expression: rules.and_then(|r| r.schedule_expression.as_deref()),
                automatically_after_days: rules.and_then(|r| r.automatically_after_days),
                interval_days: None,
                max_interval_days: max,
                deleted_date: rfc3339(s.deleted_date),
            };
            if s.deleted_date.is_some() {
                out.secret(s, Status::NotApplicable, "scheduled for deletion", ev);
                continue;
            }
            if s.rotation_enabled != Some(true) {
                out.secret(
                    s,
                    Status::NotApplicable,
                    "automatic rotation is not enabled",
                    ev,
                );
                continue;
            }
            match rotation_interval(s, ctx.now) {
                Err(e) => out.secret(
                    s,
                    Status::Error,
                    format!("cannot tell the rotation interval: {e}"),
                    ev,
                ),
                Ok(days) => {
                    ev.interval_days = Some(days);
                    if days > max as f64 {
                        let msg = format!(
                            "rotates every {} days at most (limit {max})",
                            fmt_days(days)
                        );
                        out.secret(s, Status::Fail, msg, ev);
                    } else {
                        let msg = format!(
                            "rotates at least every {} days (limit {max})",
                            fmt_days(days)
                        );
                        out.secret(s, Status::Pass, msg, ev);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testutil::*;
    use crate::inventory::{RotationRules, Secret};

    fn rotating(name: &str, days: Option<i64>, expr: Option<&str>) -> Secret {
        let mut s = secret(name);
        s.rotation_enabled = Some(true);
        s.rotation_rules = Some(RotationRules {
            automatically_after_days: days,
            schedule_expression: expr.map(str::to_string),
            duration: None,
        });
        s
    }

    #[test]
    fn statuses_and_boundaries() {
        let mut disabled = secret("prod/app/disabled");
        disabled.rotation_rules = Some(RotationRules {
            automatically_after_days: Some(365),
            ..Default::default()
        });
        let mut deleted = rotating("prod/app/deleted", Some(365), None);
        deleted.deleted_date = Some(days_ago(1));
        let mut no_rules = secret("prod/app/no-rules");
        no_rules.rotation_enabled = Some(true);
        let mut replica = rotating("prod/app/days-91", Some(91), None);
        replica.region = "eu-west-1".into();
        replica.primary_region = Some(REGION.into());
        let inv = inventory(vec![
            rotating("prod/app/days-30", Some(30), None),
            rotating("prod/app/days-90", Some(90), None),
            rotating("prod/app/days-91", Some(91), None),
            rotating("prod/app/rate-hours", None, Some("rate(4 hours)")),
            rotating("prod/app/quarterly", None, Some("cron(0 8 1 */3 ? *)")),
            rotating("prod/app/expr-wins", Some(30), Some("rate(120 days)")),
            rotating("prod/app/bad-expr", Some(30), Some("every month")),
            rotating("prod/app/empty-rules", None, None),
            no_rules,
            disabled,
            deleted,
            replica,
        ]);
        let f = run(&RotationIntervalTooLong, &inv);
        assert_eq!(f.len(), 11, "one finding per secret, replica excluded");
        assert_eq!(status_of(&f, "prod/app/days-30"), Status::Pass);
        assert_eq!(
            status_of(&f, "prod/app/days-90"),
            Status::Pass,
            "exactly at the limit passes"
        );
        assert_eq!(status_of(&f, "prod/app/days-91"), Status::Fail);
        assert_eq!(status_of(&f, "prod/app/rate-hours"), Status::Pass);
        assert_eq!(
            status_of(&f, "prod/app/quarterly"),
            Status::Fail,
            "92-day gaps exceed 90"
        );
        assert_eq!(status_of(&f, "prod/app/expr-wins"), Status::Fail);
        assert_eq!(status_of(&f, "prod/app/bad-expr"), Status::Error);
        assert_eq!(status_of(&f, "prod/app/empty-rules"), Status::Error);
        assert_eq!(status_of(&f, "prod/app/no-rules"), Status::Error);
        assert_eq!(status_of(&f, "prod/app/disabled"), Status::NotApplicable);
        assert_eq!(status_of(&f, "prod/app/deleted"), Status::NotApplicable);

        let fail = f
            .iter()
            .find(|x| x.resource.name.as_ref() == "prod/app/days-91")
            .expect("finding");
        assert_eq!(fail.message, "rotates every 91 days at most (limit 90)");
        assert_eq!(fail.evidence()["interval_days"], 91.0);
        assert_eq!(fail.evidence()["max_interval_days"], 90);
        let bad = f
            .iter()
            .find(|x| x.resource.name.as_ref() == "prod/app/bad-expr")
            .expect("finding");
        assert!(bad.message.contains("every month"), "{}", bad.message);
        assert!(bad.evidence()["interval_days"].is_null());
    }

    #[test]
    fn limit_comes_from_config() {
        let mut cfg = crate::config::Config::default();
        cfg.raw.rotation.max_interval_days = 30;
        let inv = inventory(vec![
            rotating("prod/app/a", Some(30), None),
            rotating("prod/app/b", None, Some("cron(0 16 1,15 * ? *)")),
            rotating("prod/app/c", None, Some("cron(0 0 ? * 2#1 *)")),
        ]);
        let f = run_with(&RotationIntervalTooLong, &inv, &cfg);
        assert_eq!(status_of(&f, "prod/app/a"), Status::Pass);
        assert_eq!(status_of(&f, "prod/app/b"), Status::Pass);
        assert_eq!(status_of(&f, "prod/app/c"), Status::Fail);
        let c = f
            .iter()
            .find(|x| x.resource.name.as_ref() == "prod/app/c")
            .expect("finding");
        assert_eq!(c.message, "rotates every 35 days at most (limit 30)");
    }
}
