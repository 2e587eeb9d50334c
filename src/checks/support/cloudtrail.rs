//! CloudTrail coverage, judged from the collected trail facts (SL801, SL802): whether a trail's
//! event selectors record Secrets Manager management read events (`GetSecretValue`,
//! `DescribeSecret` …). Collection records the selectors as AWS returned them; the judgement is
//! made here, at evaluation, so a saved inventory is re-judged by every newer version.

use crate::inventory::{AdvancedEventSelector, BasicEventSelector, EventSelectors, TrailInfo};

/// The event source of Secrets Manager's CloudTrail events.
pub(crate) const EVENT_SOURCE: &str = "secretsmanager.amazonaws.com";

/// Whether a trail's selectors record Secrets Manager management reads, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Coverage {
    /// `None` when the selectors are unknown (`GetEventSelectors` failed).
    pub reads: Option<bool>,
    /// Why, for evidence; empty when unknown.
    pub why: String,
}

/// What a trail's selectors say about Secrets Manager management reads.
pub(crate) fn coverage(t: &TrailInfo) -> Coverage {
    match &t.event_selectors {
        Some(s) => {
            let (reads, why) = selectors_cover_reads(s);
            Coverage {
                reads: Some(reads),
                why,
            }
        }
        // A schema-1 inventory: the collector's verdict, as recorded.
        None => Coverage {
            reads: t.legacy_management_reads,
            why: t.legacy_selectors.clone(),
        },
    }
}

/// A trail covers a region's secret reads when it is logging and records management read
/// events (SL801 and SL802 ask the same question).
pub(crate) fn covers(t: &TrailInfo) -> bool {
    t.is_logging == Some(true) && coverage(t).reads == Some(true)
}

/// Whether a trail's selectors log Secrets Manager management read events, and why.
pub(crate) fn selectors_cover_reads(s: &EventSelectors) -> (bool, String) {
    if !s.advanced.is_empty() {
        if s.advanced.iter().any(advanced_covers_reads) {
            return (
                true,
                "an advanced event selector logs management read events".to_string(),
            );
        }
        return (
            false,
            "no advanced event selector logs Secrets Manager management read events".to_string(),
        );
    }
    if s.basic.is_empty() {
        // A trail always has selectors in AWS (the default logs all management events);
        // none returned is read as that default.
        return (
            true,
            "no event selectors: the default (all management events)".to_string(),
        );
    }
    for sel in &s.basic {
        if basic_covers_reads(sel) {
            let rw = sel.read_write_type.as_deref().unwrap_or("All");
            return (true, format!("event selector: management events, {rw}"));
        }
    }
    (
        false,
        "event selectors exclude management events or log only WriteOnly".to_string(),
    )
}

fn basic_covers_reads(sel: &BasicEventSelector) -> bool {
    let reads = matches!(
        sel.read_write_type.as_deref(),
        Some("All") | Some("ReadOnly") | None
    );
    let mgmt = sel.include_management_events.unwrap_or(true);
    let excluded = sel
        .exclude_management_event_sources
        .iter()
        .any(|x| x == EVENT_SOURCE);
    reads && mgmt && !excluded
}

