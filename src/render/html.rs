//! `report.html`: one self-contained page for auditors (inline CSS and one small inline
//! script, no external resources, a strict Content-Security-Policy that allows exactly the
//! shipped style and script by their SHA-256 hashes).
//!
//! Everything here is a view model computed from the [`Report`]; the askama templates in
//! `templates/` only loop and branch. Every string that came from AWS (names, ARNs, tags,
//! descriptions, policies, error messages) is attacker-controllable: it is passed through
//! [`clean`] (which makes bidi overrides and control characters visible) and stays
//! auto-escaped by askama. Nothing from AWS ever goes into an attribute: element ids and
//! `href`s are derived from hashes and our own check ids, and the `data-*` attributes the
//! triage script filters on hold our own enum names or tokens (`r0`, `a1`) that index the
//! region and account lists.
//!
//! The overview charts are inline SVG whose geometry is computed here; the template only
//! writes numbers into attributes and escaped text into `<text>` and `<title>`.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use askama::Template;
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::text::{clean, clean_multiline, plural};
use crate::report::scan::KeyStatus;
use crate::report::{
    Change, CheckSummary, ControlStatus, DidRead, Finding, Gap, Report, SecretSummary, finding_id,
};
use crate::vocab::{Category, Severity, Status};

/// The page's stylesheet, inlined verbatim (its hash is in the CSP).
pub const STYLE: &str = include_str!("../../templates/report.css");
/// The page's only script, inlined verbatim (its hash is in the CSP).
pub const SCRIPT: &str = include_str!("../../templates/report.js");

/// In a collapsed (large) report, a check card lists at most this many resources.
pub const CHECK_ROWS_SUMMARY: usize = 100;

/// Above this many secrets, `--html-passing summary` collapses each secret's passing and
/// not-applicable findings into one counts row.
pub const PASSING_SUMMARY_THRESHOLD: usize = 500;

/// How report.html shows passing and not-applicable findings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Passing {
    /// One counts row per secret when the report has more than 500 secrets.
    #[default]
    Summary,
    /// Every finding, whatever the size of the report.
    Full,
}

/// Rendering options (`--html-passing`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    pub passing: Passing,
}

/// `'sha256-…'` of a text, as CSP source expressions take it.
fn csp_hash(text: &str) -> String {
    use sha2::{Digest, Sha256};
    format!("'sha256-{}'", base64(&Sha256::digest(text.as_bytes())))
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The page's Content-Security-Policy: nothing but the shipped style and script.
pub fn csp() -> String {
    format!(
        "default-src 'none'; script-src {}; style-src {}; img-src data:; base-uri 'none'; form-action 'none'",
        csp_hash(SCRIPT),
        csp_hash(STYLE)
    )
}

/// Renders the report as a standalone HTML page, with the default options.
pub fn render(report: &Report) -> String {
    render_with(report, &Options::default())
}

/// Renders the report as a standalone HTML page.
pub fn render_with(report: &Report, options: &Options) -> String {
    let prepared = Prepared::new(report, options);
    let page = ReportPage::new(report, &prepared);
    // Roughly the page's size, so that the output is not copied while it grows.
    let per_secret = if prepared.ctx.collapse_passing {
        1_400
    } else {
        8_000
    };
    let mut html = String::with_capacity(200_000 + report.secrets.len() * per_secret);
    page.render_into(&mut html)
        .expect("the view model's Display impls are infallible");
    if !html.ends_with('\n') {
        html.push('\n');
    }
    html
}

/// The stable anchor of a secret's block: never raw AWS text.
pub fn secret_anchor(arn: &str) -> String {
    format!("secret-{}", finding_id("secret", arn))
}

/// The anchor of a finding row. Finding ids are hex hashes; anything else is hashed so that
/// an id attribute only ever holds `[a-z0-9-]`.
fn finding_anchor(id: &str) -> String {
    if !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    {
        format!("finding-{id}")
    } else {
        format!("finding-{}", finding_id("finding", id))
    }
}

/// The anchor of a check's block (`check-sl101`).
fn check_anchor(id: &str) -> String {
    let safe: String = id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if safe.is_empty() || safe.len() != id.len() {
        format!("check-{}", finding_id("check", id))
    } else {
        format!("check-{safe}")
    }
}

fn fmt_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// `2026-01-02 (331 days before as-of)`.
fn fmt_date_relative(t: DateTime<Utc>, as_of: DateTime<Utc>) -> String {
    let days = (as_of - t).num_days();
    let rel = match days {
        0 => "same day as as-of".to_string(),
        d if d > 0 => format!("{} before as-of", plural(d as usize, "day")),
        d => format!("{} after as-of", plural((-d) as usize, "day")),
    };
    format!("{} ({rel})", t.format("%Y-%m-%d"))
}

fn status_label(s: Status) -> &'static str {
    match s {
        Status::NotApplicable => "n/a",
        other => other.as_str(),
    }
}

fn status_class(s: Status) -> &'static str {
    match s {
        Status::Fail => "st-fail",
        Status::Error => "st-error",
        Status::Suppressed => "st-suppressed",
        Status::Pass => "st-pass",
        Status::NotApplicable => "st-na",
    }
}

fn severity_class(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "sev-critical",
        Severity::High => "sev-high",
        Severity::Medium => "sev-medium",
        Severity::Low => "sev-low",
        Severity::Info => "sev-info",
    }
}

/// One-character codes the triage filters use, in `data-*` attributes, `<option>` values,
/// the classes of a secret card's finding rows (`sf v3 kr`: status fail, severity high,
/// category rotation) and a card's `data-k` tokens. `report.css` and `report.js` know them.
fn status_code(s: Status) -> char {
    match s {
        Status::Fail => 'f',
        Status::Error => 'e',
        Status::Suppressed => 's',
        Status::Pass => 'p',
        Status::NotApplicable => 'n',
    }
}

fn severity_code(s: Severity) -> char {
    match s {
        Severity::Critical => '4',
        Severity::High => '3',
        Severity::Medium => '2',
        Severity::Low => '1',
        Severity::Info => '0',
    }
}

/// Every category, for the tests (the match below is exhaustive).
#[cfg(test)]
const CATEGORIES: [Category; 10] = [
    Category::Rotation,
    Category::Usage,
    Category::Naming,
    Category::Tagging,
    Category::Encryption,
    Category::Replication,
    Category::Access,
    Category::Lifecycle,
    Category::Logging,
    Category::Collection,
];

fn category_code(c: Category) -> char {
    match c {
        Category::Rotation => 'r',
        Category::Usage => 'u',
        Category::Naming => 'n',
        Category::Tagging => 't',
        Category::Encryption => 'e',
        Category::Replication => 'p',
        Category::Access => 'a',
        Category::Lifecycle => 'l',
        Category::Logging => 'g',
        Category::Collection => 'c',
    }
}

/// `_` when the finding did not change (or there is no baseline).
fn change_code(c: Option<Change>) -> char {
    match c {
        Some(Change::New) => 'n',
        Some(Change::StillFailing) => 's',
        Some(Change::Resolved) => 'r',
        None => '_',
    }
}

