//! ECS: `ListTaskDefinitions` (ACTIVE), then `DescribeTaskDefinition` for the latest revision of
//! each family (every revision when `[exposure] ecs_all_revisions`). Container `environment`,
//! `command` and `entryPoint` are judged; `secrets[].valueFrom` are references and never are.

use std::collections::BTreeMap;

use super::{Listed, SourceScan, client, describe_each, paginate};
use crate::collect::Ctx;
use crate::inventory::Operation;

pub(super) async fn collect(ctx: &Ctx, all_revisions: bool, s: &mut SourceScan<'_>) {
    let client = client!(aws_sdk_ecs, ctx, s.region);
    let mut arns: Vec<String> = Vec::new();
    paginate(
        ctx,
        s,
        Operation::ListTaskDefinitions,
        |token| {
            client
                .list_task_definitions()
                .status(aws_sdk_ecs::types::TaskDefinitionStatus::Active)
                .set_next_token(token)
                .send()
        },
        |page| page.next_token(),
        |_, page| arns.extend(page.task_definition_arns().iter().cloned()),
    )
    .await;
    if !all_revisions {
        arns = latest_per_family(arns);
    }
    let listed = arns
        .into_iter()
        .map(|arn| Listed {
            name: arn.rsplit('/').next().unwrap_or(&arn).to_string(),
            id: arn.clone(),
            arn,
        })
        .collect();
    describe_each(
        ctx,
        s,
        Operation::DescribeTaskDefinition,
        "task-definition",
        listed,
        |arn| {
            client
                .describe_task_definition()
                .task_definition(arn)
                .send()
        },
        |s, r, out| {
            for c in out
                .task_definition()
                .map(|t| t.container_definitions())
                .unwrap_or_default()
            {
                let prefix = format!("container {}: ", c.name().unwrap_or("?"));
                for kv in c.environment() {
                    if let (Some(k), Some(v)) = (kv.name(), kv.value()) {
                        s.pair(r, &prefix, k, v);
                    }
                }
                for (field, parts) in [("command", c.command()), ("entryPoint", c.entry_point())] {
                    if !parts.is_empty() {
                        s.text(r, &format!("{prefix}{field}"), &parts.join(" "));
                    }
                }
            }
        },
    )
    .await;
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
