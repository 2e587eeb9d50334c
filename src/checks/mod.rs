//! The checks: one file per check, one permanent id, and a plain registry ([`ALL`]).
//!
//! Each check's metadata and prose live in `checks/SLnnn-name.md` (TOML front matter between
//! `+++` lines, then the sections *What it checks · Why it matters · Example · Known
//! limitations · Remediation*), embedded with `include_str!`. The same text feeds
//! `secretlens explain`, the HTML report and the JSON `remediation`. A registry test keeps
//! code and prose one-to-one. Which framework controls a check maps to is not in its front
//! matter: `checks/frameworks/*.toml` is the single source (see [`crate::frameworks`]).
//!
//! Checks are pure: they read the [`Context`] (inventory, config, `now`) and emit one finding
//! per (check, resource) they evaluate — pass included. What they cannot assess is `error`.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::inventory::{Gap, Inventory, Secret};
use crate::report::{Category, Evidence, Finding, Resource, Severity, Status, finding_id};

mod sl101_rotation_disabled;
mod sl102_rotation_interval_too_long;
mod sl103_rotation_not_on_schedule;
mod sl104_secret_not_rotated_recently;
mod sl201_secret_unused;
mod sl301_name_violates_convention;
mod sl302_required_tags_missing;
mod sl401_default_kms_key;
mod sl402_kms_key_unusable;
mod sl403_kms_key_rotation_disabled;
mod sl404_kms_key_policy_too_broad;
mod sl501_replication_missing;
/// Every region a secret has a replica in (listed replicas and its replication status).
pub(crate) use sl501_replication_missing::replica_regions;
mod sl502_replication_unhealthy;
mod sl503_replica_default_kms_key;
mod sl601_resource_policy_public;
mod sl602_resource_policy_cross_account;
mod sl603_identity_wildcard_secret_read;
mod sl604_too_many_readers;
mod sl605_readable_by_long_term_user_keys;
mod sl606_policy_can_be_rewritten;
mod sl701_secret_pending_deletion;
mod sl801_cloudtrail_not_logging;
mod sl802_unexpected_reader;
mod sl901_collection_gap;
mod sl902_waiver_expired_or_unused;

/// Every check, in id order.
pub static ALL: &[&dyn Check] = &[
    &sl101_rotation_disabled::RotationDisabled,
    &sl102_rotation_interval_too_long::RotationIntervalTooLong,
    &sl103_rotation_not_on_schedule::RotationNotOnSchedule,
    &sl104_secret_not_rotated_recently::SecretNotRotatedRecently,
    &sl201_secret_unused::SecretUnused,
    &sl301_name_violates_convention::NameViolatesConvention,
    &sl302_required_tags_missing::RequiredTagsMissing,
    &sl401_default_kms_key::DefaultKmsKey,
    &sl402_kms_key_unusable::KmsKeyUnusable,
    &sl403_kms_key_rotation_disabled::KmsKeyRotationDisabled,
    &sl404_kms_key_policy_too_broad::KmsKeyPolicyTooBroad,
    &sl501_replication_missing::ReplicationMissing,
    &sl502_replication_unhealthy::ReplicationUnhealthy,
    &sl503_replica_default_kms_key::ReplicaDefaultKmsKey,
    &sl601_resource_policy_public::ResourcePolicyPublic,
    &sl602_resource_policy_cross_account::ResourcePolicyCrossAccount,
    &sl603_identity_wildcard_secret_read::IdentityWildcardSecretRead,
    &sl604_too_many_readers::TooManyReaders,
    &sl605_readable_by_long_term_user_keys::ReadableByLongTermUserKeys,
    &sl606_policy_can_be_rewritten::PolicyCanBeRewritten,
    &sl701_secret_pending_deletion::SecretPendingDeletion,
    &sl801_cloudtrail_not_logging::CloudTrailNotLogging,
    &sl802_unexpected_reader::UnexpectedReader,
    &sl901_collection_gap::CollectionGap,
    &sl902_waiver_expired_or_unused::WaiverExpiredOrUnused,
];

