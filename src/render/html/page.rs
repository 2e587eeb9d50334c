//! The page's view model: what is computed once from the report ([`Prepared`]: region and
//! account tokens, finding anchors, each secret's findings) and the askama template's root.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use askama::Template;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use serde::Serialize;

use super::cards::{Cards, Links};
use super::charts::{BarGroup, Kpi, Posture, bar_groups, kpis, posture};
use super::checks::{CheckView, check_views};
use super::csp::{SCRIPT, STYLE, csp};
use super::format::{Counts, cl, finding_anchor, secret_anchor, severity_class};
use super::sections::{
    ComparisonView, ExposureView, FindingRow, FrameworkView, GapRow, MetaView, ScanView, Select,
    comparison_view, exposure_view, finding_row, framework_views, meta_view, scan_view, selects,
};
use super::{Options, PASSING_SUMMARY_THRESHOLD, Passing};
use crate::render::text::plural;
use crate::report::{Finding, Report, SecretSummary};
use crate::sanitize::{clean, clean_multiline};
use crate::vocab::Status;

/// Attribute-safe tokens for regions and accounts (`r0`, `a0`; in the order of the names, so
/// that sorting by token sorts by region), and the rendering mode.
pub(super) struct Ctx {
    pub(super) regions: BTreeMap<String, String>,
    pub(super) accounts: BTreeMap<String, String>,
    pub(super) collapse_passing: bool,
    /// The report's as-of time: evidence dates are shown relative to it.
    pub(super) as_of: chrono::DateTime<chrono::Utc>,
}

impl Ctx {
    pub(super) fn new(r: &Report, options: &Options) -> Self {
        let mut regions: HashSet<&str> = r.regions.iter().map(String::as_str).collect();
        let mut accounts: HashSet<&str> = r.accounts.iter().map(String::as_str).collect();
        let (mut last_region, mut last_account) = ("", "");
        for f in &r.findings {
            // Neighbouring findings mostly share both: skip the hashing then.
            if *f.resource.region != *last_region {
                last_region = &f.resource.region;
                regions.insert(last_region);
            }
            if *f.resource.account != *last_account {
                last_account = &f.resource.account;
                accounts.insert(last_account);
            }
        }
        for s in &r.secrets {
            regions.insert(&s.region);
            accounts.insert(&s.account);
        }
        if let Some(c) = &r.comparison {
            for f in &c.resolved_findings {
                regions.insert(&f.resource.region);
                accounts.insert(&f.resource.account);
            }
        }
        let tokens = |set: HashSet<&str>, prefix: char| {
            set.into_iter()
                .collect::<BTreeSet<&str>>()
                .into_iter()
                .enumerate()
                .map(|(i, v)| (v.to_string(), format!("{prefix}{i}")))
                .collect()
        };
        Ctx {
            regions: tokens(regions, 'r'),
            accounts: tokens(accounts, 'a'),
            collapse_passing: options.passing == Passing::Summary
                && r.secrets.len() > PASSING_SUMMARY_THRESHOLD,
            as_of: r.as_of,
        }
    }
    pub(super) fn region(&self, region: &str) -> String {
        self.region_key(region).to_string()
    }
    pub(super) fn account(&self, account: &str) -> String {
        self.account_key(account).to_string()
    }
    pub(super) fn region_key(&self, region: &str) -> &str {
        self.regions.get(region).map_or("", String::as_str)
    }
    pub(super) fn account_key(&self, account: &str) -> &str {
        self.accounts.get(account).map_or("", String::as_str)
    }
}

