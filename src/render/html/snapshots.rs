//! Snapshots of the view models for a small fixture: review them like code.
use chrono::{TimeZone, Utc};

use super::Options;
use super::page::{Prepared, ReportPage};
use crate::inventory::{Inventory, Scope, Secret};
use crate::report::Report;
use crate::vocab::Status;

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
                &s.passing_summary,
                &s.passing,
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
