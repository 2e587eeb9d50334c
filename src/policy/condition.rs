//! Condition operators, compiled once and evaluated three-valued.
//!
//! Semantics (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
//! and https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html):
//!
//! * A block is an AND over operators and over the keys of each operator; for one key, a
//!   positive operator is an OR over the policy values and a negated operator (`StringNotEquals`,
//!   `NotIpAddress`, `ArnNotLike`…) requires the request value to match *none* of them.
//! * Missing key: positive operator → false; negated operator → true; `…IfExists` → true;
//!   `Null: true` → true; `ForAllValues:` → true; `ForAnyValue:` → false.
//! * `ForAllValues:` → every request value matches; `ForAnyValue:` → at least one does (for a
//!   negated operator, "matches" means "matches none of the policy values").
//! * `StringEquals`/`StringLike`/`ArnLike` are case-sensitive, `…IgnoreCase` is not, `Bool` values
//!   compare case-insensitively; `ArnEquals` and `ArnLike` both allow wildcards and compare the six
//!   colon-delimited segments separately.
//!
//! Three-valued: a key the context does not mention is *unknown*. The clause is evaluated as if
//! the key were absent (that is what AWS would do with this request) and the key is reported, so
//! the evaluator can say "the outcome depends on these keys".

use std::net::IpAddr;

use super::matching::{ArnPattern, Glob, Piece};
use super::request::{Context, Lookup};
use super::variables::{parse_pieces, resolve_as_absent};

crate::error::message_error!(
    /// A condition value that does not compile for its operator.
    pub ConditionError
);

/// The comparison of a numeric or date operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
}

/// The operator family (the negation is separate).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    String,
    StringIgnoreCase,
    StringLike,
    Numeric(Cmp),
    Date(Cmp),
    Bool,
    Binary,
    Ip,
    Arn,
    Null,
    /// An operator this engine does not know (lenient parsing only): never silently true.
    Unsupported,
}

/// `ForAllValues:` / `ForAnyValue:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Qualifier {
    ForAllValues,
    ForAnyValue,
}

/// A parsed operator name.
#[derive(Debug, Clone, PartialEq)]
pub struct Operator {
    /// As written in the policy.
    pub name: String,
    pub family: Family,
    pub negated: bool,
    pub if_exists: bool,
    pub qualifier: Option<Qualifier>,
}

impl Operator {
    /// Parses an operator name (case-sensitive, as AWS documents them). `None` if unknown.
    pub fn parse(name: &str) -> Option<Operator> {
        let (qualifier, rest) = if let Some(r) = name.strip_prefix("ForAllValues:") {
            (Some(Qualifier::ForAllValues), r)
        } else if let Some(r) = name.strip_prefix("ForAnyValue:") {
            (Some(Qualifier::ForAnyValue), r)
        } else {
            (None, name)
        };
        let (base, if_exists) = match rest.strip_suffix("IfExists") {
            Some(b) => (b, true),
            None => (rest, false),
        };
        use Cmp::*;
        use Family::*;
        let (family, negated) = match base {
            "StringEquals" => (String, false),
            "StringNotEquals" => (String, true),
            "StringEqualsIgnoreCase" => (StringIgnoreCase, false),
            "StringNotEqualsIgnoreCase" => (StringIgnoreCase, true),
            "StringLike" => (StringLike, false),
            "StringNotLike" => (StringLike, true),
            "NumericEquals" => (Numeric(Eq), false),
            "NumericNotEquals" => (Numeric(Eq), true),
            "NumericLessThan" => (Numeric(Lt), false),
            "NumericLessThanEquals" => (Numeric(Le), false),
            "NumericGreaterThan" => (Numeric(Gt), false),
            "NumericGreaterThanEquals" => (Numeric(Ge), false),
            "DateEquals" => (Date(Eq), false),
            "DateNotEquals" => (Date(Eq), true),
            "DateLessThan" => (Date(Lt), false),
            "DateLessThanEquals" => (Date(Le), false),
            "DateGreaterThan" => (Date(Gt), false),
            "DateGreaterThanEquals" => (Date(Ge), false),
            "Bool" => (Bool, false),
            "BinaryEquals" => (Binary, false),
            "IpAddress" => (Ip, false),
            "NotIpAddress" => (Ip, true),
            "ArnEquals" | "ArnLike" => (Arn, false),
            "ArnNotEquals" | "ArnNotLike" => (Arn, true),
            "Null" if !if_exists && qualifier.is_none() => (Null, false),
            _ => return None,
        };
        Some(Operator {
            name: name.to_string(),
            family,
            negated,
            if_exists,
            qualifier,
        })
    }
}