fn code(c: char) -> &'static str {
    // The codes are ASCII: hand out static one-character strings.
    const ALL: &str = "0123456789abcdefghijklmnopqrstuvwxyz_";
    ALL.find(c).map_or("_", |i| &ALL[i..=i])
}

/// [`clean`] without an allocation when the text is clean (nearly always).
fn cl(s: &str) -> Cow<'_, str> {
    if s.chars().any(|c| c.is_control() || !c.is_ascii()) {
        Cow::Owned(clean(s))
    } else {
        Cow::Borrowed(s)
    }
}

/// The SVG width of a bar of `count` out of `total` in a track of `BAR_TRACK` units; at
/// least one unit when the count is not zero.
fn bar_width(count: usize, total: usize) -> String {
    if total == 0 || count == 0 {
        return "0".to_string();
    }
    let w = (count as f64 / total as f64 * BAR_TRACK).clamp(1.0, BAR_TRACK);
    format!("{w:.1}")
}

/// Geometry of the overview bar charts (SVG user units).
const BAR_TRACK: f64 = 130.0;
const BAR_ROW: u32 = 20;
/// Longest label drawn in a chart; the full text is in the row's `<title>`.
const CHART_LABEL_CHARS: usize = 13;

/// A resource policy, pretty-printed when it is valid JSON (keeping its key order and
/// string escapes), else as collected.
fn pretty_policy(text: &str) -> String {
    if serde_json::from_str::<serde::de::IgnoredAny>(text).is_err() {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() * 2);
    let mut depth = 0usize;
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        for _ in 0..depth {
            out.push_str("  ");
        }
    };
    let mut chars = text.chars().peekable();
    let (mut in_string, mut escaped) = (false, false);
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' => {
                out.push(c);
                while chars.peek().is_some_and(|c| c.is_whitespace()) {
                    chars.next();
                }
                if matches!(chars.peek(), Some('}' | ']')) {
                    out.push(chars.next().expect("peeked"));
                } else {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            c if c.is_whitespace() => {}
            c => out.push(c),
        }
    }
    out
}

#[derive(Serialize)]
struct MetaView {
    title: String,
    source: String,
    accounts: String,
    account_count: String,
    regions: String,
    as_of: String,
    collected_at: String,
    generated_at: String,
    tool: String,
    schema_version: u32,
}

#[derive(Serialize)]
struct Kpi {
    value: usize,
    label: &'static str,
    class: &'static str,
}

#[derive(Serialize)]
struct BarRow {
    /// Drawn in the chart, shortened to [`CHART_LABEL_CHARS`].
    label: String,
    /// The full label, in the bar's `<title>`.
    full_label: String,
    count: usize,
    width: String,
    class: &'static str,
    /// The bar's top and its text's baseline.
    y: u32,
    text_y: u32,
}

/// An inline SVG bar chart.
#[derive(Serialize)]
struct BarGroup {
    /// `chart-status`: the id of the chart's `<title>`.
    id: &'static str,
    title: &'static str,
    /// A sentence with every count, for screen readers (the chart's `<title>`).
    summary: String,
    empty: &'static str,
    height: u32,
    rows: Vec<BarRow>,
}

/// The posture ring: the share of secrets with no failing high or critical finding.
#[derive(Serialize)]
struct Posture {
    /// `87%`, or `n/a` without secrets.
    share: String,
    good: usize,
    total: usize,
    /// `stroke-dasharray` of the ring on a circumference of 100.
    dash: String,
    summary: String,
}

/// One option of a triage `<select>`: an attribute-safe value and escaped text.
#[derive(Serialize)]
struct Opt {
    value: String,
    label: String,
}

#[derive(Serialize)]
struct Select {
    /// `f-sev`: the script reads it.
    id: &'static str,
    label: &'static str,
    options: Vec<Opt>,
}

/// A finding in the "Changes since baseline" section.
#[derive(Serialize)]
struct ChangeRow {
    change: ChangeBadge,
    /// Filter codes.
    status_key: &'static str,
    sev_key: &'static str,
    cat_key: &'static str,
    severity: &'static str,
    severity_class: &'static str,
    check_id: String,
    check_name: String,
    resource: String,
    region_key: String,
    account_key: String,
    region: String,
    message: String,
    /// The current finding row, when the finding is still in the report.
    target: Option<String>,
}

#[derive(Serialize)]
struct ComparisonView {
    baseline: String,
    baseline_as_of: String,
    new: usize,
    still_failing: usize,
    resolved: usize,
    rows: Vec<ChangeRow>,
}

#[derive(Serialize, Clone, Copy)]
struct ChangeBadge {
    /// The filter code ([`change_code`]).
    key: &'static str,
    class: &'static str,
    label: &'static str,
}

fn change_badge(c: Option<Change>) -> Option<ChangeBadge> {
    c.map(|c| {
        let (class, label) = match c {
            Change::New => ("ch-new", "new"),
            Change::StillFailing => ("ch-still", "still failing"),
            Change::Resolved => ("ch-resolved", "resolved"),
        };
        ChangeBadge {
            key: code(change_code(Some(c))),
            class,
            label,
        }
    })
}

/// Attribute-safe tokens for regions and accounts (`r0`, `a0`; in the order of the names, so
/// that sorting by token sorts by region), and the rendering mode.
struct Ctx {
    regions: BTreeMap<String, String>,
    accounts: BTreeMap<String, String>,
    collapse_passing: bool,
}

impl Ctx {
    fn new(r: &Report, options: &Options) -> Self {
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
        }
    }
    fn region(&self, region: &str) -> String {
        self.region_key(region).to_string()
    }
    fn account(&self, account: &str) -> String {
        self.account_key(account).to_string()
    }
    fn region_key(&self, region: &str) -> &str {
        self.regions.get(region).map_or("", String::as_str)
    }
    fn account_key(&self, account: &str) -> &str {
        self.accounts.get(account).map_or("", String::as_str)
    }
}

#[derive(Serialize)]
struct GapRow {
    account: String,
    region: String,
    operation: String,
    resource: String,
    error_code: String,
    message: String,
}

#[derive(Default, Clone, Copy, Serialize)]
struct Counts {
    fail: usize,
    error: usize,
    suppressed: usize,
    pass: usize,
    na: usize,
}

impl Counts {
    fn from_map(m: &BTreeMap<Status, usize>) -> Self {
        let g = |s| m.get(&s).copied().unwrap_or(0);
        Counts {
            fail: g(Status::Fail),
            error: g(Status::Error),
            suppressed: g(Status::Suppressed),
            pass: g(Status::Pass),
            na: g(Status::NotApplicable),
        }
    }
}

/// A failing, error or suppressed finding listed under its check.
#[derive(Serialize)]
struct CheckRow {
    target: String,
    status_key: &'static str,
    region_key: String,
    account_key: String,
    change: Option<ChangeBadge>,
    resource: String,
    kind: String,
    region: String,
    status: &'static str,
    status_class: &'static str,
    message: String,
    /// For a suppressed finding: the waiver's reason, owner and expiry.
    waiver: Option<String>,
}