#[derive(Template, Serialize)]
#[template(path = "report.html")]
pub(super) struct ReportPage<'a> {
    #[serde(skip)]
    pub(super) style: &'static str,
    #[serde(skip)]
    pub(super) script: &'static str,
    #[serde(skip)]
    pub(super) csp: String,
    pub(super) meta: MetaView,
    pub(super) coverage_complete: bool,
    pub(super) gaps: Vec<GapRow>,
    pub(super) gap_summary: String,
    pub(super) kpis: Vec<Kpi>,
    pub(super) posture: Posture,
    pub(super) bar_groups: Vec<BarGroup>,
    pub(super) selects: Vec<Select>,
    pub(super) comparison: Option<ComparisonView>,
    /// Passing findings are collapsed into per-secret counts.
    pub(super) collapsed_passing: bool,
    pub(super) checks: Vec<CheckView>,
    pub(super) frameworks: Vec<FrameworkView>,
    /// The secrets' index (a full report only; in a compact one the cards' heads are the index).
    pub(super) index: Vec<IndexRow<'a>>,
    /// The secret cards, rendered straight into the page (one view model at a time).
    #[serde(skip)]
    pub(super) cards: Cards<'a>,
    pub(super) others: Vec<FindingRow>,
    /// With `--scan PATH`: the "Hardcoded credentials" section.
    pub(super) scan: Option<ScanView>,
    pub(super) exposure: Option<ExposureView>,
    pub(super) config: String,
}

/// A row of the secrets' index.
#[derive(Serialize)]
pub(super) struct IndexRow<'a> {
    pub(super) anchor: String,
    pub(super) name: Cow<'a, str>,
    pub(super) account: Cow<'a, str>,
    pub(super) region: Cow<'a, str>,
    pub(super) worst: Option<(&'static str, &'static str)>,
    pub(super) counts: Counts,
}

/// The `id`s of finding rows (`finding-<id>`, unique on the page), by index into
/// `r.findings`. A compact report gives ids only to the rows of its "Other resources" table;
/// links to a secret's finding go to the secret's card.
pub(super) struct Anchors {
    pub(super) ids: HashMap<usize, String>,
}

impl Anchors {
    pub(super) fn new(r: &Report, on_secret: &[bool], compact: bool) -> Self {
        let mut seen: HashMap<String, usize> = HashMap::default();
        let ids = r
            .findings
            .iter()
            .enumerate()
            .filter(|(i, _)| !compact || !on_secret[*i])
            .map(|(i, f)| {
                let base = finding_anchor(&f.id);
                let n = seen.entry(base.clone()).or_default();
                *n += 1;
                (i, if *n == 1 { base } else { format!("{base}-{n}") })
            })
            .collect();
        Anchors { ids }
    }
    pub(super) fn id(&self, i: usize) -> Option<&str> {
        self.ids.get(&i).map(String::as_str)
    }
    /// Where a link to finding `i` goes: its row, or its secret's card.
    pub(super) fn target(&self, r: &Report, i: usize) -> String {
        self.id(i).map_or_else(
            || secret_anchor(&r.findings[i].resource.arn),
            str::to_string,
        )
    }
}

/// What the page is built from: computed once, borrowed by the page's view model.
pub(super) struct Prepared<'r> {
    pub(super) ctx: Ctx,
    pub(super) links: Links,
    pub(super) anchors: Anchors,
    /// The findings shown in a secret's card (index into `r.findings`), by the secret's ARN.
    pub(super) by_secret: HashMap<&'r str, Vec<usize>>,
    /// The other findings, in report order.
    pub(super) others: Vec<usize>,
}

impl<'r> Prepared<'r> {
    pub(super) fn new(r: &'r Report, options: &Options) -> Self {
        let ctx = Ctx::new(r, options);
        let slot: HashMap<&str, usize> = r
            .secrets
            .iter()
            .enumerate()
            .map(|(i, s)| (s.arn.as_str(), i))
            .collect();
        let mut lists: Vec<Vec<usize>> = vec![Vec::new(); r.secrets.len()];
        let mut on_secret = vec![false; r.findings.len()];
        let mut others = Vec::new();
        // A secret's findings share one allocation of its ARN: look each allocation up once,
        // by address, rather than hashing the ARN of every finding.
        let mut seen: HashMap<(*const u8, usize), Option<usize>> = HashMap::default();
        for (i, f) in r.findings.iter().enumerate() {
            let arn: &str = &f.resource.arn;
            let at = *seen
                .entry((arn.as_ptr(), arn.len()))
                .or_insert_with(|| slot.get(arn).copied());
            match at {
                Some(at) if &*f.resource.kind == "secret" => {
                    lists[at].push(i);
                    on_secret[i] = true;
                }
                _ => others.push(i),
            }
        }
        let by_secret: HashMap<&str, Vec<usize>> = r
            .secrets
            .iter()
            .zip(lists)
            .map(|(s, list)| (s.arn.as_str(), list))
            .collect();
        let anchors = Anchors::new(r, &on_secret, ctx.collapse_passing);
        Prepared {
            links: Links::new(r),
            anchors,
            by_secret,
            others,
            ctx,
        }
    }
}

