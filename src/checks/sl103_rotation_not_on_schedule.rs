//! SL103 rotation-not-on-schedule: rotation is enabled but has not happened when scheduled.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::{Check, Context, Emitter};
use super::support::{days_duration, fmt_days, rfc3339, rotation_interval, ymd};
use crate::report::Status;

pub struct RotationNotOnSchedule;

#[derive(Serialize)]
struct Evidence {
    last_rotated: Option<String>,
    next_rotation: Option<String>,
    created: Option<String>,
    /// The longest interval the schedule allows, in days; `null` when unknown.
    interval_days: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    interval_error: Option<String>,
    grace_days: i64,
    /// When the missed (or next) rotation was due.
    due: Option<String>,
    /// Whole days since a missed rotation was due; `null` when on schedule.
    days_overdue: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    deleted_date: Option<String>,
    /// RotationSucceeded/RotationFailed events of the CloudTrail window, when collected.
    #[serde(skip_serializing_if = "Option::is_none")]
    cloudtrail_rotation: Option<RotationEvidence>,
}

#[derive(Serialize)]
struct RotationEvidence {
    /// Days of CloudTrail events read.
    window_days: i64,
    succeeded: u64,
    failed: u64,
    last_succeeded: Option<String>,
    last_failed: Option<String>,
}

/// The CloudTrail rotation outcomes of the secret, when its region's events were collected.
fn rotation_evidence(ctx: &Context<'_>, s: &crate::inventory::Secret) -> Option<RotationEvidence> {
    let ct = ctx.inv.cloudtrail_for(&s.account, &s.region)?;
    let lookup = ct.lookup.as_ref()?;
    let r = ct
        .secrets
        .get(&s.arn)
        .map(|a| a.rotation.clone())
        .unwrap_or_default();
    Some(RotationEvidence {
        window_days: (lookup.end - lookup.start).num_days(),
        succeeded: r.succeeded,
        failed: r.failed,
        last_succeeded: rfc3339(r.last_succeeded),
        last_failed: rfc3339(r.last_failed),
    })
}

/// ` (CloudTrail: N RotationFailed event(s), last …)` when rotation failed in the window.
fn failures_note(ev: &Evidence) -> String {
    match &ev.cloudtrail_rotation {
        Some(r) if r.failed > 0 => format!(
            "; CloudTrail: {} RotationFailed event(s), last {}",
            r.failed,
            r.last_failed
                .as_deref()
                .map(|d| d.get(..10).unwrap_or(d))
                .unwrap_or("unknown")
        ),
        _ => String::new(),
    }
}

/// Where a due date comes from.
#[derive(Clone, Copy)]
enum Due {
    NextRotationDate,
    AfterLastRotation,
    NeverRotated,
}

