//! A finding's evidence as an auditor reads it: rows of humanised keys and readable values
//! (dates as dates, lists as lists, arrays of objects as small tables, nested objects as
//! indented rows), with the raw JSON kept for a "raw evidence" disclosure.
//!
//! Generic over any evidence JSON: a new check's evidence needs nothing here. One shape is
//! recognised by its fields, not by check id: an array of objects with a principal
//! (`principal_arn`, `principal` or `user`) and `statements` is a readers table with the
//! columns principal, kind, access and granting statements first.
//!
//! Evidence is attacker-controlled text (and report.json can be edited): every key and value
//! is [`clean`]ed and the view is bounded (rows, table rows and columns, list items, nesting,
//! characters); what is left out is counted and the view says "see report.json".

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::format::{fmt_date_relative, fmt_time, pretty_policy};
use crate::sanitize::{clean, clean_multiline};

/// Rows of one evidence (all depths; a table's rows count too).
const MAX_ROWS: usize = 60;
/// Rows of one table.
const MAX_TABLE_ROWS: usize = 20;
/// Columns of one table.
const MAX_COLUMNS: usize = 10;
/// Items of a list (comma list, or lines in a table cell).
const MAX_ITEMS: usize = 12;
/// Nesting of indented rows; deeper objects are written inline.
const MAX_DEPTH: usize = 3;
/// Characters of one value.
const MAX_TEXT: usize = 1_000;
/// Characters of one evidence's readable view, all values together.
const MAX_CHARS: usize = 16_000;
/// Characters of the raw JSON shown in the disclosure.
const MAX_RAW: usize = 20_000;

/// The readable evidence of one finding.
#[derive(Serialize)]
pub(super) struct EvidenceView {
    pub(super) rows: Vec<EvRow>,
    /// `… 12 more, see report.json` when the bound left something out.
    pub(super) more: Option<String>,
    /// The JSON, pretty-printed, cleaned and bounded (the "raw evidence" disclosure).
    pub(super) raw: String,
}

/// One row: a key and its value, which is text, a table, or (a nested object) nothing, its
/// rows following one level deeper.
#[derive(Serialize)]
pub(super) struct EvRow {
    /// Indentation: 0 for top-level keys, 1.. for the rows of a nested object.
    pub(super) depth: usize,
    pub(super) key: String,
    /// A scalar or a list, as text (empty for a table or a nested object).
    pub(super) text: String,
    /// The text says `none` (null, empty list or object): shown muted.
    pub(super) none: bool,
    pub(super) table: Option<EvTable>,
}

enum EvValue {
    Group,
    Text { text: String, none: bool },
    Table(EvTable),
}

#[derive(Serialize)]
pub(super) struct EvTable {
    pub(super) columns: Vec<String>,
    /// Each cell is one or more lines.
    pub(super) rows: Vec<Vec<Vec<String>>>,
    /// `… 3 more rows, 2 more columns, see report.json`.
    pub(super) more: Option<String>,
}

/// The readable view of an evidence JSON text; `None` when there is none (`null`, `{}`).
pub(super) fn evidence_view(json: &str, as_of: DateTime<Utc>) -> Option<EvidenceView> {
    let value: Node = serde_json::from_str(json).ok()?;
    if matches!(&value, Node::Null) || matches!(&value, Node::Object(m) if m.is_empty()) {
        return None;
    }
    let mut b = Builder {
        rows: Vec::new(),
        table_rows: 0,
        chars: 0,
        more: 0,
        as_of,
    };
    match &value {
        Node::Object(map) => b.object(map, 0),
        other => b.entry("value", other, 0),
    }
    Some(EvidenceView {
        rows: b.rows,
        more: (b.more > 0).then(|| format!("… {} more, see report.json", b.more)),
        raw: raw_json(json),
    })
}

/// The raw JSON for the disclosure: pretty-printed, cleaned, cut at [`MAX_RAW`] characters.
fn raw_json(json: &str) -> String {
    let pretty = clean_multiline(&pretty_policy(json));
    match pretty.char_indices().nth(MAX_RAW) {
        None => pretty,
        Some((at, _)) => format!(
            "{}\n… {} more bytes, see report.json",
            &pretty[..at],
            pretty.len() - at
        ),
    }
}

