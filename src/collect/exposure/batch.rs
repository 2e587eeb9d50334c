//! AWS Batch: `DescribeJobDefinitions` (ACTIVE); container `environment` and `command` are judged.

use super::{MAX_PAGES, SourceScan, client};
use crate::collect::{Ctx, error_parts};
use crate::inventory::Operation;

pub(super) async fn collect(ctx: &Ctx, s: &mut SourceScan<'_>) {
    let client = client!(aws_sdk_batch, ctx, s.region);
    let mut token: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let page = match ctx
            .call(s.region, Operation::DescribeJobDefinitions, || {
                client
                    .describe_job_definitions()
                    .status("ACTIVE")
                    .set_next_token(token.clone())
                    .send()
            })
            .await
        {
            Ok(p) => p,
            Err(e) => {
                s.complete = false;
                s.gap(ctx, Operation::DescribeJobDefinitions, "", error_parts(&e));
                return;
            }
        };
        for d in page.job_definitions() {
            let (Some(arn), Some(name)) = (d.job_definition_arn(), d.job_definition_name()) else {
                continue;
            };
            let mut r = SourceScan::resource(arn.to_string(), name, "job-definition");
            if let Some(c) = d.container_properties() {
                for kv in c.environment() {
                    if let (Some(k), Some(v)) = (kv.name(), kv.value()) {
                        s.pair(&mut r, "", k, v);
                    }
                }
                if !c.command().is_empty() {
                    s.text(&mut r, "command", &c.command().join(" "));
                }
            }
            s.resources.push(r);
        }
        token = page
            .next_token()
            .filter(|t| !t.is_empty())
            .map(str::to_string);
        if token.is_none() {
            return;
        }
    }
}
