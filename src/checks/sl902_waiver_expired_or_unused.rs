//! SL902 waiver-expired-or-unused: one finding per `[[waiver]]`: fail when it has expired or
//! suppressed nothing, pass otherwise. Runs in the second phase, on the findings with the
//! waivers applied.

use serde::Serialize;

use super::{Check, Context, Emitter};
use crate::report::{Finding, Resource, Status};
use crate::waiver::Waiver;

pub struct WaiverExpiredOrUnused;

#[derive(Serialize)]
struct Evidence<'a> {
    waiver: usize,
    check: &'a str,
    resource: &'a str,
    owner: &'a str,
    reason: &'a str,
    expires: String,
    expired: bool,
    /// Findings this waiver suppresses.
    suppressed: usize,
    /// For an expired waiver: failing findings it would still match.
    #[serde(skip_serializing_if = "Option::is_none")]
    failing_unsuppressed: Option<usize>,
}

fn resource(w: &Waiver) -> Resource {
    Resource::new(
        format!("config:{}", w.label()),
        format!("{} {}", w.check, w.resource),
        "waiver".to_string(),
        String::new(),
        String::new(),
    )
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

impl Check for WaiverExpiredOrUnused {
    fn id(&self) -> &'static str {
        "SL902"
    }

    fn doc(&self) -> &'static str {
        include_str!("../../checks/SL902-waiver-expired-or-unused.md")
    }

    /// Nothing to do before the waivers are applied.
    fn run(&self, _ctx: &Context<'_>, _out: &mut Emitter<'_>) {}

    fn run_after(&self, ctx: &Context<'_>, findings: &[Finding], out: &mut Emitter<'_>) {
        for w in &ctx.cfg.waivers {
            let suppressed = findings
                .iter()
                .filter(|f| f.waiver.as_ref().is_some_and(|r| r.index == w.index))
                .count();
            let expired = w.is_expired(ctx.now);
            let failing = expired.then(|| {
                findings
                    .iter()
                    .filter(|f| f.status == Status::Fail && w.matches(f))
                    .count()
            });
            let who = format!(
                "{} ({} {}, owner {})",
                w.label(),
                w.check,
                w.resource,
                w.owner
            );
            let (status, message) = if expired {
                let days = (ctx.now.date_naive() - w.expires).num_days();
                let failing = failing.unwrap_or(0);
                let effect = match failing {
                    0 => "it matches no failing finding either".to_string(),
                    1 => "1 failing finding is no longer suppressed".to_string(),
                    n => format!("{n} failing findings are no longer suppressed"),
                };
                (
                    Status::Fail,
                    format!(
                        "{who} expired on {}, {} ago: {effect}",
                        w.expires,
                        plural(days as usize, "day")
                    ),
                )
            } else if suppressed == 0 {
                (
                    Status::Fail,
                    format!(
                        "{who} suppresses no finding: no failing {} finding has a resource ARN or name matching {:?}",
                        w.check, w.resource
                    ),
                )
            } else {
                (
                    Status::Pass,
                    format!(
                        "{who} suppresses {} until {}",
                        plural(suppressed, "failing finding"),
                        w.expires
                    ),
                )
            };
            out.push(
                resource(w),
                status,
                message,
                Evidence {
                    waiver: w.index,
                    check: &w.check,
                    resource: &w.resource,
                    owner: &w.owner,
                    reason: &w.reason,
                    expires: w.expires.to_string(),
                    expired,
                    suppressed,
                    failing_unsuppressed: failing,
                },
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::checks::testutil::{self, now};
    use crate::config::Config;
    use crate::evaluate::evaluate;
    use crate::report::{Finding, Status};

    fn waiver(check: &str, resource: &str, expires: &str) -> String {
        format!(
            "[[waiver]]\ncheck = \"{check}\"\nresource = \"{resource}\"\nreason = \"accepted\"\nexpires = \"{expires}\"\nowner = \"team-a\"\n"
        )
    }

    fn sl902(toml: &str) -> Vec<Finding> {
        let cfg = Config::from_toml("x.toml", toml).unwrap_or_else(|e| panic!("{e}"));
        // SL101 fails on prod/app/off and prod/app/off-too.
        let inv = testutil::inventory(vec![
            testutil::secret("prod/app/off"),
            testutil::secret("prod/app/off-too"),
        ]);
        let report = evaluate(&inv, &cfg, now());
        report
            .findings
            .into_iter()
            .filter(|f| f.check_id == "SL902")
            .collect()
    }

    #[test]
    fn no_waivers_no_findings() {
        assert!(sl902("").is_empty());
    }

    #[test]
    fn a_waiver_that_suppresses_passes() {
        let f = sl902(&waiver("SL101", "prod/app/*", "2026-12-31"));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].status, Status::Pass, "{}", f[0].message);
        assert_eq!(f[0].resource.arn.as_ref(), "config:waiver[0]");
        assert_eq!(f[0].resource.name.as_ref(), "SL101 prod/app/*");
        assert_eq!(f[0].resource.kind.as_ref(), "waiver");
        assert_eq!(f[0].evidence()["suppressed"], 2);
        assert!(
            f[0].message
                .contains("suppresses 2 failing findings until 2026-12-31"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn an_expired_waiver_fails_and_counts_what_fails_again() {
        let f = sl902(&waiver("SL101", "prod/app/off", "2026-03-01"));
        assert_eq!(f[0].status, Status::Fail);
        assert_eq!(f[0].evidence()["expired"], true);
        assert_eq!(f[0].evidence()["failing_unsuppressed"], 1);
        assert_eq!(f[0].evidence()["suppressed"], 0);
        assert!(
            f[0].message.contains(
                "expired on 2026-03-01, 92 days ago: 1 failing finding is no longer suppressed"
            ),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn an_unused_waiver_fails() {
        // Wrong pattern, another check that passes, and a waiver shadowed by an earlier one.
        let toml = waiver("SL101", "staging/*", "2026-12-31")
            + &waiver("SL301", "prod/app/off", "2026-12-31")
            + &waiver("SL101", "prod/app/off", "2026-12-31")
            + &waiver("SL101", "prod/app/off", "2026-12-31");
        let f = sl902(&toml);
        let status: Vec<_> = f
            .iter()
            .map(|f| (f.resource.arn.as_ref(), f.status))
            .collect();
        assert_eq!(
            status,
            [
                ("config:waiver[0]", Status::Fail),
                ("config:waiver[1]", Status::Fail),
                ("config:waiver[2]", Status::Pass),
                ("config:waiver[3]", Status::Fail),
            ]
        );
        assert!(
            f[0].message.contains("suppresses no finding"),
            "{}",
            f[0].message
        );
        assert_eq!(f[0].evidence()["expired"], false);
    }

    #[test]
    fn findings_are_low_collection_and_unmapped() {
        let f = sl902(&waiver("SL101", "x", "2026-12-31"));
        assert_eq!(f[0].severity, crate::report::Severity::Low);
        assert_eq!(f[0].category, crate::report::Category::Collection);
        assert!(crate::frameworks::refs_for(&f[0].check_id).is_empty());
        assert!(f[0].waiver.is_none());
    }
}