struct Builder {
    rows: Vec<EvRow>,
    /// Rows of the tables so far (they count against [`MAX_ROWS`] too).
    table_rows: usize,
    /// Characters of text emitted so far.
    chars: usize,
    /// Entries left out by the bounds.
    more: usize,
    as_of: DateTime<Utc>,
}

/// The keys of a readers-shaped object: principal, kind, access and granting statements.
const PRINCIPAL_KEYS: [&str; 3] = ["principal_arn", "principal", "user"];
const KIND_KEYS: [&str; 2] = ["kind", "principal_type"];

fn is_reader(v: &Node) -> bool {
    matches!(v.get("statements"), Some(Node::Array(_)))
        && PRINCIPAL_KEYS.iter().any(|k| v.get(k).is_some())
}

impl Builder {
    fn full(&self) -> bool {
        self.rows.len() + self.table_rows >= MAX_ROWS || self.chars >= MAX_CHARS
    }

    fn push(&mut self, depth: usize, key: &str, value: EvValue) {
        let key = self.text(&humanise(key));
        let (text, none, table) = match value {
            EvValue::Group => (String::new(), false, None),
            EvValue::Text { text, none } => (text, none, None),
            EvValue::Table(t) => (String::new(), false, Some(t)),
        };
        self.rows.push(EvRow {
            depth,
            key,
            text,
            none,
            table,
        });
    }

    /// Cleaned text, cut to what is left of the budgets.
    fn text(&mut self, s: &str) -> String {
        let room = MAX_TEXT.min(MAX_CHARS.saturating_sub(self.chars)).max(1);
        let out = match s.char_indices().nth(room) {
            None => clean(s),
            Some((at, _)) => format!("{}…", clean(&s[..at])),
        };
        self.chars += out.len();
        out
    }

    fn object(&mut self, map: &[(String, Node)], depth: usize) {
        let mut entries = map.iter();
        for (k, v) in entries.by_ref() {
            if self.full() {
                self.more += 1;
                break;
            }
            self.entry(k, v, depth);
        }
        self.more += entries.count();
    }

    fn entry(&mut self, key: &str, v: &Node, depth: usize) {
        match v {
            Node::Object(map) if map.is_empty() => self.push(depth, key, none()),
            Node::Object(map) if depth + 1 < MAX_DEPTH => {
                self.push(depth, key, EvValue::Group);
                self.object(map, depth + 1);
            }
            Node::Array(items) if items.is_empty() => self.push(depth, key, none()),
            Node::Array(items) if items.iter().all(|i| matches!(i, Node::Object(_))) => {
                let table = self.table(items);
                self.push(depth, key, EvValue::Table(table));
            }
            other => {
                let text = self.inline(other, depth);
                self.push(depth, key, value_text(text, other));
            }
        }
    }

    /// A scalar, a list or (too deep for rows) an object, as one line of text.
    fn inline(&mut self, v: &Node, depth: usize) -> String {
        let text = inline(v, self.as_of, depth);
        self.text(&text)
    }

    fn table(&mut self, items: &[Node]) -> EvTable {
        let reader = items.iter().all(is_reader);
        // Columns: the union of the keys, in first-seen order (readers: their four first).
        let mut keys: Vec<&str> = Vec::new();
        for item in items.iter().take(MAX_TABLE_ROWS) {
            let Node::Object(map) = item else { continue };
            for (k, _) in map {
                if !keys.contains(&k.as_str()) {
                    keys.push(k);
                }
            }
        }
        let mut columns: Vec<Column> = Vec::new();
        if reader {
            let has = |names: &[&str]| {
                items
                    .iter()
                    .any(|i| names.iter().any(|n| i.get(n).is_some()))
            };
            columns.push(Column::Principal);
            if has(&KIND_KEYS) {
                columns.push(Column::Kind);
            }
            if has(&["access", "conditional_on"]) {
                columns.push(Column::Access);
            }
            columns.push(Column::Statements);
            keys.retain(|k| {
                !PRINCIPAL_KEYS.contains(k)
                    && !KIND_KEYS.contains(k)
                    && !["access", "conditional_on", "statements"].contains(k)
            });
        }
        columns.extend(keys.iter().map(|k| Column::Key(k)));
        let more_columns = columns.len().saturating_sub(MAX_COLUMNS);
        columns.truncate(MAX_COLUMNS);
        let headers = columns
            .iter()
            .map(|c| match c {
                Column::Principal => "Principal".to_string(),
                Column::Kind => "Kind".to_string(),
                Column::Access => "Access".to_string(),
                Column::Statements => "Granting statements".to_string(),
                Column::Key(k) => self.text(&humanise(k)),
            })
            .collect();
        let mut rows = Vec::new();
        let mut more_rows = 0;
        for item in items {
            if rows.len() >= MAX_TABLE_ROWS || self.full() {
                more_rows += 1;
                continue;
            }
            let row = columns
                .iter()
                .map(|c| self.cell(item, c))
                .collect::<Vec<_>>();
            rows.push(row);
            // A table's rows count against the evidence's rows.
            self.table_rows += 1;
        }
        let mut more = Vec::new();
        for (n, what) in [(more_rows, "row"), (more_columns, "column")] {
            if n > 0 {
                more.push(format!("{n} more {what}{}", if n == 1 { "" } else { "s" }));
            }
        }
        EvTable {
            columns: headers,
            rows,
            more: (!more.is_empty()).then(|| format!("… {}, see report.json", more.join(", "))),
        }
    }