pub trait Check: Sync {
    /// The permanent id, e.g. `SL101`.
    fn id(&self) -> &'static str;
    /// The embedded `checks/SLnnn-name.md` text.
    fn doc(&self) -> &'static str;
    /// Evaluates the inventory, pushing one finding per evaluated resource into `out`.
    fn run(&self, ctx: &Context<'_>, out: &mut Emitter<'_>);
    /// Second phase, for checks about the findings themselves (SL902): runs after every
    /// check's `run` and after the config's waivers were applied, with those findings.
    /// Default: nothing.
    fn run_after(&self, _ctx: &Context<'_>, _findings: &[Finding], _out: &mut Emitter<'_>) {}
}

/// Front matter of a check's Markdown file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckMeta {
    pub id: String,
    pub name: String,
    pub title: String,
    pub category: Category,
    pub severity: Severity,
    /// Config keys the check reads, e.g. `rotation.max_interval_days`.
    #[serde(default)]
    pub parameters: Vec<String>,
    /// One or two sentences: what to do.
    pub remediation: String,
    /// The exact AWS CLI command that fixes it, with placeholders in capitals.
    #[serde(default)]
    pub remediation_cli: String,
    /// The Markdown body after the front matter.
    #[serde(skip)]
    pub body: String,
}

/// Sections every check document must have, in this order.
pub const REQUIRED_SECTIONS: [&str; 5] = [
    "## What it checks",
    "## Why it matters",
    "## Example",
    "## Known limitations",
    "## Remediation",
];

/// Parses a check document: `+++\n<toml>\n+++\n<markdown>`.
pub fn parse_doc(doc: &str) -> Result<CheckMeta, String> {
    let rest = doc
        .strip_prefix("+++\n")
        .ok_or_else(|| "does not start with a `+++` front matter line".to_string())?;
    let end = rest
        .find("\n+++\n")
        .ok_or_else(|| "front matter is not closed by a `+++` line".to_string())?;
    let mut meta: CheckMeta = toml::from_str(&rest[..end]).map_err(|e| e.to_string())?;
    meta.body = rest[end + 5..].trim().to_string();
    Ok(meta)
}

fn metas() -> &'static BTreeMap<&'static str, CheckMeta> {
    static METAS: OnceLock<BTreeMap<&'static str, CheckMeta>> = OnceLock::new();
    METAS.get_or_init(|| {
        ALL.iter()
            .map(|c| {
                let meta = parse_doc(c.doc()).unwrap_or_else(|e| {
                    panic!(
                        "embedded doc of {} is invalid ({e}); the registry test catches this",
                        c.id()
                    )
                });
                (c.id(), meta)
            })
            .collect()
    })
}

/// The metadata of a registered check.
pub fn meta(id: &str) -> Option<&'static CheckMeta> {
    metas().get(id)
}

/// Looks a check up by id (`SL101`, case-insensitive) or name (`rotation-disabled`).
pub fn find(id_or_name: &str) -> Option<&'static CheckMeta> {
    let q = id_or_name.trim();
    metas()
        .values()
        .find(|m| m.id.eq_ignore_ascii_case(q) || m.name.eq_ignore_ascii_case(q))
}

/// All check metadata, in id order.
pub fn all_metas() -> impl Iterator<Item = &'static CheckMeta> {
    metas().values()
}

/// A secret's identity in a listing: (account, name, primary region).
type SecretKey<'a> = (&'a str, &'a str, &'a str);