impl Check for RotationNotOnSchedule {
    fn id(&self) -> &'static str {
        "SL103"
    }

    fn doc(&self) -> &'static str {
        include_str!("../../checks/SL103-rotation-not-on-schedule.md")
    }

    fn run(&self, ctx: &Context<'_>, out: &mut Emitter<'_>) {
        let grace_days = ctx.cfg.raw.rotation.schedule_grace_days;
        let grace = Duration::days(grace_days);
        for s in ctx.secrets() {
            let interval = rotation_interval(s, ctx.now);
            let mut ev = Evidence {
                last_rotated: rfc3339(s.last_rotated_date),
                next_rotation: rfc3339(s.next_rotation_date),
                created: rfc3339(s.created_date),
                interval_days: interval.as_ref().ok().copied(),
                interval_error: None,
                grace_days,
                due: None,
                days_overdue: None,
                deleted_date: rfc3339(s.deleted_date),
                cloudtrail_rotation: rotation_evidence(ctx, s),
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
            ev.interval_error = interval.as_ref().err().map(|e| e.0.clone());

            let mut dues: Vec<(DateTime<Utc>, Due)> = Vec::new();
            if let Some(n) = s.next_rotation_date {
                dues.push((n, Due::NextRotationDate));
            }
            if let Ok(days) = interval {
                match (s.last_rotated_date, s.created_date) {
                    (Some(l), _) => dues.push((l + days_duration(days), Due::AfterLastRotation)),
                    (None, Some(c)) => dues.push((c + days_duration(days), Due::NeverRotated)),
                    (None, None) => {}
                }
            }
            if dues.is_empty() {
                let why = match &interval {
                    Err(e) => format!("{e}, and no next rotation date was collected"),
                    Ok(_) => {
                        "no last-rotated, creation or next rotation date was collected".to_string()
                    }
                };
                out.secret(
                    s,
                    Status::Error,
                    format!("cannot tell when rotation is due: {why}"),
                    ev,
                );
                continue;
            }

            // The most overdue missed rotation, if any.
            let missed = dues
                .iter()
                .filter(|(due, _)| *due + grace < ctx.now)
                .min_by_key(|(due, _)| *due)
                .copied();
            if let Some((due, kind)) = missed {
                let overdue = (ctx.now - due).num_days();
                ev.due = Some(due.to_rfc3339());
                ev.days_overdue = Some(overdue);
                let every = ev.interval_days.map(fmt_days).unwrap_or_default();
                let msg = match kind {
                    Due::NextRotationDate => format!(
                        "scheduled rotation was due {}, {overdue} days ago (grace {grace_days})",
                        ymd(due)
                    ),
                    Due::AfterLastRotation => format!(
                        "last rotated {} days ago on a {every}-day schedule: {overdue} days overdue (grace {grace_days})",
                        s.last_rotated_date.map_or(0, |l| ctx.days_since(l))
                    ),
                    Due::NeverRotated => format!(
                        "never rotated since enabling: created {} days ago on a {every}-day schedule, {overdue} days overdue (grace {grace_days})",
                        s.created_date.map_or(0, |c| ctx.days_since(c))
                    ),
                };
                let msg = format!("{msg}{}", failures_note(&ev));
                out.secret(s, Status::Fail, msg, ev);
            } else {
                let (due, _) = dues
                    .iter()
                    .min_by_key(|(due, _)| *due)
                    .copied()
                    .expect("dues is not empty");
                ev.due = Some(due.to_rfc3339());
                let msg = format!(
                    "on schedule: next rotation due {} (grace {grace_days}){}",
                    ymd(due),
                    failures_note(&ev)
                );
                out.secret(s, Status::Pass, msg, ev);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testutil::*;
    use crate::inventory::{RotationRules, Secret};
    use crate::report::Finding;

    fn rotating(name: &str, days: i64) -> Secret {
        let mut s = secret(name);
        s.rotation_enabled = Some(true);
        s.rotation_rules = Some(RotationRules {
            automatically_after_days: Some(days),
            ..Default::default()
        });
        s
    }

    fn finding<'a>(f: &'a [Finding], name: &str) -> &'a Finding {
        f.iter()
            .find(|x| x.resource.name.as_ref() == name)
            .expect("finding exists")
    }

    #[test]
    fn last_rotation_plus_interval_plus_grace() {
        let mut on_time = rotating("prod/app/on-time", 30);
        on_time.last_rotated_date = Some(days_ago(10));
        // Due 2 days ago, grace 2: exactly at the boundary, not yet missed.
        let mut boundary = rotating("prod/app/boundary", 30);
        boundary.last_rotated_date = Some(days_ago(32));
        let mut late = rotating("prod/app/late", 30);
        late.last_rotated_date = Some(days_ago(33));
        let f = run(
            &RotationNotOnSchedule,
            &inventory(vec![on_time, boundary, late]),
        );
        assert_eq!(status_of(&f, "prod/app/on-time"), Status::Pass);
        assert_eq!(status_of(&f, "prod/app/boundary"), Status::Pass);
        assert_eq!(status_of(&f, "prod/app/late"), Status::Fail);
        let late = finding(&f, "prod/app/late");
        assert_eq!(late.evidence()["days_overdue"], 3);
        assert_eq!(late.evidence()["interval_days"], 30.0);
        assert_eq!(late.evidence()["grace_days"], 2);
        assert_eq!(
            late.message,
            "last rotated 33 days ago on a 30-day schedule: 3 days overdue (grace 2)"
        );
        let ok = finding(&f, "prod/app/on-time");
        assert!(ok.evidence()["days_overdue"].is_null());
        assert_eq!(
            ok.message,
            "on schedule: next rotation due 2026-06-21 (grace 2)"
        );
    }

    #[test]
    fn next_rotation_date_in_the_past() {
        let mut missed = rotating("prod/app/missed", 30);
        missed.last_rotated_date = Some(days_ago(5));
        missed.next_rotation_date = Some(days_ago(3));
        let mut within_grace = rotating("prod/app/within-grace", 30);
        within_grace.last_rotated_date = Some(days_ago(5));
        within_grace.next_rotation_date = Some(days_ago(2));
        let f = run(
            &RotationNotOnSchedule,
            &inventory(vec![missed, within_grace]),
        );
        assert_eq!(status_of(&f, "prod/app/missed"), Status::Fail);
        assert_eq!(status_of(&f, "prod/app/within-grace"), Status::Pass);
        let m = finding(&f, "prod/app/missed");
        assert_eq!(
            m.message,
            "scheduled rotation was due 2026-05-29, 3 days ago (grace 2)"
        );
        assert_eq!(m.evidence()["days_overdue"], 3);
    }

    #[test]
    fn never_rotated_since_enabling() {
        let mut old = rotating("prod/app/old", 30);
        old.created_date = Some(days_ago(100));
        let mut new = rotating("prod/app/new", 30);
        new.created_date = Some(days_ago(20));
        let f = run(&RotationNotOnSchedule, &inventory(vec![old, new]));
        assert_eq!(status_of(&f, "prod/app/old"), Status::Fail);
        assert_eq!(status_of(&f, "prod/app/new"), Status::Pass);
        let old = finding(&f, "prod/app/old");
        assert!(
            old.message.starts_with("never rotated since enabling"),
            "{}",
            old.message
        );
        assert_eq!(old.evidence()["days_overdue"], 70);
    }

    #[test]
    fn undecidable_not_applicable_and_replicas() {
        // Unparsable schedule and no next rotation date: error.
        let mut bad = rotating("prod/app/bad", 30);
        bad.rotation_rules
            .as_mut()
            .expect("rules")
            .schedule_expression = Some("cron(nope)".into());
        bad.last_rotated_date = Some(days_ago(5));
        // Unparsable schedule, but a next rotation date decides.
        let mut bad_with_next = bad.clone();
        bad_with_next.name = "prod/app/bad-with-next".into();
        bad_with_next.arn = bad_with_next
            .arn
            .replace("prod/app/bad", "prod/app/bad-with-next");
        bad_with_next.next_rotation_date = Some(days_ago(10));
        // A schedule but no dates at all.
        let mut no_dates = rotating("prod/app/no-dates", 30);
        no_dates.created_date = None;
        let mut disabled = secret("prod/app/disabled");
        disabled.last_rotated_date = Some(days_ago(400));
        let mut deleted = rotating("prod/app/deleted", 30);
        deleted.last_rotated_date = Some(days_ago(400));
        deleted.deleted_date = Some(days_ago(1));
        let mut replica = rotating("prod/app/replica", 30);
        replica.last_rotated_date = Some(days_ago(400));
        replica.region = "eu-west-1".into();
        replica.primary_region = Some(REGION.into());
        let f = run(
            &RotationNotOnSchedule,
            &inventory(vec![
                bad,
                bad_with_next,
                no_dates,
                disabled,
                deleted,
                replica,
            ]),
        );
        assert_eq!(f.len(), 5);
        assert_eq!(status_of(&f, "prod/app/bad"), Status::Error);
        assert_eq!(status_of(&f, "prod/app/bad-with-next"), Status::Fail);
        assert_eq!(status_of(&f, "prod/app/no-dates"), Status::Error);
        assert_eq!(status_of(&f, "prod/app/disabled"), Status::NotApplicable);
        assert_eq!(status_of(&f, "prod/app/deleted"), Status::NotApplicable);
        let bad = finding(&f, "prod/app/bad");
        assert!(
            bad.message.contains("no next rotation date"),
            "{}",
            bad.message
        );
        assert!(
            bad.evidence()["interval_error"]
                .as_str()
                .is_some_and(|e| e.contains("cron(nope)"))
        );
    }

    #[test]
    fn rotation_failed_events_are_evidence() {
        use crate::inventory::{CloudTrailRegion, EventLookup, RotationOutcomes, SecretActivity};
        let mut s = rotating("prod/app/a", 30);
        s.last_rotated_date = Some(days_ago(40));
        let mut inv = inventory(vec![s.clone()]);
        let mut ct = CloudTrailRegion {
            account: ACCOUNT.into(),
            region: REGION.into(),
            lookup: Some(EventLookup {
                start: days_ago(7),
                end: now(),
                ..Default::default()
            }),
            ..Default::default()
        };
        ct.secrets.insert(
            s.arn.clone(),
            SecretActivity {
                rotation: RotationOutcomes {
                    failed: 2,
                    last_failed: Some(days_ago(3)),
                    ..Default::default()
                },
                ..Default::default()
            },
        );
        inv.cloudtrail = vec![ct];
        let f = run(&RotationNotOnSchedule, &inv);
        assert_eq!(f[0].status, Status::Fail);
        assert_eq!(f[0].evidence()["cloudtrail_rotation"]["failed"], 2);
        assert!(
            f[0].message
                .contains("2 RotationFailed event(s), last 2026-05-29"),
            "{}",
            f[0].message
        );
        // Not collected: no CloudTrail evidence at all.
        let f = run(&RotationNotOnSchedule, &inventory(vec![s]));
        assert!(f[0].evidence().get("cloudtrail_rotation").is_none());
    }

    #[test]
    fn grace_comes_from_config() {
        let mut cfg = crate::config::Config::default();
        cfg.raw.rotation.schedule_grace_days = 0;
        let mut s = rotating("prod/app/a", 30);
        s.last_rotated_date = Some(days_ago(31));
        let f = run_with(&RotationNotOnSchedule, &inventory(vec![s]), &cfg);
        assert_eq!(status_of(&f, "prod/app/a"), Status::Fail);
        assert_eq!(f[0].evidence()["grace_days"], 0);
        assert_eq!(f[0].evidence()["days_overdue"], 1);
    }
}
