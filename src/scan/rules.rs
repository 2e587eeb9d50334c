//! The rule set: data in `rules.toml` (embedded), parsed then validated into compiled rules.

use serde::Deserialize;

use crate::vocab::Severity;

/// The built-in rule file.
pub const RULES_TOML: &str = include_str!("rules.toml");

/// Named validators that need more than a regex (see the header of `rules.toml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    Placeholder,
    Identifier,
    Assignee,
    Pem,
    Putty,
    Jwt,
    UrlPassword,
    AwsSecret,
    CharMix,
}

impl Check {
    fn parse(s: &str) -> Option<Check> {
        Some(match s {
            "placeholder" => Check::Placeholder,
            "identifier" => Check::Identifier,
            "assignee" => Check::Assignee,
            "pem" => Check::Pem,
            "putty" => Check::Putty,
            "jwt" => Check::Jwt,
            "url-password" => Check::UrlPassword,
            "aws-secret" => Check::AwsSecret,
            "charmix" => Check::CharMix,
            _ => return None,
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    rule: Vec<RawRule>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: String,
    description: String,
    severity: String,
    keywords: Vec<String>,
    regex: String,
    entropy: Option<f64>,
    min_len: Option<usize>,
    #[serde(default)]
    allow: Vec<String>,
    #[serde(default)]
    checks: Vec<String>,
}

/// A validated, compiled rule.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub description: String,
    pub severity: Severity,
    pub keywords: Vec<String>,
    pub regex: regex::bytes::Regex,
    pub entropy: Option<f64>,
    pub min_len: usize,
    pub allow: Vec<regex::Regex>,
    pub checks: Vec<Check>,
    /// Rules whose match spans lines (PEM, PuTTY) get a forward window instead of one line.
    pub multiline: bool,
}

impl Rule {
    pub fn has(&self, c: Check) -> bool {
        self.checks.contains(&c)
    }
}

/// A rule file that does not parse or validate; the message names the rule and the field.
#[derive(Debug, thiserror::Error)]
#[error("invalid scan rules: {0}")]
pub struct RuleError(pub String);

/// Parses and validates a rule file.
pub fn parse(text: &str) -> Result<Vec<Rule>, RuleError> {
    let file: RuleFile = toml::from_str(text).map_err(|e| RuleError(e.to_string()))?;
    let mut out: Vec<Rule> = Vec::with_capacity(file.rule.len());
    for raw in file.rule {
        let id = raw.id.clone();
        let err = |field: &str, msg: String| RuleError(format!("rule {id:?}, {field}: {msg}"));
        if id.is_empty()
            || !id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(err("id", "use lowercase kebab-case".into()));
        }
        if out.iter().any(|r| r.id == id) {
            return Err(err("id", "duplicate id".into()));
        }
        let severity = Severity::parse(&raw.severity)
            .ok_or_else(|| err("severity", format!("unknown severity {:?}", raw.severity)))?;
        if raw.keywords.is_empty() || raw.keywords.iter().any(|k| k.len() < 3) {
            return Err(err(
                "keywords",
                "need at least one keyword of 3+ characters".into(),
            ));
        }
        let regex = regex::bytes::RegexBuilder::new(&raw.regex)
            .size_limit(32 << 20)
            .build()
            .map_err(|e| err("regex", e.to_string()))?;
        let mut allow = Vec::new();
        for a in &raw.allow {
            allow.push(regex::Regex::new(a).map_err(|e| err("allow", e.to_string()))?);
        }
        let mut checks = Vec::new();
        for c in &raw.checks {
            checks.push(
                Check::parse(c).ok_or_else(|| err("checks", format!("unknown check {c:?}")))?,
            );
        }
        let multiline = checks.contains(&Check::Pem) || checks.contains(&Check::Putty);
        out.push(Rule {
            id: raw.id,
            description: raw.description,
            severity,
            keywords: raw.keywords,
            regex,
            entropy: raw.entropy,
            min_len: raw.min_len.unwrap_or(0),
            allow,
            checks,
            multiline,
        });
    }
    Ok(out)
}

/// The built-in rules.
pub fn builtin() -> Vec<Rule> {
    parse(RULES_TOML).expect("the embedded rules.toml is validated by a unit test")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_rules_parse_and_ids_are_unique() {
        let rules = builtin();
        assert!(rules.len() >= 15);
        for r in &rules {
            assert!(!r.description.is_empty());
        }
    }

    #[test]
    fn bad_rules_are_rejected_with_the_rule_named() {
        let e = parse(
            "[[rule]]\nid='x'\ndescription='d'\nseverity='nope'\nkeywords=['abc']\nregex='a'\n",
        )
        .unwrap_err();
        assert!(e.to_string().contains("\"x\""), "{e}");
        let e = parse(
            "[[rule]]\nid='x'\ndescription='d'\nseverity='low'\nkeywords=['abc']\nregex='('\n",
        )
        .unwrap_err();
        assert!(e.to_string().contains("regex"), "{e}");
    }
}
