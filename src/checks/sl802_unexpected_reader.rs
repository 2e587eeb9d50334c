//! SL802 unexpected-reader: CloudTrail shows a principal reading a secret that the access
//! analysis does not list among its readers, or a read from outside the audited accounts and
//! the trusted ones.

use std::collections::BTreeSet;

use serde::Serialize;

use super::{Check, Context, Emitter};
use super::support::{rfc3339};
use crate::operation::Operation;
use crate::access::Reader;
use crate::inventory::{CloudTrailRegion, ReaderActivity};
use crate::report::Status;

pub struct UnexpectedReader;

#[derive(Serialize)]
struct ReadEvidence<'a> {
    principal: &'a str,
    kind: &'a str,
    account: &'a str,
    count: u64,
    last: Option<String>,
    source_ips: &'a [String],
    user_agents: &'a [String],
    /// `allowed`, `not_among_readers`, `outside_organization`, `aws_service`, `root_user` (a
    /// read by an account's root user, always reported) or `unknown` (not among the readers,
    /// but the access analysis is incomplete).
    verdict: &'static str,
}

#[derive(Serialize)]
struct Evidence<'a> {
    /// Days of CloudTrail events read (the collection's look-back window).
    window_days: i64,
    /// The lookup hit its page, event or time bound: older reads may be missing.
    window_truncated: bool,
    /// Whether a logging trail covers management reads in the secret's region (SL801).
    trail_coverage: bool,
    reads: Vec<ReadEvidence<'a>>,
    /// Principals the access analysis allows that did not read the secret in the window:
    /// input for least privilege (not the account's root user, which every secret has).
    allowed_but_unused: Vec<&'a str>,
    access_complete: bool,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    access_notes: &'a [String],
}

/// Whether the access analysis lists the principal that read.
fn matches(reader: &Reader, r: &ReaderActivity) -> bool {
    let arn = reader.principal_arn.as_str();
    if arn == "*" || arn == r.principal {
        return true;
    }
    match reader.kind.as_str() {
        // Any principal of that account whose own policies allow it.
        "account" => !r.account.is_empty() && reader.account == r.account,
        "role" => {
            // Session ARNs carry no role path: compare account and role name.
            let name = |a: &str| {
                a.split_once(":role/")
                    .map(|(_, p)| p.rsplit('/').next().unwrap_or(p).to_string())
            };
            r.kind == "AssumedRole"
                && reader.account == r.account
                && name(arn).is_some()
                && name(arn) == name(&r.principal)
        }
        _ => false,
    }
}

fn covered(ct: &CloudTrailRegion) -> bool {
    ct.trails
        .as_ref()
        .is_some_and(|t| t.iter().any(super::support::cloudtrail::covers))
}

