//! `report.html`: one self-contained page for auditors (inline CSS, no script, no external
//! resources, a strict Content-Security-Policy).
//!
//! Everything here is a view model computed from the [`Report`]; the askama templates in
//! `templates/` only loop and branch. Every string that came from AWS (names, ARNs, tags,
//! descriptions, policies, error messages) is attacker-controllable: it is passed through
//! [`clean`] (which makes bidi overrides and control characters visible) and stays
//! auto-escaped by askama. Nothing from AWS ever goes into an attribute: element ids and
//! `href`s are derived from hashes and our own check ids.

use std::collections::{BTreeMap, BTreeSet};

use askama::Template;
use chrono::{DateTime, Utc};

use super::text::{clean, clean_multiline, plural};
use crate::report::{ControlStatus, Finding, Report, SecretSummary, Severity, Status, finding_id};

/// Renders the report as a standalone HTML page.
pub fn render(report: &Report) -> String {
    let page = ReportPage::new(report);
    let mut html = page
        .render()
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

/// `width: 42%` for a CSS bar; at least 1% when the count is not zero.
fn bar_width(count: usize, total: usize) -> String {
    if total == 0 || count == 0 {
        return "width: 0%".to_string();
    }
    let pct = (count * 100).div_ceil(total).clamp(1, 100);
    format!("width: {pct}%")
}

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

fn compact_evidence(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::Object(m) if m.is_empty() => String::new(),
        other => serde_json::to_string(other).expect("a JSON value serialises"),
    }
}

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

struct Kpi {
    value: usize,
    label: &'static str,
    class: &'static str,
}

struct BarRow {
    label: String,
    count: usize,
    width: String,
    class: &'static str,
}

struct BarGroup {
    title: &'static str,
    empty: &'static str,
    rows: Vec<BarRow>,
}

struct GapRow {
    account: String,
    region: String,
    operation: String,
    resource: String,
    error_code: String,
    message: String,
}

#[derive(Default, Clone, Copy)]
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
struct CheckRow {
    target: String,
    resource: String,
    kind: String,
    region: String,
    status: &'static str,
    status_class: &'static str,
    message: String,
    /// For a suppressed finding: the waiver's reason, owner and expiry.
    waiver: Option<String>,
}

struct CheckView {
    anchor: String,
    id: String,
    name: String,
    title: String,
    severity: &'static str,
    severity_class: &'static str,
    category: &'static str,
    counts: Counts,
    remediation: String,
    remediation_cli: Option<String>,
    frameworks: String,
    body: Vec<DocBlock>,
    rows: Vec<CheckRow>,
}

/// A block of a check's Markdown document: a heading, a paragraph or a code block.
struct DocBlock {
    heading: bool,
    code: bool,
    /// For headings and paragraphs: text with inline code spans.
    spans: Vec<Span>,
    /// For code blocks.
    text: String,
}

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

struct FindingRow {
    anchor: String,
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

struct Tag {
    key: String,
    value: String,
}

struct Fact {
    label: &'static str,
    value: String,
}

struct SecretView {
    anchor: String,
    name: String,
    arn: String,
    account: String,
    region: String,
    description: Option<String>,
    worst: Option<(&'static str, &'static str)>,
    counts: Counts,
    /// Some findings are `error` or some call about it failed.
    incomplete: bool,
    facts: Vec<Fact>,
    tags: Vec<Tag>,
    policy: Option<String>,
    /// Shown instead of the policy when there is none: absent, or not collected.
    policy_note: String,
    /// Calls about this secret that failed.
    gaps: Vec<String>,
    findings: Vec<FindingRow>,
}

/// A check named in a compliance table; linked when its card is on the page.
struct CheckLink {
    id: String,
    anchor: Option<String>,
}

struct ControlRow {
    control: String,
    title: String,
    checks: Vec<CheckLink>,
    status: &'static str,
    status_class: &'static str,
    counts: Counts,
}

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

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    meta: MetaView,
    coverage_complete: bool,
    gaps: Vec<GapRow>,
    gap_summary: String,
    kpis: Vec<Kpi>,
    bar_groups: Vec<BarGroup>,
    checks: Vec<CheckView>,
    frameworks: Vec<FrameworkView>,
    secrets: Vec<SecretView>,
    others: Vec<FindingRow>,
    config: String,
}

