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
    /// The partner of a managed external secret (rotated by Secrets Manager, no Lambda).
    #[serde(skip_serializing_if = "Option::is_none")]
    managed_external_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    external_rotation_role_arn: Option<&'a str>,
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
                managed_external_type: s.secret_type.as_deref(),
                external_rotation_role_arn: s.external_rotation_role_arn.as_deref(),
                deleted_date: s.deleted_date.map(|d| d.to_rfc3339()),
            };
            if s.deleted_date.is_some() {
                out.secret(s, Status::NotApplicable, "scheduled for deletion", ev);
            } else if s.rotation_enabled == Some(true) {
                let how = match s.secret_type.as_deref() {
                    // Managed external secrets rotate without a Lambda: Secrets Manager calls
                    // the partner with the external rotation role (mes-partners.html).
                    Some(t) => format!(
                        "automatic rotation is enabled (managed external secret of {t}, rotated by Secrets Manager without a Lambda)"
                    ),
                    None => "automatic rotation is enabled".to_string(),
                };
                out.secret(s, Status::Pass, how, ev);
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

    #[test]
    fn managed_external_secrets_rotate_without_a_lambda() {
        let mut on = secret("partner/app/on");
        on.rotation_enabled = Some(true);
        on.rotation_lambda_arn = None;
        on.secret_type = Some("SalesforceClientSecret".into());
        on.external_rotation_role_arn = Some(format!("arn:aws:iam::{ACCOUNT}:role/mes-rotation"));
        let mut off = on.clone();
        off.name = "partner/app/off".into();
        off.arn = off.arn.replace("partner/app/on", "partner/app/off");
        off.rotation_enabled = Some(false);
        let f = run(&RotationDisabled, &inventory(vec![on, off]));
        let on = f
            .iter()
            .find(|x| x.resource.name.as_ref() == "partner/app/on")
            .expect("finding");
        assert_eq!(on.status, Status::Pass);
        assert!(on.message.contains("without a Lambda"), "{}", on.message);
        assert_eq!(on.evidence()["managed_external_type"], "SalesforceClientSecret");
        assert_eq!(status_of(&f, "partner/app/off"), Status::Fail);
    }
}