/// What a check reads.
pub struct Context<'a> {
    pub inv: &'a Inventory,
    pub cfg: &'a Config,
    pub now: DateTime<Utc>,
    /// The effective-access index, built on first use by [`Context::access`].
    access: OnceLock<crate::access::AccessIndex>,
    /// Every reported secret's readers (by ARN), computed once by [`Context::readers`]: SL604,
    /// SL605, SL802 and the report's per-secret view all need them.
    readers: OnceLock<std::collections::HashMap<String, crate::access::SecretAccess>>,
    /// Regions of the replicas listed by `ListSecrets`, by (account, name, primary region).
    listed_replicas: OnceLock<HashMap<SecretKey<'a>, BTreeSet<&'a str>>>,
    /// The position of the first gap per (operation, resource), for [`Context::secret_gap`].
    first_gap: OnceLock<HashMap<(&'a str, &'a str), usize>>,
    /// Every secret's [`Resource`], by position in `inv.secrets`, shared by its findings
    /// ([`Emitter::secret`]).
    resources: OnceLock<Vec<Resource>>,
}

impl<'a> Context<'a> {
    pub fn new(inv: &'a Inventory, cfg: &'a Config, now: DateTime<Utc>) -> Context<'a> {
        Context {
            inv,
            cfg,
            now,
            access: OnceLock::new(),
            readers: OnceLock::new(),
            listed_replicas: OnceLock::new(),
            first_gap: OnceLock::new(),
            resources: OnceLock::new(),
        }
    }

    /// Who can read what ([`crate::access`]), built once per evaluation and shared by the
    /// access checks.
    pub fn access(&self) -> &crate::access::AccessIndex {
        self.access.get_or_init(|| {
            let t = std::time::Instant::now();
            let idx = crate::access::AccessIndex::build(self.inv);
            tracing::debug!(ms = t.elapsed().as_millis() as u64, "access index built");
            idx
        })
    }

    /// The effective readers of a secret, computed once per evaluation for every reported
    /// secret (a secret outside [`Context::secrets`] is computed on the spot).
    pub fn readers(&self, secret: &Secret) -> std::borrow::Cow<'_, crate::access::SecretAccess> {
        let all = self.readers.get_or_init(|| {
            let access = self.access();
            let t = std::time::Instant::now();
            use rayon::prelude::*;
            let listed: Vec<&Secret> = self.secrets().collect();
            let all: HashMap<_, _> = listed
                .par_iter()
                .map(|s| (s.arn.clone(), access.readers(s)))
                .collect();
            tracing::debug!(ms = t.elapsed().as_millis() as u64, "readers computed");
            all
        });
        match all.get(&secret.arn) {
            Some(a) => std::borrow::Cow::Borrowed(a),
            None => std::borrow::Cow::Owned(self.access().readers(secret)),
        }
    }

    /// Secrets findings are reported on: every secret except replicas (a replica is evidence
    /// on its primary, never a separate secret).
    pub fn secrets(&self) -> impl Iterator<Item = &'a Secret> + 'a {
        self.inv.secrets.iter().filter(|s| !s.is_replica())
    }

    /// The first gap recorded for `operation` on this secret.
    pub fn secret_gap(&self, secret: &Secret, operation: &str) -> Option<&'a Gap> {
        let inv = self.inv;
        let first = self.first_gap.get_or_init(|| {
            let mut m = HashMap::new();
            for (i, g) in inv.gaps.iter().enumerate() {
                m.entry((g.operation.as_str(), g.resource.as_str()))
                    .or_insert(i);
            }
            m
        });
        let by = |resource: &str| first.get(&(operation, resource)).copied();
        by(&secret.arn)
            .into_iter()
            .chain(by(&secret.name))
            .min()
            .map(|i| &inv.gaps[i])
    }

    /// Every secret's [`Resource`], by position in `inv.secrets`.
    pub fn resources(&self) -> &[Resource] {
        let inv = self.inv;
        self.resources
            .get_or_init(|| inv.secrets.iter().map(secret_resource).collect())
    }

    /// Regions of the replicas of `secret` that `ListSecrets` listed in the audited regions
    /// (each replica names its primary's region).
    pub fn listed_replica_regions(&self, secret: &Secret) -> BTreeSet<&'a str> {
        let inv = self.inv;
        let all = self.listed_replicas.get_or_init(|| {
            let mut m: HashMap<_, BTreeSet<&str>> = HashMap::new();
            for r in inv.secrets.iter().filter(|r| r.is_replica()) {
                if let Some(primary) = r.primary_region.as_deref() {
                    m.entry((r.account.as_str(), r.name.as_str(), primary))
                        .or_default()
                        .insert(r.region.as_str());
                }
            }
            m
        });
        all.get(&(
            secret.account.as_str(),
            secret.name.as_str(),
            secret.region.as_str(),
        ))
        .cloned()
        .unwrap_or_default()
    }

    /// Whole days from `then` to now (negative when `then` is in the future).
    pub fn days_since(&self, then: DateTime<Utc>) -> i64 {
        (self.now - then).num_days()
    }
}