/// One compiled policy value.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Str(String),
    /// A string with policy variables.
    StrT(Vec<Piece>),
    Like(Glob),
    Num(f64),
    Date(i64),
    Bool(bool),
    Ip(Cidr),
    Arn(ArnPattern),
    /// An ARN pattern with policy variables.
    ArnT(Vec<Piece>),
    Null(bool),
}

/// One (operator, key) pair of a `Condition` block.
#[derive(Debug, Clone, PartialEq)]
pub struct Clause {
    pub op: Operator,
    /// The key as written.
    pub key: String,
    pub key_lc: String,
    pub values: Vec<Val>,
}

/// The outcome of one clause: its value for the request as given, and the unknown keys that
/// could change it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ClauseOutcome {
    pub value: bool,
    pub unknown: Vec<String>,
}

impl Clause {
    /// Compiles the values of one key. `vars` enables policy variables (Version 2012-10-17).
    /// Errors are plain messages; the caller adds the path.
    pub fn compile(
        op: Operator,
        key: &str,
        raw: &[String],
        vars: bool,
    ) -> Result<Clause, ConditionError> {
        let mut values = Vec::with_capacity(raw.len());
        for v in raw {
            values.push(compile_value(&op, v, vars)?);
        }
        Ok(Clause {
            op,
            key: key.to_string(),
            key_lc: key.to_lowercase(),
            values,
        })
    }

    /// A clause for an operator the engine does not know (lenient parsing).
    pub fn unsupported(name: &str, key: &str) -> Clause {
        Clause {
            op: Operator {
                name: name.to_string(),
                family: Family::Unsupported,
                negated: false,
                if_exists: false,
                qualifier: None,
            },
            key: key.to_string(),
            key_lc: key.to_lowercase(),
            values: Vec::new(),
        }
    }

    /// Evaluates the clause against the context.
    pub fn eval(&self, ctx: &Context) -> ClauseOutcome {
        let op = &self.op;
        if op.family == Family::Unsupported {
            return ClauseOutcome {
                value: false,
                unknown: vec![format!("unsupported operator {}", op.name)],
            };
        }
        let lookup = ctx.lookup(&self.key_lc);
        let mut unknown = Vec::new();
        if lookup == Lookup::Unknown {
            unknown.push(self.key.clone());
        }
        let present: &[String] = match lookup {
            Lookup::Present(v) => v,
            _ => &[],
        };
        if op.family == Family::Null {
            let is_null = present.is_empty();
            let value = self
                .values
                .iter()
                .any(|v| matches!(v, Val::Null(b) if *b == is_null));
            return ClauseOutcome { value, unknown };
        }
        if present.is_empty() {
            let value = op.if_exists
                || op.qualifier == Some(Qualifier::ForAllValues)
                || (op.negated && op.qualifier.is_none());
            return ClauseOutcome { value, unknown };
        }
        // Resolve the policy values once (variables) for this request.
        let resolved = self.resolve_values(ctx, &mut unknown);
        let matches_one = |rv: &str| resolved.iter().any(|pv| value_matches(op.family, rv, pv));
        // For a negated operator, a request value "satisfies" the clause when it matches none.
        let sat = |rv: &String| matches_one(rv) != op.negated;
        let value = match op.qualifier {
            Some(Qualifier::ForAllValues) => present.iter().all(sat),
            Some(Qualifier::ForAnyValue) => present.iter().any(sat),
            None if op.negated => !present.iter().any(|rv| matches_one(rv)),
            None => present.iter().any(|rv| matches_one(rv)),
        };
        ClauseOutcome { value, unknown }
    }

