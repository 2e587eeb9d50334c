//! Builders for fixture inventories used by the per-check tests.
use super::*;
use crate::config::Config;
use crate::inventory::{Inventory, Secret};
use crate::report::{Finding, Status};
use chrono::TimeZone;
use chrono::{DateTime, Utc};

pub const ACCOUNT: &str = "111122223333";
pub const REGION: &str = "us-east-1";

/// 2026-06-01T00:00:00Z: the fixed "now" of the check tests.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0)
        .single()
        .expect("valid date")
}

pub fn days_ago(d: i64) -> DateTime<Utc> {
    now() - chrono::Duration::days(d)
}

/// A compliant-by-default secret created 10 days ago.
pub fn secret(name: &str) -> Secret {
    Secret {
        arn: format!("arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{name}-AbCdEf"),
        name: name.to_string(),
        account: ACCOUNT.to_string(),
        region: REGION.to_string(),
        created_date: Some(days_ago(10)),
        ..Default::default()
    }
}

pub fn inventory(secrets: Vec<Secret>) -> Inventory {
    let mut inv = Inventory::empty("fixture", now());
    inv.accounts = vec![ACCOUNT.to_string()];
    inv.scopes = vec![crate::inventory::Scope {
        account: ACCOUNT.to_string(),
        region: REGION.to_string(),
    }];
    inv.secrets = secrets;
    inv
}

/// Runs one check over an inventory with the given config.
pub fn run_with(check: &dyn Check, inv: &Inventory, cfg: &Config) -> Vec<Finding> {
    let ctx = Context::new(inv, cfg, now());
    let mut out = Emitter::new(meta(check.id()).expect("registered"), &ctx);
    check.run(&ctx, &mut out);
    out.findings
}

pub fn run(check: &dyn Check, inv: &Inventory) -> Vec<Finding> {
    run_with(check, inv, &Config::default())
}

/// The status of the finding on the secret named `name`.
pub fn status_of(findings: &[Finding], name: &str) -> Status {
    let matching: Vec<_> = findings
        .iter()
        .filter(|f| f.resource.name.as_ref() == name)
        .collect();
    assert_eq!(
        matching.len(),
        1,
        "expected exactly one finding for {name}: {findings:#?}"
    );
    matching[0].status
}
