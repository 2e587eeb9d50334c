//! SL104 secret-not-rotated-recently: too many days since the last rotation (or since
//! creation, for a secret never rotated), whether or not rotation is enabled.

use serde::Serialize;

use super::{Check, Context, Emitter};
use super::support::{ago, rfc3339};
use crate::report::Status;

pub struct SecretNotRotatedRecently;

#[derive(Serialize)]
struct Evidence {
    last_rotated: Option<String>,
    created: Option<String>,
    /// `LastChangedDate`: shown for context, not used (a value written outside rotation).
    last_changed: Option<String>,
    rotation_enabled: Option<bool>,
    /// Whole days since the last rotation, or since creation when never rotated.
    days_since_rotation: Option<i64>,
    max_age_days: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    deleted_date: Option<String>,
}

impl Check for SecretNotRotatedRecently {
    fn id(&self) -> &'static str {
        "SL104"
    }

    fn doc(&self) -> &'static str {
        include_str!("../../checks/SL104-secret-not-rotated-recently.md")
    }

    fn run(&self, ctx: &Context<'_>, out: &mut Emitter<'_>) {
        let max = ctx.cfg.raw.rotation.max_age_days;
        for s in ctx.secrets() {
            let mut ev = Evidence {
                last_rotated: rfc3339(s.last_rotated_date),
                created: rfc3339(s.created_date),
                last_changed: rfc3339(s.last_changed_date),
                rotation_enabled: s.rotation_enabled,
                days_since_rotation: None,
                max_age_days: max,
                deleted_date: rfc3339(s.deleted_date),
            };
            if s.deleted_date.is_some() {
                out.secret(s, Status::NotApplicable, "scheduled for deletion", ev);
                continue;
            }
            let (days, what) = match (s.last_rotated_date, s.created_date) {
                (Some(l), _) => (ctx.days_since(l), "last rotated"),
                (None, Some(c)) => (ctx.days_since(c), "never rotated; created"),
                (None, None) => {
                    out.secret(
                        s,
                        Status::Error,
                        "cannot tell its age: neither a last-rotated nor a creation date was collected",
                        ev,
                    );
                    continue;
                }
            };
            ev.days_since_rotation = Some(days);
            let msg = format!("{what} {} (limit {max})", ago(days));
            let status = if days > max {
                Status::Fail
            } else {
                Status::Pass
            };
            out.secret(s, status, msg, ev);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testutil::*;

    #[test]
    fn statuses_and_boundaries() {
        let mut recent = secret("prod/app/recent");
        recent.last_rotated_date = Some(days_ago(10));
        let mut at_limit = secret("prod/app/at-limit");
        at_limit.last_rotated_date = Some(days_ago(90));
        let mut over = secret("prod/app/over");
        over.last_rotated_date = Some(days_ago(91));
        over.created_date = Some(days_ago(1000));
        // Rotation enabled changes nothing: it is the age that counts.
        let mut enabled_but_old = secret("prod/app/enabled-old");
        enabled_but_old.rotation_enabled = Some(true);
        enabled_but_old.last_rotated_date = Some(days_ago(200));
        let mut never_old = secret("prod/app/never-old");
        never_old.created_date = Some(days_ago(120));
        let never_new = secret("prod/app/never-new"); // created 10 days ago
        let mut no_dates = secret("prod/app/no-dates");
        no_dates.created_date = None;
        let mut deleted = secret("prod/app/deleted");
        deleted.created_date = Some(days_ago(500));
        deleted.deleted_date = Some(days_ago(2));
        let mut replica = secret("prod/app/replica");
        replica.created_date = Some(days_ago(500));
        replica.region = "eu-west-1".into();
        replica.primary_region = Some(REGION.into());
        let f = run(
            &SecretNotRotatedRecently,
            &inventory(vec![
                recent,
                at_limit,
                over,
                enabled_but_old,
                never_old,
                never_new,
                no_dates,
                deleted,
                replica,
            ]),
        );
        assert_eq!(f.len(), 8, "replica excluded");
        assert_eq!(status_of(&f, "prod/app/recent"), Status::Pass);
        assert_eq!(status_of(&f, "prod/app/at-limit"), Status::Pass);
        assert_eq!(status_of(&f, "prod/app/over"), Status::Fail);
        assert_eq!(status_of(&f, "prod/app/enabled-old"), Status::Fail);
        assert_eq!(status_of(&f, "prod/app/never-old"), Status::Fail);
        assert_eq!(status_of(&f, "prod/app/never-new"), Status::Pass);
        assert_eq!(status_of(&f, "prod/app/no-dates"), Status::Error);
        assert_eq!(status_of(&f, "prod/app/deleted"), Status::NotApplicable);

        let over = f
            .iter()
            .find(|x| x.resource.name.as_ref() == "prod/app/over")
            .expect("finding");
        assert_eq!(over.message, "last rotated 91 days ago (limit 90)");
        assert_eq!(over.evidence()["days_since_rotation"], 91);
        assert_eq!(over.evidence()["max_age_days"], 90);
        let never = f
            .iter()
            .find(|x| x.resource.name.as_ref() == "prod/app/never-old")
            .expect("finding");
        assert_eq!(
            never.message,
            "never rotated; created 120 days ago (limit 90)"
        );
    }

    #[test]
    fn limit_comes_from_config() {
        let mut cfg = crate::config::Config::default();
        cfg.raw.rotation.max_age_days = 180;
        let mut s = secret("prod/app/a");
        s.last_rotated_date = Some(days_ago(150));
        let f = run_with(&SecretNotRotatedRecently, &inventory(vec![s]), &cfg);
        assert_eq!(status_of(&f, "prod/app/a"), Status::Pass);
        assert_eq!(f[0].message, "last rotated 150 days ago (limit 180)");
    }
}
