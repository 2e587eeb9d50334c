//! Credentials in configuration: the key/value layer that the credentials-outside-Secrets-Manager
//! collection (issue 14: Lambda and ECS environments, CodeBuild variables, CloudFormation outputs
//! and parameters, SSM `String` parameters) runs in memory, and the free-text form for user data
//! and definitions.
//!
//! A pair is judged twice: the scan rules run over `NAME=value` (a token with a known shape is
//! found whatever the name), and a name layer reports a value held by a secret-suggesting name
//! (`*_PASSWORD`, `*_SECRET`, `*_TOKEN`, `API_KEY` …) when the value is credential-shaped: not a
//! reference to a secret, not a placeholder, flag, number, path or URL, and long and varied
//! enough. Nothing here keeps a value: a hit carries the rule, a fingerprint and the redacted
//! preview `scan` uses.

use std::collections::HashSet;

use super::engine::Engine;
use super::rules::Category;
use super::validate::{char_mix, is_placeholder, looks_like_code, shannon_entropy};
use crate::vocab::Severity;

/// Longest value judged (a Lambda environment holds 4 KB in all; CloudFormation outputs and
/// SSM standard parameters 4 KB, advanced parameters 8 KB). Longer values are skipped with a reason.
pub const MAX_VALUE: usize = 8 * 1024;
/// Longest free text judged (user data is at most 16 KB encoded; definitions 1 MB).
pub const MAX_TEXT: usize = 1024 * 1024;
/// The rule id of the name layer's hits.
pub const NAMED_SECRET_RULE: &str = "config-named-secret";

/// One credential found in configuration. Never the value: see the module docs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigHit {
    /// Where: the variable, output or parameter name, or `line N` in free text.
    pub location: String,
    pub rule_id: String,
    pub category: Category,
    pub severity: Severity,
    /// As in `scan`: first 16 hex of SHA-256(rule id, NUL, secret).
    pub fingerprint: String,
    pub preview: String,
    /// An AWS access key id (not a secret), for linking to the account's IAM keys.
    pub key_id: Option<String>,
}

/// Why a value or text was not judged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigSkip {
    #[error("{location}: value of {len} bytes is over the {max}-byte limit; not scanned")]
    TooLong {
        location: String,
        len: usize,
        max: usize,
    },
}

/// Judges configuration against the scan rules and the name layer.
pub struct ConfigScanner<'a> {
    engine: &'a Engine,
    /// Names and ARNs of the account's secrets: a variable holding one refers to a secret.
    secret_refs: HashSet<String>,
}