/// Collects one check's findings, filling in the metadata.
pub struct Emitter<'m> {
    meta: &'static CheckMeta,
    /// The inventory's secrets and their shared resources ([`Context::resources`]).
    secrets: &'m [Secret],
    resources: &'m [Resource],
    pub findings: Vec<Finding>,
}

impl<'m> Emitter<'m> {
    pub fn new(meta: &'static CheckMeta, ctx: &'m Context<'_>) -> Self {
        Emitter {
            meta,
            secrets: ctx.inv.secrets.as_slice(),
            resources: ctx.resources(),
            findings: Vec::new(),
        }
    }

    pub fn push(
        &mut self,
        resource: Resource,
        status: Status,
        message: impl Into<Cow<'static, str>>,
        evidence: impl Serialize,
    ) {
        let meta = self.meta;
        self.findings.push(Finding {
            id: finding_id(&meta.id, &resource.arn),
            check_id: Cow::Borrowed(meta.id.as_str()),
            check_name: Cow::Borrowed(meta.name.as_str()),
            title: Cow::Borrowed(meta.title.as_ref()),
            category: meta.category,
            severity: meta.severity,
            status,
            resource,
            message: message.into(),
            evidence: Evidence::new(evidence),
            waiver: None,
            change: None,
        });
    }

    /// A finding on a secret.
    pub fn secret(
        &mut self,
        secret: &Secret,
        status: Status,
        message: impl Into<Cow<'static, str>>,
        evidence: impl Serialize,
    ) {
        let resource = match self.shared_resource(secret) {
            Some(r) => r.clone(),
            None => secret_resource(secret),
        };
        self.push(resource, status, message, evidence);
    }
}

impl Emitter<'_> {
    /// The shared resource of a secret of the inventory, found by its position (`None` for a
    /// secret that is not one of the inventory's).
    fn shared_resource(&self, secret: &Secret) -> Option<&Resource> {
        let range = self.secrets.as_ptr_range();
        let p: *const Secret = secret;
        if !range.contains(&p) {
            return None;
        }
        // A reference into the slice points at the start of an element.
        let i = (p as usize - range.start as usize) / std::mem::size_of::<Secret>();
        self.resources.get(i)
    }
}

pub fn secret_resource(s: &Secret) -> Resource {
    Resource::new(
        s.arn.as_str(),
        s.name.as_str(),
        "secret",
        s.account.as_str(),
        s.region.as_str(),
    )
}

/// A date as RFC 3339 text, for evidence.
pub(crate) fn rfc3339(d: Option<DateTime<Utc>>) -> Option<String> {
    d.map(|d| d.to_rfc3339())
}

/// A date as `YYYY-MM-DD`, for messages.
pub(crate) fn ymd(d: DateTime<Utc>) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// Days for messages: whole numbers without decimals, fractions with two.
pub(crate) fn fmt_days(days: f64) -> String {
    if (days - days.round()).abs() < 1e-9 {
        format!("{days:.0}")
    } else {
        format!("{days:.2}")
    }
}