#[derive(Serialize)]
struct CheckView {
    anchor: String,
    id: String,
    name: String,
    title: String,
    severity: &'static str,
    severity_class: &'static str,
    category: &'static str,
    /// Filter codes.
    sev_key: &'static str,
    cat_key: &'static str,
    counts: Counts,
    remediation: String,
    remediation_cli: Option<String>,
    frameworks: String,
    /// The "Why it matters" section of the check's document.
    rationale: Vec<DocBlock>,
    body: Vec<DocBlock>,
    rows: Vec<CheckRow>,
    /// Rows left out of a large report's check card (they are in the secrets view).
    more_rows: usize,
}

/// A block of a check's Markdown document: a heading, a paragraph or a code block.
#[derive(Serialize)]
struct DocBlock {
    heading: bool,
    code: bool,
    /// For headings and paragraphs: text with inline code spans.
    spans: Vec<Span>,
    /// For code blocks.
    text: String,
}

#[derive(Serialize)]
struct Span {
    code: bool,
    text: String,
}

/// The small Markdown subset check documents use: `##` headings, paragraphs, fenced code
/// blocks, list items and inline `code`. Everything stays text; the template escapes it.
fn doc_blocks(markdown: &str) -> Vec<DocBlock> {
    fn spans(text: &str) -> Vec<Span> {
        text.split('`')
            .enumerate()
            .filter(|(_, t)| !t.is_empty())
            .map(|(i, t)| Span {
                code: i % 2 == 1,
                text: clean(t),
            })
            .collect()
    }
    let mut blocks = Vec::new();
    let mut para: Vec<&str> = Vec::new();
    let flush = |para: &mut Vec<&str>, blocks: &mut Vec<DocBlock>| {
        if !para.is_empty() {
            blocks.push(DocBlock {
                heading: false,
                code: false,
                spans: spans(&para.join(" ")),
                text: String::new(),
            });
            para.clear();
        }
    };
    let mut lines = markdown.lines();
    while let Some(line) = lines.next() {
        let t = line.trim_end();
        if t.trim_start().starts_with("```") {
            flush(&mut para, &mut blocks);
            let mut code = Vec::new();
            for l in lines.by_ref() {
                if l.trim_start().starts_with("```") {
                    break;
                }
                code.push(l);
            }
            blocks.push(DocBlock {
                heading: false,
                code: true,
                spans: Vec::new(),
                text: clean_multiline(&code.join("\n")),
            });
        } else if let Some(h) = t
            .strip_prefix('#')
            .map(|h| h.trim_start_matches('#').trim())
        {
            flush(&mut para, &mut blocks);
            blocks.push(DocBlock {
                heading: true,
                code: false,
                spans: spans(h),
                text: String::new(),
            });
        } else if t.trim().is_empty() {
            flush(&mut para, &mut blocks);
        } else {
            if t.trim_start().starts_with(['-', '*']) && t.trim_start()[1..].starts_with(' ') {
                flush(&mut para, &mut blocks);
            }
            para.push(t.trim());
        }
    }
    flush(&mut para, &mut blocks);
    blocks
}

/// A finding in the "Other resources" table.
#[derive(Serialize)]
struct FindingRow {
    anchor: String,
    /// Filter codes ([`status_code`] …).
    status_key: &'static str,
    sev_key: &'static str,
    cat_key: &'static str,
    region_key: String,
    account_key: String,
    change: Option<ChangeBadge>,
    status: &'static str,
    status_class: &'static str,
    severity: &'static str,
    severity_class: &'static str,
    check_id: String,
    check_anchor: String,
    check_name: String,
    resource: String,
    kind: String,
    region: String,
    message: String,
    evidence: String,
    /// For a suppressed finding: the waiver's reason, owner and expiry.
    waiver: Option<String>,
}

#[derive(Serialize)]
struct Tag<'a> {
    key: Cow<'a, str>,
    value: Cow<'a, str>,
}

#[derive(Serialize)]
struct Fact<'a> {
    label: &'static str,
    value: Cow<'a, str>,
}

/// A row of a secret card's findings list (`<li>`): its classes carry the filter codes, and
/// the stylesheet draws the status and severity badge from them.
#[derive(Serialize)]
struct CardRow<'a> {
    /// `finding-<id>`; only in a full report (a compact one leaves it to report.json).
    id: Option<&'a str>,
    /// `sf v3 kr` (status, severity, category) and `cn` (change) when there is one; a grouped
    /// row has a class per severity and category of its checks.
    class: String,
    change: Option<ChangeBadge>,
    /// The checks (id, anchor), linked to their cards (one, or several for a grouped row).
    checks: Vec<(&'a str, &'a str)>,
    /// The check's name (full reports only).
    check_name: Cow<'a, str>,
    message: Cow<'a, str>,
    evidence: Cow<'a, str>,
    waiver: Option<String>,
}

#[derive(Serialize)]
struct SecretView<'a> {
    anchor: String,
    region_key: &'a str,
    account_key: &'a str,
    /// `data-k`: one 4-character token per finding (status, severity, category and change
    /// codes), which the triage script matches to show or hide the whole card.
    tokens: String,
    /// With collapsed passing findings: `12 passing, 3 not applicable`, and its classes.
    collapsed: Option<(String, String)>,
    name: Cow<'a, str>,
    arn: Cow<'a, str>,
    account: Cow<'a, str>,
    region: Cow<'a, str>,
    description: Option<String>,
    worst: Option<(&'static str, &'static str)>,
    counts: Counts,
    /// Some findings are `error` or some call about it failed.
    incomplete: bool,
    facts: Vec<Fact<'a>>,
    tags: Vec<Tag<'a>>,
    policy: Option<String>,
    /// Shown instead of the policy when there is none: absent, or not collected.
    policy_note: String,
    /// Calls about this secret that failed.
    gaps: Vec<String>,
    /// Failing first, then error (grouped by cause in a compact report), suppressed, passing.
    rows: Vec<CardRow<'a>>,
    /// "Can read" (effective access): principal, kind, `allowed` or `conditional: keys`.
    readers: Vec<(String, String, String)>,
    /// Who read it, from CloudTrail; `None` when not collected.
    did_read: Option<DidReadView>,
}

/// Cleaned check ids and their anchors, computed once per check rather than per row.
struct Links(HashMap<String, (String, String)>);

impl Links {
    fn new(r: &Report) -> Self {
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
        Links(map)
    }
    fn get(&self, id: &str) -> (&str, &str) {
        self.0
            .get(id)
            .map_or(("", ""), |(id, anchor)| (id.as_str(), anchor.as_str()))
    }
}

