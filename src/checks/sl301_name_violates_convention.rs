//! SL301 name-violates-convention: the secret's name does not match `naming.pattern`.

use serde::Serialize;

use super::{Check, Context, Emitter};
use crate::report::Status;

pub struct NameViolatesConvention;

#[derive(Serialize)]
struct Evidence<'a> {
    name: &'a str,
    pattern: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    owning_service: Option<&'a str>,
}

impl Check for NameViolatesConvention {
    fn id(&self) -> &'static str {
        "SL301"
    }

    fn doc(&self) -> &'static str {
        include_str!("../../checks/SL301-name-violates-convention.md")
    }

    fn run(&self, ctx: &Context<'_>, out: &mut Emitter<'_>) {
        let re = &ctx.cfg.naming_pattern;
        let pattern = re.as_str();
        for s in ctx.secrets() {
            let ev = Evidence {
                name: &s.name,
                pattern,
                owning_service: s.owning_service.as_deref(),
            };
            if let Some(svc) = s.owning_service.as_deref() {
                out.secret(
                    s,
                    Status::NotApplicable,
                    format!("named by {svc}, which manages it"),
                    ev,
                );
            } else if re.is_match(&s.name) {
                out.secret(s, Status::Pass, "name matches the naming convention", ev);
            } else {
                out.secret(
                    s,
                    Status::Fail,
                    format!("name does not match {pattern}"),
                    ev,
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testutil::*;

    #[test]
    fn default_pattern() {
        let mut owned = secret("rds!db-0a1b2c3d");
        owned.owning_service = Some("rds".into());
        let mut deleted = secret("OldSecret");
        deleted.deleted_date = Some(days_ago(1));
        let mut replica = secret("Replica_Name");
        replica.region = "eu-west-1".into();
        replica.primary_region = Some(REGION.into());
        let inv = inventory(vec![
            secret("prod/payments/db-password"),
            secret("staging/api/stripe.key"),
            secret("Prod/payments/db"),
            secret("prod/payments"),
            secret("qa/payments/db"),
            secret("prod/pay ments/db"),
            owned,
            deleted,
            replica,
        ]);
        let f = run(&NameViolatesConvention, &inv);
        assert_eq!(f.len(), 8, "replica excluded");
        assert_eq!(status_of(&f, "prod/payments/db-password"), Status::Pass);
        assert_eq!(status_of(&f, "staging/api/stripe.key"), Status::Pass);
        assert_eq!(
            status_of(&f, "Prod/payments/db"),
            Status::Fail,
            "case-sensitive"
        );
        assert_eq!(status_of(&f, "prod/payments"), Status::Fail);
        assert_eq!(status_of(&f, "qa/payments/db"), Status::Fail);
        assert_eq!(status_of(&f, "prod/pay ments/db"), Status::Fail);
        assert_eq!(status_of(&f, "rds!db-0a1b2c3d"), Status::NotApplicable);
        assert_eq!(
            status_of(&f, "OldSecret"),
            Status::Fail,
            "deletion does not exempt naming"
        );

        let bad = f
            .iter()
            .find(|x| x.resource.name.as_ref() == "qa/payments/db")
            .expect("finding");
        assert_eq!(bad.evidence()["name"], "qa/payments/db");
        assert_eq!(
            bad.evidence()["pattern"],
            crate::config::NamingConfig::default().pattern
        );
        assert!(
            bad.message.contains("^(prod|staging|dev|test)/"),
            "{}",
            bad.message
        );
    }

    #[test]
    fn pattern_comes_from_config() {
        let mut raw = crate::config::RawConfig::default();
        raw.naming.pattern = "^[A-Z][A-Za-z]+$".into();
        let cfg = crate::config::Config::validate("test", raw).expect("valid");
        let f = run_with(
            &NameViolatesConvention,
            &inventory(vec![secret("PaymentsDb"), secret("prod/payments/db")]),
            &cfg,
        );
        assert_eq!(status_of(&f, "PaymentsDb"), Status::Pass);
        assert_eq!(status_of(&f, "prod/payments/db"), Status::Fail);
    }
}
