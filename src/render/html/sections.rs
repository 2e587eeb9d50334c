//! The page's other sections: the header, the triage filters, the changes since a baseline,
//! the collection gaps, the "Other resources" table, the compliance tables and the
//! hardcoded-credential scan.

use std::collections::{BTreeMap, BTreeSet};

use rustc_hash::FxHashMap as HashMap;
use serde::Serialize;

use super::evidence::{EvidenceView, evidence_view};
use super::format::{
    ChangeBadge, Counts, category_code, change_badge, change_code, check_anchor, code,
    display_name, fmt_time, region_label, severity_class, severity_code, status_class, status_code,
    status_label, waiver_note,
};
use super::page::{Anchors, Ctx, finding_order};
use crate::render::text::plural;
use crate::report::scan::KeyStatus;
use crate::report::{Change, ControlStatus, Finding, Report};
use crate::sanitize::clean;
use crate::vocab::{Category, Severity, Status};

#[derive(Serialize)]
pub(super) struct MetaView {
    pub(super) title: String,
    pub(super) source: String,
    pub(super) accounts: String,
    pub(super) account_count: String,
    pub(super) regions: String,
    pub(super) as_of: String,
    pub(super) collected_at: String,
    pub(super) generated_at: String,
    pub(super) tool: String,
    pub(super) schema_version: u32,
}

/// One option of a triage `<select>`: an attribute-safe value and escaped text.
#[derive(Serialize)]
pub(super) struct Opt {
    pub(super) value: String,
    pub(super) label: String,
}

#[derive(Serialize)]
pub(super) struct Select {
    /// `f-sev`: the script reads it.
    pub(super) id: &'static str,
    pub(super) label: &'static str,
    pub(super) options: Vec<Opt>,
}

/// A finding in the "Changes since baseline" section.
#[derive(Serialize)]
pub(super) struct ChangeRow {
    pub(super) change: ChangeBadge,
    /// Filter codes.
    pub(super) status_key: &'static str,
    pub(super) sev_key: &'static str,
    pub(super) cat_key: &'static str,
    pub(super) severity: &'static str,
    pub(super) severity_class: &'static str,
    pub(super) check_id: String,
    pub(super) check_name: String,
    pub(super) resource: String,
    pub(super) region_key: String,
    pub(super) account_key: String,
    pub(super) region: String,
    pub(super) message: String,
    /// The current finding row, when the finding is still in the report.
    pub(super) target: Option<String>,
}

#[derive(Serialize)]
pub(super) struct ComparisonView {
    pub(super) baseline: String,
    pub(super) baseline_as_of: String,
    pub(super) new: usize,
    pub(super) still_failing: usize,
    pub(super) resolved: usize,
    pub(super) rows: Vec<ChangeRow>,
}

#[derive(Serialize)]
pub(super) struct GapRow {
    pub(super) account: String,
    pub(super) region: String,
    pub(super) operation: String,
    pub(super) resource: String,
    pub(super) error_code: String,
    pub(super) message: String,
    /// Why, in plain language.
    pub(super) cause: String,
}

/// A finding in the "Other resources" table.
#[derive(Serialize)]
pub(super) struct FindingRow {
    pub(super) anchor: String,
    /// Filter codes ([`status_code`] …).
    pub(super) status_key: &'static str,
    pub(super) sev_key: &'static str,
    pub(super) cat_key: &'static str,
    pub(super) region_key: String,
    pub(super) account_key: String,
    pub(super) change: Option<ChangeBadge>,
    pub(super) status: &'static str,
    pub(super) status_class: &'static str,
    pub(super) severity: &'static str,
    pub(super) severity_class: &'static str,
    pub(super) check_id: String,
    pub(super) check_anchor: String,
    pub(super) check_name: String,
    pub(super) resource: String,
    pub(super) kind: String,
    pub(super) region: String,
    pub(super) message: String,
    /// Readable evidence and its raw JSON (full reports only).
    pub(super) evidence: Option<EvidenceView>,
    /// For a suppressed finding: the waiver's reason, owner and expiry.
    pub(super) waiver: Option<String>,
}

/// A check named in a compliance table; linked when its card is on the page.
#[derive(Serialize)]
pub(super) struct CheckLink {
    pub(super) id: String,
    pub(super) anchor: Option<String>,
}

#[derive(Serialize)]
pub(super) struct ControlRow {
    pub(super) control: String,
    pub(super) title: String,
    pub(super) checks: Vec<CheckLink>,
    pub(super) status: &'static str,
    pub(super) status_class: &'static str,
    pub(super) counts: Counts,
}

#[derive(Serialize)]
pub(super) struct FrameworkView {
    pub(super) name: String,
    pub(super) title: String,
    pub(super) url: String,
    pub(super) controls: Vec<ControlRow>,
}

fn control_status(s: ControlStatus) -> (&'static str, &'static str) {
    match s {
        ControlStatus::Fail => ("fail", "st-fail"),
        ControlStatus::Error => ("error", "st-error"),
        ControlStatus::Pass => ("pass", "st-pass"),
        ControlStatus::NoData => ("no data", "st-na"),
    }
}

