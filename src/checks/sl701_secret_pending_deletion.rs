//! SL701 secret-pending-deletion: the secret is scheduled for deletion.

use serde::Serialize;

use super::{Check, Context, Emitter};
use super::support::{rfc3339, ymd};
use crate::report::Status;

pub struct SecretPendingDeletion;

#[derive(Serialize)]
struct Evidence {
    /// `DeletedDate` as collected.
    deleted_date: Option<String>,
    /// Whole days from `DeletedDate` to now (negative when it lies ahead).
    days_since_deleted_date: Option<i64>,
}

impl Check for SecretPendingDeletion {
    fn id(&self) -> &'static str {
        "SL701"
    }

    fn doc(&self) -> &'static str {
        include_str!("../../checks/SL701-secret-pending-deletion.md")
    }

    fn run(&self, ctx: &Context<'_>, out: &mut Emitter<'_>) {
        for s in ctx.secrets() {
            let ev = Evidence {
                deleted_date: rfc3339(s.deleted_date),
                days_since_deleted_date: s.deleted_date.map(|d| ctx.days_since(d)),
            };
            match s.deleted_date {
                Some(d) => out.secret(
                    s,
                    Status::Fail,
                    format!("scheduled for deletion (DeletedDate {})", ymd(d)),
                    ev,
                ),
                None => out.secret(s, Status::Pass, "not scheduled for deletion", ev),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testutil::*;

    #[test]
    fn statuses() {
        let mut deleted = secret("prod/app/deleted");
        deleted.deleted_date = Some(days_ago(3));
        let mut replica = secret("prod/app/replica");
        replica.deleted_date = Some(days_ago(3));
        replica.region = "eu-west-1".into();
        replica.primary_region = Some(REGION.into());
        let f = run(
            &SecretPendingDeletion,
            &inventory(vec![secret("prod/app/live"), deleted, replica]),
        );
        assert_eq!(f.len(), 2, "replica excluded");
        assert_eq!(status_of(&f, "prod/app/live"), Status::Pass);
        assert_eq!(status_of(&f, "prod/app/deleted"), Status::Fail);
        let d = f
            .iter()
            .find(|x| x.resource.name.as_ref() == "prod/app/deleted")
            .expect("finding");
        assert_eq!(d.message, "scheduled for deletion (DeletedDate 2026-05-29)");
        assert_eq!(d.evidence()["deleted_date"], "2026-05-29T00:00:00+00:00");
        assert_eq!(d.evidence()["days_since_deleted_date"], 3);
        let live = f
            .iter()
            .find(|x| x.resource.name.as_ref() == "prod/app/live")
            .expect("finding");
        assert!(live.evidence()["deleted_date"].is_null());
    }
}
