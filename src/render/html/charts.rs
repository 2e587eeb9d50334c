//! The overview: key figures, the posture ring and the inline SVG bar charts, whose geometry
//! is computed here; the template only writes numbers into attributes and escaped text into
//! `<text>` and `<title>`.

use std::collections::BTreeMap;

use serde::Serialize;

use super::format::{severity_class, status_class, status_label};
use crate::report::Report;
use crate::sanitize::clean;
use crate::vocab::{Severity, Status};

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

#[derive(Serialize)]
pub(super) struct Kpi {
    pub(super) value: usize,
    pub(super) label: &'static str,
    pub(super) class: &'static str,
}

#[derive(Serialize)]
pub(super) struct BarRow {
    /// Drawn in the chart, shortened to [`CHART_LABEL_CHARS`].
    pub(super) label: String,
    /// The full label, in the bar's `<title>`.
    pub(super) full_label: String,
    pub(super) count: usize,
    pub(super) width: String,
    pub(super) class: &'static str,
    /// The bar's top and its text's baseline.
    pub(super) y: u32,
    pub(super) text_y: u32,
}

/// An inline SVG bar chart.
#[derive(Serialize)]
pub(super) struct BarGroup {
    /// `chart-status`: the id of the chart's `<title>`.
    pub(super) id: &'static str,
    pub(super) title: &'static str,
    /// A sentence with every count, for screen readers (the chart's `<title>`).
    pub(super) summary: String,
    pub(super) empty: &'static str,
    pub(super) height: u32,
    pub(super) rows: Vec<BarRow>,
}

/// The posture ring: the share of secrets with no failing high or critical finding.
#[derive(Serialize)]
pub(super) struct Posture {
    /// `87%`, or `n/a` without secrets.
    pub(super) share: String,
    pub(super) good: usize,
    pub(super) total: usize,
    /// `stroke-dasharray` of the ring on a circumference of 100.
    pub(super) dash: String,
    pub(super) summary: String,
}

pub(super) fn kpis(r: &Report) -> Vec<Kpi> {
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
    if let Some((hits, _, _)) = super::sections::exposure_counts(r) {
        kpis.push(Kpi {
            value: hits,
            label: "credentials outside Secrets Manager",
            class: if hits > 0 { "kpi-bad" } else { "kpi-good" },
        });
    }
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

pub(super) fn bar_groups(r: &Report) -> Vec<BarGroup> {
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

pub(super) fn posture(r: &Report) -> Posture {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_are_proportional_and_visible() {
        assert_eq!(bar_width(0, 10), "0");
        assert_eq!(bar_width(1, 100_000), "1.0");
        assert_eq!(bar_width(5, 10), "65.0");
        assert_eq!(bar_width(3, 0), "0");
    }
}