impl ReportPage {
    fn new(r: &Report) -> Self {
        let finding_anchors = anchors(&r.findings);
        let secret_arns: BTreeSet<&str> = r.secrets.iter().map(|s| s.arn.as_str()).collect();
        let on_secret_block = |f: &Finding| {
            f.resource.kind == "secret" && secret_arns.contains(f.resource.arn.as_str())
        };

        let mut by_secret: BTreeMap<&str, Vec<(&Finding, &String)>> = BTreeMap::new();
        let mut others: Vec<(&Finding, &String)> = Vec::new();
        for (f, a) in r.findings.iter().zip(&finding_anchors) {
            if on_secret_block(f) {
                by_secret
                    .entry(f.resource.arn.as_str())
                    .or_default()
                    .push((f, a));
            } else {
                others.push((f, a));
            }
        }

        let mut secrets: Vec<&SecretSummary> = r.secrets.iter().collect();
        secrets.sort_by(|a, b| {
            let key = |s: &SecretSummary| {
                (
                    std::cmp::Reverse(s.worst_failing.map(|w| w as u8 + 1).unwrap_or(0)),
                    std::cmp::Reverse(s.counts.get(&Status::Error).copied().unwrap_or(0) > 0),
                    s.name.clone(),
                    s.arn.clone(),
                )
            };
            key(a).cmp(&key(b))
        });
        let secrets = secrets
            .into_iter()
            .map(|s| secret_view(s, by_secret.remove(s.arn.as_str()).unwrap_or_default(), r))
            .collect();

        others.sort_by(|a, b| finding_order(a.0, b.0));
        let others = others.into_iter().map(|(f, a)| finding_row(f, a)).collect();

        ReportPage {
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
            checks: check_views(r, &finding_anchors),
            frameworks: framework_views(r),
            secrets,
            others,
            config: clean_multiline(
                &serde_json::to_string_pretty(&r.config).expect("a JSON value serialises"),
            ),
        }
    }
}

/// One unique, attribute-safe anchor per finding, in report order.
fn anchors(findings: &[Finding]) -> Vec<String> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    findings
        .iter()
        .map(|f| {
            let base = finding_anchor(&f.id);
            let n = seen.entry(base.clone()).or_default();
            *n += 1;
            if *n == 1 { base } else { format!("{base}-{n}") }
        })
        .collect()
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

fn bar_groups(r: &Report) -> Vec<BarGroup> {
    let s = &r.summary;
    let failing: usize = s.failing_by_severity.values().sum();
    let status = Status::ALL
        .into_iter()
        .map(|st| {
            let n = s.by_status.get(&st).copied().unwrap_or(0);
            BarRow {
                label: status_label(st).to_string(),
                count: n,
                width: bar_width(n, s.findings),
                class: status_class(st),
            }
        })
        .collect();
    let severity = Severity::ALL
        .into_iter()
        .map(|sev| {
            let n = s.failing_by_severity.get(&sev).copied().unwrap_or(0);
            BarRow {
                label: sev.as_str().to_string(),
                count: n,
                width: bar_width(n, failing),
                class: severity_class(sev),
            }
        })
        .collect();
    let mut category: Vec<_> = s
        .failing_by_category
        .iter()
        .filter(|(_, n)| **n > 0)
        .collect();
    category.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let category = category
        .into_iter()
        .map(|(c, n)| BarRow {
            label: c.as_str().to_string(),
            count: *n,
            width: bar_width(*n, failing),
            class: "bar-neutral",
        })
        .collect();
    let mut region: Vec<_> = s
        .failing_by_region
        .iter()
        .filter(|(_, n)| **n > 0)
        .collect();
    region.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let region = region
        .into_iter()
        .map(|(name, n)| BarRow {
            label: if name.is_empty() {
                "(global)".to_string()
            } else {
                clean(name)
            },
            count: *n,
            width: bar_width(*n, failing),
            class: "bar-neutral",
        })
        .collect();
    vec![
        BarGroup {
            title: "Findings by status",
            empty: "No findings.",
            rows: status,
        },
        BarGroup {
            title: "Failing by severity",
            empty: "No failing findings.",
            rows: severity,
        },
        BarGroup {
            title: "Failing by category",
            empty: "No failing findings.",
            rows: category,
        },
        BarGroup {
            title: "Failing by region",
            empty: "No failing findings.",
            rows: region,
        },
    ]
}

