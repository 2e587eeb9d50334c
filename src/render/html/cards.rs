//! The secret cards: one per secret, rendered one at a time (`Display`) so that a
//! 100,000-secret report never holds all their view models at once.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use askama::Template;
use chrono::{DateTime, Utc};
use rustc_hash::FxHashMap as HashMap;
use serde::Serialize;

use super::evidence::{EvidenceView, evidence_view};
use super::format::{
    ChangeBadge, Counts, change_badge, check_anchor, cl, fmt_date_relative, pretty_policy,
    push_token, row_class, secret_anchor, severity_class, status_code, waiver_note,
};
use super::page::{Anchors, Ctx, finding_order};
use crate::render::text::plural;
use crate::report::{DidRead, Finding, Gap, Report, SecretSummary};
use crate::sanitize::{clean, clean_multiline};
use crate::vocab::{Category, Severity, Status};

#[derive(Serialize)]
pub(super) struct Tag<'a> {
    pub(super) key: Cow<'a, str>,
    pub(super) value: Cow<'a, str>,
}

#[derive(Serialize)]
pub(super) struct Fact<'a> {
    pub(super) label: &'static str,
    pub(super) value: Cow<'a, str>,
}

/// A row of a secret card's findings list (`<li>`): its classes carry the filter codes, and
/// the stylesheet draws the status and severity badge from them.
#[derive(Serialize)]
pub(super) struct CardRow<'a> {
    /// `finding-<id>`; only in a full report (a compact one leaves it to report.json).
    pub(super) id: Option<&'a str>,
    /// `sf v3 kr` (status, severity, category) and `cn` (change) when there is one; a grouped
    /// row has a class per severity and category of its checks.
    pub(super) class: String,
    pub(super) change: Option<ChangeBadge>,
    /// The checks (id, anchor), linked to their cards (one, or several for a grouped row).
    pub(super) checks: Vec<(&'a str, &'a str)>,
    /// The check's name (full reports only).
    pub(super) check_name: Cow<'a, str>,
    pub(super) message: Cow<'a, str>,
    /// Readable evidence and its raw JSON (full reports only).
    pub(super) evidence: Option<EvidenceView>,
    /// A failing finding's remediation command (full reports only), with the secret's ARN
    /// and name in place of `SECRET_ARN` and `SECRET_NAME` when they are shell-safe.
    pub(super) fix: Option<String>,
    pub(super) waiver: Option<String>,
}

#[derive(Serialize)]
pub(super) struct SecretView<'a> {
    pub(super) anchor: String,
    pub(super) region_key: &'a str,
    pub(super) account_key: &'a str,
    /// `data-k`: one 4-character token per finding (status, severity, category and change
    /// codes), which the triage script matches to show or hide the whole card.
    pub(super) tokens: String,
    /// With collapsed passing findings: `12 passing, 3 not applicable`, and its classes.
    pub(super) collapsed: Option<(String, String)>,
    pub(super) name: Cow<'a, str>,
    pub(super) arn: Cow<'a, str>,
    pub(super) account: Cow<'a, str>,
    pub(super) region: Cow<'a, str>,
    pub(super) description: Option<String>,
    pub(super) worst: Option<(&'static str, &'static str)>,
    pub(super) counts: Counts,
    /// Some findings are `error` or some call about it failed.
    pub(super) incomplete: bool,
    pub(super) facts: Vec<Fact<'a>>,
    pub(super) tags: Vec<Tag<'a>>,
    pub(super) policy: Option<String>,
    /// Shown instead of the policy when there is none: absent, or not collected.
    pub(super) policy_note: String,
    /// Calls about this secret that failed.
    pub(super) gaps: Vec<String>,
    /// Failing first, then error (grouped by cause in a compact report), suppressed, and
    /// passing findings that changed since the baseline.
    pub(super) rows: Vec<CardRow<'a>>,
    /// A full report's other passing and not-applicable findings, behind one disclosure.
    pub(super) passing: Vec<CardRow<'a>>,
    /// Its summary line: `14 checks passed, 2 not applicable`.
    pub(super) passing_summary: String,
    /// "Can read" (effective access): principal, kind, `allowed` or `conditional: keys`.
    pub(super) readers: Vec<(String, String, String)>,
    /// Who read it, from CloudTrail; `None` when not collected.
    pub(super) did_read: Option<DidReadView>,
}