    fn resolve_values(&self, ctx: &Context, unknown: &mut Vec<String>) -> Vec<Val> {
        let mut out = Vec::with_capacity(self.values.len());
        for v in &self.values {
            match v {
                Val::StrT(pieces) | Val::ArnT(pieces) => {
                    if let Some(s) = substitute(pieces, ctx, unknown) {
                        out.push(match v {
                            Val::StrT(_) if self.op.family == Family::StringIgnoreCase => {
                                Val::Str(s.to_lowercase())
                            }
                            Val::StrT(_) => Val::Str(s),
                            _ => Val::Arn(ArnPattern::new(&s)),
                        });
                    }
                }
                Val::Like(g) if g.has_vars() => {
                    let r = g.resolve(|var| {
                        let (val, unk) = resolve_as_absent(var, ctx);
                        unknown.extend(unk);
                        val
                    });
                    if let Some(g) = r {
                        out.push(Val::Like(g));
                    }
                }
                v => out.push(v.clone()),
            }
        }
        out
    }

    /// The context keys the clause reads (its key and the variables in its values).
    pub fn keys(&self) -> Vec<String> {
        let mut k = vec![self.key.clone()];
        for v in &self.values {
            match v {
                Val::StrT(p) | Val::ArnT(p) => k.extend(p.iter().filter_map(|p| match p {
                    Piece::Var(v) => Some(v.key.clone()),
                    _ => None,
                })),
                Val::Like(g) => k.extend(g.vars().map(|v| v.key.clone())),
                _ => {}
            }
        }
        k
    }
}

fn substitute(pieces: &[Piece], ctx: &Context, unknown: &mut Vec<String>) -> Option<String> {
    let mut s = String::new();
    for p in pieces {
        match p {
            Piece::Text(t) | Piece::Escaped(t) => s.push_str(t),
            Piece::Var(v) => {
                let (val, unk) = resolve_as_absent(v, ctx);
                unknown.extend(unk);
                s.push_str(&val?);
            }
        }
    }
    Some(s)
}

fn has_var(pieces: &[Piece]) -> bool {
    pieces.iter().any(|p| matches!(p, Piece::Var(_)))
}

fn compile_value(op: &Operator, v: &str, vars: bool) -> Result<Val, ConditionError> {
    let pieces = || {
        if vars {
            parse_pieces(v)
        } else {
            vec![Piece::Text(v.to_string())]
        }
    };
    Ok(match op.family {
        Family::String | Family::StringIgnoreCase => {
            let p = pieces();
            if has_var(&p) {
                Val::StrT(p)
            } else {
                // `${*}` etc. are plain characters in a non-wildcard comparison.
                let s: String = p
                    .iter()
                    .map(|p| match p {
                        Piece::Text(t) | Piece::Escaped(t) => t.as_str(),
                        Piece::Var(_) => "",
                    })
                    .collect();
                if op.family == Family::StringIgnoreCase { Val::Str(s.to_lowercase()) } else { Val::Str(s) }
            }
        }
        Family::StringLike => Val::Like(Glob::plain_pieces(&pieces())),
        Family::Arn => {
            let p = pieces();
            if has_var(&p) {
                Val::ArnT(p)
            } else {
                let s: String = p
                    .iter()
                    .map(|p| match p {
                        Piece::Text(t) | Piece::Escaped(t) => t.as_str(),
                        Piece::Var(_) => "",
                    })
                    .collect();
                Val::Arn(ArnPattern::new(&s))
            }
        }
        Family::Numeric(_) => Val::Num(parse_number(v).ok_or_else(|| format!("{v:?} is not a number ({})", op.name))?),
        Family::Date(_) => Val::Date(parse_date(v).ok_or_else(|| {
            format!("{v:?} is not a date ({}: use ISO 8601 such as 2026-01-31T00:00:00Z, or epoch seconds)", op.name)
        })?),
        Family::Bool => Val::Bool(parse_bool(v).ok_or_else(|| format!("{v:?} is not \"true\" or \"false\" (Bool)"))?),
        Family::Null => Val::Null(parse_bool(v).ok_or_else(|| format!("{v:?} is not \"true\" or \"false\" (Null)"))?),
        Family::Binary => Val::Str(v.to_string()),
        Family::Ip => {
            Val::Ip(Cidr::parse(v).ok_or_else(|| format!("{v:?} is not an IPv4/IPv6 address or CIDR ({})", op.name))?)
        }
        Family::Unsupported => Val::Str(v.to_string()),
    })
}