/// An advanced selector logs Secrets Manager management reads when it selects the
/// Management category and neither `readOnly` nor `eventSource` rule them out.
pub(crate) fn advanced_covers_reads(sel: &AdvancedEventSelector) -> bool {
    let mut management = false;
    for f in &sel.field_selectors {
        match f.field.as_str() {
            "eventCategory" if f.not_equals.iter().any(|v| v == "Management") => return false,
            "eventCategory" => management = f.equals.iter().any(|v| v == "Management"),
            "readOnly"
                if (!f.equals.is_empty() && !f.equals.iter().any(|v| v == "true"))
                    || f.not_equals.iter().any(|v| v == "true") =>
            {
                return false;
            }
            "eventSource"
                if (!f.equals.is_empty() && !f.equals.iter().any(|v| v == EVENT_SOURCE))
                    || f.not_equals.iter().any(|v| v == EVENT_SOURCE) =>
            {
                return false;
            }
            _ => {}
        }
    }
    management
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::FieldSelector;

    fn f(field: &str, eq: &[&str], ne: &[&str]) -> FieldSelector {
        FieldSelector {
            field: field.into(),
            equals: eq.iter().map(|s| s.to_string()).collect(),
            not_equals: ne.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        }
    }

    fn adv(fields: Vec<FieldSelector>) -> AdvancedEventSelector {
        AdvancedEventSelector {
            name: None,
            field_selectors: fields,
        }
    }

    #[test]
    fn advanced_selectors() {
        assert!(advanced_covers_reads(&adv(vec![f(
            "eventCategory",
            &["Management"],
            &[]
        )])));
        assert!(advanced_covers_reads(&adv(vec![
            f("eventCategory", &["Management"], &[]),
            f("readOnly", &["true"], &[])
        ])));
        assert!(!advanced_covers_reads(&adv(vec![
            f("eventCategory", &["Management"], &[]),
            f("readOnly", &["false"], &[])
        ])));
        assert!(!advanced_covers_reads(&adv(vec![
            f("eventCategory", &["Management"], &[]),
            f("eventSource", &[], &["secretsmanager.amazonaws.com"])
        ])));
        assert!(!advanced_covers_reads(&adv(vec![f(
            "eventCategory",
            &["Data"],
            &[]
        )])));
    }

    #[test]
    fn basic_selectors_and_the_default() {
        let none = EventSelectors::default();
        assert_eq!(
            selectors_cover_reads(&none),
            (
                true,
                "no event selectors: the default (all management events)".into()
            )
        );
        let sel = |rw: Option<&str>, mgmt: Option<bool>, excl: &[&str]| EventSelectors {
            basic: vec![BasicEventSelector {
                read_write_type: rw.map(Into::into),
                include_management_events: mgmt,
                exclude_management_event_sources: excl.iter().map(|s| s.to_string()).collect(),
            }],
            advanced: vec![],
        };
        assert_eq!(
            selectors_cover_reads(&sel(Some("ReadOnly"), Some(true), &[])),
            (true, "event selector: management events, ReadOnly".into())
        );
        assert!(selectors_cover_reads(&sel(None, None, &[])).0);
        assert!(!selectors_cover_reads(&sel(Some("WriteOnly"), Some(true), &[])).0);
        assert!(!selectors_cover_reads(&sel(Some("All"), Some(false), &[])).0);
        assert!(!selectors_cover_reads(&sel(Some("All"), Some(true), &[EVENT_SOURCE])).0);
    }

    #[test]
    fn a_schema_1_trail_keeps_the_recorded_verdict() {
        let t = TrailInfo {
            is_logging: Some(true),
            legacy_management_reads: Some(true),
            legacy_selectors: "event selector: management events, All".into(),
            ..Default::default()
        };
        assert!(covers(&t));
        assert_eq!(coverage(&t).why, "event selector: management events, All");
        let unknown = TrailInfo {
            is_logging: Some(true),
            ..Default::default()
        };
        assert_eq!(coverage(&unknown).reads, None);
        assert!(!covers(&unknown));
    }

    #[test]
    fn schema_1_and_schema_2_inventories_are_both_read() {
        let trail = |v: u32, fields: &str| {
            format!(
                r#"{{"schema_version": {v}, "tool_version": "0", "source": "t",
                "collected_at": "2026-01-01T00:00:00Z", "accounts": ["1"], "scopes": [],
                "cloudtrail": [{{"account": "1", "region": "r", "trails": [{{
                  "arn": "a", "name": "n", "home_region": "r", "multi_region": true,
                  "organization": false, "is_logging": true, {fields}}}]}}]}}"#
            )
        };
        let v1 = trail(
            1,
            r#""management_reads": false, "selectors": "event selectors exclude management events or log only WriteOnly""#,
        );
        let inv = crate::inventory::Inventory::from_json("v1.json", &v1).expect("schema 1 is read");
        let t = &inv.cloudtrail[0].trails.as_ref().unwrap()[0];
        assert_eq!(coverage(t).reads, Some(false));
        assert!(!covers(t));
        let v2 = trail(
            2,
            r#""event_selectors": {"advanced": [{"field_selectors": [{"field": "eventCategory", "equals": ["Management"]}]}]}"#,
        );
        let inv = crate::inventory::Inventory::from_json("v2.json", &v2).expect("schema 2 is read");
        let t = &inv.cloudtrail[0].trails.as_ref().unwrap()[0];
        assert!(covers(t));
        // Written back, the raw selectors are kept and the schema-1 verdict fields are not.
        let json = serde_json::to_value(t).unwrap();
        assert!(json.get("event_selectors").is_some());
        assert!(json.get("management_reads").is_none() && json.get("selectors").is_none());
    }
}
