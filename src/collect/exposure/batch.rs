//! AWS Batch: `DescribeJobDefinitions` (ACTIVE); container `environment` and `command` are judged.

use super::{SourceScan, client, paginate};
use crate::collect::Ctx;
use crate::inventory::Operation;

pub(super) async fn collect(ctx: &Ctx, s: &mut SourceScan<'_>) {
    let client = client!(aws_sdk_batch, ctx, s.region);
    paginate(
        ctx,
        s,
        Operation::DescribeJobDefinitions,
        |token| {
            client
                .describe_job_definitions()
                .status("ACTIVE")
                .set_next_token(token)
                .send()
        },
        |page| page.next_token(),
        |s, page| {
            for d in page.job_definitions() {
                let (Some(arn), Some(name)) = (d.job_definition_arn(), d.job_definition_name())
                else {
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
        },
    )
    .await;
}
