//! The rule set: data in `src/scan/rules/*.toml` (one file per provider family, embedded by
//! build.rs; the format is documented in `src/scan/rules/README.md`), parsed then validated into
//! compiled rules.

use serde::Deserialize;

use crate::vocab::Severity;

include!(concat!(env!("OUT_DIR"), "/scan_rules.rs"));

/// What kind of credential a rule finds (a report type: findings carry it).
pub use crate::report::scan::RuleCategory as Category;

/// A checksum a token format carries (see `src/scan/rules/README.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checksum {
    /// Last 6 characters: base62 CRC32 of the random part after the `prefix_` (GitHub, npm).
    GithubCrc32,
    /// rules-keys-encoded: bech32 (BIP 173) checksum of an age identity (`AGE-SECRET-KEY-1…`).
    AgeBech32,
}

impl Checksum {
    fn parse(s: &str) -> Option<Checksum> {
        Some(match s {
            "github-crc32" => Checksum::GithubCrc32,
            "age-bech32" => Checksum::AgeBech32,
            _ => return None,
        })
    }
}

/// Named validators that need more than a regex (see `src/scan/rules/README.md`).
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
    // rules-saas
    /// `discord-id`: the first part of a Discord bot token decodes to a numeric user id.
    DiscordId,
    // rules-keys-encoded: validators of keys/hashes/encoded/jwt.toml (validate/mod.rs, `keys_encoded_check`).
    PemBlock,
    PuttyBlock,
    Base64Pem,
    JwkPrivate,
    UserPassBase64,
    PasswordBase64,
    Netrc,
    KubeUser,
    ConnString,
    DocPassword,
    Jose,
    HashDoc,
    // rules-generic: natural-language, non-ASCII and keyword values (see validate/text.rs `looks_like_words`).
    Words,
    // rules-generic: entropy >= 2.5, or >= 2.0 with three character classes (validate/tokens.rs `is_varied`).
    Varied,
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
            // rules-saas
            "discord-id" => Check::DiscordId,
            // rules-keys-encoded
            "pem-block" => Check::PemBlock,
            "putty-block" => Check::PuttyBlock,
            "base64-pem" => Check::Base64Pem,
            "jwk-private" => Check::JwkPrivate,
            "userpass-base64" => Check::UserPassBase64,
            "password-base64" => Check::PasswordBase64,
            "netrc" => Check::Netrc,
            "kube-user" => Check::KubeUser,
            "conn-string" => Check::ConnString,
            "doc-password" => Check::DocPassword,
            "jose" => Check::Jose,
            "hash-doc" => Check::HashDoc,
            // rules-generic
            "words" => Check::Words,
            "varied" => Check::Varied,
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
    category: String,
    keywords: Vec<String>,
    regex: String,
    entropy: Option<f64>,
    min_len: Option<usize>,
    #[serde(default)]
    allow: Vec<String>,
    #[serde(default)]
    checks: Vec<String>,
    checksum: Option<String>,
    #[serde(default)]
    examples: Vec<String>,
    #[serde(default)]
    negatives: Vec<String>,
}

/// A validated, compiled rule.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub description: String,
    pub severity: Severity,
    pub category: Category,
    pub keywords: Vec<String>,
    pub regex: regex::bytes::Regex,
    pub entropy: Option<f64>,
    pub min_len: usize,
    pub allow: Vec<regex::Regex>,
    pub checks: Vec<Check>,
    pub checksum: Option<Checksum>,
    /// Snippets the rule must report in, and near-misses it must not (run by a unit test).
    pub examples: Vec<String>,
    pub negatives: Vec<String>,
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

/// Parses and validates one rule file.
pub fn parse(text: &str) -> Result<Vec<Rule>, RuleError> {
    let mut out = Vec::new();
    parse_into(text, "rules", &mut out)?;
    Ok(out)
}

/// Parses and validates several rule files (name, text) into one rule set; ids are unique
/// across files and errors name the file.
pub fn parse_files(files: &[(&str, &str)]) -> Result<Vec<Rule>, RuleError> {
    let mut out = Vec::new();
    for (name, text) in files {
        parse_into(text, name, &mut out)?;
    }
    Ok(out)
}

