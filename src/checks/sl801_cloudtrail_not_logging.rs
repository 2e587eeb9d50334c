//! SL801 cloudtrail-not-logging: no logging trail records the region's management read events
//! (so `GetSecretValue` calls are not audited).

use serde::Serialize;

use super::support::cloudtrail::{coverage, covers};
use super::{Check, Context, Emitter};
use crate::inventory::Gap;
use crate::operation::Operation;
use crate::report::{Resource, Status};

pub struct CloudTrailNotLogging;

#[derive(Serialize)]
struct TrailEvidence<'a> {
    arn: &'a str,
    home_region: &'a str,
    multi_region: bool,
    organization: bool,
    is_logging: Option<bool>,
    management_reads: Option<bool>,
    selectors: String,
}

#[derive(Serialize)]
struct Evidence<'a> {
    account: &'a str,
    region: &'a str,
    /// The trails that apply to the region (its own, multi-region and organization trails).
    trails: Vec<TrailEvidence<'a>>,
    /// The trail that covers management reads, when one does.
    #[serde(skip_serializing_if = "Option::is_none")]
    covering_trail: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    gaps: Vec<super::GapEvidence<'a>>,
}

fn resource(account: &str, region: &str) -> Resource {
    Resource::new(
        format!("aws:{account}:{region}"),
        format!("{account}/{region}"),
        "region".to_string(),
        account.to_string(),
        region.to_string(),
    )
}

impl Check for CloudTrailNotLogging {
    fn id(&self) -> &'static str {
        "SL801"
    }

    fn doc(&self) -> &'static str {
        include_str!("../../checks/SL801-cloudtrail-not-logging.md")
    }

    fn run(&self, ctx: &Context<'_>, out: &mut Emitter<'_>) {
        for scope in &ctx.inv.scopes {
            let (account, region) = (scope.account.as_str(), scope.region.as_str());
            let gaps: Vec<&Gap> = ctx
                .inv
                .gaps
                .iter()
                .filter(|g| {
                    g.account == account
                        && g.region == region
                        && matches!(
                            g.operation,
                            Operation::DescribeTrails
                                | Operation::GetTrailStatus
                                | Operation::GetEventSelectors
                        )
                })
                .collect();
            let mut ev = Evidence {
                account,
                region,
                trails: Vec::new(),
                covering_trail: None,
                gaps: gaps.iter().map(|g| super::GapEvidence::from(*g)).collect(),
            };
            let Some(trails) = ctx
                .inv
                .cloudtrail_for(account, region)
                .and_then(|c| c.trails.as_ref())
            else {
                let why = match gaps.first() {
                    Some(g) => format!("DescribeTrails failed ({})", g.error_code),
                    None => "CloudTrail was not collected for this region ([cloudtrail] enabled = false, or an older inventory)".to_string(),
                };
                out.push(
                    resource(account, region),
                    Status::Error,
                    format!("cannot tell whether secret reads are logged: {why}"),
                    ev,
                );
                continue;
            };
            ev.trails = trails
                .iter()
                .map(|t| {
                    let coverage = coverage(t);
                    TrailEvidence {
                    arn: &t.arn,
                    home_region: &t.home_region,
                    multi_region: t.multi_region,
                    organization: t.organization,
                    is_logging: t.is_logging,
                    management_reads: coverage.reads,
                    selectors: coverage.why,
                }})
                .collect();
            if let Some(t) = trails.iter().find(|t| covers(t)) {
                ev.covering_trail = Some(&t.arn);
                let what = match (t.organization, t.multi_region) {
                    (true, _) => "organization trail",
                    (false, true) => "multi-region trail",
                    (false, false) => "trail",
                };
                let msg = format!("{what} {} logs management read events", t.name);
                out.push(resource(account, region), Status::Pass, msg, ev);
                continue;
            }
            let unknown = trails
                .iter()
                .any(|t| t.is_logging.is_none() || coverage(t).reads.is_none());
            if unknown {
                out.push(
                    resource(account, region),
                    Status::Error,
                    "no trail is known to log management read events, and the status or event selectors of some trail could not be collected",
                    ev,
                );
                continue;
            }
            let msg = if trails.is_empty() {
                "no CloudTrail trail covers this region: secret reads (GetSecretValue) are not audited beyond the 90-day event history".to_string()
            } else if trails.iter().all(|t| t.is_logging == Some(false)) {
                format!(
                    "{} trail(s) cover this region but none is logging",
                    trails.len()
                )
            } else {
                format!(
                    "{} trail(s) cover this region but none that is logging records management read events (selectors exclude them or log only WriteOnly)",
                    trails.len()
                )
            };
            out.push(resource(account, region), Status::Fail, msg, ev);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::TrailInfo;
    use crate::checks::testutil::*;
    use crate::inventory::{BasicEventSelector, CloudTrailRegion, EventSelectors};

    fn trail(name: &str, logging: bool, reads: bool) -> TrailInfo {
        TrailInfo {
            arn: format!("arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/{name}"),
            name: name.into(),
            home_region: "eu-west-1".into(),
            multi_region: true,
            organization: false,
            is_logging: Some(logging),
            // The default selectors (none returned) log every management event; a WriteOnly
            // basic selector logs none of the reads.
            event_selectors: Some(if reads {
                EventSelectors::default()
            } else {
                EventSelectors {
                    basic: vec![BasicEventSelector {
                        read_write_type: Some("WriteOnly".into()),
                        ..Default::default()
                    }],
                    advanced: vec![],
                }
            }),
            ..Default::default()
        }
    }

    fn with_trails(trails: Option<Vec<TrailInfo>>) -> crate::report::Finding {
        let mut inv = inventory(vec![]);
        inv.cloudtrail = vec![CloudTrailRegion {
            account: ACCOUNT.into(),
            region: REGION.into(),
            trails,
            ..Default::default()
        }];
        let f = run(&CloudTrailNotLogging, &inv);
        assert_eq!(f.len(), 1, "{f:#?}");
        f.into_iter().next().unwrap()
    }

    #[test]
    fn statuses() {
        assert_eq!(with_trails(Some(vec![])).status, Status::Fail);
        assert_eq!(
            with_trails(Some(vec![trail("main", true, true)])).status,
            Status::Pass
        );
        let f = with_trails(Some(vec![trail("stopped", false, true)]));
        assert_eq!(f.status, Status::Fail);
        assert!(f.message.contains("none is logging"), "{}", f.message);
        assert_eq!(
            with_trails(Some(vec![trail("writes", true, false)])).status,
            Status::Fail
        );
        assert_eq!(
            with_trails(Some(vec![
                trail("writes", true, false),
                trail("main", true, true)
            ]))
            .status,
            Status::Pass
        );
        let mut unknown = trail("x", true, true);
        unknown.event_selectors = None;
        assert_eq!(with_trails(Some(vec![unknown])).status, Status::Error);
        assert_eq!(with_trails(None).status, Status::Error);
        // Not collected at all: error, never pass.
        let f = run(&CloudTrailNotLogging, &inventory(vec![]));
        assert_eq!(f[0].status, Status::Error);
        assert_eq!(f[0].resource.kind.as_ref(), "region");
    }
}