impl Check for UnexpectedReader {
    fn id(&self) -> &'static str {
        "SL802"
    }

    fn doc(&self) -> &'static str {
        include_str!("../../checks/SL802-unexpected-reader.md")
    }

    fn run(&self, ctx: &Context<'_>, out: &mut Emitter<'_>) {
        let trusted: BTreeSet<&str> = ctx
            .inv
            .accounts
            .iter()
            .chain(ctx.cfg.raw.access.trusted_accounts.iter())
            .map(String::as_str)
            .collect();
        for s in ctx.secrets() {
            let ct = ctx.inv.cloudtrail_for(&s.account, &s.region);
            let Some((ct, lookup)) = ct.and_then(|c| c.lookup.as_ref().map(|l| (c, l))) else {
                let gap = ctx.inv.gaps.iter().find(|g| {
                    g.account == s.account && g.region == s.region && g.operation == Operation::LookupEvents
                });
                let why = match gap {
                    Some(g) => format!("LookupEvents failed ({})", g.error_code),
                    None => "CloudTrail events were not collected for this region".to_string(),
                };
                out.secret(
                    s,
                    Status::Error,
                    format!("cannot tell who read the secret: {why}"),
                    gap.map(super::GapEvidence::from),
                );
                continue;
            };
            let access = ctx.readers(s);
            let activity = ct.secrets.get(&s.arn);
            let reads: Vec<&ReaderActivity> = activity
                .map(|a| a.readers.iter().filter(|r| r.count > 0).collect())
                .unwrap_or_default();
            let mut ev = Evidence {
                window_days: (lookup.end - lookup.start).num_days(),
                window_truncated: lookup.truncated,
                trail_coverage: covered(ct),
                reads: Vec::new(),
                allowed_but_unused: access
                    .readers
                    .iter()
                    .filter(|a| !a.is_root() && !reads.iter().any(|r| matches(a, r)))
                    .map(|a| a.principal_arn.as_str())
                    .collect(),
                access_complete: access.complete,
                access_notes: &access.notes,
            };
            let (mut outside, mut unlisted, mut unknown, mut root) =
                (Vec::new(), Vec::new(), Vec::new(), Vec::new());
            for r in &reads {
                let verdict = if r.kind == "AWSService" {
                    "aws_service"
                } else if !r.account.is_empty()
                    && r.account != s.account
                    && !trusted.contains(r.account.as_str())
                {
                    outside.push(*r);
                    "outside_organization"
                } else if r.kind == "Root" {
                    // Allowed, but the root user is not for everyday tasks: reported whatever
                    // the policies say.
                    root.push(*r);
                    "root_user"
                } else if access.readers.iter().any(|a| matches(a, r)) {
                    "allowed"
                } else if access.complete {
                    unlisted.push(*r);
                    "not_among_readers"
                } else {
                    unknown.push(*r);
                    "unknown"
                };
                ev.reads.push(ReadEvidence {
                    principal: &r.principal,
                    kind: &r.kind,
                    account: &r.account,
                    count: r.count,
                    last: rfc3339(r.last),
                    source_ips: &r.source_ips,
                    user_agents: &r.user_agents,
                    verdict,
                });
            }
            let days = (lookup.end - lookup.start).num_days();
            let describe = |rs: &[&ReaderActivity]| {
                rs.iter()
                    .map(|r| {
                        let ips = if r.source_ips.is_empty() {
                            String::new()
                        } else {
                            format!(" from {}", r.source_ips.join(", "))
                        };
                        format!("{} ({} read(s){ips})", r.principal, r.count)
                    })
                    .collect::<Vec<_>>()
                    .join("; ")
            };
            if !outside.is_empty() || !unlisted.is_empty() || !root.is_empty() {
                let mut parts = Vec::new();
                if !root.is_empty() {
                    parts.push(format!("read by the account root user: {}", describe(&root)));
                }
                if !outside.is_empty() {
                    parts.push(format!(
                        "read from outside the audited and trusted accounts by {}",
                        describe(&outside)
                    ));
                }
                if !unlisted.is_empty() {
                    parts.push(format!(
                        "read by principal(s) not among its allowed readers: {}",
                        describe(&unlisted)
                    ));
                }
                out.secret(
                    s,
                    Status::Fail,
                    format!("in the last {days} days: {}", parts.join("; ")),
                    ev,
                );
            } else if !unknown.is_empty() {
                let msg = format!(
                    "read by {} not listed among its readers, but the access analysis is incomplete ({})",
                    describe(&unknown),
                    access
                        .notes
                        .first()
                        .map(String::as_str)
                        .unwrap_or("IAM not collected")
                );
                out.secret(s, Status::Error, msg, ev);
            } else if !ev.trail_coverage {
                out.secret(
                    s,
                    Status::Error,
                    "no logging trail covers management reads in this region (SL801): reads cannot be audited",
                    ev,
                );
            } else {
                let n: u64 = reads.iter().map(|r| r.count).sum();
                let unused = if access.complete {
                    format!("{} allowed reader(s) unused", ev.allowed_but_unused.len())
                } else {
                    "allowed but unused readers not known (access analysis incomplete)".to_string()
                };
                let msg = if n == 0 {
                    format!("not read in the last {days} days; {unused}")
                } else {
                    format!(
                        "{n} read(s) in the last {days} days, all by expected principals; {unused}"
                    )
                };
                out.secret(s, Status::Pass, msg, ev);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testutil::*;
    use crate::inventory::{
        EventLookup, IamAccount, IamRole, InlinePolicy, SecretActivity, TrailInfo,
    };

    const READ_ALL: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"*"}]}"#;

    fn read(principal: &str, account: &str) -> ReaderActivity {
        ReaderActivity {
            principal: principal.into(),
            kind: "AssumedRole".into(),
            account: account.into(),
            count: 3,
            last: Some(days_ago(1)),
            source_ips: vec!["192.0.2.1".into()],
            ..Default::default()
        }
    }

    fn fixture(reads: Vec<ReaderActivity>, iam: bool) -> crate::inventory::Inventory {
        let s = secret("prod/app/db");
        let mut inv = inventory(vec![s.clone()]);
        let mut ct = CloudTrailRegion {
            account: ACCOUNT.into(),
            region: REGION.into(),
            trails: Some(vec![TrailInfo {
                arn: "arn:aws:cloudtrail:us-east-1:111122223333:trail/main".into(),
                is_logging: Some(true),
                event_selectors: Some(Default::default()),
                multi_region: true,
                ..Default::default()
            }]),
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
                readers: reads,
                ..Default::default()
            },
        );
        inv.cloudtrail = vec![ct];
        if iam {
            let role = |name: &str, policy: Option<&str>| IamRole {
                arn: format!("arn:aws:iam::{ACCOUNT}:role/{name}"),
                name: name.into(),
                inline_policies: policy
                    .map(|p| {
                        vec![InlinePolicy {
                            name: "read".into(),
                            document: p.into(),
                        }]
                    })
                    .unwrap_or_default(),
                ..Default::default()
            };
            inv.iam = vec![IamAccount {
                account: ACCOUNT.into(),
                roles: vec![
                    role("app", Some(READ_ALL)),
                    role("intruder", None),
                    role("idle", Some(READ_ALL)),
                ],
                ..Default::default()
            }];
        }
        inv
    }

    #[test]
    fn allowed_reader_passes_and_unused_ones_are_listed() {
        let f = run(
            &UnexpectedReader,
            &fixture(
                vec![read("arn:aws:iam::111122223333:role/app", ACCOUNT)],
                true,
            ),
        );
        assert_eq!(f[0].status, Status::Pass, "{:#}", f[0].evidence);
        let ev = f[0].evidence();
        let unused = ev["allowed_but_unused"].as_array().unwrap();
        assert!(
            unused
                .iter()
                .any(|u| u == "arn:aws:iam::111122223333:role/idle"),
            "{unused:?}"
        );
        assert!(
            !unused
                .iter()
                .any(|u| u == "arn:aws:iam::111122223333:role/app")
        );
        // The root user can read too, but every secret has it: not "unused".
        assert!(!unused.iter().any(|u| u == "arn:aws:iam::111122223333:root"));
    }

    #[test]
    fn a_read_by_the_root_user_is_reported() {
        let mut root = read("arn:aws:iam::111122223333:root", ACCOUNT);
        root.kind = "Root".into();
        let f = run(&UnexpectedReader, &fixture(vec![root], true));
        assert_eq!(f[0].status, Status::Fail, "{:#}", f[0].evidence);
        assert!(
            f[0].message.contains("read by the account root user"),
            "{}",
            f[0].message
        );
        assert_eq!(f[0].evidence()["reads"][0]["verdict"], "root_user");
    }

    #[test]
    fn unlisted_reader_fails() {
        let f = run(
            &UnexpectedReader,
            &fixture(
                vec![read("arn:aws:iam::111122223333:role/intruder", ACCOUNT)],
                true,
            ),
        );
        assert_eq!(f[0].status, Status::Fail, "{:#}", f[0].evidence);
        assert!(f[0].message.contains("role/intruder"), "{}", f[0].message);
        assert_eq!(f[0].evidence()["reads"][0]["verdict"], "not_among_readers");
    }

    #[test]
    fn outside_reader_fails_even_without_iam() {
        let f = run(
            &UnexpectedReader,
            &fixture(
                vec![read("arn:aws:iam::999988887777:role/x", "999988887777")],
                false,
            ),
        );
        assert_eq!(f[0].status, Status::Fail);
        assert_eq!(
            f[0].evidence()["reads"][0]["verdict"],
            "outside_organization"
        );
        // A trusted account is not outside.
        let mut cfg = crate::config::Config::default();
        cfg.raw.access.trusted_accounts = vec!["999988887777".into()];
        let f = run_with(
            &UnexpectedReader,
            &fixture(
                vec![read("arn:aws:iam::999988887777:role/x", "999988887777")],
                false,
            ),
            &cfg,
        );
        assert_ne!(f[0].status, Status::Fail);
    }

    #[test]
    fn without_iam_an_unlisted_reader_is_an_error_and_no_lookup_is_an_error() {
        let f = run(
            &UnexpectedReader,
            &fixture(
                vec![read("arn:aws:iam::111122223333:role/intruder", ACCOUNT)],
                false,
            ),
        );
        assert_eq!(f[0].status, Status::Error);
        let mut inv = fixture(vec![], true);
        inv.cloudtrail[0].lookup = None;
        assert_eq!(run(&UnexpectedReader, &inv)[0].status, Status::Error);
        let mut inv = fixture(vec![], true);
        inv.cloudtrail[0].trails = Some(vec![]);
        assert_eq!(
            run(&UnexpectedReader, &inv)[0].status,
            Status::Error,
            "no trail coverage is not a pass"
        );
    }
}
