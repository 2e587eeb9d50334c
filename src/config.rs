//! `secretlens.toml`: parsed into [`RawConfig`] (every field defaulted, unknown keys
//! rejected), then validated into [`Config`] (regexes compiled, ranges checked). Defaults live
//! in one place: the `Default` impls below, which `secretlens init` also prints.

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::inventory::Secret;
pub use crate::waiver::RawWaiver;
use crate::waiver::Waiver;

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

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawConfig {
    pub rotation: RotationConfig,
    pub usage: UsageConfig,
    pub naming: NamingConfig,
    pub tagging: TaggingConfig,
    pub encryption: EncryptionConfig,
    pub replication: ReplicationConfig,
    pub collection: CollectionConfig,
    pub access: AccessConfig,
    pub cloudtrail: CloudTrailConfig,
    pub exposure: ExposureConfig,
    /// `[[waiver]]` entries: accepted risks with a reason, an owner and an expiry date.
    pub waiver: Vec<RawWaiver>,
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
    /// replication status is collected with `DescribeSecret`). Empty: no name rule.
    pub name_pattern: String,
    /// Secrets carrying this tag must be replicated too: `Key` (any value) or `Key=Value`.
    /// Empty: no tag rule.
    pub required_tag: String,
    /// SL501: the least number of replica regions a selected secret must have.
    pub min_replicas: i64,
    /// SL501: regions every selected secret must be replicated to.
    pub required_regions: Vec<String>,
    /// SL502: hours a replica may stay `InProgress` (measured from the secret's
    /// `LastChangedDate`) before it counts as stuck.
    pub max_in_progress_hours: i64,
}

impl Default for ReplicationConfig {
    fn default() -> Self {
        ReplicationConfig {
            name_pattern: "^prod/".to_string(),
            required_tag: String::new(),
            min_replicas: 1,
            required_regions: Vec::new(),
            max_in_progress_hours: 24,
        }
    }
}

/// Which secrets must be replicated: `[replication] name_pattern` or `required_tag`. The one
/// predicate that both collection (which secrets get a `DescribeSecret`) and SL501–SL503 use.
#[derive(Debug, Clone)]
pub struct ReplicationSelector {
    /// `None` when `name_pattern` is empty.
    pub name_pattern: Option<Regex>,
    /// `(key, value)`; a `None` value matches any value.
    pub tag: Option<(String, Option<String>)>,
}

impl ReplicationSelector {
    /// Why the secret must be replicated (`name matches ^prod/`, `tag Tier=critical`), or
    /// `None` when it need not be. Tags are compared case-sensitively, as AWS stores them.
    pub fn must_replicate(&self, s: &Secret) -> Option<String> {
        if let Some(re) = &self.name_pattern
            && re.is_match(&s.name)
        {
            return Some(format!("name matches {}", re.as_str()));
        }
        if let Some((key, value)) = &self.tag {
            match (s.tags.get(key), value) {
                (Some(_), None) => return Some(format!("tag {key}")),
                (Some(v), Some(want)) if v == want => return Some(format!("tag {key}={want}")),
                _ => {}
            }
        }
        None
    }