fn value_matches(family: Family, rv: &str, pv: &Val) -> bool {
    match (family, pv) {
        (Family::String | Family::Binary, Val::Str(s)) => rv == s,
        (Family::StringIgnoreCase, Val::Str(s)) => rv.to_lowercase() == *s,
        (_, Val::Like(g)) => g.matches(rv),
        (Family::Numeric(c), Val::Num(p)) => {
            parse_number(rv).is_some_and(|r| compare(c, r.partial_cmp(p)))
        }
        (Family::Date(c), Val::Date(p)) => {
            parse_date(rv).is_some_and(|r| compare(c, Some(r.cmp(p))))
        }
        (Family::Bool, Val::Bool(b)) => parse_bool(rv) == Some(*b),
        (Family::Ip, Val::Ip(c)) => {
            let addr = rv.split('/').next().unwrap_or(rv);
            addr.trim().parse::<IpAddr>().is_ok_and(|a| c.contains(a))
        }
        (_, Val::Arn(p)) => p.matches(rv),
        _ => false,
    }
}

fn compare(c: Cmp, o: Option<std::cmp::Ordering>) -> bool {
    use std::cmp::Ordering::*;
    match (c, o) {
        (_, None) => false,
        (Cmp::Eq, Some(o)) => o == Equal,
        (Cmp::Lt, Some(o)) => o == Less,
        (Cmp::Le, Some(o)) => o != Greater,
        (Cmp::Gt, Some(o)) => o == Greater,
        (Cmp::Ge, Some(o)) => o != Less,
    }
}

fn parse_number(s: &str) -> Option<f64> {
    let f: f64 = s.trim().parse().ok()?;
    f.is_finite().then_some(f)
}

fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

/// Parses an ISO 8601 date/time (with or without zone; a bare date is midnight UTC) or epoch
/// seconds, to epoch milliseconds.
pub fn parse_date(s: &str) -> Option<i64> {
    use chrono::{DateTime, NaiveDate, NaiveDateTime};
    let s = s.trim();
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse::<i64>().ok()?.checked_mul(1000);
    }
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(d.timestamp_millis());
    }
    for f in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%dT%H:%M%z"] {
        if let Ok(d) = DateTime::parse_from_str(s, f) {
            return Some(d.timestamp_millis());
        }
    }
    let naive = s.strip_suffix('Z').unwrap_or(s);
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(d) = NaiveDateTime::parse_from_str(naive, f) {
            return Some(d.and_utc().timestamp_millis());
        }
    }
    NaiveDate::parse_from_str(naive, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc().timestamp_millis())
}

