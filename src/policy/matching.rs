//! Glob matching for actions, resources, `StringLike` and ARN condition values.
//!
//! One compiled form, [`Glob`], serves all of them: a list of tokens (literal runs, `?`, `*`,
//! and — for `Resource` patterns with policy variables — unresolved variables). Matching is a
//! memoised backtracking search, `O(tokens × text)` in the worst case and a plain comparison
//! or prefix test in the common cases (no wildcard, a lone trailing `*`).
//!
//! ARN rules (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html,
//! "Using wildcards in resource ARNs"): `*` and `?` may be used within any segment; "if the `*`
//! wildcard is the last character of a resource ARN segment, it can expand to match beyond the
//! colon boundaries". Everything after the fifth colon is the resource part (for a secret,
//! `secret:NAME-AbCdEf`, which itself holds a colon) and is one segment. `ArnLike`/`ArnEquals`
//! instead compare "each of the six colon-delimited components separately"
//! (reference_policies_elements_condition_operators.html, "Amazon Resource Name (ARN) condition
//! operators").

use super::variables::VarRef;

/// One token of a compiled glob.
#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    /// A literal run of characters.
    Lit(Vec<char>),
    /// `?`: exactly one character; `cross` says whether it may be a `:`.
    One { cross: bool },
    /// `*`: any run of characters; `cross` says whether the run may contain a `:`.
    Star { cross: bool },
    /// An unresolved policy variable (resource patterns of 2012-10-17 policies only). Resolved
    /// to a literal before matching.
    Var(VarRef),
}

/// A compiled glob. Build with [`Glob::plain`] (actions, `StringLike`), [`Glob::literal`]
/// (an exact string) or [`Glob::arn_resource`] (the `Resource` element).
#[derive(Debug, Clone, PartialEq)]
pub struct Glob {
    toks: Vec<Tok>,
    shape: Shape,
}

#[derive(Debug, Clone, PartialEq)]
enum Shape {
    /// Matches everything.
    Any,
    /// No wildcard: equality with this string.
    Exact(String),
    /// `prefix*` with a crossing star: a prefix test.
    Prefix(String),
    /// Anything else.
    General,
}

impl Glob {
    /// `*` and `?` anywhere, crossing every character (actions, `StringLike`, one ARN segment).
    /// With `lowercase`, the pattern is lowercased (match it against lowercased text).
    pub fn plain(pattern: &str, lowercase: bool) -> Glob {
        let p = if lowercase {
            pattern.to_lowercase()
        } else {
            pattern.to_string()
        };
        let mut toks = Vec::new();
        for c in p.chars() {
            match c {
                '*' => toks.push(Tok::Star { cross: true }),
                '?' => toks.push(Tok::One { cross: true }),
                c => push_char(&mut toks, c),
            }
        }
        Glob::from_toks(toks)
    }

    /// Like [`Glob::plain`] over pieces: `Text` pieces hold wildcards, `Escaped` pieces are
    /// literal, variables stay unresolved (`StringLike` values of 2012-10-17 policies).
    pub fn plain_pieces(pieces: &[Piece]) -> Glob {
        let mut toks = Vec::new();
        for p in pieces {
            match p {
                Piece::Text(s) => {
                    for c in s.chars() {
                        match c {
                            '*' => toks.push(Tok::Star { cross: true }),
                            '?' => toks.push(Tok::One { cross: true }),
                            c => push_char(&mut toks, c),
                        }
                    }
                }
                Piece::Escaped(s) => s.chars().for_each(|c| push_char(&mut toks, c)),
                Piece::Var(v) => toks.push(Tok::Var(v.clone())),
            }
        }
        Glob::from_toks(toks)
    }

    /// An exact string, no wildcard.
    pub fn literal(s: &str) -> Glob {
        Glob::from_toks(if s.is_empty() {
            Vec::new()
        } else {
            vec![Tok::Lit(s.chars().collect())]
        })
    }

    /// A `Resource`/`NotResource` pattern. `toks_in` are the pattern's pieces after variable
    /// parsing (text pieces hold raw pattern text in which `*`/`?` are wildcards; `Escaped` pieces
    /// are literal; variables stay unresolved).
    pub fn arn_resource(pieces: &[Piece]) -> Glob {
        // Flatten to (char, is_wild) / var items first, to know segment positions.
        let mut items: Vec<Item> = Vec::new();
        for p in pieces {
            match p {
                Piece::Text(s) => items.extend(s.chars().map(Item::Raw)),
                Piece::Escaped(s) => items.extend(s.chars().map(Item::Lit)),
                Piece::Var(v) => items.push(Item::Var(v.clone())),
            }
        }
        let mut toks = Vec::new();
        let mut colons = 0usize;
        for (i, it) in items.iter().enumerate() {
            let in_resource_part = colons >= 5;
            match it {
                Item::Raw('*') => {
                    let last_of_segment = matches!(
                        items.get(i + 1),
                        None | Some(Item::Raw(':')) | Some(Item::Lit(':'))
                    );
                    toks.push(Tok::Star {
                        cross: in_resource_part || last_of_segment,
                    });
                }
                Item::Raw('?') => toks.push(Tok::One {
                    cross: in_resource_part,
                }),
                Item::Raw(c) | Item::Lit(c) => {
                    if *c == ':' {
                        colons += 1;
                    }
                    push_char(&mut toks, *c)
                }
                Item::Var(v) => toks.push(Tok::Var(v.clone())),
            }
        }
        Glob::from_toks(toks)
    }