    /// The rule in words, for messages: `name matches ^prod/ or tag Tier=critical`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(re) = &self.name_pattern {
            parts.push(format!("name matches {}", re.as_str()));
        }
        match &self.tag {
            Some((k, Some(v))) => parts.push(format!("tag {k}={v}")),
            Some((k, None)) => parts.push(format!("tag {k}")),
            None => {}
        }
        if parts.is_empty() {
            "no rule selects secrets".to_string()
        } else {
            parts.join(" or ")
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CollectionConfig {
    /// Concurrent per-secret API calls per region.
    pub concurrency: usize,
    /// Accounts collected at once (with --accounts / --organization).
    pub account_concurrency: usize,
    /// Timeout of one attempt of one API call, in seconds.
    pub call_timeout_secs: u64,
    /// A region that has not finished after this many seconds becomes a gap.
    pub region_timeout_secs: u64,
    /// Attempts per API call at most, in the main pass (the time budget usually ends retries
    /// first). With `retry_mode = "sdk-…"`, the SDK's attempts per call.
    pub max_attempts: u32,
    /// Seconds one call may spend retrying throttling, 5xx and transport failures before its
    /// second pass (a pause, then one last attempt). Permanent errors are never retried.
    pub retry_budget_secs: u64,
    /// `secretlens` (time budget, second pass, a per-API adaptive rate limiter),
    /// `secretlens-no-limiter`, or the SDK's `sdk-adaptive` / `sdk-standard` (to compare).
    pub retry_mode: crate::collect::RetryMode,
    /// Collect IAM users, groups, roles and policies (GetAccountAuthorizationDetails,
    /// ListAccessKeys, GetAccessKeyLastUsed).
    pub iam: bool,
}

impl Default for CollectionConfig {
    fn default() -> Self {
        CollectionConfig {
            concurrency: 16,
            account_concurrency: 4,
            call_timeout_secs: 30,
            region_timeout_secs: 600,
            max_attempts: 30,
            retry_budget_secs: 60,
            retry_mode: crate::collect::RetryMode::Secretlens,
            iam: true,
        }
    }
}

/// `[access]`: who may read secrets (SL601–SL606).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AccessConfig {
    /// SL602: accounts other than the secret's that may be granted access by a resource policy.
    pub trusted_accounts: Vec<String>,
    /// SL602: an `o-…` organization id; a `Principal: "*"` grant restricted to it with
    /// `aws:PrincipalOrgID` is trusted. Empty: organization-wide grants are cross-account.
    pub organization_id: String,
    /// SL604: most principals that may read one secret.
    pub max_readers: usize,
    /// SL605: production secrets, by name (regular expression); a tag `Environment` of `prod`
    /// or `production` also makes a secret a production one.
    pub production_pattern: String,
}

impl Default for AccessConfig {
    fn default() -> Self {
        AccessConfig {
            trusted_accounts: Vec::new(),
            organization_id: String::new(),
            max_readers: 10,
            production_pattern: "^prod/".to_string(),
        }
    }
}

/// `[cloudtrail]`: trail coverage (SL801) and the Secrets Manager events of a look-back
/// window (SL802, evidence on SL103).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CloudTrailConfig {
    /// Collect CloudTrail (DescribeTrails, GetTrailStatus, GetEventSelectors, LookupEvents).
    pub enabled: bool,
    /// Days of events `LookupEvents` reads (CloudTrail keeps 90).
    pub lookback_days: i64,
    /// Most events read per region; the lookup stops (and says so) beyond.
    pub max_events: u64,
}

impl Default for CloudTrailConfig {
    fn default() -> Self {
        CloudTrailConfig {
            enabled: true,
            lookback_days: 7,
            max_events: 10_000,
        }
    }
}

/// `[exposure]`: credentials in configuration outside Secrets Manager (SL001–SL008).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ExposureConfig {
    /// Scan configuration for credentials during `audit` and `collect`.
    pub enabled: bool,
    /// Which sources: lambda, ecs, ec2, cloudformation, ssm, codebuild, step-functions, batch.
    pub sources: Vec<String>,
    /// ECS: every ACTIVE revision of each task definition family, not only the latest.
    pub ecs_all_revisions: bool,
}

impl Default for ExposureConfig {
    fn default() -> Self {
        ExposureConfig {
            enabled: true,
            sources: crate::inventory::ExposureSource::ALL
                .iter()
                .map(|s| s.as_str().to_string())
                .collect(),
            ecs_all_revisions: false,
        }
    }
}