fn check_views(r: &Report, finding_anchors: &[String]) -> Vec<CheckView> {
    let mut rows: BTreeMap<&str, Vec<(&Finding, &String)>> = BTreeMap::new();
    for (f, a) in r.findings.iter().zip(finding_anchors) {
        if matches!(f.status, Status::Fail | Status::Error | Status::Suppressed) {
            rows.entry(f.check_id.as_str()).or_default().push((f, a));
        }
    }
    let mut checks: Vec<_> = r.checks.iter().collect();
    checks.sort_by(|a, b| {
        let key = |c: &crate::report::CheckSummary| {
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
            let meta = crate::checks::meta(&c.id);
            let mut list = rows.remove(c.id.as_str()).unwrap_or_default();
            list.sort_by(|a, b| {
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
            });
            CheckView {
                anchor: check_anchor(&c.id),
                id: clean(&c.id),
                name: clean(&c.name),
                title: clean(&c.title),
                severity: c.severity.as_str(),
                severity_class: severity_class(c.severity),
                category: c.category.as_str(),
                counts: Counts::from_map(&c.counts),
                remediation: clean(&c.remediation),
                remediation_cli: meta
                    .map(|m| m.remediation_cli.trim())
                    .filter(|s| !s.is_empty())
                    .map(clean_multiline),
                frameworks: crate::frameworks::refs_for(&c.id)
                    .iter()
                    .map(|f| clean(&format!("{} {}", f.framework, f.control)))
                    .collect::<Vec<_>>()
                    .join(" · "),
                body: meta.map(|m| doc_blocks(&m.body)).unwrap_or_default(),
                rows: list
                    .into_iter()
                    .map(|(f, a)| CheckRow {
                        target: a.clone(),
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

fn finding_row(f: &Finding, anchor: &str) -> FindingRow {
    FindingRow {
        anchor: anchor.to_string(),
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
        evidence: clean_multiline(&compact_evidence(&f.evidence)),
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

fn secret_view(
    s: &SecretSummary,
    mut findings: Vec<(&Finding, &String)>,
    r: &Report,
) -> SecretView {
    let as_of = r.as_of;
    findings.sort_by(|a, b| finding_order(a.0, b.0));
    let gaps: Vec<&crate::inventory::Gap> = r
        .gaps
        .iter()
        .filter(|g| !g.resource.is_empty() && (g.resource == s.arn || g.resource == s.name))
        .collect();
    let policy_note = match gaps.iter().find(|g| g.operation == "GetResourcePolicy") {
        Some(g) => format!(
            "Not collected: GetResourcePolicy failed ({}).",
            clean(&g.error_code)
        ),
        None => "No resource policy.".to_string(),
    };
    let date = |d: Option<DateTime<Utc>>| {
        d.map(|d| fmt_date_relative(d, as_of))
            .unwrap_or_else(|| "never / unknown".to_string())
    };
    let mut facts = vec![
        Fact {
            label: "KMS key",
            value: clean(&s.kms_key),
        },
        Fact {
            label: "Rotation",
            value: clean(&s.rotation),
        },
        Fact {
            label: "Created",
            value: date(s.created_date),
        },
        Fact {
            label: "Last rotated",
            value: date(s.last_rotated_date),
        },
        Fact {
            label: "Last accessed",
            value: date(s.last_accessed_date),
        },
    ];
    if let Some(d) = s.deleted_date {
        facts.push(Fact {
            label: "Scheduled for deletion",
            value: fmt_date_relative(d, as_of),
        });
    }
    facts.push(Fact {
        label: "Replica regions",
        value: if s.replica_regions.is_empty() {
            "none".to_string()
        } else {
            s.replica_regions
                .iter()
                .map(|r| clean(r))
                .collect::<Vec<_>>()
                .join(", ")
        },
    });
    SecretView {
        anchor: secret_anchor(&s.arn),
        name: clean(&s.name),
        arn: clean(&s.arn),
        account: clean(&s.account),
        region: clean(&s.region),
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
                key: clean(k),
                value: clean(v),
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
        findings: findings
            .into_iter()
            .map(|(f, a)| finding_row(f, a))
            .collect(),
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
    fn bars_are_proportional_and_visible() {
        assert_eq!(bar_width(0, 10), "width: 0%");
        assert_eq!(bar_width(1, 1000), "width: 1%");
        assert_eq!(bar_width(5, 10), "width: 50%");
        assert_eq!(bar_width(3, 0), "width: 0%");
    }
}