    fn cell(&mut self, item: &Node, column: &Column) -> Vec<String> {
        let first = |names: &[&str]| names.iter().find_map(|n| item.get(n));
        match column {
            Column::Principal => self.lines(first(&PRINCIPAL_KEYS)),
            Column::Kind => self.lines(first(&KIND_KEYS)),
            Column::Access => {
                let access = match item.get("access") {
                    Some(Node::String(s)) => s.clone(),
                    Some(v) => inline(v, self.as_of, MAX_DEPTH),
                    None => "allowed".to_string(),
                };
                let keys = match item.get("conditional_on") {
                    Some(Node::Array(keys)) if !keys.is_empty() => keys,
                    Some(Node::String(s)) if !s.is_empty() => {
                        return vec![self.text(&format!("conditional: {s}"))];
                    }
                    _ => return vec![self.text(&access)],
                };
                let list = inline(&Node::Array(keys.clone()), self.as_of, MAX_DEPTH);
                let access = if access == "allowed" {
                    "conditional".to_string()
                } else {
                    access
                };
                vec![self.text(&format!("{access}: {list}"))]
            }
            Column::Statements => self.lines(item.get("statements")),
            Column::Key(k) => self.lines(item.get(k)),
        }
    }

    /// A table cell: a list is one line per item, anything else one line.
    fn lines(&mut self, v: Option<&Node>) -> Vec<String> {
        match v {
            None | Some(Node::Null) => vec!["—".to_string()],
            Some(Node::Array(items)) if items.is_empty() => vec!["none".to_string()],
            Some(Node::Array(items)) => {
                let mut out: Vec<String> = items
                    .iter()
                    .take(MAX_ITEMS)
                    .map(|i| {
                        let t = inline(i, self.as_of, 1);
                        self.text(&t)
                    })
                    .collect();
                if items.len() > MAX_ITEMS {
                    out.push(format!("… {} more", items.len() - MAX_ITEMS));
                }
                out
            }
            Some(v) => {
                let t = inline(v, self.as_of, 1);
                vec![self.text(&t)]
            }
        }
    }
}

enum Column<'a> {
    Principal,
    Kind,
    Access,
    Statements,
    Key(&'a str),
}

fn none() -> EvValue {
    EvValue::Text {
        text: "none".to_string(),
        none: true,
    }
}

fn value_text(text: String, v: &Node) -> EvValue {
    EvValue::Text {
        text,
        none: matches!(v, Node::Null),
    }
}

/// A value as one line: `yes`/`no`, `none`, dates, numbers without a needless `.0`, lists
/// comma-separated, objects as `Key: value; Key: value` (nested deeper than [`MAX_DEPTH`]:
/// `…`). Stops soon after [`MAX_TEXT`] bytes; not yet cleaned or cut: the caller does.
fn inline(v: &Node, as_of: DateTime<Utc>, depth: usize) -> String {
    let mut out = String::new();
    inline_into(&mut out, v, as_of, depth);
    out
}