impl ExposureConfig {
    /// The configured sources (validated by [`Config::validate`]).
    pub fn source_set(&self) -> Vec<crate::inventory::ExposureSource> {
        if !self.enabled {
            return Vec::new();
        }
        let mut out: Vec<_> = self
            .sources
            .iter()
            .filter_map(|s| crate::inventory::ExposureSource::parse(s))
            .collect();
        out.sort();
        out.dedup();
        out
    }
}

/// The validated configuration the checks read.
#[derive(Debug, Clone)]
pub struct Config {
    pub raw: RawConfig,
    pub naming_pattern: Regex,
    /// Which secrets must be replicated (`[replication]`).
    pub replication: ReplicationSelector,
    /// The validated `[[waiver]]` entries, in config order.
    pub waivers: Vec<Waiver>,
    /// `[access] production_pattern`, compiled.
    pub production_pattern: Regex,
}

impl Default for Config {
    fn default() -> Self {
        Config::validate("<defaults>", RawConfig::default())
            .expect("the built-in defaults are valid")
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
            Regex::new(pattern).map_err(|e| {
                invalid(
                    key,
                    format!("invalid regular expression: {}", one_line(&e.to_string())),
                )
            })
        };
        for (key, v) in [
            ("rotation.max_interval_days", raw.rotation.max_interval_days),
            ("rotation.max_age_days", raw.rotation.max_age_days),
            ("usage.unused_days", raw.usage.unused_days),
        ] {
            if !(1..=36_500).contains(&v) {
                return Err(invalid(
                    key,
                    format!("must be between 1 and 36500 days, got {v}"),
                ));
            }
        }
        if !(0..=365).contains(&raw.rotation.schedule_grace_days) {
            return Err(invalid(
                "rotation.schedule_grace_days",
                format!(
                    "must be between 0 and 365 days, got {}",
                    raw.rotation.schedule_grace_days
                ),
            ));
        }
        if !(1..=256).contains(&raw.collection.concurrency) {
            return Err(invalid(
                "collection.concurrency",
                format!(
                    "must be between 1 and 256, got {}",
                    raw.collection.concurrency
                ),
            ));
        }
        for (key, v, max) in [
            (
                "collection.account_concurrency",
                raw.collection.account_concurrency as u64,
                64,
            ),
            (
                "collection.call_timeout_secs",
                raw.collection.call_timeout_secs,
                600,
            ),
            (
                "collection.region_timeout_secs",
                raw.collection.region_timeout_secs,
                86_400,
            ),
            (
                "collection.max_attempts",
                u64::from(raw.collection.max_attempts),
                100,
            ),
            (
                "collection.retry_budget_secs",
                raw.collection.retry_budget_secs,
                3_600,
            ),
        ] {
            if !(1..=max).contains(&v) {
                return Err(invalid(
                    key,
                    format!("must be between 1 and {max}, got {v}"),
                ));
            }
        }
        if let Some(bad) = raw
            .exposure
            .sources
            .iter()
            .find(|s| crate::inventory::ExposureSource::parse(s).is_none())
        {
            return Err(invalid(
                "exposure.sources",
                format!(
                    "unknown source {bad:?}; known: {}",
                    crate::inventory::ExposureSource::ALL
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        if !(1..=90).contains(&raw.cloudtrail.lookback_days) {
            return Err(invalid(
                "cloudtrail.lookback_days",
                format!(
                    "must be between 1 and 90 days (CloudTrail keeps 90), got {}",
                    raw.cloudtrail.lookback_days
                ),
            ));
        }
        if !(1..=10_000_000).contains(&raw.cloudtrail.max_events) {
            return Err(invalid(
                "cloudtrail.max_events",
                format!(
                    "must be between 1 and 10000000, got {}",
                    raw.cloudtrail.max_events
                ),
            ));
        }
        if let Some(k) = raw
            .tagging
            .required_keys
            .iter()
            .find(|k| k.trim().is_empty())
        {
            return Err(invalid(
                "tagging.required_keys",
                format!("empty tag key {k:?}"),
            ));
        }
        let naming_pattern = regex("naming.pattern", &raw.naming.pattern)?;
        let production_pattern =
            regex("access.production_pattern", &raw.access.production_pattern)?;
        if let Some(a) = raw
            .access
            .trusted_accounts
            .iter()
            .find(|a| a.len() != 12 || !a.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(invalid(
                "access.trusted_accounts",
                format!("{a:?} is not a 12-digit AWS account id"),
            ));
        }
        let org = &raw.access.organization_id;
        let org_ok = org.starts_with("o-")
            && org.len() >= 12
            && org[2..].bytes().all(|b| b.is_ascii_alphanumeric());
        if !org.is_empty() && !org_ok {
            return Err(invalid(
                "access.organization_id",
                format!("{org:?} is not an organization id such as \"o-a1b2c3d4e5\""),
            ));
        }
        if !(1..=100_000).contains(&raw.access.max_readers) {
            return Err(invalid(
                "access.max_readers",
                format!(
                    "must be between 1 and 100000, got {}",
                    raw.access.max_readers
                ),
            ));
        }
        let replication = validate_replication(&raw.replication, &invalid, &regex)?;
        let waivers = crate::waiver::validate_all(&raw.waiver, &invalid)?;
        Ok(Config {
            raw,
            naming_pattern,
            replication,
            waivers,
            production_pattern,
        })
    }

    /// Fails on the first `[[waiver]]` whose check is not a known check id, with the error
    /// [`Config::load`] gives for an invalid key (`waiver[1].check`: unknown check …).
    /// `is_known` gets the canonical id (`SL101`). The config does not know the check
    /// registry (the checks read the config): whoever loads a config for evaluation passes it
    /// (`app::load_config`).
    pub fn check_waiver_ids(
        &self,
        path: &str,
        is_known: &dyn Fn(&str) -> bool,
    ) -> Result<(), ConfigError> {
        crate::waiver::check_known(
            &self.raw.waiver,
            &self.waivers,
            is_known,
            &|key: &str, message: String| ConfigError::Invalid {
                path: path.to_string(),
                key: key.to_string(),
                message,
            },
        )
    }

    /// The effective configuration, as embedded in the report.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(&self.raw).expect("the config is plain data")
    }
}

fn validate_replication(
    r: &ReplicationConfig,
    invalid: &dyn Fn(&str, String) -> ConfigError,
    regex: &dyn Fn(&str, &str) -> Result<Regex, ConfigError>,
) -> Result<ReplicationSelector, ConfigError> {
    let name_pattern = if r.name_pattern.is_empty() {
        None
    } else {
        Some(regex("replication.name_pattern", &r.name_pattern)?)
    };
    let tag = if r.required_tag.is_empty() {
        None
    } else {
        let (key, value) = match r.required_tag.split_once('=') {
            Some((k, v)) => (k, Some(v.to_string())),
            None => (r.required_tag.as_str(), None),
        };
        if key.trim().is_empty() || key.trim() != key {
            return Err(invalid(
                "replication.required_tag",
                format!(
                    "expected `Key` or `Key=Value` with a tag key without surrounding spaces, got {:?}",
                    r.required_tag
                ),
            ));
        }
        Some((key.to_string(), value))
    };
    if !(0..=50).contains(&r.min_replicas) {
        return Err(invalid(
            "replication.min_replicas",
            format!("must be between 0 and 50, got {}", r.min_replicas),
        ));
    }
    let region_re = Regex::new(r"^[a-z]{2}(-[a-z]+)+-[0-9]+$").expect("valid region regex");
    let mut seen = std::collections::BTreeSet::new();
    for region in &r.required_regions {
        if !region_re.is_match(region) {
            return Err(invalid(
                "replication.required_regions",
                format!("{region:?} is not an AWS region code such as \"eu-west-1\""),
            ));
        }
        if !seen.insert(region) {
            return Err(invalid(
                "replication.required_regions",
                format!("{region:?} is listed twice"),
            ));
        }
    }
    if !(1..=8_760).contains(&r.max_in_progress_hours) {
        return Err(invalid(
            "replication.max_in_progress_hours",
            format!(
                "must be between 1 and 8760 hours, got {}",
                r.max_in_progress_hours
            ),
        ));
    }
    Ok(ReplicationSelector { name_pattern, tag })
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
    fn replication_keys_are_validated_by_name() {
        for (toml, key) in [
            (
                "[replication]\nname_pattern = \"(\"\n",
                "replication.name_pattern",
            ),
            (
                "[replication]\nrequired_tag = \"=prod\"\n",
                "replication.required_tag",
            ),
            (
                "[replication]\nrequired_tag = \" Tier\"\n",
                "replication.required_tag",
            ),
            (
                "[replication]\nmin_replicas = 51\n",
                "replication.min_replicas",
            ),
            (
                "[replication]\nmin_replicas = -1\n",
                "replication.min_replicas",
            ),
            (
                "[replication]\nrequired_regions = [\"EU-WEST-1\"]\n",
                "replication.required_regions",
            ),
            (
                "[replication]\nrequired_regions = [\"eu-west-1\", \"eu-west-1\"]\n",
                "replication.required_regions",
            ),
            (
                "[replication]\nmax_in_progress_hours = 0\n",
                "replication.max_in_progress_hours",
            ),
        ] {
            let e = Config::from_toml("x.toml", toml).unwrap_err().to_string();
            assert!(e.contains(&format!("`{key}`")), "{toml}: {e}");
            assert!(!e.contains('\n'), "{e}");
        }
        let ok = "[replication]\nrequired_regions = [\"us-gov-west-1\", \"eu-central-2\"]\nmin_replicas = 0\n";
        Config::from_toml("x.toml", ok).expect("valid");
    }

    #[test]
    fn replication_selector_matches_name_or_tag() {
        let s = |name: &str, tags: &[(&str, &str)]| Secret {
            name: name.to_string(),
            tags: tags
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..Default::default()
        };
        let sel = Config::default().replication;
        assert_eq!(
            sel.must_replicate(&s("prod/a/b", &[])).as_deref(),
            Some("name matches ^prod/")
        );
        assert_eq!(
            sel.must_replicate(&s("staging/a/b", &[("Tier", "critical")])),
            None
        );

        let c = Config::from_toml(
            "x.toml",
            "[replication]\nrequired_tag = \"Tier=critical\"\n",
        )
        .unwrap();
        assert_eq!(
            c.replication
                .must_replicate(&s("staging/a/b", &[("Tier", "critical")]))
                .as_deref(),
            Some("tag Tier=critical")
        );
        assert_eq!(
            c.replication
                .must_replicate(&s("staging/a/b", &[("Tier", "Critical")])),
            None
        );
        assert_eq!(
            c.replication
                .must_replicate(&s("staging/a/b", &[("tier", "critical")])),
            None
        );
        assert!(
            c.replication.must_replicate(&s("prod/a/b", &[])).is_some(),
            "name or tag"
        );
        assert_eq!(
            c.replication.describe(),
            "name matches ^prod/ or tag Tier=critical"
        );

        let c = Config::from_toml(
            "x.toml",
            "[replication]\nname_pattern = \"\"\nrequired_tag = \"DR\"\n",
        )
        .unwrap();
        assert_eq!(
            c.replication.must_replicate(&s("prod/a/b", &[])),
            None,
            "empty pattern: no name rule"
        );
        assert_eq!(
            c.replication
                .must_replicate(&s("x", &[("DR", "")]))
                .as_deref(),
            Some("tag DR")
        );
        assert_eq!(c.replication.describe(), "tag DR");
    }

    #[test]
    fn out_of_range_is_rejected() {
        let e = Config::from_toml("x.toml", "[usage]\nunused_days = 0\n").unwrap_err();
        assert!(e.to_string().contains("usage.unused_days"), "{e}");
    }
}