/// A duration of (possibly fractional) days.
pub(crate) fn days_duration(days: f64) -> chrono::Duration {
    chrono::Duration::seconds((days * 86_400.0).round() as i64)
}

/// The rotation interval of a secret with rotation enabled, as SL102/SL103 read it: `Err`
/// with a reason when there is no schedule or it cannot be understood.
pub(crate) fn rotation_interval(s: &Secret, anchor: DateTime<Utc>) -> Result<f64, String> {
    let Some(rules) = &s.rotation_rules else {
        return Err("rotation is enabled but no rotation rules were collected".to_string());
    };
    match crate::schedule::max_interval_days(rules, anchor)? {
        Some(d) => Ok(d),
        None => Err("rotation is enabled but the rotation rules have no schedule".to_string()),
    }
}

/// Evidence for an `error` finding caused by a collection gap.
#[derive(Debug, Serialize)]
pub struct GapEvidence<'a> {
    pub operation: &'a str,
    pub error_code: &'a str,
    pub message: &'a str,
}

impl<'a> From<&'a Gap> for GapEvidence<'a> {
    fn from(g: &'a Gap) -> Self {
        GapEvidence {
            operation: &g.operation,
            error_code: &g.error_code,
            message: &g.message,
        }
    }
}

/// Runs every check and returns the findings, each check's sorted by [`crate::report::finding_order`].
pub fn run_all(ctx: &Context<'_>) -> Vec<Finding> {
    use rayon::prelude::*;
    // The checks are independent: run them in parallel, keep the registry's order.
    let per_check: Vec<Vec<Finding>> = ALL
        .par_iter()
        .map(|check| {
            let meta = meta(check.id()).expect("every registered check has metadata");
            let t = std::time::Instant::now();
            let mut out = Emitter::new(meta, ctx);
            // Most checks report once per secret.
            out.findings.reserve(ctx.inv.secrets.len());
            check.run(ctx, &mut out);
            let mut findings = out.findings;
            findings.sort_by(crate::report::finding_order);
            tracing::trace!(
                check = check.id(),
                findings = findings.len(),
                ms = t.elapsed().as_millis() as u64,
                "check ran"
            );
            findings
        })
        .collect();
    // Moved, not cloned (`concat` would clone every finding).
    let mut all = Vec::with_capacity(per_check.iter().map(Vec::len).sum());
    for findings in per_check {
        all.extend(findings);
    }
    all
}

/// Runs every check's second phase ([`Check::run_after`]) over the first phase's findings
/// (waivers applied) and returns the new findings, unsorted.
pub fn run_after_all(ctx: &Context<'_>, findings: &[Finding]) -> Vec<Finding> {
    let mut all = Vec::new();
    for check in ALL {
        let meta = meta(check.id()).expect("every registered check has metadata");
        let mut out = Emitter::new(meta, ctx);
        check.run_after(ctx, findings, &mut out);
        out.findings.sort_by(crate::report::finding_order);
        all.append(&mut out.findings);
    }
    all
}

#[cfg(test)]
mod order_tests {
    #[test]
    fn the_registry_is_in_id_order() {
        // Then the concatenated per-check findings are in report order, and evaluate() need
        // not sort millions of findings.
        assert!(super::ALL.windows(2).all(|w| w[0].id() < w[1].id()));
    }
}

#[cfg(test)]
pub(crate) mod testutil {
    //! Builders for fixture inventories used by the per-check tests.
    use super::*;
    use chrono::TimeZone;

    pub const ACCOUNT: &str = "111122223333";
    pub const REGION: &str = "us-east-1";

