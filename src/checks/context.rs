//! [`Context`]: what a check reads (inventory, config, `now`), with the indexes several checks
//! share, each built once per evaluation.

use std::collections::{BTreeSet, HashMap};
use std::sync::OnceLock;

use chrono::{DateTime, Utc};

use super::emit::secret_resource;
use crate::config::Config;
use crate::inventory::{Gap, Inventory, Secret};
use crate::operation::Operation;
use crate::report::Resource;

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
    readers: OnceLock<HashMap<String, crate::access::SecretAccess>>,
    /// Regions of the replicas listed by `ListSecrets`, by (account, name, primary region).
    listed_replicas: OnceLock<HashMap<SecretKey<'a>, Vec<&'a Secret>>>,
    /// The position of the first gap per (operation, resource), for [`Context::secret_gap`].
    first_gap: OnceLock<HashMap<(&'a Operation, &'a str), usize>>,
    /// Every secret's [`Resource`], by position in `inv.secrets`, shared by its findings
    /// ([`Emitter::secret`]).
    resources: OnceLock<Vec<Resource>>,
    /// The audited accounts' IAM access keys, built once by [`Context::known_keys`] for the
    /// exposure checks (SL001–SL008).
    known_keys: OnceLock<Option<Vec<crate::scan::KnownAccessKey>>>,
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
            known_keys: OnceLock::new(),
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
    pub fn secret_gap(&self, secret: &Secret, operation: Operation) -> Option<&'a Gap> {
        let inv = self.inv;
        let first = self.first_gap.get_or_init(|| {
            let mut m = HashMap::new();
            for (i, g) in inv.gaps.iter().enumerate() {
                m.entry((&g.operation, g.resource.as_str())).or_insert(i);
            }
            m
        });
        let by = |resource: &str| first.get(&(&operation, resource)).copied();
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

    /// The IAM access keys of the inventory ([`crate::scan::keyid::known_keys`]), computed once
    /// per evaluation; `None` when no user's access keys were collected.
    pub fn known_keys(&self) -> Option<&[crate::scan::KnownAccessKey]> {
        self.known_keys
            .get_or_init(|| crate::scan::keyid::known_keys(self.inv))
            .as_deref()
    }

    /// Regions of the replicas of `secret` that `ListSecrets` listed in the audited regions
    /// (each replica names its primary's region).
    pub fn listed_replica_regions(&self, secret: &Secret) -> BTreeSet<&'a str> {
        self.listed_replicas(secret)
            .iter()
            .map(|r| r.region.as_str())
            .collect()
    }

    /// The replicas of `secret` that `ListSecrets` listed in the audited regions.
    pub fn listed_replicas(&self, secret: &Secret) -> Vec<&'a Secret> {
        let inv = self.inv;
        let all = self.listed_replicas.get_or_init(|| {
            let mut m: HashMap<_, Vec<&Secret>> = HashMap::new();
            for r in inv.secrets.iter().filter(|r| r.is_replica()) {
                if let Some(primary) = r.primary_region.as_deref() {
                    m.entry((r.account.as_str(), r.name.as_str(), primary))
                        .or_default()
                        .push(r);
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
