//! Credentials outside Secrets Manager: the configuration of Lambda, ECS, EC2, CloudFormation,
//! SSM, CodeBuild, Step Functions and Batch, judged in memory by [`crate::scan::config`] as it is
//! read. Nothing keeps a value: the inventory holds, per resource, where each hit is, its rule, a
//! fingerprint and a redacted preview.
//!
//! Calls per region and source (all paginated; a listing that fails is a [`Gap`] and leaves the
//! scan incomplete; a per-resource call that fails is a gap and a `skipped` note on the resource):
//!
//! | source | calls |
//! |---|---|
//! | lambda | `ListFunctions` (the environment is in the listing) |
//! | ecs | `ListTaskDefinitions` (ACTIVE), `DescribeTaskDefinition` per latest revision of each family (or every revision) |
//! | ec2 | `DescribeInstances` (pending, running, stopping, stopped), `DescribeInstanceAttribute userData` per instance; `DescribeLaunchTemplates`, `DescribeLaunchTemplateVersions` ($Default, $Latest) per template; `autoscaling:DescribeLaunchConfigurations` |
//! | cloudformation | `DescribeStacks` (outputs and parameters) |
//! | ssm | `DescribeParameters` (Type String, StringList), `GetParameters` per 10 names, never decrypted |
//! | codebuild | `ListProjects`, `BatchGetProjects` per 100 names |
//! | step-functions | `ListStateMachines`, `DescribeStateMachine` per machine |
//! | batch | `DescribeJobDefinitions` (ACTIVE) |
//!
//! No function code is downloaded.

mod batch;
mod cloudformation;
mod codebuild;
mod ec2;
mod ecs;
mod lambda;
mod ssm;
mod stepfunctions;
pub(crate) mod userdata;

use std::future::Future;
use std::sync::Arc;

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use futures::StreamExt;

use super::{Ctx, error_parts};
use crate::inventory::{
    ExposedResource, ExposureHit, ExposureScan, ExposureSource, Gap, Operation,
};
use crate::scan::Engine;
use crate::scan::config::{ConfigHit, ConfigScanner};

/// Most pages read from one listing (a loop guard; real listings end long before).
pub(crate) const MAX_PAGES: usize = 10_000;

/// `[exposure]` as collection needs it.
pub(crate) struct Settings {
    pub sources: Vec<ExposureSource>,
    pub ecs_all_revisions: bool,
    pub engine: Arc<Engine>,
}

/// One source's scan in one region, as the per-source collectors build it.
pub(crate) struct SourceScan<'a> {
    pub account: &'a str,
    pub region: &'a str,
    pub source: ExposureSource,
    pub scanner: &'a ConfigScanner<'a>,
    pub complete: bool,
    pub resources: Vec<ExposedResource>,
    pub gaps: Vec<Gap>,
}

impl<'a> SourceScan<'a> {
    /// A resource to fill with [`Self::pair`] and [`Self::text`].
    pub fn resource(arn: String, name: &str, kind: &str) -> ExposedResource {
        ExposedResource {
            arn: super::bounded(&arn, 2048),
            name: super::bounded(name, 1024),
            kind: kind.to_string(),
            hits: Vec::new(),
            skipped: Vec::new(),
        }
    }

    /// Judges a name/value pair of `r`; `prefix` qualifies the location (`container web: `).
    pub fn pair(&self, r: &mut ExposedResource, prefix: &str, name: &str, value: &str) {
        match self.scanner.pair(name, value) {
            Ok(hits) => r.hits.extend(hits.into_iter().map(|h| hit(prefix, h))),
            Err(skip) => r.skipped.push(format!("{prefix}{skip}")),
        }
    }

    /// Judges free text of `r` (user data, a definition, a command line).
    pub fn text(&self, r: &mut ExposedResource, location: &str, text: &str) {
        match self.scanner.text(location, text) {
            Ok(hits) => r
                .hits
                .extend(hits.into_iter().map(|h| hit(&format!("{location} "), h))),
            Err(skip) => r.skipped.push(skip.to_string()),
        }
    }

    pub fn gap(&mut self, ctx: &Ctx, op: Operation, resource: &str, parts: (String, String)) {
        self.gaps.push(ctx.gap(self.region, op, resource, parts));
    }

    fn finish(self) -> (ExposureScan, Vec<Gap>) {
        let mut resources = self.resources;
        for r in &mut resources {
            r.hits
                .sort_by(|a, b| (&a.location, &a.rule_id).cmp(&(&b.location, &b.rule_id)));
            r.hits.dedup();
        }
        (
            ExposureScan {
                account: self.account.to_string(),
                region: self.region.to_string(),
                source: self.source,
                complete: self.complete,
                resources,
            },
            self.gaps,
        )
    }
}