/// Cleaned check ids and their anchors, computed once per check rather than per row, and
/// the checks' remediation commands (cleaned).
pub(super) struct Links(HashMap<String, (String, String)>, HashMap<String, String>);

impl Links {
    pub(super) fn new(r: &Report) -> Self {
        let mut map = HashMap::default();
        let ids = r.checks.iter().map(|c| c.id.as_str());
        let more = r.findings.iter().map(|f| &*f.check_id);
        let mut last = None;
        for id in ids.chain(more) {
            // Findings come by check: skip the hashing for a run of the same check.
            if last != Some(id) && !map.contains_key(id) {
                map.insert(id.to_string(), (clean(id), check_anchor(id)));
            }
            last = Some(id);
        }
        let fixes = r
            .checks
            .iter()
            .filter(|c| !c.remediation_cli.trim().is_empty())
            .map(|c| (c.id.clone(), clean(c.remediation_cli.trim())))
            .collect();
        Links(map, fixes)
    }
    /// The check's remediation command, if it has one.
    pub(super) fn fix(&self, id: &str) -> Option<&str> {
        self.1.get(id).map(String::as_str)
    }
    pub(super) fn get(&self, id: &str) -> (&str, &str) {
        self.0
            .get(id)
            .map_or(("", ""), |(id, anchor)| (id.as_str(), anchor.as_str()))
    }
}

/// In a compact report, the `error` findings of one secret that share one cause (the part of
/// the message after the first `: `) become one row naming their checks.
fn group_errors<'a>(
    findings: &mut Vec<(&'a Finding, usize)>,
    links: &'a Links,
) -> Vec<CardRow<'a>> {
    fn cause(f: &Finding) -> &str {
        f.message
            .split_once(": ")
            .map_or(&*f.message, |(_, why)| why)
    }
    let groupable = |f: &Finding| f.status == Status::Error && f.change.is_none();
    let mut by_message: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for (f, _) in findings.iter() {
        if groupable(f) {
            by_message.entry(cause(f)).or_default().push(f);
        }
    }
    by_message.retain(|_, v| v.len() > 1);
    if by_message.is_empty() {
        return Vec::new();
    }
    findings.retain(|(f, _)| !(groupable(f) && by_message.contains_key(cause(f))));
    let mut groups: Vec<(usize, &str, CardRow<'a>)> = by_message
        .into_iter()
        .map(|(message, mut list)| {
            list.sort_by(|a, b| {
                (std::cmp::Reverse(a.severity), &a.check_id)
                    .cmp(&(std::cmp::Reverse(b.severity), &b.check_id))
            });
            let sevs: BTreeSet<Severity> = list.iter().map(|f| f.severity).collect();
            let cats: BTreeSet<Category> = list.iter().map(|f| f.category).collect();
            let sevs: Vec<Severity> = sevs.into_iter().collect();
            let cats: Vec<Category> = cats.into_iter().collect();
            let row = CardRow {
                id: None,
                class: row_class(Status::Error, &sevs, &cats, None),
                change: None,
                checks: list.iter().map(|f| links.get(&f.check_id)).collect(),
                check_name: Cow::Borrowed(""),
                message: Cow::Owned(format!("could not be evaluated: {}", cl(message))),
                evidence: None,
                fix: None,
                waiver: None,
            };
            (list.len(), message, row)
        })
        .collect();
    groups.sort_by(|a, b| (b.0, a.1).cmp(&(a.0, b.1)));
    groups.into_iter().map(|(_, _, row)| row).collect()
}

