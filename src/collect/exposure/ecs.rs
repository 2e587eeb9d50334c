//! ECS: `ListTaskDefinitions` (ACTIVE), then `DescribeTaskDefinition` for the latest revision of
//! each family (every revision when `[exposure] ecs_all_revisions`). Container `environment`,
//! `command` and `entryPoint` are judged; `secrets[].valueFrom` are references and never are.

use std::collections::BTreeMap;

use futures::StreamExt;

use super::{MAX_PAGES, SourceScan, client};
use crate::collect::{Ctx, error_parts};
use crate::inventory::Operation;

pub(super) async fn collect(ctx: &Ctx, all_revisions: bool, s: &mut SourceScan<'_>) {
    let client = client!(aws_sdk_ecs, ctx, s.region);
    let mut arns: Vec<String> = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let page = match ctx
            .call(s.region, Operation::ListTaskDefinitions, || {
                client
                    .list_task_definitions()
                    .status(aws_sdk_ecs::types::TaskDefinitionStatus::Active)
                    .set_next_token(token.clone())
                    .send()
            })
            .await
        {
            Ok(p) => p,
            Err(e) => {
                s.complete = false;
                s.gap(ctx, Operation::ListTaskDefinitions, "", error_parts(&e));
                break;
            }
        };
        arns.extend(page.task_definition_arns().iter().cloned());
        token = page
            .next_token()
            .filter(|t| !t.is_empty())
            .map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    if !all_revisions {
        arns = latest_per_family(arns);
    }
    let region = s.region;
    let jobs = arns.into_iter().map(|arn| {
        let client = client.clone();
        async move {
            let r = ctx
                .call(region, Operation::DescribeTaskDefinition, || {
                    client
                        .describe_task_definition()
                        .task_definition(&arn)
                        .send()
                })
                .await;
            (arn, r)
        }
    });
    let mut results: Vec<_> = futures::stream::iter(jobs)
        .buffer_unordered(ctx.concurrency)
        .collect()
        .await;
    results.sort_by(|a, b| a.0.cmp(&b.0));
    for (arn, result) in results {
        let name = arn.rsplit('/').next().unwrap_or(&arn).to_string();
        let mut r = SourceScan::resource(arn.clone(), &name, "task-definition");
        match result {
            Ok(out) => {
                for c in out
                    .task_definition()
                    .map(|t| t.container_definitions())
                    .unwrap_or_default()
                {
                    let prefix = format!("container {}: ", c.name().unwrap_or("?"));
                    for kv in c.environment() {
                        if let (Some(k), Some(v)) = (kv.name(), kv.value()) {
                            s.pair(&mut r, &prefix, k, v);
                        }
                    }
                    for (field, parts) in
                        [("command", c.command()), ("entryPoint", c.entry_point())]
                    {
                        if !parts.is_empty() {
                            s.text(&mut r, &format!("{prefix}{field}"), &parts.join(" "));
                        }
                    }
                }
            }
            Err(e) => {
                let parts = error_parts(&e);
                r.skipped
                    .push(format!("DescribeTaskDefinition failed ({})", parts.0));
                s.gap(ctx, Operation::DescribeTaskDefinition, &arn, parts);
            }
        }
        s.resources.push(r);
    }
}

/// The highest revision of each family (`…:task-definition/FAMILY:REVISION`).
fn latest_per_family(arns: Vec<String>) -> Vec<String> {
    let mut best: BTreeMap<String, (u64, String)> = BTreeMap::new();
    for arn in arns {
        let Some((family, rev)) = arn.rsplit_once(':') else {
            continue;
        };
        let rev: u64 = rev.parse().unwrap_or(0);
        let e = best.entry(family.to_string()).or_insert((rev, arn.clone()));
        if rev >= e.0 {
            *e = (rev, arn);
        }
    }
    best.into_values().map(|(_, a)| a).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_latest_revision_of_each_family_is_kept() {
        let a = |f: &str, r: u32| format!("arn:aws:ecs:us-east-1:1:task-definition/{f}:{r}");
        let got =
            super::latest_per_family(vec![a("web", 2), a("web", 10), a("api", 1), a("web", 9)]);
        assert_eq!(got, vec![a("api", 1), a("web", 10)]);
    }
}