fn parse_into(text: &str, file_name: &str, out: &mut Vec<Rule>) -> Result<(), RuleError> {
    let file: RuleFile =
        toml::from_str(text).map_err(|e| RuleError(format!("{file_name}: {e}")))?;
    for raw in file.rule {
        let id = raw.id.clone();
        let err = |field: &str, msg: String| {
            RuleError(format!("{file_name}: rule {id:?}, {field}: {msg}"))
        };
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
        let category = Category::parse(&raw.category)
            .ok_or_else(|| err("category", format!("unknown category {:?}", raw.category)))?;
        let checksum = match &raw.checksum {
            None => None,
            Some(c) => Some(
                Checksum::parse(c)
                    .ok_or_else(|| err("checksum", format!("unknown checksum {c:?}")))?,
            ),
        };
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
            category,
            keywords: raw.keywords,
            regex,
            entropy: raw.entropy,
            min_len: raw.min_len.unwrap_or(0),
            allow,
            checks,
            checksum,
            examples: raw.examples,
            negatives: raw.negatives,
            multiline,
        });
    }
    Ok(())
}

/// The built-in rules.
pub fn builtin() -> Vec<Rule> {
    parse_files(RULE_FILES).expect("the embedded rule files are validated by a unit test")
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
        let e =
            parse_files(&[("a.toml", RULE_FILES[0].1), ("b.toml", RULE_FILES[0].1)]).unwrap_err();
        assert!(
            e.to_string().contains("b.toml") && e.to_string().contains("duplicate id"),
            "{e}"
        );
    }

    /// Every built-in rule carries examples it must report in and negatives it must not, run
    /// through the whole rule set (so a generic rule's suppression or another rule's filter
    /// shows up here too).
    #[test]
    fn every_rule_fires_on_its_examples_and_not_on_its_negatives() {
        let engine = super::super::Engine::new(builtin());
        let mut failures = Vec::new();
        for (ri, r) in engine.rules().iter().enumerate() {
            if r.examples.is_empty() || r.negatives.is_empty() {
                failures.push(format!(
                    "{}: needs at least one example and one negative",
                    r.id
                ));
            }
            for ex in &r.examples {
                if !engine.scan(ex.as_bytes()).iter().any(|h| h.rule == ri) {
                    failures.push(format!("{}: example not reported: {ex:?}", r.id));
                }
            }
            for neg in &r.negatives {
                if engine.scan(neg.as_bytes()).iter().any(|h| h.rule == ri) {
                    failures.push(format!("{}: negative reported: {neg:?}", r.id));
                }
            }
        }
        assert!(
            failures.is_empty(),
            "{} failures:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }

    #[test]
    fn rule_files_are_named_by_family_and_every_category_parses() {
        for (name, _) in RULE_FILES {
            assert!(name.ends_with(".toml"), "{name}");
        }
        for c in Category::ALL {
            assert_eq!(Category::parse(c.as_str()), Some(c));
        }
        let e = parse(
            "[[rule]]\nid='x'\ndescription='d'\nseverity='low'\ncategory='nope'\nkeywords=['abc']\nregex='a'\n",
        )
        .unwrap_err();
        assert!(e.to_string().contains("category"), "{e}");
    }

    #[test]
    fn bad_rules_are_rejected_with_the_rule_named() {
        let e = parse(
            "[[rule]]\nid='x'\ndescription='d'\nseverity='nope'\ncategory='aws'\nkeywords=['abc']\nregex='a'\n",
        )
        .unwrap_err();
        assert!(e.to_string().contains("\"x\""), "{e}");
        let e = parse(
            "[[rule]]\nid='x'\ndescription='d'\nseverity='low'\ncategory='aws'\nkeywords=['abc']\nregex='('\n",
        )
        .unwrap_err();
        assert!(e.to_string().contains("regex"), "{e}");
    }
}
