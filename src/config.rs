//! `secretlens.toml`: parsed into [`RawConfig`] (every field defaulted, unknown keys
//! rejected), then validated into [`Config`] (regexes compiled, ranges checked). Defaults live
//! in one place: the `Default` impls below, which `secretlens init` also prints.

use regex::Regex;
use serde::{Deserialize, Serialize};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("invalid config file {path}: {message}")]
    Parse { path: String, message: String },
    #[error("invalid config file {path}: `{key}`: {message}")]
    Invalid {
        path: String,
        key: String,
        message: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawConfig {
    pub rotation: RotationConfig,
    pub usage: UsageConfig,
    pub naming: NamingConfig,
    pub tagging: TaggingConfig,
    pub encryption: EncryptionConfig,
    pub replication: ReplicationConfig,
    pub collection: CollectionConfig,
}

impl Default for RawConfig {
    fn default() -> Self {
        RawConfig {
            rotation: RotationConfig::default(),
            usage: UsageConfig::default(),
            naming: NamingConfig::default(),
            tagging: TaggingConfig::default(),
            encryption: EncryptionConfig::default(),
            replication: ReplicationConfig::default(),
            collection: CollectionConfig::default(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RotationConfig {
    /// SL102: longest allowed rotation interval, in days.
    pub max_interval_days: i64,
    /// SL103: how late a scheduled rotation may be before it counts as missed, in days.
    pub schedule_grace_days: i64,
    /// SL104: longest allowed time since the last rotation (or creation), in days.
    pub max_age_days: i64,
}

impl Default for RotationConfig {
    fn default() -> Self {
        RotationConfig {
            max_interval_days: 90,
            schedule_grace_days: 2,
            max_age_days: 90,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UsageConfig {
    /// SL201: a secret not accessed for this many days is unused.
    pub unused_days: i64,
}

impl Default for UsageConfig {
    fn default() -> Self {
        UsageConfig { unused_days: 90 }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NamingConfig {
    /// SL301: regular expression every secret name must match.
    pub pattern: String,
}

impl Default for NamingConfig {
    fn default() -> Self {
        NamingConfig {
            pattern: r"^(prod|staging|dev|test)/[a-z0-9-]+/[a-z0-9._-]+$".to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TaggingConfig {
    /// SL302: tag keys every secret must carry (case-sensitive). Empty: a secret fails only
    /// when it has no tags at all.
    pub required_keys: Vec<String>,
}

impl Default for TaggingConfig {
    fn default() -> Self {
        TaggingConfig {
            required_keys: vec![
                "Environment".to_string(),
                "Team".to_string(),
                "Application".to_string(),
            ],
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EncryptionConfig {
    /// SL401: when non-empty, only these keys (key ARNs, key ids or alias names) are allowed.
    pub allowed_kms_keys: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReplicationConfig {
    /// Secrets whose names match this regular expression must be replicated (their
    /// replication status is collected with `DescribeSecret`).
    pub name_pattern: String,
}

impl Default for ReplicationConfig {
    fn default() -> Self {
        ReplicationConfig {
            name_pattern: "^prod/".to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CollectionConfig {
    /// Concurrent per-secret API calls per region.
    pub concurrency: usize,
}

impl Default for CollectionConfig {
    fn default() -> Self {
        CollectionConfig { concurrency: 16 }
    }
}

/// The validated configuration the checks read.
#[derive(Debug, Clone)]
pub struct Config {
    pub raw: RawConfig,
    pub naming_pattern: Regex,
    pub replication_pattern: Regex,
}

impl Default for Config {
    fn default() -> Self {
        Config::validate("<defaults>", RawConfig::default()).expect("the built-in defaults are valid")
    }
}

impl Config {
    pub fn from_toml(path: &str, text: &str) -> Result<Config, ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_string(),
            // toml's message names the key and the line; keep it on one line.
            message: one_line(&e.to_string()),
        })?;
        Config::validate(path, raw)
    }

    pub fn load(path: &str) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_string(),
            source,
        })?;
        Config::from_toml(path, &text)
    }

    pub fn validate(path: &str, raw: RawConfig) -> Result<Config, ConfigError> {
        let invalid = |key: &str, message: String| ConfigError::Invalid {
            path: path.to_string(),
            key: key.to_string(),
            message,
        };
        let regex = |key: &str, pattern: &str| {
            Regex::new(pattern).map_err(|e| invalid(key, format!("invalid regular expression: {}", one_line(&e.to_string()))))
        };
        for (key, v) in [
            ("rotation.max_interval_days", raw.rotation.max_interval_days),
            ("rotation.max_age_days", raw.rotation.max_age_days),
            ("usage.unused_days", raw.usage.unused_days),
        ] {
            if !(1..=36_500).contains(&v) {
                return Err(invalid(key, format!("must be between 1 and 36500 days, got {v}")));
            }
        }
        if !(0..=365).contains(&raw.rotation.schedule_grace_days) {
            return Err(invalid(
                "rotation.schedule_grace_days",
                format!("must be between 0 and 365 days, got {}", raw.rotation.schedule_grace_days),
            ));
        }
        if !(1..=256).contains(&raw.collection.concurrency) {
            return Err(invalid(
                "collection.concurrency",
                format!("must be between 1 and 256, got {}", raw.collection.concurrency),
            ));
        }
        if let Some(k) = raw.tagging.required_keys.iter().find(|k| k.trim().is_empty()) {
            return Err(invalid("tagging.required_keys", format!("empty tag key {k:?}")));
        }
        let naming_pattern = regex("naming.pattern", &raw.naming.pattern)?;
        let replication_pattern = regex("replication.name_pattern", &raw.replication.name_pattern)?;
        Ok(Config {
            raw,
            naming_pattern,
            replication_pattern,
        })
    }

    /// The effective configuration, as embedded in the report.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(&self.raw).expect("the config is plain data")
    }
}

fn one_line(s: &str) -> String {
    s.split('\n')
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.chars().all(|c| c == '|' || c == '^' || c.is_whitespace()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The commented template `secretlens init` writes. A test checks it parses to the defaults.
pub const TEMPLATE: &str = include_str!("../templates/secretlens.toml");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_parses_to_the_defaults() {
        let c = Config::from_toml("template", TEMPLATE).expect("template parses");
        assert_eq!(c.raw, RawConfig::default());
    }

    #[test]
    fn unknown_key_is_named() {
        let e = Config::from_toml("x.toml", "[rotation]\nmax_interval_dayz = 3\n").unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("max_interval_dayz"), "{msg}");
        assert!(!msg.contains('\n'), "{msg}");
    }

    #[test]
    fn bad_regex_names_the_key() {
        let e = Config::from_toml("x.toml", "[naming]\npattern = \"(unclosed\"\n").unwrap_err();
        assert!(e.to_string().contains("naming.pattern"), "{e}");
    }

    #[test]
    fn out_of_range_is_rejected() {
        let e = Config::from_toml("x.toml", "[usage]\nunused_days = 0\n").unwrap_err();
        assert!(e.to_string().contains("usage.unused_days"), "{e}");
    }
}
