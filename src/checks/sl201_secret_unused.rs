//! SL201 secret-unused: not accessed for more than `usage.unused_days`.

use serde::Serialize;

use super::{Check, Context, Emitter};
use super::support::{ago, rfc3339};
use crate::report::Status;

pub struct SecretUnused;

#[derive(Serialize)]
struct Evidence {
    /// The latest `LastAccessedDate` of the secret and its replicas (AWS records it at day
    /// granularity, midnight UTC, per region).
    last_accessed: Option<String>,
    /// The replica's region when the latest access was to a replica.
    #[serde(skip_serializing_if = "Option::is_none")]
    last_accessed_region: Option<String>,
    created: Option<String>,
    /// Whole days since the last access; `null` when never accessed.
    days_since_access: Option<i64>,
    /// Whole days since creation.
    days_since_created: Option<i64>,
    unused_days: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    deleted_date: Option<String>,
}

impl Check for SecretUnused {
    fn id(&self) -> &'static str {
        "SL201"
    }

    fn doc(&self) -> &'static str {
        include_str!("../../checks/SL201-secret-unused.md")
    }

    fn run(&self, ctx: &Context<'_>, out: &mut Emitter<'_>) {
        let limit = ctx.cfg.raw.usage.unused_days;
        for s in ctx.secrets() {
            // A read of any replica is a use: the latest access of the primary, its replicas
            // as DescribeSecret reports them, and the replicas listed in audited regions.
            let mut last = s.last_accessed_date;
            let mut last_region = None;
            let listed = ctx.listed_replicas(s);
            let replicas = s
                .replication
                .iter()
                .flatten()
                .map(|r| (r.region.as_str(), r.last_accessed_date))
                .chain(listed.iter().map(|r| (r.region.as_str(), r.last_accessed_date)));
            for (region, date) in replicas {
                if date > last && region != s.region {
                    last = date;
                    last_region = Some(region.to_string());
                }
            }
            let ev = Evidence {
                last_accessed: rfc3339(last),
                last_accessed_region: last_region.clone(),
                created: rfc3339(s.created_date),
                days_since_access: last.map(|d| ctx.days_since(d)),
                days_since_created: s.created_date.map(|d| ctx.days_since(d)),
                unused_days: limit,
                deleted_date: rfc3339(s.deleted_date),
            };
            if s.deleted_date.is_some() {
                out.secret(s, Status::NotApplicable, "scheduled for deletion", ev);
                continue;
            }
            let at = last_region
                .map(|r| format!(" (replica in {r})"))
                .unwrap_or_default();
            match (ev.days_since_access, ev.days_since_created) {
                (Some(d), _) if d > limit => out.secret(
                    s,
                    Status::Fail,
                    format!("last accessed {}{at} (limit {limit})", ago(d)),
                    ev,
                ),
                (Some(d), _) => out.secret(
                    s,
                    Status::Pass,
                    format!("last accessed {}{at} (limit {limit})", ago(d)),
                    ev,
                ),
                (None, Some(c)) if c > limit => out.secret(
                    s,
                    Status::Fail,
                    format!("never accessed; created {} (limit {limit})", ago(c)),
                    ev,
                ),
                (None, Some(c)) => out.secret(
                    s,
                    Status::Pass,
                    format!("never accessed, but created only {} (limit {limit})", ago(c)),
                    ev,
                ),
                (None, None) => out.secret(
                    s,
                    Status::Error,
                    "cannot tell: neither a last-accessed nor a creation date was collected",
                    ev,
                ),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testutil::*;

    #[test]
    fn statuses_and_boundaries() {
        let mut used = secret("prod/app/used");
        used.last_accessed_date = Some(days_ago(1));
        let mut at_limit = secret("prod/app/at-limit");
        at_limit.last_accessed_date = Some(days_ago(90));
        let mut stale = secret("prod/app/stale");
        stale.last_accessed_date = Some(days_ago(91));
        let mut never_old = secret("prod/app/never-old");
        never_old.created_date = Some(days_ago(91));
        let mut never_at_limit = secret("prod/app/never-at-limit");
        never_at_limit.created_date = Some(days_ago(90));
        let never_new = secret("prod/app/never-new");
        // Accessed recently, creation date missing: the access date decides.
        let mut no_created = secret("prod/app/no-created");
        no_created.created_date = None;
        no_created.last_accessed_date = Some(days_ago(3));
        let mut no_dates = secret("prod/app/no-dates");
        no_dates.created_date = None;
        let mut deleted = secret("prod/app/deleted");
        deleted.created_date = Some(days_ago(500));
        deleted.deleted_date = Some(days_ago(1));
        let mut replica = secret("prod/app/replica");
        replica.created_date = Some(days_ago(500));
        replica.region = "eu-west-1".into();
        replica.primary_region = Some(REGION.into());
        let f = run(
            &SecretUnused,
            &inventory(vec![
                used,
                at_limit,
                stale,
                never_old,
                never_at_limit,
                never_new,
                no_created,
                no_dates,
                deleted,
                replica,
            ]),
        );
        assert_eq!(f.len(), 9, "replica excluded");
        assert_eq!(status_of(&f, "prod/app/used"), Status::Pass);
        assert_eq!(status_of(&f, "prod/app/at-limit"), Status::Pass);
        assert_eq!(status_of(&f, "prod/app/stale"), Status::Fail);
        assert_eq!(status_of(&f, "prod/app/never-old"), Status::Fail);
        assert_eq!(status_of(&f, "prod/app/never-at-limit"), Status::Pass);
        assert_eq!(status_of(&f, "prod/app/never-new"), Status::Pass);
        assert_eq!(status_of(&f, "prod/app/no-created"), Status::Pass);
        assert_eq!(status_of(&f, "prod/app/no-dates"), Status::Error);
        assert_eq!(status_of(&f, "prod/app/deleted"), Status::NotApplicable);

        let stale = f
            .iter()
            .find(|x| x.resource.name.as_ref() == "prod/app/stale")
            .expect("finding");
        assert_eq!(stale.message, "last accessed 91 days ago (limit 90)");
        assert_eq!(stale.evidence()["days_since_access"], 91);
        assert_eq!(stale.evidence()["unused_days"], 90);
        let never = f
            .iter()
            .find(|x| x.resource.name.as_ref() == "prod/app/never-old")
            .expect("finding");
        assert_eq!(
            never.message,
            "never accessed; created 91 days ago (limit 90)"
        );
        assert!(never.evidence()["last_accessed"].is_null());
    }

    #[test]
    fn a_read_replica_is_a_use() {
        let replica_access = |region: &str, days: i64| crate::inventory::Replica {
            region: region.into(),
            last_accessed_date: Some(days_ago(days)),
            ..Default::default()
        };
        // Primary unused for 200 days; its replica (from DescribeSecret) read 2 days ago.
        let mut described = secret("prod/app/described");
        described.created_date = Some(days_ago(400));
        described.last_accessed_date = Some(days_ago(200));
        described.replication = Some(vec![replica_access("eu-west-1", 2)]);
        // Never read in its own region; the replica listed in an audited region was.
        let mut listed = secret("prod/app/listed");
        listed.created_date = Some(days_ago(400));
        let mut listed_replica = secret("prod/app/listed");
        listed_replica.region = "eu-west-1".into();
        listed_replica.arn = listed_replica.arn.replace(REGION, "eu-west-1");
        listed_replica.primary_region = Some(REGION.into());
        listed_replica.last_accessed_date = Some(days_ago(5));
        // Replicas as stale as the primary: still unused.
        let mut stale = secret("prod/app/stale");
        stale.created_date = Some(days_ago(400));
        stale.last_accessed_date = Some(days_ago(150));
        stale.replication = Some(vec![replica_access("eu-west-1", 120)]);
        let f = run(
            &SecretUnused,
            &inventory(vec![described, listed, listed_replica, stale]),
        );
        assert_eq!(f.len(), 3, "the replica is reported on its primary");
        let described = f
            .iter()
            .find(|x| x.resource.name.as_ref() == "prod/app/described")
            .expect("finding");
        assert_eq!(described.status, Status::Pass);
        assert_eq!(
            described.message,
            "last accessed 2 days ago (replica in eu-west-1) (limit 90)"
        );
        assert_eq!(described.evidence()["last_accessed_region"], "eu-west-1");
        assert_eq!(status_of(&f, "prod/app/listed"), Status::Pass);
        assert_eq!(status_of(&f, "prod/app/stale"), Status::Fail);
        let stale = f
            .iter()
            .find(|x| x.resource.name.as_ref() == "prod/app/stale")
            .expect("finding");
        assert_eq!(stale.message, "last accessed 120 days ago (replica in eu-west-1) (limit 90)");
    }

    #[test]
    fn limit_comes_from_config() {
        let mut cfg = crate::config::Config::default();
        cfg.raw.usage.unused_days = 30;
        let mut s = secret("prod/app/a");
        s.last_accessed_date = Some(days_ago(31));
        let f = run_with(&SecretUnused, &inventory(vec![s]), &cfg);
        assert_eq!(status_of(&f, "prod/app/a"), Status::Fail);
        assert_eq!(f[0].message, "last accessed 31 days ago (limit 30)");
    }
}