/// The class of a finding row: `sf v3 kr`, plus `cn` for a change.
fn row_class(
    status: Status,
    sevs: &[Severity],
    cats: &[Category],
    change: Option<Change>,
) -> String {
    let mut class = String::with_capacity(12);
    class.push('s');
    class.push(status_code(status));
    for v in sevs {
        class.push_str(" v");
        class.push(severity_code(*v));
    }
    for k in cats {
        class.push_str(" k");
        class.push(category_code(*k));
    }
    if change.is_some() {
        class.push_str(" c");
        class.push(change_code(change));
    }
    class
}

fn push_token(tokens: &mut String, f: &Finding) {
    tokens.push(status_code(f.status));
    tokens.push(severity_code(f.severity));
    tokens.push(category_code(f.category));
    tokens.push(change_code(f.change));
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
                evidence: Cow::Borrowed(""),
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
struct DidReadView {
    window: String,
    readers: Vec<DidReadRow>,
}

#[derive(Serialize)]
struct DidReadRow {
    principal: String,
    account: String,
    count: u64,
    last: String,
    source_ips: String,
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

/// A check named in a compliance table; linked when its card is on the page.
#[derive(Serialize)]
struct CheckLink {
    id: String,
    anchor: Option<String>,
}

#[derive(Serialize)]
struct ControlRow {
    control: String,
    title: String,
    checks: Vec<CheckLink>,
    status: &'static str,
    status_class: &'static str,
    counts: Counts,
}

#[derive(Serialize)]
struct FrameworkView {
    name: String,
    title: String,
    url: String,
    controls: Vec<ControlRow>,
}

fn control_status(s: ControlStatus) -> (&'static str, &'static str) {
    match s {
        ControlStatus::Fail => ("fail", "st-fail"),
        ControlStatus::Error => ("error", "st-error"),
        ControlStatus::Pass => ("pass", "st-pass"),
        ControlStatus::NoData => ("no data", "st-na"),
    }
}

fn framework_views(r: &Report) -> Vec<FrameworkView> {
    let on_page: BTreeSet<&str> = r.checks.iter().map(|c| c.id.as_str()).collect();
    r.frameworks
        .iter()
        .map(|fw| FrameworkView {
            name: clean(&format!("{} {}", fw.framework, fw.version)),
            title: clean(&fw.title),
            url: clean(&fw.url),
            controls: fw
                .controls
                .iter()
                .map(|c| {
                    let (status, status_class) = control_status(c.status);
                    ControlRow {
                        control: clean(&c.control),
                        title: clean(&c.title),
                        checks: c
                            .checks
                            .iter()
                            .map(|id| CheckLink {
                                id: clean(id),
                                anchor: on_page.contains(id.as_str()).then(|| check_anchor(id)),
                            })
                            .collect(),
                        status,
                        status_class,
                        counts: Counts {
                            fail: c.fail,
                            error: c.error,
                            suppressed: c.suppressed,
                            pass: c.pass,
                            na: c.not_applicable,
                        },
                    }
                })
                .collect(),
        })
        .collect()
}

#[derive(Template, Serialize)]
#[template(path = "report.html")]
struct ReportPage<'a> {
    #[serde(skip)]
    style: &'static str,
    #[serde(skip)]
    script: &'static str,
    #[serde(skip)]
    csp: String,
    meta: MetaView,
    coverage_complete: bool,
    gaps: Vec<GapRow>,
    gap_summary: String,
    kpis: Vec<Kpi>,
    posture: Posture,
    bar_groups: Vec<BarGroup>,
    selects: Vec<Select>,
    comparison: Option<ComparisonView>,
    /// Passing findings are collapsed into per-secret counts.
    collapsed_passing: bool,
    checks: Vec<CheckView>,
    frameworks: Vec<FrameworkView>,
    /// The secrets' index (a full report only; in a compact one the cards' heads are the index).
    index: Vec<IndexRow<'a>>,
    /// The secret cards, rendered straight into the page (one view model at a time).
    #[serde(skip)]
    cards: Cards<'a>,
    others: Vec<FindingRow>,
    /// With `--scan PATH`: the "Hardcoded credentials" section.
    scan: Option<ScanView>,
    config: String,
}

/// A row of the secrets' index.
#[derive(Serialize)]
struct IndexRow<'a> {
    anchor: String,
    name: Cow<'a, str>,
    account: Cow<'a, str>,
    region: Cow<'a, str>,
    worst: Option<(&'static str, &'static str)>,
    counts: Counts,
}

/// A secret card (`templates/partials/secret_card.html`).
#[derive(Template)]
#[template(path = "partials/secret_card.html")]
struct SecretCard<'a, 'b> {
    s: &'b SecretView<'a>,
    compact: bool,
}

/// Everything needed to render the secret cards; renders them one by one (`Display`), so
/// that a 100,000-secret report never holds all their view models at once.
struct Cards<'a> {
    r: &'a Report,
    ctx: &'a Ctx,
    links: &'a Links,
    anchors: &'a Anchors,
    /// Worst first.
    secrets: Vec<&'a SecretSummary>,
    /// Each secret's findings (index into `r.findings`), by ARN.
    by_secret: &'a HashMap<&'a str, Vec<usize>>,
    /// Failed calls about a secret, by resource (ARN or name).
    gaps: HashMap<&'a str, Vec<usize>>,
}

impl Cards<'_> {
    fn views(&self) -> impl Iterator<Item = SecretView<'_>> {
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

/// The `id`s of finding rows (`finding-<id>`, unique on the page), by index into
/// `r.findings`. A compact report gives ids only to the rows of its "Other resources" table;
/// links to a secret's finding go to the secret's card.
struct Anchors {
    ids: HashMap<usize, String>,
}

impl Anchors {
    fn new(r: &Report, on_secret: &[bool], compact: bool) -> Self {
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
    fn id(&self, i: usize) -> Option<&str> {
        self.ids.get(&i).map(String::as_str)
    }
    /// Where a link to finding `i` goes: its row, or its secret's card.
    fn target(&self, r: &Report, i: usize) -> String {
        self.id(i).map_or_else(
            || secret_anchor(&r.findings[i].resource.arn),
            str::to_string,
        )
    }
}

/// The hardcoded-credential scan included with `--scan`. Only redacted previews, never secrets.
#[derive(Serialize)]
struct ScanView {
    target: String,
    summary: String,
    rows: Vec<ScanRow>,
}

#[derive(Serialize)]
struct ScanRow {
    severity: &'static str,
    severity_class: &'static str,
    rule: String,
    location: String,
    preview: String,
    /// AWS access keys: decoded account, and the link to the audited account's IAM keys.
    key: String,
}

fn scan_view(r: &Report) -> Option<ScanView> {
    let scan = r.scan.as_ref()?;
    let mut findings: Vec<&crate::report::scan::Finding> = scan.findings.iter().collect();
    findings.sort_by(|a, b| {
        (std::cmp::Reverse(a.severity), &a.file, a.line).cmp(&(
            std::cmp::Reverse(b.severity),
            &b.file,
            b.line,
        ))
    });
    let rows = findings
        .into_iter()
        .map(|f| {
            let mut key = Vec::new();
            if let Some(acct) = &f.aws_account_id {
                key.push(format!("account {acct}"));
            }
            match f.key_status {
                Some(KeyStatus::ActiveInThisAccount) => key.push("ACTIVE in this account".into()),
                Some(KeyStatus::InactiveInThisAccount) => {
                    key.push("inactive in this account".into())
                }
                Some(KeyStatus::Unknown) => key.push("not a key of this account".into()),
                None => {}
            }
            if let Some(u) = &f.key_user {
                key.push(format!("user {u}"));
            }
            ScanRow {
                severity: f.severity.as_str(),
                severity_class: severity_class(f.severity),
                rule: clean(&f.rule_id),
                location: clean(&format!("{}:{}:{}", f.file, f.line, f.column)),
                preview: clean(&f.preview),
                key: clean(&key.join(" · ")),
            }
        })
        .collect();
    Some(ScanView {
        target: clean(&scan.target),
        summary: format!(
            "{} in {} ({:.1} MiB scanned); {} skipped.",
            plural(scan.findings.len(), "finding"),
            plural(scan.stats.files_scanned, "file"),
            scan.stats.bytes_scanned as f64 / 1_048_576.0,
            plural(scan.skipped.len(), "file")
        ),
        rows,
    })
}

/// What the page is built from: computed once, borrowed by the page's view model.
struct Prepared<'r> {
    ctx: Ctx,
    links: Links,
    anchors: Anchors,
    /// The findings shown in a secret's card (index into `r.findings`), by the secret's ARN.
    by_secret: HashMap<&'r str, Vec<usize>>,
    /// The other findings, in report order.
    others: Vec<usize>,
}