    /// 2026-06-01T00:00:00Z: the fixed "now" of the check tests.
    pub fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0)
            .single()
            .expect("valid date")
    }

    pub fn days_ago(d: i64) -> DateTime<Utc> {
        now() - chrono::Duration::days(d)
    }

    /// A compliant-by-default secret created 10 days ago.
    pub fn secret(name: &str) -> Secret {
        Secret {
            arn: format!("arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{name}-AbCdEf"),
            name: name.to_string(),
            account: ACCOUNT.to_string(),
            region: REGION.to_string(),
            created_date: Some(days_ago(10)),
            ..Default::default()
        }
    }

    pub fn inventory(secrets: Vec<Secret>) -> Inventory {
        let mut inv = Inventory::empty("fixture", now());
        inv.accounts = vec![ACCOUNT.to_string()];
        inv.scopes = vec![crate::inventory::Scope {
            account: ACCOUNT.to_string(),
            region: REGION.to_string(),
        }];
        inv.secrets = secrets;
        inv
    }

    /// Runs one check over an inventory with the given config.
    pub fn run_with(check: &dyn Check, inv: &Inventory, cfg: &Config) -> Vec<Finding> {
        let ctx = Context::new(inv, cfg, now());
        let mut out = Emitter::new(meta(check.id()).expect("registered"), &ctx);
        check.run(&ctx, &mut out);
        out.findings
    }

    pub fn run(check: &dyn Check, inv: &Inventory) -> Vec<Finding> {
        run_with(check, inv, &Config::default())
    }

    /// The status of the finding on the secret named `name`.
    pub fn status_of(findings: &[Finding], name: &str) -> Status {
        let matching: Vec<_> = findings
            .iter()
            .filter(|f| f.resource.name.as_ref() == name)
            .collect();
        assert_eq!(
            matching.len(),
            1,
            "expected exactly one finding for {name}: {findings:#?}"
        );
        matching[0].status
    }
}

#[cfg(test)]
mod registry_tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn every_check_has_a_valid_doc_matching_its_code() {
        let mut ids = BTreeSet::new();
        for c in ALL {
            let meta = parse_doc(c.doc()).unwrap_or_else(|e| panic!("{}: {e}", c.id()));
            assert_eq!(meta.id, c.id(), "front matter id");
            assert!(ids.insert(meta.id.clone()), "duplicate id {}", meta.id);
            let mut at = 0;
            for section in REQUIRED_SECTIONS {
                let pos = meta.body[at..].find(section).unwrap_or_else(|| {
                    panic!("{}: section {section:?} missing or out of order", c.id())
                });
                at += pos + section.len();
            }
            assert!(
                !meta.title.is_empty() && !meta.remediation.is_empty(),
                "{}",
                c.id()
            );
            assert!(
                meta.name
                    .chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch == '-'),
                "{}: name must be kebab-case",
                c.id()
            );
            for p in &meta.parameters {
                let top = Config::default().to_json();
                let mut v = &top;
                for part in p.split('.') {
                    v = v
                        .get(part)
                        .unwrap_or_else(|| panic!("{}: parameter {p} is not a config key", c.id()));
                }
            }
        }
        let ids_in_order: Vec<_> = ALL.iter().map(|c| c.id()).collect();
        let mut sorted = ids_in_order.clone();
        sorted.sort();
        assert_eq!(ids_in_order, sorted, "ALL is kept in id order");
    }

    #[test]
    fn every_doc_file_has_a_check() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/checks");
        let mut files = BTreeSet::new();
        for entry in std::fs::read_dir(dir).expect("checks/ exists") {
            let name = entry
                .expect("dir entry")
                .file_name()
                .to_string_lossy()
                .to_string();
            if name.starts_with("SL") && name.ends_with(".md") {
                files.insert(name);
            }
        }
        let expected: BTreeSet<String> = ALL
            .iter()
            .map(|c| {
                let m = meta(c.id()).expect("registered");
                format!("{}-{}.md", m.id, m.name)
            })
            .collect();
        assert_eq!(files, expected, "checks/*.md and the registry differ");
    }
}
