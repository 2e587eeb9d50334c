//! SL101 rotation-disabled: automatic rotation is not enabled.

use serde::Serialize;

use super::{Check, Context, Emitter};
use crate::report::Status;

pub struct RotationDisabled;

#[derive(Serialize)]
struct Evidence<'a> {
    rotation_enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    owning_service: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    deleted_date: Option<String>,
}

impl Check for RotationDisabled {
    fn id(&self) -> &'static str {
        "SL101"
    }

    fn doc(&self) -> &'static str {
        include_str!("../../checks/SL101-rotation-disabled.md")
    }

    fn run(&self, ctx: &Context<'_>, out: &mut Emitter<'_>) {
        for s in ctx.secrets() {
            let ev = Evidence {
                rotation_enabled: s.rotation_enabled,
                owning_service: s.owning_service.as_deref(),
                deleted_date: s.deleted_date.map(|d| d.to_rfc3339()),
            };
            if s.deleted_date.is_some() {
                out.secret(s, Status::NotApplicable, "scheduled for deletion", ev);
            } else if s.rotation_enabled == Some(true) {
                out.secret(s, Status::Pass, "automatic rotation is enabled", ev);
            } else if let Some(svc) = s.owning_service.as_deref() {
                out.secret(
                    s,
                    Status::NotApplicable,
                    format!("managed by {svc}, which controls its rotation"),
                    ev,
                );
            } else {
                out.secret(s, Status::Fail, "automatic rotation is not enabled", ev);
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
        let mut on = secret("prod/app/on");
        on.rotation_enabled = Some(true);
        let mut off = secret("prod/app/off");
        off.rotation_enabled = Some(false);
        let absent = secret("prod/app/absent");
        let mut owned = secret("rds!db-123");
        owned.owning_service = Some("rds".into());
        let mut deleted = secret("prod/app/deleted");
        deleted.deleted_date = Some(days_ago(1));
        let mut replica = secret("prod/app/off");
        replica.region = "eu-west-1".into();
        replica.arn = replica.arn.replace(REGION, "eu-west-1");
        replica.primary_region = Some(REGION.into());
        let f = run(
            &RotationDisabled,
            &inventory(vec![on, off, absent, owned, deleted, replica]),
        );
        assert_eq!(status_of(&f, "prod/app/on"), Status::Pass);
        assert_eq!(status_of(&f, "prod/app/off"), Status::Fail);
        assert_eq!(status_of(&f, "prod/app/absent"), Status::Fail);
        assert_eq!(status_of(&f, "rds!db-123"), Status::NotApplicable);
        assert_eq!(status_of(&f, "prod/app/deleted"), Status::NotApplicable);
        assert_eq!(f.len(), 5, "the replica is not a separate secret");
    }
}
