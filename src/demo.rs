//! The embedded demo account.
use crate::inventory::Inventory;

const DEMO: &str = include_str!("../demo/inventory.json");
const DEMO_CONFIG: &str = include_str!("../demo/secretlens.toml");

/// The demo inventory. A test checks it parses.
pub fn inventory() -> Inventory {
    Inventory::from_json("<embedded demo>", DEMO)
        .expect("the embedded demo inventory is valid (tested)")
}

/// `demo/secretlens.toml`: the defaults plus example waivers, so that the demo can show
/// suppression and SL902 (`secretlens demo --config demo/secretlens.toml`; the sample
/// reports are rendered with it). `secretlens demo` alone uses the defaults.
pub fn config() -> crate::config::Config {
    let path = "<embedded demo config>";
    let cfg = crate::config::Config::from_toml(path, DEMO_CONFIG).and_then(|c| {
        c.check_waiver_ids(path, &|id| crate::checks::meta(id).is_some())?;
        Ok(c)
    });
    cfg.expect("the embedded demo config is valid (tested)")
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use super::*;
    use crate::report::Status;

    #[test]
    fn demo_parses_and_exercises_every_check() {
        let inv = inventory();
        assert_eq!(inv.source, "demo");
        let as_of = inv
            .as_of
            .expect("the demo carries as_of so its report never drifts");

        let primaries: Vec<_> = inv.secrets.iter().filter(|s| !s.is_replica()).collect();
        assert!(
            (36..=46).contains(&primaries.len()),
            "{} non-replica secrets",
            primaries.len()
        );
        let regions: BTreeSet<&str> = primaries.iter().map(|s| s.region.as_str()).collect();
        assert_eq!(regions.len(), 2, "{regions:?}");
        let replica_arns: BTreeSet<&str> = inv
            .secrets
            .iter()
            .filter(|s| s.is_replica())
            .map(|s| s.arn.as_str())
            .collect();
        assert!(replica_arns.len() >= 2, "the demo shows replicas");

        let report = crate::evaluate::evaluate(&inv, &config(), as_of);
        let mut statuses: BTreeMap<&str, BTreeSet<Status>> = BTreeMap::new();
        for f in &report.findings {
            assert!(
                !replica_arns.contains(f.resource.arn.as_ref()),
                "{} reported on replica {}",
                f.check_id,
                f.resource.arn
            );
            statuses
                .entry(f.check_id.as_ref())
                .or_default()
                .insert(f.status);
        }
        // The demo is a realistic account, not the test of every check: that is each check's
        // fixtures (tests/checks/). It shows the checks it was built with both passing and
        // failing; a later check need not change the demo account.
        const SHOWN: [&str; 32] = [
            "SL101", "SL102", "SL103", "SL104", "SL201", "SL301", "SL302", "SL401", "SL402",
            "SL403", "SL404", "SL501", "SL502", "SL503", "SL601", "SL602", "SL603", "SL604",
            "SL605", "SL606", "SL607", "SL701", "SL801", "SL802", "SL901", "SL902", "SL001",
            "SL002", "SL003", "SL004", "SL005", "SL006",
        ];
        let mut missing = Vec::new();
        for id in SHOWN {
            let seen = statuses.get(id).cloned().unwrap_or_default();
            for want in [Status::Fail, Status::Pass] {
                if !seen.contains(&want) {
                    missing.push(format!(
                        "{} has no {} finding (saw {seen:?})",
                        id,
                        want.as_str()
                    ));
                }
            }
        }
        assert!(
            missing.is_empty(),
            "the demo must show these checks passing and failing:\n{}",
            missing.join("\n")
        );
    }
}
