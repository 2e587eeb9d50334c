//! Formatting shared by the page's views: anchors (never raw AWS text), dates, status and
//! severity labels and classes, the one-character filter codes `report.css` and `report.js`
//! know, change badges, counts, and the cleaning shortcut [`cl`].

use std::borrow::Cow;
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::render::text::plural;
use crate::report::{Change, Finding, finding_id};
use crate::sanitize::clean;
use crate::vocab::{Category, Severity, Status};

/// The stable anchor of a secret's block: never raw AWS text.
pub fn secret_anchor(arn: &str) -> String {
    format!("secret-{}", finding_id("secret", arn))
}

/// The anchor of a finding row. Finding ids are hex hashes; anything else is hashed so that
/// an id attribute only ever holds `[a-z0-9-]`.
pub(super) fn finding_anchor(id: &str) -> String {
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
pub(super) fn check_anchor(id: &str) -> String {
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

pub(super) fn fmt_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// `2026-01-02 (331 days before as-of)`.
pub(super) fn fmt_date_relative(t: DateTime<Utc>, as_of: DateTime<Utc>) -> String {
    let days = (as_of - t).num_days();
    let rel = match days {
        0 => "same day as as-of".to_string(),
        d if d > 0 => format!("{} before as-of", plural(d as usize, "day")),
        d => format!("{} after as-of", plural((-d) as usize, "day")),
    };
    format!("{} ({rel})", t.format("%Y-%m-%d"))
}

pub(super) fn status_label(s: Status) -> &'static str {
    match s {
        Status::NotApplicable => "n/a",
        other => other.as_str(),
    }
}

pub(super) fn status_class(s: Status) -> &'static str {
    match s {
        Status::Fail => "st-fail",
        Status::Error => "st-error",
        Status::Suppressed => "st-suppressed",
        Status::Pass => "st-pass",
        Status::NotApplicable => "st-na",
    }
}

pub(super) fn severity_class(s: Severity) -> &'static str {
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
pub(super) fn status_code(s: Status) -> char {
    match s {
        Status::Fail => 'f',
        Status::Error => 'e',
        Status::Suppressed => 's',
        Status::Pass => 'p',
        Status::NotApplicable => 'n',
    }
}

pub(super) fn severity_code(s: Severity) -> char {
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
const CATEGORIES: [Category; 11] = [
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
    Category::Exposure,
];

pub(super) fn category_code(c: Category) -> char {
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
        Category::Exposure => 'o',
    }
}

/// `_` when the finding did not change (or there is no baseline).
pub(super) fn change_code(c: Option<Change>) -> char {
    match c {
        Some(Change::New) => 'n',
        Some(Change::StillFailing) => 's',
        Some(Change::Resolved) => 'r',
        None => '_',
    }
}

pub(super) fn code(c: char) -> &'static str {
    // The codes are ASCII: hand out static one-character strings.
    const ALL: &str = "0123456789abcdefghijklmnopqrstuvwxyz_";
    ALL.find(c).map_or("_", |i| &ALL[i..=i])
}

/// [`clean`] without an allocation when the text is clean (nearly always).
pub(super) fn cl(s: &str) -> Cow<'_, str> {
    if s.chars().any(|c| c.is_control() || !c.is_ascii()) {
        Cow::Owned(clean(s))
    } else {
        Cow::Borrowed(s)
    }
}

/// A resource policy, pretty-printed when it is valid JSON (keeping its key order and
/// string escapes), else as collected.
pub(super) fn pretty_policy(text: &str) -> String {
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

#[derive(Serialize, Clone, Copy)]
pub(super) struct ChangeBadge {
    /// The filter code ([`change_code`]).
    pub(super) key: &'static str,
    pub(super) class: &'static str,
    pub(super) label: &'static str,
}

pub(super) fn change_badge(c: Option<Change>) -> Option<ChangeBadge> {
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

#[derive(Default, Clone, Copy, Serialize)]
pub(super) struct Counts {
    pub(super) fail: usize,
    pub(super) error: usize,
    pub(super) suppressed: usize,
    pub(super) pass: usize,
    pub(super) na: usize,
}

impl Counts {
    pub(super) fn from_map(m: &BTreeMap<Status, usize>) -> Self {
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

/// The class of a finding row: `sf v3 kr`, plus `cn` for a change.
pub(super) fn row_class(
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

pub(super) fn push_token(tokens: &mut String, f: &Finding) {
    tokens.push(status_code(f.status));
    tokens.push(severity_code(f.severity));
    tokens.push(category_code(f.category));
    tokens.push(change_code(f.change));
}

pub(super) fn display_name(f: &Finding) -> String {
    if f.resource.name.is_empty() {
        clean(&f.resource.arn)
    } else {
        clean(&f.resource.name)
    }
}

pub(super) fn region_label(region: &str) -> String {
    if region.is_empty() {
        "(global)".to_string()
    } else {
        clean(region)
    }
}

/// `Suppressed by waiver[0] until 2026-12-31 (owner team-a): reason` — config text, cleaned.
pub(super) fn waiver_note(f: &Finding) -> Option<String> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    use crate::render::html::STYLE;

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
}
