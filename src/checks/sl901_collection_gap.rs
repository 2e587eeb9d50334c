//! SL901 collection-gap: a call failed during collection, so some data is missing. One pass
//! finding per (account, region) collected without any failure; one fail finding per gap.

use std::collections::BTreeSet;

use serde::Serialize;

use super::{Check, Context, Emitter};
use crate::inventory::Gap;
use crate::report::{Resource, Status};

pub struct CollectionGap;

#[derive(Serialize)]
struct Evidence<'a> {
    account: &'a str,
    region: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    operation: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resource: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_code: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<&'a str>,
    /// The cause in plain language ([`crate::cause::describe`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    cause: Option<&'a str>,
}

/// The pseudo ARN of an (account, region) scope.
fn region_arn(account: &str, region: &str) -> String {
    format!("aws:{account}:{region}")
}

fn region_resource(account: &str, region: &str) -> Resource {
    Resource::new(
        region_arn(account, region),
        format!("{account}/{region}"),
        "region".to_string(),
        account.to_string(),
        region.to_string(),
    )
}

/// At most `max` characters of an AWS error message, on one line.
fn short(message: &str, max: usize) -> String {
    let one_line = message.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= max {
        one_line
    } else {
        let cut: String = one_line.chars().take(max).collect();
        format!("{cut}…")
    }
}

fn gap_message(g: &Gap) -> String {
    let place = if !g.resource.is_empty() {
        format!("for {}", g.resource)
    } else if g.region.is_empty() {
        format!("in account {}", g.account)
    } else {
        format!("in {}", g.region)
    };
    // The cause in plain words, then AWS's own code and message (the evidence has them whole).
    let detail = if g.message.trim().is_empty() {
        String::new()
    } else {
        format!(": {}", short(&g.message, 160))
    };
    format!(
        "{} failed {place}: {} [{}{detail}]",
        g.operation, g.cause, g.error_code
    )
}