fn inline_into(out: &mut String, v: &Node, as_of: DateTime<Utc>, depth: usize) {
    if out.len() > MAX_TEXT {
        return;
    }
    match v {
        Node::Null => out.push_str("none"),
        Node::Bool(true) => out.push_str("yes"),
        Node::Bool(false) => out.push_str("no"),
        Node::Number(n) => out.push_str(&number(n)),
        Node::String(s) => match date(s, as_of) {
            Some(d) => out.push_str(&d),
            None => out.push_str(&bounded(s)),
        },
        Node::Array(items) if items.is_empty() => out.push_str("none"),
        Node::Object(map) if map.is_empty() => out.push_str("none"),
        Node::Array(_) | Node::Object(_) if depth > MAX_DEPTH => out.push('…'),
        Node::Array(items) => {
            for (i, item) in items.iter().take(MAX_ITEMS).enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                inline_into(out, item, as_of, depth + 1);
            }
            if items.len() > MAX_ITEMS {
                out.push_str(&format!(", … {} more", items.len() - MAX_ITEMS));
            }
        }
        Node::Object(map) => {
            for (i, (k, v)) in map.iter().take(MAX_ITEMS).enumerate() {
                if i > 0 {
                    out.push_str("; ");
                }
                out.push_str(&humanise(k));
                out.push_str(": ");
                inline_into(out, v, as_of, depth + 1);
            }
            if map.len() > MAX_ITEMS {
                out.push_str(&format!("; … {} more", map.len() - MAX_ITEMS));
            }
        }
    }
}

/// A string cut to [`MAX_TEXT`] characters (before the budgets cut it again).
fn bounded(s: &str) -> String {
    match s.char_indices().nth(MAX_TEXT) {
        None => s.to_string(),
        Some((at, _)) => format!("{}…", &s[..at]),
    }
}

fn number(n: &serde_json::Number) -> String {
    match n.as_f64() {
        Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
        _ => n.to_string(),
    }
}

/// An RFC 3339 timestamp as `2026-11-07 13:07 UTC (22 days before as-of)`.
fn date(s: &str, as_of: DateTime<Utc>) -> Option<String> {
    if !(20..=40).contains(&s.len()) || !s.as_bytes()[0].is_ascii_digit() {
        return None;
    }
    let t = DateTime::parse_from_rfc3339(s).ok()?.with_timezone(&Utc);
    let relative = fmt_date_relative(t, as_of);
    let rel = relative.split_once(' ').map_or("", |(_, r)| r);
    Some(format!("{} {rel}", fmt_time(t)))
}

/// `has_resource_policy` → `Has resource policy`, `kms_key_id` → `KMS key ID`.
pub(super) fn humanise(key: &str) -> String {
    const UPPER: [&str; 12] = [
        "arn", "aws", "ec2", "ecs", "iam", "id", "ip", "kms", "sid", "sns", "ssm", "url",
    ];
    let key = bounded(key);
    let mut out = String::with_capacity(key.len());
    for (i, word) in key.split(['_', ' ']).filter(|w| !w.is_empty()).enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let lower = word.to_ascii_lowercase();
        if UPPER.contains(&lower.as_str()) {
            out.push_str(&word.to_ascii_uppercase());
        } else if lower == "ips" || lower == "arns" || lower == "ids" {
            out.push_str(&word[..word.len() - 1].to_ascii_uppercase());
            out.push('s');
        } else if i == 0 {
            let mut chars = word.chars();
            if let Some(c) = chars.next() {
                out.extend(c.to_uppercase());
                out.push_str(chars.as_str());
            }
        } else {
            out.push_str(word);
        }
    }
    if out.is_empty() {
        "(empty key)".to_string()
    } else {
        out
    }
}

/// Evidence JSON, parsed keeping its key order (the order of the check's evidence struct;
/// `serde_json::Value` sorts keys). Duplicate keys stay, as text they are.
#[derive(Clone)]
enum Node {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    String(String),
    Array(Vec<Node>),
    Object(Vec<(String, Node)>),
}