    fn from_toks(toks: Vec<Tok>) -> Glob {
        let shape = match toks.as_slice() {
            [Tok::Star { cross: true }] => Shape::Any,
            [] => Shape::Exact(String::new()),
            [Tok::Lit(l)] => Shape::Exact(l.iter().collect()),
            [Tok::Lit(l), Tok::Star { cross: true }] => Shape::Prefix(l.iter().collect()),
            _ => Shape::General,
        };
        Glob { toks, shape }
    }

    /// Whether the glob matches every text (a lone crossing `*`).
    pub fn is_any(&self) -> bool {
        self.shape == Shape::Any
    }

    /// The literal text every match starts with (empty when the pattern starts with a
    /// wildcard or a variable).
    pub fn leading_literal(&self) -> String {
        match self.toks.first() {
            Some(Tok::Lit(l)) => l.iter().collect(),
            _ => String::new(),
        }
    }

    /// Whether the pattern holds unresolved policy variables.
    pub fn has_vars(&self) -> bool {
        self.toks.iter().any(|t| matches!(t, Tok::Var(_)))
    }

    /// The variables the pattern references.
    pub fn vars(&self) -> impl Iterator<Item = &VarRef> {
        self.toks
            .iter()
            .filter_map(|t| if let Tok::Var(v) = t { Some(v) } else { None })
    }

    /// Replaces every variable with the literal `resolve` returns for it; `None` from `resolve`
    /// makes the whole pattern invalid (it then matches nothing, as AWS documents).
    pub fn resolve(&self, mut resolve: impl FnMut(&VarRef) -> Option<String>) -> Option<Glob> {
        let mut toks = Vec::with_capacity(self.toks.len());
        for t in &self.toks {
            match t {
                Tok::Var(v) => {
                    let s = resolve(v)?;
                    for c in s.chars() {
                        push_char(&mut toks, c);
                    }
                }
                t => toks.push(t.clone()),
            }
        }
        Some(Glob::from_toks(toks))
    }

    /// Whether the glob matches the whole of `text`. Unresolved variables never match.
    pub fn matches(&self, text: &str) -> bool {
        match &self.shape {
            Shape::Any => true,
            Shape::Exact(s) => s == text,
            Shape::Prefix(p) => text.starts_with(p.as_str()),
            Shape::General => {
                if self.has_vars() {
                    return false;
                }
                let chars: Vec<char> = text.chars().collect();
                let mut failed = vec![false; (self.toks.len() + 1) * (chars.len() + 1)];
                match_from(&self.toks, 0, &chars, 0, &mut failed)
            }
        }
    }
}

/// A piece of a pattern after policy-variable parsing.
#[derive(Debug, Clone, PartialEq)]
pub enum Piece {
    /// Pattern text: `*` and `?` are wildcards.
    Text(String),
    /// Literal text (from `${*}`, `${?}`, `${$}`).
    Escaped(String),
    /// A policy variable.
    Var(VarRef),
}

enum Item {
    Raw(char),
    Lit(char),
    Var(VarRef),
}

fn push_char(toks: &mut Vec<Tok>, c: char) {
    if let Some(Tok::Lit(l)) = toks.last_mut() {
        l.push(c);
    } else {
        toks.push(Tok::Lit(vec![c]));
    }
}

fn match_from(toks: &[Tok], ti: usize, text: &[char], pos: usize, failed: &mut [bool]) -> bool {
    if ti == toks.len() {
        return pos == text.len();
    }
    let memo = ti * (text.len() + 1) + pos;
    if failed[memo] {
        return false;
    }
    let ok = match &toks[ti] {
        Tok::Lit(l) => {
            text[pos..].starts_with(l) && match_from(toks, ti + 1, text, pos + l.len(), failed)
        }
        Tok::One { cross } => {
            pos < text.len()
                && (*cross || text[pos] != ':')
                && match_from(toks, ti + 1, text, pos + 1, failed)
        }
        Tok::Star { cross } => {
            let mut p = pos;
            loop {
                if match_from(toks, ti + 1, text, p, failed) {
                    break true;
                }
                if p == text.len() || (!cross && text[p] == ':') {
                    break false;
                }
                p += 1;
            }
        }
        Tok::Var(_) => false,
    };
    if !ok {
        failed[memo] = true;
    }
    ok
}