/// An IPv4 or IPv6 network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// `10.0.0.0/8`, `2001:db8::/32`, or a bare address (a /32 or /128).
    pub fn parse(s: &str) -> Option<Cidr> {
        let s = s.trim();
        let (a, p) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = a.parse().ok()?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match p {
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max)?,
            None => max,
        };
        Some(Cidr { addr, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = if self.prefix == 0 {
                    0
                } else {
                    u32::MAX << (32 - self.prefix)
                };
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = if self.prefix == 0 {
                    0
                } else {
                    u128::MAX << (128 - self.prefix)
                };
                u128::from(n) & mask == u128::from(a) & mask
            }
            (IpAddr::V4(_), IpAddr::V6(a)) => a
                .to_ipv4_mapped()
                .is_some_and(|a4| self.contains(IpAddr::V4(a4))),
            (IpAddr::V6(_), IpAddr::V4(_)) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clause(op: &str, key: &str, vals: &[&str]) -> Clause {
        let vals: Vec<String> = vals.iter().map(|s| s.to_string()).collect();
        Clause::compile(
            Operator::parse(op).expect("known operator"),
            key,
            &vals,
            true,
        )
        .expect("compiles")
    }

    fn ctx(pairs: &[(&str, &[&str])]) -> Context {
        let mut c = Context::new();
        for (k, v) in pairs {
            c.insert(k, v.iter().map(|s| s.to_string()).collect());
        }
        c
    }

    #[test]
    fn operator_names() {
        assert!(Operator::parse("ForAnyValue:StringLikeIfExists").is_some());
        assert!(Operator::parse("Null").is_some());
        assert!(Operator::parse("NullIfExists").is_none());
        assert!(Operator::parse("ForAllValues:Null").is_none());
        assert!(Operator::parse("StringEqualz").is_none());
        assert!(Operator::parse("stringequals").is_none());
    }

    #[test]
    fn negated_operators_are_true_when_the_key_is_missing() {
        let c = clause("StringNotEquals", "aws:PrincipalOrgID", &["o-123"]);
        let out = c.eval(&Context::new());
        assert!(out.value);
        assert_eq!(out.unknown, vec!["aws:PrincipalOrgID".to_string()]);
        assert!(
            !clause("StringEquals", "aws:PrincipalOrgID", &["o-123"])
                .eval(&Context::new())
                .value
        );
        assert!(
            clause("StringEqualsIfExists", "aws:PrincipalOrgID", &["o-123"])
                .eval(&Context::new())
                .value
        );
        assert!(
            clause("NotIpAddress", "aws:SourceIp", &["10.0.0.0/8"])
                .eval(&Context::new())
                .value
        );
    }

    #[test]
    fn for_all_values_is_true_when_the_key_is_missing_or_empty() {
        let c = clause("ForAllValues:StringEquals", "aws:TagKeys", &["a", "b"]);
        assert!(c.eval(&Context::new()).value);
        assert!(c.eval(&ctx(&[("aws:TagKeys", &[])])).value);
        assert!(c.eval(&ctx(&[("aws:TagKeys", &["a"])])).value);
        assert!(!c.eval(&ctx(&[("aws:TagKeys", &["a", "c"])])).value);
        let any = clause("ForAnyValue:StringEquals", "aws:TagKeys", &["a"]);
        assert!(!any.eval(&Context::new()).value);
        assert!(any.eval(&ctx(&[("aws:TagKeys", &["c", "a"])])).value);
        let none = clause("ForAllValues:StringNotEquals", "aws:TagKeys", &["x"]);
        assert!(none.eval(&ctx(&[("aws:TagKeys", &["a", "b"])])).value);
        assert!(!none.eval(&ctx(&[("aws:TagKeys", &["a", "x"])])).value);
        let anynot = clause("ForAnyValue:StringNotEquals", "aws:TagKeys", &["x"]);
        assert!(anynot.eval(&ctx(&[("aws:TagKeys", &["a", "x"])])).value);
        assert!(!anynot.eval(&ctx(&[("aws:TagKeys", &["x"])])).value);
    }

    #[test]
    fn key_names_are_case_insensitive_values_are_not() {
        let c = clause("StringEquals", "AWS:PrincipalTag/Team", &["Blue"]);
        assert!(c.eval(&ctx(&[("aws:principaltag/team", &["Blue"])])).value);
        assert!(!c.eval(&ctx(&[("aws:principaltag/team", &["blue"])])).value);
        assert!(
            clause("StringEqualsIgnoreCase", "k:k", &["Blue"])
                .eval(&ctx(&[("k:k", &["bLUE"])]))
                .value
        );
        assert!(
            clause("StringLike", "k:k", &["arn:*:x?"])
                .eval(&ctx(&[("k:k", &["arn:a:b:xy"])]))
                .value
        );
        assert!(
            !clause("StringEquals", "k:k", &["a*"])
                .eval(&ctx(&[("k:k", &["ab"])]))
                .value
        );
    }

    #[test]
    fn typed_operators() {
        assert!(
            clause("NumericLessThanEquals", "s:n", &["30"])
                .eval(&ctx(&[("s:n", &["30"])]))
                .value
        );
        assert!(
            !clause("NumericLessThan", "s:n", &["30"])
                .eval(&ctx(&[("s:n", &["30.5"])]))
                .value
        );
        assert!(
            clause("NumericNotEquals", "s:n", &["1", "2"])
                .eval(&ctx(&[("s:n", &["3"])]))
                .value
        );
        assert!(
            !clause("NumericNotEquals", "s:n", &["1", "2"])
                .eval(&ctx(&[("s:n", &["2"])]))
                .value
        );
        let d = clause("DateLessThan", "aws:CurrentTime", &["2026-01-01T00:00:00Z"]);
        assert!(
            d.eval(&ctx(&[("aws:CurrentTime", &["2025-12-31T23:59:59Z"])]))
                .value
        );
        assert!(!d.eval(&ctx(&[("aws:CurrentTime", &["2026-01-01"])])).value);
        assert!(
            clause("DateGreaterThan", "aws:EpochTime", &["2020-01-01"])
                .eval(&ctx(&[("aws:EpochTime", &["1700000000"])]))
                .value
        );
        assert!(
            clause("Bool", "aws:SecureTransport", &["false"])
                .eval(&ctx(&[("aws:SecureTransport", &["False"])]))
                .value
        );
        assert!(
            clause("IpAddress", "aws:SourceIp", &["203.0.113.0/24"])
                .eval(&ctx(&[("aws:SourceIp", &["203.0.113.9"])]))
                .value
        );
        assert!(
            !clause("IpAddress", "aws:SourceIp", &["203.0.113.0/24"])
                .eval(&ctx(&[("aws:SourceIp", &["203.0.114.9"])]))
                .value
        );
        assert!(
            clause("IpAddress", "aws:SourceIp", &["2001:db8::/32"])
                .eval(&ctx(&[("aws:SourceIp", &["2001:db8:1::1"])]))
                .value
        );
        assert!(
            !clause("IpAddress", "aws:SourceIp", &["2001:db8::/32"])
                .eval(&ctx(&[("aws:SourceIp", &["10.0.0.1"])]))
                .value
        );
        assert!(
            clause("BinaryEquals", "k:b", &["QmluYXJ5"])
                .eval(&ctx(&[("k:b", &["QmluYXJ5"])]))
                .value
        );
        assert!(
            clause("ArnLike", "aws:SourceArn", &["arn:aws:s3:::bucket-*"])
                .eval(&ctx(&[("aws:SourceArn", &["arn:aws:s3:::bucket-1"])]))
                .value
        );
        assert!(
            clause("ArnEquals", "aws:SourceArn", &["arn:aws:sns:*:1:t"])
                .eval(&ctx(&[("aws:SourceArn", &["arn:aws:sns:us-east-1:1:t"])]))
                .value
        );
        assert!(
            clause("ArnNotLike", "aws:PrincipalArn", &["arn:aws:iam::*:role/x"])
                .eval(&Context::new())
                .value
        );
    }

    #[test]
    fn null_operator() {
        let n = clause("Null", "aws:TokenIssueTime", &["true"]);
        assert!(n.eval(&Context::new()).value);
        assert!(!n.eval(&ctx(&[("aws:TokenIssueTime", &["x"])])).value);
        let nn = clause("Null", "aws:TokenIssueTime", &["false"]);
        assert!(nn.eval(&ctx(&[("aws:TokenIssueTime", &["x"])])).value);
        let mut c = Context::new();
        c.mark_absent("aws:TokenIssueTime");
        let out = n.eval(&c);
        assert!(
            out.value && out.unknown.is_empty(),
            "known absent is not unknown"
        );
    }

    #[test]
    fn variables_in_condition_values() {
        let c = clause("StringEquals", "s3:prefix", &["home/${aws:username}/"]);
        assert!(
            c.eval(&ctx(&[
                ("s3:prefix", &["home/bob/"]),
                ("aws:username", &["bob"])
            ]))
            .value
        );
        let out = c.eval(&ctx(&[("s3:prefix", &["home/bob/"])]));
        assert!(!out.value);
        assert_eq!(out.unknown, vec!["aws:username".to_string()]);
        let d = clause("StringEquals", "s3:prefix", &["${aws:username, 'anon'}"]);
        let mut absent = ctx(&[("s3:prefix", &["anon"])]);
        absent.mark_absent("aws:username");
        assert!(d.eval(&absent).value);
        let lit = Clause::compile(
            Operator::parse("StringEquals").unwrap(),
            "k:k",
            &["${aws:username}".into()],
            false,
        )
        .unwrap();
        assert!(
            lit.eval(&ctx(&[
                ("k:k", &["${aws:username}"]),
                ("aws:username", &["bob"])
            ]))
            .value,
            "2008-10-17: literal"
        );
        let star = clause("StringLike", "k:k", &["a${*}"]);
        assert!(star.eval(&ctx(&[("k:k", &["a*"])])).value);
        assert!(!star.eval(&ctx(&[("k:k", &["ab"])])).value);
    }

    #[test]
    fn compile_rejects_bad_typed_values() {
        let op = |s| Operator::parse(s).unwrap();
        assert!(Clause::compile(op("NumericEquals"), "k", &["ten".into()], true).is_err());
        assert!(Clause::compile(op("DateEquals"), "k", &["yesterday".into()], true).is_err());
        assert!(Clause::compile(op("IpAddress"), "k", &["10.0.0.0/33".into()], true).is_err());
        assert!(Clause::compile(op("Bool"), "k", &["yes".into()], true).is_err());
        assert!(Clause::compile(op("Null"), "k", &["maybe".into()], true).is_err());
    }
}
