//! Step Functions: `ListStateMachines`, then `DescribeStateMachine` per machine; the definition
//! (Amazon States Language JSON) is judged as text.

use futures::StreamExt;

use super::{MAX_PAGES, SourceScan, client};
use crate::collect::{Ctx, error_parts};
use crate::inventory::Operation;

pub(super) async fn collect(ctx: &Ctx, s: &mut SourceScan<'_>) {
    let client = client!(aws_sdk_sfn, ctx, s.region);
    let mut machines: Vec<(String, String)> = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let page = match ctx
            .call(s.region, Operation::ListStateMachines, || {
                client
                    .list_state_machines()
                    .max_results(1000)
                    .set_next_token(token.clone())
                    .send()
            })
            .await
        {
            Ok(p) => p,
            Err(e) => {
                s.complete = false;
                s.gap(ctx, Operation::ListStateMachines, "", error_parts(&e));
                break;
            }
        };
        for m in page.state_machines() {
            machines.push((m.state_machine_arn().to_string(), m.name().to_string()));
        }
        token = page
            .next_token()
            .filter(|t| !t.is_empty())
            .map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    let region = s.region;
    let jobs = machines.into_iter().map(|(arn, name)| {
        let client = client.clone();
        async move {
            let r = ctx
                .call(region, Operation::DescribeStateMachine, || {
                    client
                        .describe_state_machine()
                        .state_machine_arn(&arn)
                        .send()
                })
                .await;
            (arn, name, r)
        }
    });
    let mut results: Vec<_> = futures::stream::iter(jobs)
        .buffer_unordered(ctx.concurrency)
        .collect()
        .await;
    results.sort_by(|a, b| a.0.cmp(&b.0));
    for (arn, name, result) in results {
        let mut r = SourceScan::resource(arn.clone(), &name, "state-machine");
        match result {
            Ok(out) => s.text(&mut r, "definition", out.definition()),
            Err(e) => {
                let parts = error_parts(&e);
                r.skipped
                    .push(format!("DescribeStateMachine failed ({})", parts.0));
                s.gap(ctx, Operation::DescribeStateMachine, &arn, parts);
            }
        }
        s.resources.push(r);
    }
}
