//! [`Emitter`]: collects one check's findings, filling in its metadata; the evidence of a gap.

use std::borrow::Cow;

use serde::Serialize;

use super::Context;
use super::doc::CheckMeta;
use crate::inventory::{Gap, Secret};
use crate::report::{Evidence, Finding, Resource, Status, finding_id};

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
        let severity = self.meta.severity;
        self.push_with_severity(resource, status, severity, message, evidence);
    }

    /// A finding whose severity follows what was found (credentials outside Secrets Manager:
    /// a private key is worse than a generic password) instead of the check's default.
    pub fn push_with_severity(
        &mut self,
        resource: Resource,
        status: Status,
        severity: crate::vocab::Severity,
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
            severity,
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
        let i = (p as usize - range.start as usize) / size_of::<Secret>();
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
            operation: g.operation.as_str(),
            error_code: &g.error_code,
            message: &g.message,
        }
    }
}