impl<'a> ConfigScanner<'a> {
    pub fn new(engine: &'a Engine) -> ConfigScanner<'a> {
        ConfigScanner {
            engine,
            secret_refs: HashSet::new(),
        }
    }

    /// Adds the names and ARNs of known secrets (values equal to one are references).
    pub fn with_secret_refs<I: IntoIterator<Item = String>>(mut self, refs: I) -> Self {
        self.secret_refs.extend(refs);
        self
    }

    /// A name/value pair (an environment variable, an output, a parameter).
    pub fn pair(&self, name: &str, value: &str) -> Result<Vec<ConfigHit>, ConfigSkip> {
        let value = value.trim();
        if value.len() > MAX_VALUE {
            return Err(ConfigSkip::TooLong {
                location: bounded(name),
                len: value.len(),
                max: MAX_VALUE,
            });
        }
        if value.is_empty() || self.is_reference(value) {
            return Ok(Vec::new());
        }
        let location = bounded(name);
        let line = format!("{name}={value}");
        // Generic rules guess from the name too; for a pair the name layer below decides.
        let mut out = self.engine_hits(line.as_bytes(), |_| location.clone());
        out.retain(|h| h.category != Category::Generic);
        if out.is_empty() && name_suggests_secret(name) && value_is_credential_shaped(value) {
            out.push(hit(
                location,
                NAMED_SECRET_RULE,
                Category::Generic,
                Severity::High,
                value,
                None,
            ));
        }
        Ok(out)
    }

    /// Free text (decoded user data, a definition, a template): locations are `line N`.
    pub fn text(&self, location: &str, text: &str) -> Result<Vec<ConfigHit>, ConfigSkip> {
        if text.len() > MAX_TEXT {
            return Err(ConfigSkip::TooLong {
                location: bounded(location),
                len: text.len(),
                max: MAX_TEXT,
            });
        }
        Ok(self.engine_hits(text.as_bytes(), |line| format!("line {line}")))
    }

    fn engine_hits(&self, data: &[u8], location: impl Fn(usize) -> String) -> Vec<ConfigHit> {
        let rules = self.engine.rules();
        self.engine
            .scan(data)
            .into_iter()
            .filter(|h| !self.is_reference(&h.secret))
            .map(|h| {
                let r = &rules[h.rule];
                let key_id = (r.id == "aws-access-key-id").then(|| h.secret.clone());
                hit(
                    location(h.line),
                    &r.id,
                    r.category,
                    r.severity,
                    &h.secret,
                    key_id,
                )
            })
            .collect()
    }

    /// A reference to a secret rather than a secret: Secrets Manager and SSM ARNs, CloudFormation
    /// dynamic references, and the name or ARN of one of the account's secrets.
    fn is_reference(&self, value: &str) -> bool {
        let v = value.trim_matches(|c| c == '"' || c == '\'');
        v.starts_with("arn:aws:secretsmanager:")
            || v.starts_with("arn:aws-us-gov:secretsmanager:")
            || v.starts_with("arn:aws-cn:secretsmanager:")
            || v.starts_with("arn:aws:ssm:")
            || v.contains("{{resolve:secretsmanager:")
            || v.contains("{{resolve:ssm-secure:")
            || v.contains("{{resolve:ssm:")
            || self.secret_refs.contains(v)
    }
}

fn hit(
    location: String,
    rule_id: &str,
    category: Category,
    severity: Severity,
    secret: &str,
    key_id: Option<String>,
) -> ConfigHit {
    ConfigHit {
        location,
        rule_id: rule_id.to_string(),
        category,
        severity,
        fingerprint: super::fingerprint(rule_id, secret),
        preview: super::preview(secret),
        key_id,
    }
}

/// Names come from AWS (attacker-controllable): keep at most 256 characters of one.
fn bounded(name: &str) -> String {
    name.chars().take(256).collect()
}

/// Whether a variable name says it holds a credential: one of its words (split on `_`, `-`, `.`
/// and camelCase) is a secret word, and its last word is not metadata about a secret (`_NAME`,
/// `_ARN`, `_LENGTH`, `_ENABLED` …: those hold a reference or a setting).
pub fn name_suggests_secret(name: &str) -> bool {
    let words = words(name);
    let Some(last) = words.last() else {
        return false;
    };
    const METADATA: &[&str] = &[
        "name",
        "arn",
        "id",
        "ids",
        "path",
        "file",
        "dir",
        "length",
        "len",
        "size",
        "ttl",
        "expiry",
        "expires",
        "expiration",
        "type",
        "kind",
        "header",
        "enabled",
        "enable",
        "disabled",
        "allow",
        "allowed",
        "required",
        "policy",
        "rotation",
        "ref",
        "param",
        "parameter",
        "version",
        "region",
        "endpoint",
        "url",
        "uri",
        "host",
        "port",
        "prefix",
        "field",
        "format",
        "mode",
        "count",
        "min",
        "max",
        "timeout",
        "interval",
        "days",
        "hint",
        "label",
        "scope",
        "scopes",
        "user",
        "username",
        "location",
        "key_id",
        "env",
        "var",
    ];
    if METADATA.contains(&last.as_str()) {
        return false;
    }
    let joined = words.join("_");
    // `ACCESS_KEY_ID`, `CLIENT_ID`: identifiers, even with a secret word before them.
    if joined.ends_with("key_id") {
        return false;
    }
    const SECRET_WORDS: &[&str] = &[
        "password",
        "passwd",
        "pwd",
        "pass",
        "passphrase",
        "secret",
        "token",
        "apikey",
        "credential",
        "credentials",
        "privatekey",
        "signingkey",
        "masterkey",
        "encryptionkey",
        "accesskey",
        "authkey",
        "dsn",
    ];
    let compact: Vec<String> = words
        .windows(2)
        .map(|w| format!("{}{}", w[0], w[1]))
        .collect();
    words
        .iter()
        .chain(compact.iter())
        .any(|w| SECRET_WORDS.contains(&w.as_str()))
}

/// Lowercase words of a name: `DB_PASSWORD` → db, password; `apiKey` → api, key.
fn words(name: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if !c.is_ascii_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        cur.push(c.to_ascii_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Whether a value under a secret-suggesting name looks like a credential rather than a flag,
/// number, placeholder, path, URL without credentials, or a word.
pub fn value_is_credential_shaped(value: &str) -> bool {
    let l = value.to_ascii_lowercase();
    const FLAGS: &[&str] = &[
        "yes", "no", "true", "false", "on", "off", "y", "n", "enabled", "disabled", "none", "null",
        "nil", "empty", "required", "optional", "default", "auto", "always", "never",
    ];
    if value.chars().count() < 8
        || FLAGS.contains(&l.as_str())
        || value
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-')
        || value.starts_with('/')
        || value.starts_with("./")
        || value.starts_with("file:")
        || value.starts_with('$')
        || l.starts_with("http://")
        || l.starts_with("https://")
        || value.contains(char::is_whitespace)
        || is_placeholder(value)
        || looks_like_code(value)
    {
        return false;
    }
    char_mix(value) && shannon_entropy(value) >= 2.8
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scanner() -> Engine {
        Engine::new(super::super::rules::builtin())
    }

    fn ids(hits: &[ConfigHit]) -> Vec<&str> {
        hits.iter().map(|h| h.rule_id.as_str()).collect()
    }

    #[test]
    fn secret_names_with_credential_values_are_reported_and_nothing_keeps_the_value() {
        let e = scanner();
        let s = ConfigScanner::new(&e);
        for (name, value) in [
            ("DB_PASSWORD", "Vx7#qLm2pR9t"),
            ("STRIPE_WEBHOOK_SECRET", "q8RkT2mVn4Lp7WzX"),
            ("apiKey", "7f3c9a1e5b2d8f4a6c0e"),
            ("SERVICE_AUTH_TOKEN", "Zm9vYmFyYmF6cXV4MTIz9kQ"),
        ] {
            let hits = s.pair(name, value).unwrap();
            assert_eq!(ids(&hits), [NAMED_SECRET_RULE], "{name}={value}");
            let h = &hits[0];
            assert_eq!(h.location, name);
            assert!(!format!("{h:?}").contains(value), "{h:?}");
        }
        // A token with a known shape is found whatever the name.
        let t = "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";
        assert_eq!(ids(&s.pair("NOTES", t).unwrap()), ["github-token"]);
    }

    #[test]
    fn references_placeholders_flags_and_metadata_are_never_reported() {
        let e = scanner();
        let s = ConfigScanner::new(&e).with_secret_refs(["prod/orders/db".to_string()]);
        for (name, value) in [
            (
                "DB_SECRET_ARN",
                "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf",
            ),
            (
                "DB_PASSWORD",
                "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf",
            ),
            (
                "MasterUserPassword",
                "{{resolve:secretsmanager:prod/db:SecretString:password}}",
            ),
            ("DB_PASSWORD", "{{resolve:ssm-secure:/prod/db/password:1}}"),
            ("DB_PASSWORD", "prod/orders/db"),
            ("DB_PASSWORD", "changeme"),
            ("DB_PASSWORD", "<password>"),
            ("DB_PASSWORD", "${DB_PASSWORD}"),
            ("DB_PASSWORD", "$(cat /run/secrets/db)"),
            ("API_TOKEN", "xxxxxxxxxxxxxxxx"),
            ("API_TOKEN", "REPLACE_ME"),
            ("MYSQL_ALLOW_EMPTY_PASSWORD", "yes"),
            ("PASSWORD_MIN_LENGTH", "12"),
            ("TOKEN_TTL", "3600"),
            ("SECRET_NAME", "prod/orders/api-key-2024"),
            ("REQUEST_ID", "3f2b8c1e-9a4d-4e6f-8b7a-2c1d0e9f8a7b"),
            ("BUILD_SHA", "9fceb02d0ae598e95dc970b74767f19372d61af8"),
            ("AWS_ACCESS_KEY_ID_PARAM", "/prod/keys/ci"),
            ("TOKEN_ENDPOINT", "https://auth.example.org/oauth2/token"),
            (
                "SSH_PUBLIC_KEY",
                "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHk3 deploy",
            ),
            ("VPC_ID", "vpc-0a1b2c3d4e5f6a7b8"),
        ] {
            let hits = s.pair(name, value).unwrap();
            assert!(hits.is_empty(), "{name}={value}: {hits:?}");
        }
    }

    #[test]
    fn oversized_values_are_skipped_with_a_reason_and_text_gets_line_locations() {
        let e = scanner();
        let s = ConfigScanner::new(&e);
        let big = "a".repeat(MAX_VALUE + 1);
        let err = s.pair("BLOB", &big).unwrap_err();
        assert!(
            err.to_string().contains("over the 8192-byte limit"),
            "{err}"
        );
        // A definition or template over 1 MiB is refused whole, with a reason.
        let huge = "x".repeat(MAX_TEXT + 1);
        let err = s.text("definition", &huge).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("definition: value of 1048577 bytes"),
            "{err}"
        );
        // A full 4 KB Lambda environment block is judged.
        assert!(s.pair("BLOCK", &"A".repeat(4 * 1024)).unwrap().is_empty());
        let text =
            "#!/bin/bash\nyum -y update\nexport GH=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\n";
        let hits = s.text("userData", text).unwrap();
        assert_eq!(ids(&hits), ["github-token"]);
        assert_eq!(hits[0].location, "line 3");
    }

    #[test]
    fn names_are_split_into_words() {
        assert_eq!(words("dbPassword"), ["db", "password"]);
        assert_eq!(words("STRIPE_API_KEY"), ["stripe", "api", "key"]);
        assert!(name_suggests_secret("STRIPE_API_KEY"));
        assert!(name_suggests_secret("db.password"));
        assert!(!name_suggests_secret("AWS_ACCESS_KEY_ID"));
        assert!(!name_suggests_secret("PASSWORD_LENGTH"));
        assert!(!name_suggests_secret("KEYBOARD_LAYOUT"));
        assert!(!name_suggests_secret("PASSENGER_COUNT"));
    }
}