impl<'a> ReportPage<'a> {
    pub(super) fn new(r: &'a Report, p: &'a Prepared<'a>) -> Self {
        let ctx = &p.ctx;
        let mut others = p.others.clone();
        let mut gaps: HashMap<&str, Vec<usize>> = HashMap::default();
        for (i, g) in r.gaps.iter().enumerate() {
            if !g.resource.is_empty() {
                gaps.entry(g.resource.as_str()).or_default().push(i);
            }
        }

        let mut secrets: Vec<&SecretSummary> = r.secrets.iter().collect();
        let rank = |s: &SecretSummary| {
            (
                std::cmp::Reverse(s.worst_failing.map(|w| w as u8 + 1).unwrap_or(0)),
                std::cmp::Reverse(s.counts.get(&Status::Error).copied().unwrap_or(0) > 0),
            )
        };
        secrets.sort_by(|a, b| (rank(a), &a.name, &a.arn).cmp(&(rank(b), &b.name, &b.arn)));
        let index = if ctx.collapse_passing {
            Vec::new()
        } else {
            secrets
                .iter()
                .map(|s| IndexRow {
                    anchor: secret_anchor(&s.arn),
                    name: cl(&s.name),
                    account: cl(&s.account),
                    region: cl(&s.region),
                    worst: s.worst_failing.map(|w| (w.as_str(), severity_class(w))),
                    counts: Counts::from_map(&s.counts),
                })
                .collect()
        };

        others.sort_by(|a, b| finding_order(&r.findings[*a], &r.findings[*b]));
        let others = others
            .into_iter()
            .map(|i| finding_row(&r.findings[i], p.anchors.id(i).unwrap_or_default(), ctx))
            .collect();

        ReportPage {
            style: STYLE,
            script: SCRIPT,
            csp: csp(),
            posture: posture(r),
            selects: selects(r, ctx),
            comparison: comparison_view(r, ctx, &p.anchors),
            collapsed_passing: ctx.collapse_passing,
            meta: meta_view(r),
            coverage_complete: r.coverage_complete,
            gaps: r
                .gaps
                .iter()
                .map(|g| GapRow {
                    account: clean(&g.account),
                    region: clean(&g.region),
                    operation: clean(g.operation.as_str()),
                    resource: clean(&g.resource),
                    error_code: clean(&g.error_code),
                    message: clean(&g.message),
                    cause: clean(&g.cause),
                })
                .collect(),
            gap_summary: format!(
                "{} failed during collection. Resources they cover are reported as error, never as pass; \
                 the counts below are incomplete.",
                plural(r.gaps.len(), "call")
            ),
            kpis: kpis(r),
            bar_groups: bar_groups(r),
            checks: check_views(r, &p.anchors, ctx),
            frameworks: framework_views(r),
            index,
            cards: Cards {
                r,
                ctx,
                links: &p.links,
                anchors: &p.anchors,
                secrets,
                by_secret: &p.by_secret,
                gaps,
            },
            others,
            scan: scan_view(r),
            exposure: exposure_view(r),
            config: clean_multiline(
                &serde_json::to_string_pretty(&r.config).expect("a JSON value serialises"),
            ),
        }
    }
}

/// Failing first, then error, suppressed, pass, not applicable; worst severity first.
pub(super) fn finding_order(a: &Finding, b: &Finding) -> std::cmp::Ordering {
    (
        a.status,
        std::cmp::Reverse(a.severity),
        &a.check_id,
        &a.resource.name,
        &a.resource.arn,
        &a.id,
    )
        .cmp(&(
            b.status,
            std::cmp::Reverse(b.severity),
            &b.check_id,
            &b.resource.name,
            &b.resource.arn,
            &b.id,
        ))
}