/// The "Did read (CloudTrail)" block of a secret: every field cleaned text.
#[derive(Serialize)]
pub(super) struct DidReadView {
    pub(super) window: String,
    pub(super) readers: Vec<DidReadRow>,
}

#[derive(Serialize)]
pub(super) struct DidReadRow {
    pub(super) principal: String,
    pub(super) account: String,
    pub(super) count: u64,
    pub(super) last: String,
    pub(super) source_ips: String,
}

fn did_read_view(d: &DidRead, as_of: DateTime<Utc>) -> DidReadView {
    let days = (d.window_end - d.window_start).num_days();
    DidReadView {
        window: format!(
            "GetSecretValue events of the last {days} days ({} to {}){}",
            d.window_start.format("%Y-%m-%d"),
            d.window_end.format("%Y-%m-%d"),
            if d.truncated {
                ", truncated: older reads may be missing"
            } else {
                ""
            }
        ),
        readers: d
            .readers
            .iter()
            .map(|r| DidReadRow {
                principal: clean(&r.principal),
                account: clean(&r.account),
                count: r.count,
                last: r
                    .last
                    .map(|t| fmt_date_relative(t, as_of))
                    .unwrap_or_default(),
                source_ips: r
                    .source_ips
                    .iter()
                    .map(|ip| clean(ip))
                    .collect::<Vec<_>>()
                    .join(", "),
            })
            .collect(),
    }
}

/// A secret card (`templates/partials/secret_card.html`).
#[derive(Template)]
#[template(path = "partials/secret_card.html")]
pub(super) struct SecretCard<'a, 'b> {
    pub(super) s: &'b SecretView<'a>,
    pub(super) compact: bool,
}

/// Everything needed to render the secret cards; renders them one by one (`Display`), so
/// that a 100,000-secret report never holds all their view models at once.
pub(super) struct Cards<'a> {
    pub(super) r: &'a Report,
    pub(super) ctx: &'a Ctx,
    pub(super) links: &'a Links,
    pub(super) anchors: &'a Anchors,
    /// Worst first.
    pub(super) secrets: Vec<&'a SecretSummary>,
    /// Each secret's findings (index into `r.findings`), by ARN.
    pub(super) by_secret: &'a HashMap<&'a str, Vec<usize>>,
    /// Failed calls about a secret, by resource (ARN or name).
    pub(super) gaps: HashMap<&'a str, Vec<usize>>,
}

impl Cards<'_> {
    pub(super) fn views(&self) -> impl Iterator<Item = SecretView<'_>> {
        self.secrets.iter().map(|s| secret_view(s, self))
    }
}

impl std::fmt::Display for Cards<'_> {
    fn fmt(&self, out: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for v in self.views() {
            SecretCard {
                s: &v,
                compact: self.ctx.collapse_passing,
            }
            .render_into(out)
            .map_err(|_| std::fmt::Error)?;
        }
        Ok(())
    }
}

/// A finding's row in its secret's card.
fn card_row<'a>(f: &'a Finding, i: usize, c: &'a Cards<'_>) -> CardRow<'a> {
    let compact = c.ctx.collapse_passing;
    CardRow {
        id: c.anchors.id(i),
        class: row_class(f.status, &[f.severity], &[f.category], f.change),
        change: change_badge(f.change),
        checks: vec![c.links.get(&f.check_id)],
        check_name: if compact {
            Cow::Borrowed("")
        } else {
            cl(&f.check_name)
        },
        message: cl(&f.message),
        // A compact (large) report leaves evidence to report.json.
        evidence: if compact || f.evidence.is_empty() {
            None
        } else {
            evidence_view(f.evidence.json(), c.r.as_of)
        },
        fix: match c.links.fix(&f.check_id) {
            Some(cli) if !compact && f.status == Status::Fail => {
                Some(fill_placeholders(cli, &f.resource.arn, &f.resource.name))
            }
            _ => None,
        },
        waiver: waiver_note(f),
    }
}