/// An `ArnEquals`/`ArnLike` pattern: six colon-delimited segments, each a glob.
#[derive(Debug, Clone, PartialEq)]
pub struct ArnPattern {
    any: bool,
    segments: Vec<Glob>,
}

impl ArnPattern {
    pub fn new(pattern: &str) -> ArnPattern {
        if pattern == "*" {
            return ArnPattern {
                any: true,
                segments: Vec::new(),
            };
        }
        ArnPattern {
            any: false,
            segments: pattern
                .splitn(6, ':')
                .map(|s| Glob::plain(s, false))
                .collect(),
        }
    }

    /// Each of the six segments is matched separately; a value that is not a six-segment ARN
    /// does not match (unless the pattern is a lone `*`).
    pub fn matches(&self, value: &str) -> bool {
        if self.any {
            return true;
        }
        let parts: Vec<&str> = value.splitn(6, ':').collect();
        parts.len() == 6
            && self.segments.len() == 6
            && self.segments.iter().zip(&parts).all(|(g, p)| g.matches(p))
    }
}

/// Splits an ARN into its six segments (`arn`, partition, service, region, account, resource);
/// `None` when it has fewer than six.
pub fn arn_segments(arn: &str) -> Option<[&str; 6]> {
    let mut it = arn.splitn(6, ':');
    let a = [
        it.next()?,
        it.next()?,
        it.next()?,
        it.next()?,
        it.next()?,
        it.next()?,
    ];
    (a[0] == "arn").then_some(a)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn res(p: &str) -> Glob {
        Glob::arn_resource(&[Piece::Text(p.to_string())])
    }

    #[test]
    fn plain_globs() {
        assert!(Glob::plain("secretsmanager:Get*", true).matches("secretsmanager:getsecretvalue"));
        assert!(Glob::plain("*", true).matches("anything:at:all"));
        assert!(Glob::plain("s?:x", false).matches("s3:x"));
        assert!(!Glob::plain("s?:x", false).matches("s33:x"));
        assert!(Glob::plain("a*b*c", false).matches("a--b--b--c"));
        assert!(!Glob::plain("a*b*c", false).matches("a--b--b--"));
        assert!(Glob::plain("", false).matches(""));
    }

    #[test]
    fn secret_suffix_wildcards() {
        let g = res("arn:aws:secretsmanager:us-west-2:123456789012:secret:prod/db-??????");
        assert!(g.matches("arn:aws:secretsmanager:us-west-2:123456789012:secret:prod/db-AbCdEf"));
        assert!(
            !g.matches("arn:aws:secretsmanager:us-west-2:123456789012:secret:prod/db-admin-AbCdEf")
        );
        let star = res("arn:aws:secretsmanager:us-west-2:123456789012:secret:prod/db-*");
        assert!(
            star.matches(
                "arn:aws:secretsmanager:us-west-2:123456789012:secret:prod/db-admin-AbCdEf"
            )
        );
    }

    #[test]
    fn resource_star_in_a_segment_does_not_cross_colons_unless_last() {
        // `*` in the middle of the region segment cannot swallow the account.
        let g = res("arn:aws:secretsmanager:us-*-1:123456789012:secret:x");
        assert!(g.matches("arn:aws:secretsmanager:us-east-1:123456789012:secret:x"));
        assert!(!g.matches("arn:aws:secretsmanager:us-east:9-1:123456789012:secret:x"));
        // A `*` that ends a segment expands beyond the colon.
        assert!(
            res("arn:aws:secretsmanager:*")
                .matches("arn:aws:secretsmanager:us-east-1:1:secret:x-AbCdEf")
        );
        assert!(
            res("arn:aws:secretsmanager:*:*:secret:*")
                .matches("arn:aws:secretsmanager:eu-west-1:9:secret:a/b-c")
        );
        // ARNs are case-sensitive.
        assert!(
            !res("arn:aws:secretsmanager:*:*:secret:Prod*")
                .matches("arn:aws:secretsmanager:r:1:secret:prod-x")
        );
    }

    #[test]
    fn arn_like_segments() {
        let p = ArnPattern::new("arn:aws:iam::*:role/admin-*");
        assert!(p.matches("arn:aws:iam::123456789012:role/admin-x"));
        assert!(!p.matches("arn:aws:iam::123456789012:user/admin-x"));
        assert!(!p.matches("not-an-arn"));
        assert!(
            ArnPattern::new("arn:aws:sts::1:assumed-role/r/*")
                .matches("arn:aws:sts::1:assumed-role/r/s")
        );
        assert!(ArnPattern::new("*").matches("whatever"));
    }
}