impl<'r> Prepared<'r> {
    fn new(r: &'r Report, options: &Options) -> Self {
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
    fn new(r: &'a Report, p: &'a Prepared<'a>) -> Self {
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
                    operation: clean(&g.operation),
                    resource: clean(&g.resource),
                    error_code: clean(&g.error_code),
                    message: clean(&g.message),
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
            config: clean_multiline(
                &serde_json::to_string_pretty(&r.config).expect("a JSON value serialises"),
            ),
        }
    }
}

/// Failing first, then error, suppressed, pass, not applicable; worst severity first.
fn finding_order(a: &Finding, b: &Finding) -> std::cmp::Ordering {
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

fn meta_view(r: &Report) -> MetaView {
    let join = |v: &[String]| {
        if v.is_empty() {
            "none".to_string()
        } else {
            v.iter().map(|s| clean(s)).collect::<Vec<_>>().join(", ")
        }
    };
    MetaView {
        title: format!(
            "secretlens report: {}, as of {}",
            clean(&r.source),
            fmt_time(r.as_of)
        ),
        source: clean(&r.source),
        accounts: join(&r.accounts),
        account_count: plural(r.accounts.len(), "account"),
        regions: join(&r.regions),
        as_of: fmt_time(r.as_of),
        collected_at: fmt_time(r.collected_at),
        generated_at: fmt_time(r.generated_at),
        tool: format!("{} {}", clean(&r.tool.name), clean(&r.tool.version)),
        schema_version: r.schema_version,
    }
}

fn kpis(r: &Report) -> Vec<Kpi> {
    let s = &r.summary;
    let g = |st| s.by_status.get(&st).copied().unwrap_or(0);
    let fail = g(Status::Fail);
    let error = g(Status::Error);
    let mut kpis = vec![
        Kpi {
            value: s.secrets,
            label: "secrets",
            class: "",
        },
        Kpi {
            value: s.secrets_failing_high,
            label: "secrets failing at high or above",
            class: if s.secrets_failing_high > 0 {
                "kpi-bad"
            } else {
                "kpi-good"
            },
        },
        Kpi {
            value: s.findings,
            label: "findings",
            class: "",
        },
        Kpi {
            value: fail,
            label: "failing",
            class: if fail > 0 { "kpi-bad" } else { "kpi-good" },
        },
        Kpi {
            value: error,
            label: "could not be evaluated",
            class: if error > 0 { "kpi-warn" } else { "" },
        },
    ];
    if let Some(c) = &r.comparison {
        kpis.push(Kpi {
            value: c.new,
            label: "new since baseline",
            class: if c.new > 0 { "kpi-bad" } else { "kpi-good" },
        });
        kpis.push(Kpi {
            value: c.resolved,
            label: "resolved since baseline",
            class: if c.resolved > 0 { "kpi-good" } else { "" },
        });
    }
    let suppressed = g(Status::Suppressed);
    if suppressed > 0 {
        kpis.push(Kpi {
            value: suppressed,
            label: "suppressed by waivers",
            class: "kpi-warn",
        });
    }
    kpis
}

/// Bar rows for a chart: label, count, class.
fn bar_rows(rows: Vec<(String, usize, &'static str)>, total: usize) -> Vec<BarRow> {
    rows.into_iter()
        .enumerate()
        .map(|(i, (label, count, class))| {
            let short: String = if label.chars().count() > CHART_LABEL_CHARS {
                label
                    .chars()
                    .take(CHART_LABEL_CHARS - 1)
                    .chain(['…'])
                    .collect()
            } else {
                label.clone()
            };
            BarRow {
                label: short,
                full_label: label,
                count,
                width: bar_width(count, total),
                class,
                y: i as u32 * BAR_ROW + 4,
                text_y: i as u32 * BAR_ROW + 14,
            }
        })
        .collect()
}

fn chart(
    id: &'static str,
    title: &'static str,
    empty: &'static str,
    rows: Vec<(String, usize, &'static str)>,
    total: usize,
) -> BarGroup {
    let rows = if rows.iter().all(|r| r.1 == 0) {
        Vec::new()
    } else {
        rows
    };
    let summary = if rows.is_empty() {
        format!("{title}: {}", empty.trim_end_matches('.').to_lowercase())
    } else {
        format!(
            "{title}: {}",
            rows.iter()
                .map(|(l, n, _)| format!("{l} {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let rows = bar_rows(rows, total);
    BarGroup {
        id,
        title,
        summary,
        empty,
        height: rows.len() as u32 * BAR_ROW + 4,
        rows,
    }
}

/// Failing counts by a key, most first; labels cleaned.
fn ranked(m: &BTreeMap<String, usize>) -> Vec<(String, usize, &'static str)> {
    let mut v: Vec<_> = m.iter().filter(|(_, n)| **n > 0).collect();
    v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    v.into_iter()
        .map(|(k, n)| {
            let label = if k.is_empty() {
                "(global)".to_string()
            } else {
                clean(k)
            };
            (label, *n, "bar")
        })
        .collect()
}

fn bar_groups(r: &Report) -> Vec<BarGroup> {
    let s = &r.summary;
    let failing: usize = s.failing_by_severity.values().sum();
    let status = Status::ALL
        .into_iter()
        .map(|st| {
            let n = s.by_status.get(&st).copied().unwrap_or(0);
            (status_label(st).to_string(), n, status_class(st))
        })
        .collect();
    let severity = Severity::ALL
        .into_iter()
        .map(|sev| {
            let n = s.failing_by_severity.get(&sev).copied().unwrap_or(0);
            (sev.as_str().to_string(), n, severity_class(sev))
        })
        .collect();
    let category: BTreeMap<String, usize> = s
        .failing_by_category
        .iter()
        .map(|(c, n)| (c.as_str().to_string(), *n))
        .collect();
    let mut by_account: BTreeMap<&str, usize> = BTreeMap::new();
    for f in r.findings.iter().filter(|f| f.status == Status::Fail) {
        *by_account.entry(&f.resource.account).or_default() += 1;
    }
    let account: BTreeMap<String, usize> = by_account
        .into_iter()
        .map(|(a, n)| (a.to_string(), n))
        .collect();
    vec![
        chart(
            "chart-status",
            "Findings by status",
            "No findings.",
            status,
            s.findings,
        ),
        chart(
            "chart-severity",
            "Failing by severity",
            "No failing findings.",
            severity,
            failing,
        ),
        chart(
            "chart-category",
            "Failing by category",
            "No failing findings.",
            ranked(&category),
            failing,
        ),
        chart(
            "chart-region",
            "Failing by region",
            "No failing findings.",
            ranked(&s.failing_by_region),
            failing,
        ),
        chart(
            "chart-account",
            "Failing by account",
            "No failing findings.",
            ranked(&account),
            failing,
        ),
    ]
}

fn posture(r: &Report) -> Posture {
    let total = r.summary.secrets;
    let good = total.saturating_sub(r.summary.secrets_failing_high);
    if total == 0 {
        return Posture {
            share: "n/a".to_string(),
            good,
            total,
            dash: "0 100".to_string(),
            summary: "Posture: no secrets in scope".to_string(),
        };
    }
    let pct = good as f64 * 100.0 / total as f64;
    // Never show 100% while one secret fails, nor 0% while one passes.
    let shown = match pct.round() as u32 {
        100 if good < total => 99,
        0 if good > 0 => 1,
        p => p,
    };
    Posture {
        share: format!("{shown}%"),
        good,
        total,
        dash: format!("{pct:.2} {:.2}", 100.0 - pct),
        summary: format!(
            "Posture: {shown}% of secrets ({good} of {total}) have no failing high or critical finding"
        ),
    }
}

fn selects(r: &Report, ctx: &Ctx) -> Vec<Select> {
    let any = |label: &str| Opt {
        value: String::new(),
        label: label.to_string(),
    };
    let opt = |v: char, l: &str| Opt {
        value: v.to_string(),
        label: l.to_string(),
    };
    let mut categories: BTreeSet<Category> = r.checks.iter().map(|c| c.category).collect();
    for f in &r.findings {
        categories.insert(f.category);
    }
    let labelled = |m: &BTreeMap<String, String>| {
        m.iter()
            .map(|(v, token)| Opt {
                value: token.clone(),
                label: if v.is_empty() {
                    "(global)".to_string()
                } else {
                    clean(v)
                },
            })
            .collect::<Vec<_>>()
    };
    let mut out = vec![
        Select {
            id: "f-sev",
            label: "Severity",
            options: std::iter::once(any("any"))
                .chain(
                    Severity::ALL
                        .into_iter()
                        .map(|s| opt(severity_code(s), s.as_str())),
                )
                .collect(),
        },
        Select {
            id: "f-status",
            label: "Status",
            options: std::iter::once(any("any"))
                .chain(
                    Status::ALL
                        .into_iter()
                        .map(|s| opt(status_code(s), status_label(s))),
                )
                .collect(),
        },
        Select {
            id: "f-cat",
            label: "Category",
            options: std::iter::once(any("any"))
                .chain(
                    categories
                        .into_iter()
                        .map(|c| opt(category_code(c), c.as_str())),
                )
                .collect(),
        },
        Select {
            id: "f-region",
            label: "Region",
            options: std::iter::once(any("any"))
                .chain(labelled(&ctx.regions))
                .collect(),
        },
        Select {
            id: "f-account",
            label: "Account",
            options: std::iter::once(any("any"))
                .chain(labelled(&ctx.accounts))
                .collect(),
        },
    ];
    if r.comparison.is_some() {
        out.push(Select {
            id: "f-change",
            label: "Since baseline",
            options: std::iter::once(any("any"))
                .chain(Change::ALL.into_iter().filter_map(|c| {
                    change_badge(Some(c)).map(|b| opt(change_code(Some(c)), b.label))
                }))
                .collect(),
        });
    }
    out
}

fn comparison_view(r: &Report, ctx: &Ctx, anchors: &Anchors) -> Option<ComparisonView> {
    let c = r.comparison.as_ref()?;
    let index_of: HashMap<&str, usize> = r
        .findings
        .iter()
        .enumerate()
        .map(|(i, f)| (f.id.as_str(), i))
        .collect();
    let row = |f: &Finding, change: Change| ChangeRow {
        change: change_badge(Some(change)).expect("a change"),
        status_key: code(status_code(f.status)),
        sev_key: code(severity_code(f.severity)),
        cat_key: code(category_code(f.category)),
        severity: f.severity.as_str(),
        severity_class: severity_class(f.severity),
        check_id: clean(&f.check_id),
        check_name: clean(&f.check_name),
        resource: display_name(f),
        region_key: ctx.region(&f.resource.region),
        account_key: ctx.account(&f.resource.account),
        region: region_label(&f.resource.region),
        message: clean(&f.message),
        target: index_of.get(f.id.as_str()).map(|i| anchors.target(r, *i)),
    };
    let mut new: Vec<&Finding> = r
        .findings
        .iter()
        .filter(|f| f.change == Some(Change::New))
        .collect();
    new.sort_by(|a, b| finding_order(a, b));
    let rows = new
        .into_iter()
        .map(|f| row(f, Change::New))
        .chain(c.resolved_findings.iter().map(|f| row(f, Change::Resolved)))
        .collect();
    Some(ComparisonView {
        baseline: clean(&c.baseline),
        baseline_as_of: fmt_time(c.baseline_as_of),
        new: c.new,
        still_failing: c.still_failing,
        resolved: c.resolved,
        rows,
    })
}

/// The paragraphs under a document's "Why it matters" heading.
fn rationale(blocks: &[DocBlock]) -> Vec<DocBlock> {
    let text = |b: &DocBlock| b.spans.iter().map(|s| s.text.as_str()).collect::<String>();
    blocks
        .iter()
        .skip_while(|b| !(b.heading && text(b).eq_ignore_ascii_case("why it matters")))
        .skip(1)
        .take_while(|b| !b.heading)
        .map(|b| DocBlock {
            heading: b.heading,
            code: b.code,
            spans: b
                .spans
                .iter()
                .map(|s| Span {
                    code: s.code,
                    text: s.text.clone(),
                })
                .collect(),
            text: b.text.clone(),
        })
        .collect()
}

fn check_views(r: &Report, anchors: &Anchors, ctx: &Ctx) -> Vec<CheckView> {
    let mut rows: HashMap<&str, Vec<(&Finding, usize)>> = HashMap::default();
    for (i, f) in r.findings.iter().enumerate() {
        if matches!(f.status, Status::Fail | Status::Error | Status::Suppressed) {
            rows.entry(&*f.check_id).or_default().push((f, i));
        }
    }
    let mut checks: Vec<_> = r.checks.iter().collect();
    checks.sort_by(|a, b| {
        let key = |c: &CheckSummary| {
            let n = |s| c.counts.get(&s).copied().unwrap_or(0);
            // Failing checks first, then checks with errors, then the rest.
            let rank = if n(Status::Fail) > 0 {
                0
            } else if n(Status::Error) > 0 {
                1
            } else {
                2
            };
            (
                rank,
                std::cmp::Reverse(c.severity),
                std::cmp::Reverse(n(Status::Fail)),
                std::cmp::Reverse(n(Status::Error)),
                c.id.clone(),
            )
        };
        key(a).cmp(&key(b))
    });
    checks
        .into_iter()
        .map(|c| {
            let mut list = rows.remove(c.id.as_str()).unwrap_or_default();
            let order = |a: &(&Finding, usize), b: &(&Finding, usize)| {
                (
                    a.0.status,
                    &a.0.resource.name,
                    &a.0.resource.region,
                    &a.0.resource.arn,
                )
                    .cmp(&(
                        b.0.status,
                        &b.0.resource.name,
                        &b.0.resource.region,
                        &b.0.resource.arn,
                    ))
            };
            let total = list.len();
            let shown = if ctx.collapse_passing {
                CHECK_ROWS_SUMMARY
            } else {
                usize::MAX
            };
            if list.len() > shown {
                // Only the first rows are listed: no need to sort them all.
                list.select_nth_unstable_by(shown, order);
                list.truncate(shown);
            }
            list.sort_by(order);
            CheckView {
                anchor: check_anchor(&c.id),
                id: clean(&c.id),
                name: clean(&c.name),
                title: clean(&c.title),
                severity: c.severity.as_str(),
                severity_class: severity_class(c.severity),
                category: c.category.as_str(),
                sev_key: code(severity_code(c.severity)),
                cat_key: code(category_code(c.category)),
                counts: Counts::from_map(&c.counts),
                remediation: clean(&c.remediation),
                remediation_cli: Some(c.remediation_cli.trim())
                    .filter(|s| !s.is_empty())
                    .map(clean_multiline),
                frameworks: c
                    .frameworks
                    .iter()
                    .map(|f| clean(&format!("{} {}", f.framework, f.control)))
                    .collect::<Vec<_>>()
                    .join(" · "),
                rationale: rationale(&doc_blocks(&c.documentation)),
                body: doc_blocks(&c.documentation),
                more_rows: total - list.len(),
                rows: list
                    .into_iter()
                    .map(|(f, i)| CheckRow {
                        target: anchors.target(r, i),
                        status_key: code(status_code(f.status)),
                        region_key: ctx.region(&f.resource.region),
                        account_key: ctx.account(&f.resource.account),
                        change: change_badge(f.change),
                        resource: display_name(f),
                        kind: clean(&f.resource.kind),
                        region: region_label(&f.resource.region),
                        status: status_label(f.status),
                        status_class: status_class(f.status),
                        message: clean(&f.message),
                        waiver: waiver_note(f),
                    })
                    .collect(),
            }
        })
        .collect()
}

fn display_name(f: &Finding) -> String {
    if f.resource.name.is_empty() {
        clean(&f.resource.arn)
    } else {
        clean(&f.resource.name)
    }
}

fn region_label(region: &str) -> String {
    if region.is_empty() {
        "(global)".to_string()
    } else {
        clean(region)
    }
}

fn finding_row(f: &Finding, anchor: &str, ctx: &Ctx) -> FindingRow {
    FindingRow {
        anchor: anchor.to_string(),
        status_key: code(status_code(f.status)),
        sev_key: code(severity_code(f.severity)),
        cat_key: code(category_code(f.category)),
        region_key: ctx.region(&f.resource.region),
        account_key: ctx.account(&f.resource.account),
        change: change_badge(f.change),
        status: status_label(f.status),
        status_class: status_class(f.status),
        severity: f.severity.as_str(),
        severity_class: severity_class(f.severity),
        check_id: clean(&f.check_id),
        check_anchor: check_anchor(&f.check_id),
        check_name: clean(&f.check_name),
        resource: display_name(f),
        kind: clean(&f.resource.kind),
        region: region_label(&f.resource.region),
        message: clean(&f.message),
        // A compact (large) report leaves evidence to report.json.
        evidence: if ctx.collapse_passing {
            String::new()
        } else {
            clean_multiline(if f.evidence.is_empty() {
                ""
            } else {
                f.evidence.json()
            })
        },
        waiver: waiver_note(f),
    }
}

/// `Suppressed by waiver[0] until 2026-12-31 (owner team-a): reason` — config text, cleaned.
fn waiver_note(f: &Finding) -> Option<String> {
    f.waiver.as_ref().map(|w| {
        format!(
            "Suppressed by waiver[{}] until {} (owner {}): {}",
            w.index,
            w.expires,
            clean(&w.owner),
            clean(&w.reason)
        )
    })
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
            Cow::Borrowed("")
        } else {
            Cow::Owned(clean_multiline(f.evidence.json()))
        },
        waiver: waiver_note(f),
    }
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
    let policy_note = match gaps.iter().find(|g| g.operation == "GetResourcePolicy") {
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
    let mut groups = Some(groups);
    for (f, i) in findings {
        if f.status > Status::Error
            && let Some(g) = groups.take()
        {
            rows.extend(g);
        }
        rows.push(card_row(f, i, c));
    }
    if let Some(g) = groups.take() {
        rows.extend(g);
    }
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
            .map(|g| format!("{} failed: {}", clean(&g.operation), clean(&g.error_code)))
            .collect(),
        rows,
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
    fn anchors_are_attribute_safe() {
        assert_eq!(finding_anchor("0123abcd"), "finding-0123abcd");
        let odd = finding_anchor("\"><x");
        assert!(odd.starts_with("finding-") && odd[8..].chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(check_anchor("SL101"), "check-sl101");
        assert!(
            check_anchor("SL 1\"")
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-')
        );
        let a = secret_anchor("arn:aws:secretsmanager:us-east-1:1:secret:<x>");
        assert_eq!(a.len(), "secret-".len() + 16);
    }

    #[test]
    fn policies_are_pretty_printed_when_valid() {
        assert_eq!(pretty_policy(r#"{"a":1}"#), "{\n  \"a\": 1\n}");
        let policy = r#"{"Version":"2012-10-17","Statement":[{"Sid":"a \"q\" {[,:]}","Effect":"Allow","Action":[],"Resource":{}}]}"#;
        let pretty = pretty_policy(policy);
        assert_eq!(
            pretty,
            "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\n      \"Sid\": \"a \\\"q\\\" {[,:]}\",\n      \
             \"Effect\": \"Allow\",\n      \"Action\": [],\n      \"Resource\": {}\n    }\n  ]\n}"
        );
        let reparsed: serde_json::Value = serde_json::from_str(&pretty).expect("still JSON");
        assert_eq!(
            reparsed,
            serde_json::from_str::<serde_json::Value>(policy).expect("JSON")
        );
        assert_eq!(pretty_policy("not json {"), "not json {");
    }

    #[test]
    fn check_docs_become_blocks() {
        let b = doc_blocks(
            "## What it checks\n\nFails when `RotationEnabled`\nis false.\n\n```\naws x \\\n  --y\n```\n- one\n- two `b`",
        );
        let kinds: Vec<_> = b.iter().map(|b| (b.heading, b.code)).collect();
        assert_eq!(
            kinds,
            [
                (true, false),
                (false, false),
                (false, true),
                (false, false),
                (false, false)
            ]
        );
        assert_eq!(b[0].spans[0].text, "What it checks");
        let p: Vec<_> = b[1]
            .spans
            .iter()
            .map(|s| (s.code, s.text.as_str()))
            .collect();
        assert_eq!(
            p,
            [
                (false, "Fails when "),
                (true, "RotationEnabled"),
                (false, " is false.")
            ]
        );
        assert_eq!(b[2].text, "aws x \\\n  --y");
        assert_eq!(b[4].spans[1].text, "b");
    }

    #[test]
    fn filter_codes_are_distinct_and_styled() {
        let cats: BTreeSet<char> = CATEGORIES.iter().map(|c| category_code(*c)).collect();
        assert_eq!(cats.len(), CATEGORIES.len(), "one code per category");
        let sts: BTreeSet<char> = Status::ALL.iter().map(|s| status_code(*s)).collect();
        let sevs: BTreeSet<char> = Severity::ALL.iter().map(|s| severity_code(*s)).collect();
        assert_eq!((sts.len(), sevs.len()), (5, 5));
        // Neither is the wildcard of a compact card's counts token.
        assert!(!cats.contains(&'x') && !sevs.contains(&'x'));
        // The stylesheet hides rows for every code, and draws every status-severity badge.
        for k in &cats {
            assert!(
                STYLE.contains(&format!(".q-k{k} .fl > li:not(.k{k}, .x)")),
                "category {k}"
            );
        }
        for v in &sevs {
            assert!(
                STYLE.contains(&format!(".q-v{v} .fl > li:not(.v{v}, .x)")),
                "severity {v}"
            );
            for st in &sts {
                assert!(
                    STYLE.contains(&format!(".s{st}.v{v}::before {{ content: ")),
                    "badge {st}{v}"
                );
            }
        }
        for st in &sts {
            assert!(
                STYLE.contains(&format!(".q-s{st} .fl > li:not(.s{st})")),
                "status {st}"
            );
        }
        for c in Change::ALL {
            let c = change_code(Some(c));
            assert!(
                STYLE.contains(&format!(".q-c{c} .fl > li:not(.c{c})")),
                "change {c}"
            );
        }
        assert_eq!(code('f'), "f");
        assert_eq!(
            row_class(
                Status::Error,
                &[Severity::High, Severity::Low],
                &[Category::Access],
                None
            ),
            "se v3 v1 ka"
        );
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

    #[test]
    fn bars_are_proportional_and_visible() {
        assert_eq!(bar_width(0, 10), "0");
        assert_eq!(bar_width(1, 100_000), "1.0");
        assert_eq!(bar_width(5, 10), "65.0");
        assert_eq!(bar_width(3, 0), "0");
    }
}

#[cfg(test)]
mod snapshots {
    //! Snapshots of the view models for a small fixture: review them like code.
    use super::*;
    use crate::inventory::{Inventory, Scope, Secret};
    use chrono::TimeZone;

    fn fixture() -> Report {
        let now = Utc
            .with_ymd_and_hms(2026, 6, 1, 0, 0, 0)
            .single()
            .expect("date");
        let mut inv = Inventory::empty("fixture", now);
        inv.accounts = vec!["111122223333".to_string()];
        inv.scopes = vec![Scope {
            account: "111122223333".to_string(),
            region: "us-east-1".to_string(),
        }];
        for (name, rotated) in [("prod/app/db", true), ("prod/app/<api>", false)] {
            let mut s = Secret {
                arn: format!("arn:aws:secretsmanager:us-east-1:111122223333:secret:{name}-AbCdEf"),
                name: name.to_string(),
                account: "111122223333".to_string(),
                region: "us-east-1".to_string(),
                created_date: Some(now - chrono::Duration::days(400)),
                ..Default::default()
            };
            s.rotation_enabled = Some(rotated);
            s.tags.insert("Owner".to_string(), "team-a".to_string());
            inv.secrets.push(s);
        }
        let mut r = crate::evaluate::evaluate(&inv, &crate::config::Config::default(), now);
        // Keep the snapshot about the view model, not about every check: two checks.
        r.findings
            .retain(|f| f.check_id == "SL101" || f.check_id == "SL302");
        r.checks.retain(|c| c.id == "SL101" || c.id == "SL302");
        r.frameworks.clear();
        r.config = serde_json::json!({});
        r
    }

    #[test]
    fn view_model_overview() {
        let r = fixture();
        let prepared = Prepared::new(&r, &Options::default());
        let page = ReportPage::new(&r, &prepared);
        insta::assert_json_snapshot!(
            "overview",
            (&page.kpis, &page.posture, &page.bar_groups, &page.selects)
        );
    }

    #[test]
    fn view_model_checks_and_secrets() {
        let mut r = fixture();
        for s in &mut r.secrets {
            s.readers.clear();
            s.did_read = None;
        }
        let prepared = Prepared::new(&r, &Options::default());
        let page = ReportPage::new(&r, &prepared);
        let checks: Vec<_> = page
            .checks
            .iter()
            .map(|c| {
                (
                    &c.id,
                    &c.severity,
                    &c.counts,
                    &c.remediation_cli,
                    &c.rationale,
                    &c.rows,
                )
            })
            .collect();
        let views: Vec<_> = page.cards.views().collect();
        let secrets: Vec<_> = views
            .iter()
            .map(|s| {
                (
                    &s.anchor,
                    &s.name,
                    &s.region_key,
                    &s.tokens,
                    &s.facts,
                    &s.tags,
                    &s.rows,
                )
            })
            .collect();
        insta::assert_json_snapshot!("checks_and_secrets", (checks, secrets));
    }

    #[test]
    fn view_model_comparison() {
        let mut r = fixture();
        let mut base = r.findings.clone();
        base.iter_mut().for_each(|f| f.status = Status::Fail);
        let b = crate::compare::Baseline {
            schema_version: r.schema_version,
            as_of: r.as_of,
            generated_at: r.generated_at,
            findings: base,
            label: "previous/report.json".to_string(),
        };
        crate::compare::compare(&mut r, &b);
        let prepared = Prepared::new(&r, &Options::default());
        let page = ReportPage::new(&r, &prepared);
        insta::assert_json_snapshot!("comparison", &page.comparison);
    }
}