/// A remediation command for one secret: `SECRET_ARN` and `SECRET_NAME` (whole words) become
/// the secret's ARN and name when those are shell-safe (`[A-Za-z0-9/_+=.@:-]`; AWS allows no
/// more in names, but report.json can be edited), else stay placeholders.
fn fill_placeholders(cli: &str, arn: &str, name: &str) -> String {
    let safe = |v: &str| {
        !v.is_empty()
            && v.chars()
                .all(|c| c.is_ascii_alphanumeric() || "/_+=.@:-".contains(c))
    };
    let mut out = cli.to_string();
    for (placeholder, value) in [("SECRET_ARN", arn), ("SECRET_NAME", name)] {
        if !safe(value) {
            continue;
        }
        let mut filled = String::with_capacity(out.len());
        let mut rest = out.as_str();
        while let Some(at) = rest.find(placeholder) {
            let word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
            let before = rest[..at].chars().next_back();
            let after = rest[at + placeholder.len()..].chars().next();
            filled.push_str(&rest[..at]);
            if word(before) || word(after) {
                filled.push_str(placeholder);
            } else {
                filled.push_str(value);
            }
            rest = &rest[at + placeholder.len()..];
        }
        filled.push_str(rest);
        out = filled;
    }
    out
}

/// A compact card's KMS key: without the `arn:…:kms:REGION:ACCOUNT:` prefix when the key is in
/// the secret's own account and region (`key/1234…`), as the card's ARN already says them.
fn short_key(s: &SecretSummary) -> Cow<'_, str> {
    let key = s.kms_key.as_str();
    let mut parts = key.splitn(6, ':');
    match (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) {
        (Some("arn"), Some(_), Some("kms"), Some(region), Some(account), Some(rest))
            if region == s.region && account == s.account && !rest.is_empty() =>
        {
            cl(rest)
        }
        _ => cl(key),
    }
}