/// Reads every page of a listing: `send` requests the page after a token, `take` reads a page
/// and `next` gives the token of the page after it (none or empty: the last page). A page that
/// fails is a gap, leaves the scan incomplete and ends the reading; what earlier pages gave stays.
pub(crate) async fn paginate<'a, P, E, Fut>(
    ctx: &Ctx,
    s: &mut SourceScan<'a>,
    op: Operation,
    mut send: impl FnMut(Option<String>) -> Fut,
    next: impl Fn(&P) -> Option<&str>,
    mut take: impl FnMut(&mut SourceScan<'a>, &P),
) where
    Fut: Future<Output = Result<P, SdkError<E, HttpResponse>>>,
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let mut token: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let page = match ctx.call(s.region, op.clone(), || send(token.clone())).await {
            Ok(p) => p,
            Err(e) => {
                s.complete = false;
                s.gap(ctx, op, "", error_parts(&e));
                return;
            }
        };
        take(s, &page);
        token = next(&page).filter(|t| !t.is_empty()).map(str::to_string);
        if token.is_none() {
            return;
        }
    }
}

/// A listed resource to describe: `id` is what the describe call names.
pub(crate) struct Listed {
    pub id: String,
    pub name: String,
    pub arn: String,
}

/// Describes each listed resource (`ctx.concurrency` calls at a time) and adds them to the scan
/// in order of id, each read by `judge`. A call that fails is a gap and a `skipped` note on the
/// resource.
pub(crate) async fn describe_each<'a, D, E, Fut>(
    ctx: &Ctx,
    s: &mut SourceScan<'a>,
    op: Operation,
    kind: &str,
    listed: Vec<Listed>,
    describe: impl Fn(&str) -> Fut,
    mut judge: impl FnMut(&SourceScan<'a>, &mut ExposedResource, D),
) where
    Fut: Future<Output = Result<D, SdkError<E, HttpResponse>>>,
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let region = s.region;
    let (op_ref, describe) = (&op, &describe);
    let jobs = listed.into_iter().map(|item| async move {
        let r = ctx
            .call(region, op_ref.clone(), || describe(&item.id))
            .await;
        (item, r)
    });
    let mut results: Vec<_> = futures::stream::iter(jobs)
        .buffer_unordered(ctx.concurrency)
        .collect()
        .await;
    results.sort_by(|a, b| a.0.id.cmp(&b.0.id));
    for (item, result) in results {
        let mut r = SourceScan::resource(item.arn.clone(), &item.name, kind);
        match result {
            Ok(out) => judge(s, &mut r, out),
            Err(e) => {
                let parts = error_parts(&e);
                r.skipped.push(format!("{op} failed ({})", parts.0));
                s.gap(ctx, op.clone(), &item.arn, parts);
            }
        }
        s.resources.push(r);
    }
}

fn hit(prefix: &str, h: ConfigHit) -> ExposureHit {
    ExposureHit {
        location: super::bounded(&format!("{prefix}{}", h.location), 1024),
        rule_id: h.rule_id,
        category: h.category,
        severity: h.severity,
        fingerprint: h.fingerprint,
        preview: h.preview,
        key_id: h.key_id,
    }
}

/// Scans the configured sources of one region. `secret_refs`: the names and ARNs of the region's
/// secrets (a variable holding one refers to a secret, it is not one).
pub(crate) async fn collect(
    ctx: &Ctx,
    settings: &Settings,
    region: &str,
    secret_refs: Vec<String>,
) -> (Vec<ExposureScan>, Vec<Gap>) {
    let scanner = ConfigScanner::new(&settings.engine).with_secret_refs(secret_refs);
    let (mut scans, mut gaps) = (Vec::new(), Vec::new());
    for &source in &settings.sources {
        let mut s = SourceScan {
            account: &ctx.account,
            region,
            source,
            scanner: &scanner,
            complete: true,
            resources: Vec::new(),
            gaps: Vec::new(),
        };
        match source {
            ExposureSource::Lambda => lambda::collect(ctx, &mut s).await,
            ExposureSource::Ecs => ecs::collect(ctx, settings.ecs_all_revisions, &mut s).await,
            ExposureSource::Ec2 => ec2::collect(ctx, &mut s).await,
            ExposureSource::Cloudformation => cloudformation::collect(ctx, &mut s).await,
            ExposureSource::Ssm => ssm::collect(ctx, &mut s).await,
            ExposureSource::Codebuild => codebuild::collect(ctx, &mut s).await,
            ExposureSource::StepFunctions => stepfunctions::collect(ctx, &mut s).await,
            ExposureSource::Batch => batch::collect(ctx, &mut s).await,
        }
        let (scan, mut g) = s.finish();
        scans.push(scan);
        gaps.append(&mut g);
    }
    (scans, gaps)
}

/// A client of service `$sdk` for `region`.
macro_rules! client {
    ($sdk:ident, $ctx:expr, $region:expr) => {
        $sdk::Client::from_conf(
            $sdk::config::Builder::from(&$ctx.sdk)
                .region(aws_config::Region::new($region.to_string()))
                .build(),
        )
    };
}
pub(crate) use client;