impl Node {
    fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Object(map) => map.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

impl<'de> serde::Deserialize<'de> for Node {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Node, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Node;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("JSON")
            }
            fn visit_unit<E>(self) -> Result<Node, E> {
                Ok(Node::Null)
            }
            fn visit_none<E>(self) -> Result<Node, E> {
                Ok(Node::Null)
            }
            fn visit_bool<E>(self, v: bool) -> Result<Node, E> {
                Ok(Node::Bool(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Node, E> {
                Ok(Node::Number(v.into()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Node, E> {
                Ok(Node::Number(v.into()))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Node, E> {
                Ok(serde_json::Number::from_f64(v).map_or(Node::Null, Node::Number))
            }
            fn visit_str<E>(self, v: &str) -> Result<Node, E> {
                Ok(Node::String(v.to_string()))
            }
            fn visit_string<E>(self, v: String) -> Result<Node, E> {
                Ok(Node::String(v))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut a: A) -> Result<Node, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = a.next_element()? {
                    items.push(item);
                }
                Ok(Node::Array(items))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut a: A) -> Result<Node, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = a.next_entry()? {
                    entries.push(entry);
                }
                Ok(Node::Object(entries))
            }
        }
        d.deserialize_any(V)
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    use chrono::TimeZone;

    fn as_of() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 29, 12, 0, 0)
            .single()
            .expect("date")
    }

    fn view(v: serde_json::Value) -> EvidenceView {
        evidence_view(&v.to_string(), as_of()).expect("evidence")
    }

    fn text(row: &EvRow) -> &str {
        assert!(row.table.is_none(), "{} is a table", row.key);
        &row.text
    }

    fn table(row: &EvRow) -> &EvTable {
        row.table
            .as_ref()
            .unwrap_or_else(|| panic!("{} is not a table", row.key))
    }

    #[test]
    fn keys_are_humanised() {
        assert_eq!(humanise("has_resource_policy"), "Has resource policy");
        assert_eq!(humanise("kms_key_id"), "KMS key ID");
        assert_eq!(humanise("source_ips"), "Source IPs");
        assert_eq!(humanise("principal_arn"), "Principal ARN");
        assert_eq!(humanise("_"), "(empty key)");
    }

    #[test]
    fn scalars_dates_lists_and_nested_objects_read_as_rows() {
        // In the evidence's own key order.
        let json = r#"{"has_resource_policy": false, "rotation_enabled": true,
            "schedule_expression": null, "interval_days": 14.0, "grace_days": 2,
            "last_rotated": "2026-11-07T13:07:20+00:00", "missing_keys": [],
            "present_keys": ["Application", "Team"],
            "cloudtrail_rotation": {"window_days": 7, "last_failed": "2026-11-28T04:12:09Z"}}"#;
        let v = evidence_view(json, as_of()).expect("evidence");
        let rows: Vec<(usize, &str, &str)> = v
            .rows
            .iter()
            .map(|r| (r.depth, r.key.as_str(), text(r)))
            .collect();
        assert_eq!(
            rows,
            [
                (0, "Has resource policy", "no"),
                (0, "Rotation enabled", "yes"),
                (0, "Schedule expression", "none"),
                (0, "Interval days", "14"),
                (0, "Grace days", "2"),
                (
                    0,
                    "Last rotated",
                    "2026-11-07 13:07 UTC (21 days before as-of)"
                ),
                (0, "Missing keys", "none"),
                (0, "Present keys", "Application, Team"),
                (0, "Cloudtrail rotation", ""),
                (1, "Window days", "7"),
                (
                    1,
                    "Last failed",
                    "2026-11-28 04:12 UTC (1 day before as-of)"
                ),
            ]
        );
        assert!(v.more.is_none());
        assert!(
            v.raw.contains("\"has_resource_policy\": false"),
            "{}",
            v.raw
        );
        assert!(evidence_view("{}", as_of()).is_none());
        assert!(evidence_view("null", as_of()).is_none());
    }

    #[test]
    fn readers_are_a_table_of_principal_kind_access_and_statements() {
        let v = view(serde_json::json!({
            "readers": [
                {"principal_arn": "arn:aws:iam::1:role/a", "account": "1", "kind": "role",
                 "conditional_on": [], "statements": ["resource policy #0 \"A\""], "via": "resource_policy"},
                {"principal_arn": "arn:aws:iam::1:role/b", "account": "1", "kind": "role",
                 "conditional_on": ["aws:SourceVpce"], "statements": ["s1", "s2"], "via": "identity"},
            ],
            "users": [{"user": "arn:aws:iam::1:user/u", "access": "allowed", "statements": ["x"],
                       "active_keys": [{"id": "AKIA1", "created": "2021-03-02T09:14:00+00:00"}]}],
        }));
        let t = table(&v.rows[0]);
        assert_eq!(
            t.columns,
            [
                "Principal",
                "Kind",
                "Access",
                "Granting statements",
                "Account",
                "Via"
            ]
        );
        assert_eq!(t.rows[0][0], ["arn:aws:iam::1:role/a"]);
        assert_eq!(t.rows[0][2], ["allowed"]);
        assert_eq!(t.rows[0][3], ["resource policy #0 \"A\""]);
        assert_eq!(t.rows[1][2], ["conditional: aws:SourceVpce"]);
        assert_eq!(t.rows[1][3], ["s1", "s2"]);
        let users = table(&v.rows[1]);
        assert_eq!(
            users.columns,
            ["Principal", "Access", "Granting statements", "Active keys"]
        );
        assert_eq!(
            users.rows[0][3],
            ["Created: 2021-03-02 09:14 UTC (2098 days before as-of); ID: AKIA1"]
        );
        // Other arrays of objects: the union of their keys.
        let v = view(serde_json::json!({"replicas": [{"region": "eu-west-1"}, {"status": "x"}]}));
        let t = table(&v.rows[0]);
        assert_eq!(t.columns, ["Region", "Status"]);
        assert_eq!(t.rows[0], [vec!["eu-west-1"], vec!["—"]]);
    }

    #[test]
    fn huge_deep_and_hostile_evidence_is_bounded_and_cleaned() {
        let mut deep = serde_json::json!("bottom");
        for _ in 0..100 {
            deep = serde_json::json!({ "d": deep, "l": [deep.clone()] });
            if deep.to_string().len() > 100_000 {
                break;
            }
        }
        let mut big = serde_json::Map::new();
        for i in 0..2_000 {
            big.insert(
                format!("key_{i}\u{202e}<b>"),
                serde_json::Value::String("v".repeat(500)),
            );
        }
        big.insert(
            "rows".to_string(),
            serde_json::Value::Array(
                (0..1_000)
                    .map(|i| serde_json::json!({ format!("c{}", i % 50): "x\u{1b}[31m".repeat(100) }))
                    .collect(),
            ),
        );
        big.insert("deep".to_string(), deep);
        let json = serde_json::Value::Object(big).to_string();
        assert!(json.len() > 1_000_000);
        let v = evidence_view(&json, as_of()).expect("evidence");
        assert!(v.rows.len() <= MAX_ROWS + 1, "{} rows", v.rows.len());
        let chars: usize = v
            .rows
            .iter()
            .map(|r| {
                r.key.len()
                    + r.text.len()
                    + r.table.as_ref().map_or(0, |t| {
                        t.rows.iter().flatten().flatten().map(String::len).sum()
                    })
            })
            .sum();
        assert!(chars <= MAX_CHARS + MAX_TEXT * 4, "{chars} characters");
        assert!(v.rows.iter().all(|r| r.depth < MAX_DEPTH));
        let more = v.more.expect("says what it left out");
        assert!(more.ends_with("more, see report.json"), "{more}");
        assert!(v.raw.len() < MAX_RAW * 4 + 100 && v.raw.ends_with("see report.json"));
        for r in &v.rows {
            assert!(!r.key.contains('\u{202e}'), "{}", r.key);
            assert!(
                !r.key.starts_with("Key") || r.key.contains("[U+202E]"),
                "{}",
                r.key
            );
        }
        assert!(v.rows.iter().any(|r| r.key.contains("[U+202E]<b>")));
        assert!(!v.raw.contains('\u{202e}') && !v.raw.contains('\u{1b}'));
        // The deep nesting, alone: rows stop at MAX_DEPTH, then inline text with `…`.
        let mut deep = serde_json::json!(1);
        for _ in 0..120 {
            deep = serde_json::json!({ "d": deep });
        }
        let v = view(deep);
        assert!(v.rows.iter().all(|r| r.depth < MAX_DEPTH));
        assert!(text(v.rows.last().expect("rows")).contains('…'));
        // Not JSON at all (an edited report.json cannot hold that, but never panic).
        assert!(evidence_view("{not json", as_of()).is_none());
    }
}