fn secret_view<'a>(s: &'a SecretSummary, c: &'a Cards<'_>) -> SecretView<'a> {
    let (r, ctx) = (c.r, c.ctx);
    let as_of = r.as_of;
    let compact = ctx.collapse_passing;
    let mut findings: Vec<(&'a Finding, usize)> = c
        .by_secret
        .get(s.arn.as_str())
        .map(|v| v.iter().map(|i| (&r.findings[*i], *i)).collect())
        .unwrap_or_default();
    findings.sort_by(|a, b| finding_order(a.0, b.0));
    let mut tokens = String::with_capacity(findings.len() * 4);
    let (mut any_pass, mut any_na) = (false, false);
    for (f, _) in &findings {
        match f.status {
            // A compact card lists its passing and not-applicable findings as one counts row,
            // which the filters show for any severity and category: one `pxx_` or `nxx_`
            // token (`x` matches any code).
            Status::Pass if compact && f.change.is_none() => any_pass = true,
            Status::NotApplicable if compact && f.change.is_none() => any_na = true,
            _ => push_token(&mut tokens, f),
        }
    }
    if any_pass {
        tokens.push_str("pxx_");
    }
    if any_na {
        tokens.push_str("nxx_");
    }
    let mut collapsed = None;
    let mut groups = Vec::new();
    if compact {
        groups = group_errors(&mut findings, c.links);
        let quiet = |f: &Finding| matches!(f.status, Status::Pass | Status::NotApplicable);
        let (mut pass, mut na) = (0, 0);
        for (f, _) in findings.iter().filter(|(f, _)| quiet(f)) {
            if f.status == Status::Pass {
                pass += 1;
            } else {
                na += 1;
            }
        }
        // A passing finding that resolved a baseline failure stays listed.
        findings.retain(|(f, _)| !quiet(f) || f.change.is_some());
        if pass + na > 0 {
            // `x`: the stylesheet's severity and category filters leave it shown.
            let mut class = String::from("x");
            for (n, st) in [(pass, Status::Pass), (na, Status::NotApplicable)] {
                if n > 0 {
                    class.push_str(" s");
                    class.push(status_code(st));
                }
            }
            collapsed = Some((
                format!("{pass} pass, {na} n/a (listed in report.json)"),
                class,
            ));
        }
    }
    let mut gap_ids: Vec<usize> = c.gaps.get(s.arn.as_str()).cloned().unwrap_or_default();
    if s.name != s.arn {
        gap_ids.extend(c.gaps.get(s.name.as_str()).into_iter().flatten());
    }
    gap_ids.sort_unstable();
    let gaps: Vec<&Gap> = gap_ids.into_iter().map(|i| &r.gaps[i]).collect();
    let policy_note = match gaps
        .iter()
        .find(|g| g.operation == crate::report::Operation::GetResourcePolicy)
    {
        Some(g) => format!(
            "Not collected: GetResourcePolicy failed ({}).",
            clean(&g.error_code)
        ),
        None if compact => "none".to_string(),
        None => "No resource policy.".to_string(),
    };
    let date = |d: Option<DateTime<Utc>>| -> Cow<'a, str> {
        match d {
            // A compact report shows the date only.
            Some(d) if compact => Cow::Owned(d.format("%Y-%m-%d").to_string()),
            Some(d) => Cow::Owned(fmt_date_relative(d, as_of)),
            None if compact => Cow::Borrowed("never"),
            None => Cow::Borrowed("never / unknown"),
        }
    };
    let mut facts = vec![
        Fact {
            label: "KMS key",
            value: if compact {
                short_key(s)
            } else {
                cl(&s.kms_key)
            },
        },
        Fact {
            label: "Rotation",
            value: cl(&s.rotation),
        },
        Fact {
            label: "Created",
            value: date(s.created_date),
        },
        Fact {
            label: if compact { "Rotated" } else { "Last rotated" },
            value: date(s.last_rotated_date),
        },
        Fact {
            label: if compact { "Accessed" } else { "Last accessed" },
            value: date(s.last_accessed_date),
        },
    ];
    if let Some(d) = s.deleted_date {
        facts.push(Fact {
            label: "Scheduled for deletion",
            value: Cow::Owned(fmt_date_relative(d, as_of)),
        });
    }
    facts.push(Fact {
        label: if compact {
            "Replicas"
        } else {
            "Replica regions"
        },
        value: if s.replica_regions.is_empty() {
            Cow::Borrowed("none")
        } else {
            Cow::Owned(
                s.replica_regions
                    .iter()
                    .map(|r| clean(r))
                    .collect::<Vec<_>>()
                    .join(", "),
            )
        },
    });
    let mut rows: Vec<CardRow<'a>> = Vec::with_capacity(findings.len() + groups.len());
    // Failing, then the error groups with the other errors, then suppressed and passing rows.
    // A full report puts the passing and not-applicable rows (those that did not change since
    // the baseline) behind one disclosure.
    let mut passing = Vec::new();
    let (mut pass, mut na) = (0, 0);
    let mut groups = Some(groups);
    for (f, i) in findings {
        if f.status > Status::Error
            && let Some(g) = groups.take()
        {
            rows.extend(g);
        }
        let row = card_row(f, i, c);
        match f.status {
            Status::Pass | Status::NotApplicable if f.change.is_none() => {
                if f.status == Status::Pass {
                    pass += 1;
                } else {
                    na += 1;
                }
                passing.push(row);
            }
            _ => rows.push(row),
        }
    }
    if let Some(g) = groups.take() {
        rows.extend(g);
    }
    let passing_summary = match (pass, na) {
        (0, 0) => String::new(),
        (0, na) => format!("{} not applicable", plural(na, "check")),
        (pass, 0) => format!("{} passed", plural(pass, "check")),
        (pass, na) => format!("{} passed, {na} not applicable", plural(pass, "check")),
    };
    SecretView {
        anchor: secret_anchor(&s.arn),
        region_key: ctx.region_key(&s.region),
        account_key: ctx.account_key(&s.account),
        tokens,
        collapsed,
        name: cl(&s.name),
        arn: cl(&s.arn),
        account: cl(&s.account),
        region: cl(&s.region),
        description: s
            .description
            .as_deref()
            .filter(|d| !d.trim().is_empty())
            .map(clean_multiline),
        worst: s.worst_failing.map(|w| (w.as_str(), severity_class(w))),
        counts: Counts::from_map(&s.counts),
        incomplete: !gaps.is_empty() || s.counts.get(&Status::Error).is_some_and(|n| *n > 0),
        facts,
        tags: s
            .tags
            .iter()
            .map(|(k, v)| Tag {
                key: cl(k),
                value: cl(v),
            })
            .collect(),
        policy: s
            .resource_policy
            .as_deref()
            .map(|p| clean_multiline(&pretty_policy(p))),
        policy_note,
        gaps: gaps
            .iter()
            .map(|g| {
                format!(
                    "{} failed: {} ({})",
                    clean(g.operation.as_str()),
                    clean(&g.cause),
                    clean(&g.error_code)
                )
            })
            .collect(),
        rows,
        passing,
        passing_summary,
        readers: s
            .readers
            .iter()
            .map(|r| {
                let access = if r.conditional_on.is_empty() {
                    clean(&r.access)
                } else {
                    format!(
                        "{}: {}",
                        clean(&r.access),
                        clean(&r.conditional_on.join(", "))
                    )
                };
                (clean(&r.principal), clean(&r.kind), access)
            })
            .collect(),
        did_read: s.did_read.as_ref().map(|d| did_read_view(d, as_of)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remediation_commands_name_the_secret_when_it_is_shell_safe() {
        let arn = "arn:aws:secretsmanager:us-east-1:1:secret:prod/db-AbC";
        assert_eq!(
            fill_placeholders(
                "aws secretsmanager rotate-secret --secret-id SECRET_ARN",
                arn,
                "prod/db"
            ),
            format!("aws secretsmanager rotate-secret --secret-id {arn}")
        );
        assert_eq!(
            fill_placeholders("secretlens who-can-read SECRET_NAME --x", arn, "prod/db"),
            "secretlens who-can-read prod/db --x"
        );
        // Part of a longer word: left alone.
        assert_eq!(
            fill_placeholders("Variables={DB_SECRET_ARN=SECRET_ARN}", arn, "n"),
            format!("Variables={{DB_SECRET_ARN={arn}}}")
        );
        // Not shell-safe: the placeholder stays.
        for hostile in ["a;rm -rf ~", "$(id)", "x'y", "", "rds!db"] {
            assert_eq!(
                fill_placeholders("x --secret-id SECRET_ARN SECRET_NAME", hostile, hostile),
                "x --secret-id SECRET_ARN SECRET_NAME"
            );
        }
    }

    #[test]
    fn compact_keys_drop_the_secrets_own_prefix() {
        let s = SecretSummary {
            arn: "arn:aws:secretsmanager:eu-west-1:111122223333:secret:x".into(),
            name: "x".into(),
            account: "111122223333".into(),
            region: "eu-west-1".into(),
            description: None,
            tags: BTreeMap::new(),
            kms_key: "arn:aws:kms:eu-west-1:111122223333:key/abc".into(),
            rotation: String::new(),
            created_date: None,
            last_rotated_date: None,
            last_accessed_date: None,
            deleted_date: None,
            replica_regions: Vec::new(),
            resource_policy: None,
            readers: Vec::new(),
            counts: BTreeMap::new(),
            worst_failing: None,
            did_read: None,
        };
        assert_eq!(short_key(&s), "key/abc");
        let other = SecretSummary {
            kms_key: "arn:aws:kms:us-east-1:111122223333:key/abc".into(),
            ..s
        };
        assert_eq!(
            short_key(&other),
            "arn:aws:kms:us-east-1:111122223333:key/abc"
        );
        let alias = SecretSummary {
            kms_key: "alias/aws/secretsmanager".into(),
            ..other
        };
        assert_eq!(short_key(&alias), "alias/aws/secretsmanager");
    }
}
