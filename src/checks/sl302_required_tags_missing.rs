//! SL302 required-tags-missing: a tag key from `tagging.required_keys` is absent.

use serde::Serialize;

use super::{Check, Context, Emitter};
use crate::report::Status;

pub struct RequiredTagsMissing;

#[derive(Serialize)]
struct Evidence<'a> {
    required_keys: &'a [String],
    missing_keys: Vec<&'a str>,
    /// Tag keys on the secret, `aws:` system tags excluded.
    present_keys: Vec<&'a str>,
}

/// `aws:` tags are set by AWS, not by the owner (AWS reserves the prefix in any case).
fn is_system_tag(key: &str) -> bool {
    key.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("aws:"))
}

impl Check for RequiredTagsMissing {
    fn id(&self) -> &'static str {
        "SL302"
    }

    fn doc(&self) -> &'static str {
        include_str!("../../checks/SL302-required-tags-missing.md")
    }

    fn run(&self, ctx: &Context<'_>, out: &mut Emitter<'_>) {
        let required = ctx.cfg.raw.tagging.required_keys.as_slice();
        for s in ctx.secrets() {
            let present: Vec<&str> = s
                .tags
                .keys()
                .map(String::as_str)
                .filter(|k| !is_system_tag(k))
                .collect();
            let missing: Vec<&str> = required
                .iter()
                .map(String::as_str)
                .filter(|k| !present.contains(k))
                .collect();
            let (status, msg) = if required.is_empty() {
                if present.is_empty() {
                    (Status::Fail, "has no tags".to_string())
                } else {
                    (
                        Status::Pass,
                        format!("has {} tag(s); no tag keys are required", present.len()),
                    )
                }
            } else if missing.is_empty() {
                (
                    Status::Pass,
                    format!("has all {} required tags", required.len()),
                )
            } else {
                (
                    Status::Fail,
                    format!(
                        "missing {} of {} required tags: {}",
                        missing.len(),
                        required.len(),
                        missing.join(", ")
                    ),
                )
            };
            let ev = Evidence {
                required_keys: required,
                missing_keys: missing,
                present_keys: present,
            };
            out.secret(s, status, msg, ev);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testutil::*;
    use crate::inventory::Secret;

    fn tagged(name: &str, tags: &[(&str, &str)]) -> Secret {
        let mut s = secret(name);
        s.tags = tags
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        s
    }

    #[test]
    fn required_keys() {
        let mut replica = tagged("prod/app/replica", &[]);
        replica.region = "eu-west-1".into();
        replica.primary_region = Some(REGION.into());
        let inv = inventory(vec![
            tagged(
                "prod/app/all",
                &[
                    ("Environment", "prod"),
                    ("Team", "pay"),
                    ("Application", "api"),
                ],
            ),
            tagged(
                "prod/app/empty-value",
                &[("Environment", ""), ("Team", "pay"), ("Application", "api")],
            ),
            tagged(
                "prod/app/wrong-case",
                &[
                    ("environment", "prod"),
                    ("Team", "pay"),
                    ("Application", "api"),
                ],
            ),
            tagged(
                "prod/app/some",
                &[("Team", "pay"), ("aws:cloudformation:stack-name", "s")],
            ),
            tagged("prod/app/aws-only", &[("aws:Environment", "prod")]),
            tagged("prod/app/none", &[]),
            replica,
        ]);
        let f = run(&RequiredTagsMissing, &inv);
        assert_eq!(f.len(), 6, "replica excluded");
        assert_eq!(status_of(&f, "prod/app/all"), Status::Pass);
        assert_eq!(
            status_of(&f, "prod/app/empty-value"),
            Status::Pass,
            "an empty value is present"
        );
        assert_eq!(
            status_of(&f, "prod/app/wrong-case"),
            Status::Fail,
            "keys are case-sensitive"
        );
        assert_eq!(status_of(&f, "prod/app/some"), Status::Fail);
        assert_eq!(status_of(&f, "prod/app/aws-only"), Status::Fail);
        assert_eq!(status_of(&f, "prod/app/none"), Status::Fail);

        let some = f
            .iter()
            .find(|x| x.resource.name.as_ref() == "prod/app/some")
            .expect("finding");
        assert_eq!(
            some.message,
            "missing 2 of 3 required tags: Environment, Application"
        );
        assert_eq!(
            some.evidence()["missing_keys"],
            serde_json::json!(["Environment", "Application"])
        );
        assert_eq!(
            some.evidence()["present_keys"],
            serde_json::json!(["Team"]),
            "aws: tags do not count"
        );
        let wrong = f
            .iter()
            .find(|x| x.resource.name.as_ref() == "prod/app/wrong-case")
            .expect("finding");
        assert_eq!(
            wrong.evidence()["missing_keys"],
            serde_json::json!(["Environment"])
        );
    }

    #[test]
    fn no_required_keys_means_any_tag() {
        let mut cfg = crate::config::Config::default();
        cfg.raw.tagging.required_keys.clear();
        let inv = inventory(vec![
            tagged("prod/app/one", &[("Owner", "me")]),
            tagged("prod/app/aws-only", &[("aws:cloudformation:stack-id", "x")]),
            tagged("prod/app/none", &[]),
        ]);
        let f = run_with(&RequiredTagsMissing, &inv, &cfg);
        assert_eq!(status_of(&f, "prod/app/one"), Status::Pass);
        assert_eq!(status_of(&f, "prod/app/aws-only"), Status::Fail);
        assert_eq!(status_of(&f, "prod/app/none"), Status::Fail);
        let none = f
            .iter()
            .find(|x| x.resource.name.as_ref() == "prod/app/none")
            .expect("finding");
        assert_eq!(none.message, "has no tags");
    }
}