pub(super) fn framework_views(r: &Report) -> Vec<FrameworkView> {
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

/// The hardcoded-credential scan included with `--scan`. Only redacted previews, never secrets.
#[derive(Serialize)]
pub(super) struct ScanView {
    pub(super) target: String,
    pub(super) summary: String,
    pub(super) rows: Vec<ScanRow>,
}

#[derive(Serialize)]
pub(super) struct ScanRow {
    pub(super) severity: &'static str,
    pub(super) severity_class: &'static str,
    pub(super) rule: String,
    pub(super) location: String,
    pub(super) preview: String,
    /// AWS access keys: decoded account, and the link to the audited account's IAM keys.
    pub(super) key: String,
}

pub(super) fn scan_view(r: &Report) -> Option<ScanView> {
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

/// "Credentials outside Secrets Manager": the exposure checks' failing findings, one row per
/// credential found, grouped by service. Only locations, rules and redacted previews.
#[derive(Serialize)]
pub(super) struct ExposureView {
    pub(super) summary: String,
    pub(super) groups: Vec<ExposureGroup>,
}

#[derive(Serialize)]
pub(super) struct ExposureGroup {
    pub(super) service: String,
    pub(super) summary: String,
    pub(super) rows: Vec<ExposureRow>,
}

#[derive(Serialize)]
pub(super) struct ExposureRow {
    #[serde(skip)]
    pub(super) rank: std::cmp::Reverse<Severity>,
    pub(super) severity: &'static str,
    pub(super) severity_class: &'static str,
    pub(super) resource: String,
    pub(super) arn: String,
    pub(super) location: String,
    pub(super) rule: String,
    pub(super) preview: String,
    pub(super) key: String,
}

/// Counts for the overview: (credentials found, resources holding them, resources checked).
pub(super) fn exposure_counts(r: &Report) -> Option<(usize, usize, usize)> {
    let mut any = false;
    let (mut hits, mut failing, mut checked) = (0, 0, 0);
    for f in r
        .findings
        .iter()
        .filter(|f| f.category == Category::Exposure)
    {
        any = true;
        match f.status {
            Status::Fail => {
                failing += 1;
                checked += 1;
                hits += f.evidence()["hits"].as_array().map_or(0, Vec::len);
            }
            Status::Pass | Status::Suppressed => checked += 1,
            _ => {}
        }
    }
    any.then_some((hits, failing, checked))
}

pub(super) fn exposure_view(r: &Report) -> Option<ExposureView> {
    let (hits, failing, checked) = exposure_counts(r)?;
    let mut groups: BTreeMap<String, Vec<ExposureRow>> = BTreeMap::new();
    for f in r
        .findings
        .iter()
        .filter(|f| f.category == Category::Exposure && f.status == Status::Fail)
    {
        let ev = f.evidence();
        let service = ev["source"].as_str().unwrap_or("other").to_string();
        for h in ev["hits"].as_array().into_iter().flatten() {
            let sev = h["severity"]
                .as_str()
                .and_then(Severity::parse)
                .unwrap_or(f.severity);
            let mut key = Vec::new();
            match h["key_status"].as_str() {
                Some("active_in_this_account") => key.push("ACTIVE in this account".to_string()),
                Some("inactive_in_this_account") => {
                    key.push("inactive in this account".to_string())
                }
                Some("unknown") => key.push("not a key of this account".to_string()),
                _ => {}
            }
            if let Some(u) = h["key_user"].as_str() {
                key.push(format!("user {u}"));
            }
            groups
                .entry(service.clone())
                .or_default()
                .push(ExposureRow {
                    rank: std::cmp::Reverse(sev),
                    severity: sev.as_str(),
                    severity_class: severity_class(sev),
                    resource: clean(&f.resource.name),
                    arn: clean(&f.resource.arn),
                    location: clean(h["location"].as_str().unwrap_or("")),
                    rule: clean(h["rule_id"].as_str().unwrap_or("")),
                    preview: clean(h["preview"].as_str().unwrap_or("")),
                    key: clean(&key.join(" · ")),
                });
        }
    }
    let groups = groups
        .into_iter()
        .map(|(service, mut rows)| {
            rows.sort_by(|a, b| {
                (a.rank, &a.resource, &a.location).cmp(&(b.rank, &b.resource, &b.location))
            });
            let resources: BTreeSet<&str> = rows.iter().map(|r| r.arn.as_str()).collect();
            ExposureGroup {
                summary: format!(
                    "{} in {}",
                    plural(rows.len(), "credential"),
                    plural(resources.len(), "resource")
                ),
                service: match service.as_str() {
                    "lambda" => "Lambda".to_string(),
                    "ecs" => "ECS".to_string(),
                    "ec2" => "EC2".to_string(),
                    "cloudformation" => "CloudFormation".to_string(),
                    "ssm" => "SSM Parameter Store".to_string(),
                    "codebuild" => "CodeBuild".to_string(),
                    "step-functions" => "Step Functions".to_string(),
                    "batch" => "AWS Batch".to_string(),
                    other => clean(other),
                },
                rows,
            }
        })
        .collect();
    Some(ExposureView {
        summary: format!(
            "{} in {failing} of {} checked.",
            plural(hits, "credential"),
            plural(checked, "resource")
        ),
        groups,
    })
}

pub(super) fn meta_view(r: &Report) -> MetaView {
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

pub(super) fn selects(r: &Report, ctx: &Ctx) -> Vec<Select> {
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

pub(super) fn comparison_view(r: &Report, ctx: &Ctx, anchors: &Anchors) -> Option<ComparisonView> {
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

pub(super) fn finding_row(f: &Finding, anchor: &str, ctx: &Ctx) -> FindingRow {
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
        evidence: if ctx.collapse_passing || f.evidence.is_empty() {
            None
        } else {
            evidence_view(f.evidence.json(), ctx.as_of)
        },
        waiver: waiver_note(f),
    }
}
