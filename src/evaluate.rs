//! `evaluate(&Inventory, &Config, now) -> Report`: pure and deterministic. The same inputs
//! give a byte-identical report.
//!
//! Order: every check's `run`, then the config's waivers (matching fails become
//! `suppressed`), then every check's `run_after` (SL902 judges the waivers), then sorting,
//! the summaries and the per-framework roll-up.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};

use crate::checks::{self, Context};
use crate::config::Config;
use crate::inventory::Inventory;
use crate::kms::resolve_key;
use crate::report::{
    CheckSummary, REPORT_SCHEMA_VERSION, ReaderSummary, Report, SecretSummary, Summary,
};
use crate::vocab::{Severity, Status, ToolInfo};

/// Evaluates every check over the inventory as of `now`.
pub fn evaluate(inv: &Inventory, cfg: &Config, now: DateTime<Utc>) -> Report {
    let ctx = Context::new(inv, cfg, now);
    let t = std::time::Instant::now();
    let mut findings = checks::run_all(&ctx);
    tracing::debug!(
        findings = findings.len(),
        ms = t.elapsed().as_millis() as u64,
        "checks ran"
    );
    // Waivers turn matching fails into `suppressed`; then the checks about findings (SL902)
    // run on the result.
    crate::waiver::apply(&cfg.waivers, &mut findings, now);
    let mut second = checks::run_after_all(&ctx, &findings);
    findings.append(&mut second);
    // Each check's findings arrive sorted and the registry lists the checks in id order, so
    // this is normally in report order already: a linear check spares sorting millions.
    if !findings.is_sorted_by(|a, b| crate::report::finding_order(a, b).is_le()) {
        findings.sort_by(crate::report::finding_order);
    }

    tracing::debug!(ms = t.elapsed().as_millis() as u64, "findings sorted");

    let mut summary = Summary::default();
    let mut per_check: rustc_hash::FxHashMap<&str, BTreeMap<Status, usize>> =
        rustc_hash::FxHashMap::default();
    let mut per_secret: rustc_hash::FxHashMap<&str, (BTreeMap<Status, usize>, Option<Severity>)> =
        rustc_hash::FxHashMap::default();
    for f in &findings {
        *summary.by_status.entry(f.status).or_default() += 1;
        *per_check
            .entry(&f.check_id)
            .or_default()
            .entry(f.status)
            .or_default() += 1;
        if f.status == Status::Fail {
            *summary.failing_by_severity.entry(f.severity).or_default() += 1;
            *summary.failing_by_category.entry(f.category).or_default() += 1;
            match summary.failing_by_region.get_mut(&*f.resource.region) {
                Some(n) => *n += 1,
                None => {
                    summary
                        .failing_by_region
                        .insert(f.resource.region.to_string(), 1);
                }
            }
        }
        if f.resource.kind.as_ref() == "secret" {
            let entry = per_secret.entry(&f.resource.arn).or_default();
            *entry.0.entry(f.status).or_default() += 1;
            if f.status == Status::Fail && entry.1.is_none_or(|s| f.severity > s) {
                entry.1 = Some(f.severity);
            }
        }
    }
    summary.findings = findings.len();

    let checks = checks::all_metas()
        .map(|m| CheckSummary {
            id: m.id.clone(),
            name: m.name.clone(),
            title: m.title.clone(),
            category: m.category,
            severity: m.severity,
            remediation: m.remediation.clone(),
            remediation_cli: m.remediation_cli.clone(),
            documentation: m.body.clone(),
            frameworks: crate::frameworks::refs_for(&m.id),
            counts: per_check.get(m.id.as_str()).cloned().unwrap_or_default(),
        })
        .collect();

    use rayon::prelude::*;
    let listed: Vec<_> = ctx.secrets().collect();
    let secrets: Vec<SecretSummary> = listed
        .par_iter()
        .map(|&s| {
            let (counts, worst) = per_secret.get(s.arn.as_str()).cloned().unwrap_or_default();
            SecretSummary {
                arn: s.arn.clone(),
                name: s.name.clone(),
                account: s.account.clone(),
                region: s.region.clone(),
                description: s.description.clone(),
                tags: s.tags.clone(),
                kms_key: resolve_key(inv, s, s.kms_key_id.as_deref(), &s.region).label(),
                rotation: rotation_label(s),
                created_date: s.created_date,
                last_rotated_date: s.last_rotated_date,
                last_accessed_date: s.last_accessed_date,
                deleted_date: s.deleted_date,
                replica_regions: checks::support::replicas::replica_regions(&ctx, s)
                    .into_iter()
                    .map(String::from)
                    .collect(),
                resource_policy: s.resource_policy.clone(),
                readers: if ctx.access().iam_status(&s.account).is_ok() {
                    ctx.readers(s)
                        .readers
                        .iter()
                        .map(|r| ReaderSummary {
                            access: r.status().to_string(),
                            principal: r.principal_arn.clone(),
                            kind: r.kind.clone(),
                            conditional_on: r.conditional_on.clone(),
                        })
                        .collect()
                } else {
                    Vec::new()
                },
                counts,
                worst_failing: worst,
                did_read: did_read(inv, s),
            }
        })
        .collect();
    tracing::debug!(
        ms = t.elapsed().as_millis() as u64,
        "secret summaries built"
    );
    summary.secrets = secrets.len();
    summary.secrets_failing_high = secrets
        .iter()
        .filter(|s| s.worst_failing.is_some_and(|w| w >= Severity::High))
        .count();

    let regions: BTreeSet<String> = inv.scopes.iter().map(|s| s.region.clone()).collect();
    Report {
        schema_version: REPORT_SCHEMA_VERSION,
        tool: ToolInfo {
            name: "secretlens".to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        },
        generated_at: now,
        as_of: now,
        source: inv.source.clone(),
        collected_at: inv.collected_at,
        accounts: inv.accounts.clone(),
        regions: regions.into_iter().collect(),
        scopes: inv.scopes.clone(),
        config: cfg.to_json(),
        coverage_complete: inv.gaps.is_empty(),
        gaps: inv.gaps.clone(),
        call_stats: inv.call_stats.clone(),
        summary,
        checks,
        frameworks: crate::frameworks::rollup(&findings),
        secrets,
        findings,
        comparison: None,
        scan: None,
    }
}

fn rotation_label(s: &crate::inventory::Secret) -> String {
    if s.rotation_enabled != Some(true) {
        return "disabled".to_string();
    }
    match &s.rotation_rules {
        Some(r) => match (&r.schedule_expression, r.automatically_after_days) {
            (Some(expr), _) => format!("enabled, {expr}"),
            (None, Some(d)) => format!("enabled, every {d} days"),
            (None, None) => "enabled".to_string(),
        },
        None => "enabled".to_string(),
    }
}

/// The secret's readers from CloudTrail, when its region's events were collected.
fn did_read(inv: &Inventory, s: &crate::inventory::Secret) -> Option<crate::report::DidRead> {
    let ct = inv.cloudtrail_for(&s.account, &s.region)?;
    let lookup = ct.lookup.as_ref()?;
    let mut readers: Vec<crate::inventory::ReaderActivity> = ct
        .secrets
        .get(&s.arn)
        .map(|a| a.readers.iter().filter(|r| r.count > 0).cloned().collect())
        .unwrap_or_default();
    readers.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then_with(|| a.principal.cmp(&b.principal))
    });
    Some(crate::report::DidRead {
        window_start: lookup.start,
        window_end: lookup.end,
        truncated: lookup.truncated,
        readers,
    })
}