impl Check for CollectionGap {
    fn id(&self) -> &'static str {
        "SL901"
    }

    fn doc(&self) -> &'static str {
        include_str!("../../checks/SL901-collection-gap.md")
    }

    fn run(&self, ctx: &Context<'_>, out: &mut Emitter<'_>) {
        let inv = ctx.inv;
        for scope in &inv.scopes {
            let failed = inv
                .gaps
                .iter()
                .filter(|g| g.account == scope.account && g.region == scope.region)
                .count();
            if failed == 0 {
                out.push(
                    region_resource(&scope.account, &scope.region),
                    Status::Pass,
                    format!(
                        "every call succeeded in {} (account {})",
                        scope.region, scope.account
                    ),
                    Evidence {
                        account: &scope.account,
                        region: &scope.region,
                        operation: None,
                        resource: None,
                        error_code: None,
                        message: None,
                        cause: None,
                    },
                );
            }
        }
        // Finding ids hash the resource ARN, so each gap gets a distinct one.
        let mut used = BTreeSet::new();
        for g in &inv.gaps {
            let (mut resource, base) = if g.resource.is_empty() {
                (
                    region_resource(&g.account, &g.region),
                    region_arn(&g.account, &g.region),
                )
            } else {
                let r = Resource::new(
                    String::new(),
                    g.resource.clone(),
                    "api-call".to_string(),
                    g.account.clone(),
                    g.region.clone(),
                );
                (r, g.resource.clone())
            };
            let mut arn = format!("{base}#{}", g.operation);
            if used.contains(&arn) {
                arn = format!("{arn}#{}", g.error_code);
            }
            let mut n = 2;
            while used.contains(&arn) {
                arn = format!("{base}#{}#{}#{n}", g.operation, g.error_code);
                n += 1;
            }
            used.insert(arn.clone());
            resource.arn = arn.into();
            out.push(
                resource,
                Status::Fail,
                gap_message(g),
                Evidence {
                    account: &g.account,
                    region: &g.region,
                    operation: Some(g.operation.as_str()),
                    resource: Some(&g.resource),
                    error_code: Some(&g.error_code),
                    message: Some(&g.message),
                    cause: Some(&g.cause),
                },
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testutil::*;
    use crate::inventory::Scope;

    fn gap(region: &str, operation: &str, resource: &str, code: &str, message: &str) -> Gap {
        Gap::new(
            ACCOUNT,
            region,
            crate::operation::Operation::from_name(operation),
            resource,
            code,
            message,
        )
    }

    #[test]
    fn no_gaps_one_pass_per_scope() {
        let mut inv = inventory(vec![secret("prod/app/a")]);
        inv.scopes.push(Scope {
            account: ACCOUNT.into(),
            region: "eu-west-1".into(),
        });
        let f = run(&CollectionGap, &inv);
        assert_eq!(f.len(), 2);
        assert!(
            f.iter()
                .all(|x| x.status == Status::Pass && x.resource.kind.as_ref() == "region")
        );
        assert_eq!(status_of(&f, "111122223333/us-east-1"), Status::Pass);
        let us = f
            .iter()
            .find(|x| x.resource.region.as_ref() == REGION)
            .expect("finding");
        assert_eq!(us.resource.arn.as_ref(), "aws:111122223333:us-east-1");
        assert_eq!(
            us.message,
            "every call succeeded in us-east-1 (account 111122223333)"
        );
    }

    #[test]
    fn one_fail_per_gap() {
        let secret_arn =
            format!("arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:prod/app/a-AbCdEf");
        let mut inv = inventory(vec![]);
        inv.scopes.push(Scope {
            account: ACCOUNT.into(),
            region: "eu-west-1".into(),
        });
        inv.gaps = vec![
            gap(
                REGION,
                "ListSecrets",
                "",
                "AccessDeniedException",
                "User: arn:aws:iam::111122223333:role/audit\n  is not authorized",
            ),
            gap(
                REGION,
                "GetResourcePolicy",
                &secret_arn,
                "ThrottlingException",
                "",
            ),
            gap(
                REGION,
                "DescribeSecret",
                &secret_arn,
                "AccessDeniedException",
                "denied",
            ),
            gap(
                REGION,
                "DescribeSecret",
                &secret_arn,
                "ThrottlingException",
                "slow down",
            ),
        ];
        let f = run(&CollectionGap, &inv);
        assert_eq!(f.len(), 5, "4 gaps + eu-west-1 clean");
        assert_eq!(status_of(&f, "111122223333/eu-west-1"), Status::Pass);
        let fails: Vec<_> = f.iter().filter(|x| x.status == Status::Fail).collect();
        assert_eq!(fails.len(), 4);
        let ids: BTreeSet<_> = f.iter().map(|x| x.id.clone()).collect();
        assert_eq!(ids.len(), 5, "finding ids are unique per gap");

        let list = fails
            .iter()
            .find(|x| x.evidence()["operation"] == "ListSecrets")
            .expect("finding");
        assert_eq!(list.resource.kind.as_ref(), "region");
        assert_eq!(
            list.resource.arn.as_ref(),
            "aws:111122223333:us-east-1#ListSecrets"
        );
        assert_eq!(
            list.message,
            "ListSecrets failed in us-east-1: access denied: the caller may not call ListSecrets \
             [AccessDeniedException: User: arn:aws:iam::111122223333:role/audit is not authorized]"
        );
        assert_eq!(list.evidence()["error_code"], "AccessDeniedException");
        let policy = fails
            .iter()
            .find(|x| x.evidence()["operation"] == "GetResourcePolicy")
            .expect("finding");
        assert_eq!(policy.resource.kind.as_ref(), "api-call");
        assert_eq!(policy.resource.name.as_ref(), secret_arn);
        assert_eq!(
            policy.resource.arn.as_ref(),
            format!("{secret_arn}#GetResourcePolicy")
        );
        assert_eq!(
            policy.message,
            format!(
                "GetResourcePolicy failed for {secret_arn}: throttled: AWS kept throttling the call \
                 through every retry (collection.retry_budget_secs) [ThrottlingException]"
            )
        );
        assert_eq!(policy.evidence()["resource"], secret_arn.as_str());
    }

    #[test]
    fn long_messages_are_shortened() {
        let mut inv = inventory(vec![]);
        inv.gaps = vec![gap(REGION, "ListSecrets", "", "Timeout", &"x".repeat(500))];
        let f = run(&CollectionGap, &inv);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].status, Status::Fail);
        assert!(f[0].message.chars().count() < 300, "{}", f[0].message);
        assert_eq!(
            f[0].evidence()["message"].as_str().map(str::len),
            Some(500),
            "evidence keeps it whole"
        );
    }
}
