//! Policy variables: `${aws:username}`, `${aws:PrincipalTag/team}`, `${*}`, `${?}`, `${$}` and
//! default values `${aws:username, 'anonymous'}`.
//!
//! https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html :
//! variables are replaced only in policies whose `Version` is `2012-10-17` (otherwise the text is
//! literal), in the `Resource` element and in string and ARN condition values. "If there is no
//! value for the key … the policy element is invalid" unless a default is given: an invalid
//! element matches nothing. The special forms stand for a literal `*`, `?` and `$`. Key names are
//! case-insensitive. Multivalued keys cannot be used as variables.

use super::matching::Piece;
use super::request::{Context, Lookup};

/// A reference to a context key inside a value.
#[derive(Debug, Clone, PartialEq)]
pub struct VarRef {
    /// The key as written (for messages).
    pub key: String,
    /// The key lowercased (for lookups).
    pub key_lc: String,
    /// The default value, `${key, 'default'}`.
    pub default: Option<String>,
}

/// Splits a value of a 2012-10-17 policy into text, literal and variable pieces. Text that
/// is not a well-formed variable (no closing brace, empty name) stays text.
pub fn parse_pieces(s: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut text = String::new();
    let mut rest = s;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else { break };
        let inner = &after[..end];
        let piece = match inner {
            "*" => Some(Piece::Escaped("*".into())),
            "?" => Some(Piece::Escaped("?".into())),
            "$" => Some(Piece::Escaped("$".into())),
            _ => parse_var(inner).map(Piece::Var),
        };
        text.push_str(&rest[..start]);
        match piece {
            Some(p) => {
                if !text.is_empty() {
                    out.push(Piece::Text(std::mem::take(&mut text)));
                }
                out.push(p);
            }
            None => text.push_str(&rest[start..start + 2 + end + 1]),
        }
        rest = &after[end + 1..];
    }
    text.push_str(rest);
    if !text.is_empty() || out.is_empty() {
        out.push(Piece::Text(text));
    }
    out
}

fn parse_var(inner: &str) -> Option<VarRef> {
    let (key, default) = match inner.split_once(',') {
        Some((k, d)) => {
            let d = d.trim();
            let d = d.strip_prefix('\'')?.strip_suffix('\'')?;
            (k.trim(), Some(d.to_string()))
        }
        None => (inner.trim(), None),
    };
    if key.is_empty() || key.contains(['$', '{', '\'']) {
        return None;
    }
    Some(VarRef {
        key: key.to_string(),
        key_lc: key.to_lowercase(),
        default,
    })
}

/// The outcome of resolving one variable against a request context.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolved {
    Value(String),
    /// No usable value; `unknown` names the key when the context does not say whether it is
    /// present (so the caller can report the match as conditional on it).
    Invalid {
        unknown: Option<String>,
    },
}

pub fn resolve(v: &VarRef, ctx: &Context) -> Resolved {
    match ctx.lookup(&v.key_lc) {
        Lookup::Present(vals) if vals.len() == 1 => Resolved::Value(vals[0].clone()),
        Lookup::Present([]) => match &v.default {
            Some(d) => Resolved::Value(d.clone()),
            None => Resolved::Invalid { unknown: None },
        },
        Lookup::Present(_) => Resolved::Invalid { unknown: None },
        Lookup::Absent => match &v.default {
            Some(d) => Resolved::Value(d.clone()),
            None => Resolved::Invalid { unknown: None },
        },
        Lookup::Unknown => match &v.default {
            // With a default the element is valid either way, but its value depends on the key.
            Some(_) | None => Resolved::Invalid {
                unknown: Some(v.key.clone()),
            },
        },
    }
}

/// Resolves, falling back to the default when the key is unknown: used to compute the
/// decision for the request as given (an unknown key is absent from this request).
pub fn resolve_as_absent(v: &VarRef, ctx: &Context) -> (Option<String>, Option<String>) {
    match resolve(v, ctx) {
        Resolved::Value(s) => (Some(s), None),
        Resolved::Invalid { unknown: Some(k) } => (v.default.clone(), Some(k)),
        Resolved::Invalid { unknown: None } => (None, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_variables_specials_and_defaults() {
        let p = parse_pieces("arn:aws:s3:::b/${aws:username}/*");
        assert_eq!(p.len(), 3);
        assert!(
            matches!(&p[1], Piece::Var(v) if v.key_lc == "aws:username" && v.default.is_none())
        );
        let p = parse_pieces("${aws:username, 'anon'}");
        assert!(matches!(&p[0], Piece::Var(v) if v.default.as_deref() == Some("anon")));
        let p = parse_pieces("a${*}b${?}${$}");
        assert_eq!(
            p,
            vec![
                Piece::Text("a".into()),
                Piece::Escaped("*".into()),
                Piece::Text("b".into()),
                Piece::Escaped("?".into()),
                Piece::Escaped("$".into())
            ]
        );
        assert_eq!(
            parse_pieces("${unclosed"),
            vec![Piece::Text("${unclosed".into())]
        );
        assert_eq!(parse_pieces(""), vec![Piece::Text(String::new())]);
        assert_eq!(parse_pieces("${}x"), vec![Piece::Text("${}x".into())]);
    }
}
