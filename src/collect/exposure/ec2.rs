//! EC2: instance user data (pending, running, stopping and stopped instances; never terminated
//! ones), launch template versions ($Default and $Latest) and Auto Scaling launch
//! configurations. User data is decoded by [`super::userdata`].

use futures::StreamExt;

use super::{MAX_PAGES, SourceScan, client, userdata};
use crate::collect::{Ctx, error_parts};
use crate::inventory::{ExposedResource, Operation};

pub(super) async fn collect(ctx: &Ctx, s: &mut SourceScan<'_>) {
    instances(ctx, s).await;
    launch_templates(ctx, s).await;
    launch_configurations(ctx, s).await;
}

fn partition(ctx: &Ctx) -> &str {
    ctx.partition.as_str()
}

/// Judges base64 user data of `r` (a missing or empty one is clean).
fn user_data(s: &SourceScan<'_>, r: &mut ExposedResource, label: &str, b64: Option<&str>) {
    let Some(b64) = b64.filter(|v| !v.trim().is_empty()) else {
        return;
    };
    match userdata::decode(b64) {
        Ok(text) => s.text(r, label, &text),
        Err(why) => r.skipped.push(format!("{label}: {why}")),
    }
}

async fn instances(ctx: &Ctx, s: &mut SourceScan<'_>) {
    use aws_sdk_ec2::types::{Filter, InstanceAttributeName};
    let client = client!(aws_sdk_ec2, ctx, s.region);
    let mut ids: Vec<(String, String)> = Vec::new(); // (id, Name tag or id)
    let mut token: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let page = match ctx
            .call(s.region, Operation::DescribeInstances, || {
                client
                    .describe_instances()
                    .filters(
                        Filter::builder()
                            .name("instance-state-name")
                            .values("pending")
                            .values("running")
                            .values("stopping")
                            .values("stopped")
                            .build(),
                    )
                    .max_results(1000)
                    .set_next_token(token.clone())
                    .send()
            })
            .await
        {
            Ok(p) => p,
            Err(e) => {
                s.complete = false;
                s.gap(ctx, Operation::DescribeInstances, "", error_parts(&e));
                break;
            }
        };
        for res in page.reservations() {
            for i in res.instances() {
                let Some(id) = i.instance_id() else { continue };
                let name = i
                    .tags()
                    .iter()
                    .find(|t| t.key() == Some("Name"))
                    .and_then(|t| t.value())
                    .unwrap_or(id);
                ids.push((id.to_string(), name.to_string()));
            }
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
    let jobs = ids.into_iter().map(|(id, name)| {
        let client = client.clone();
        async move {
            let r = ctx
                .call(region, Operation::DescribeInstanceAttribute, || {
                    client
                        .describe_instance_attribute()
                        .instance_id(&id)
                        .attribute(InstanceAttributeName::UserData)
                        .send()
                })
                .await;
            (id, name, r)
        }
    });
    let mut results: Vec<_> = futures::stream::iter(jobs)
        .buffer_unordered(ctx.concurrency)
        .collect()
        .await;
    results.sort_by(|a, b| a.0.cmp(&b.0));
    for (id, name, result) in results {
        let arn = format!(
            "arn:{}:ec2:{}:{}:instance/{id}",
            partition(ctx),
            s.region,
            s.account
        );
        let mut r = SourceScan::resource(arn.clone(), &name, "instance");
        match result {
            Ok(out) => user_data(
                s,
                &mut r,
                "userData",
                out.user_data().and_then(|u| u.value()),
            ),
            Err(e) => {
                let parts = error_parts(&e);
                r.skipped
                    .push(format!("DescribeInstanceAttribute failed ({})", parts.0));
                s.gap(ctx, Operation::DescribeInstanceAttribute, &arn, parts);
            }
        }
        s.resources.push(r);
    }
}

async fn launch_templates(ctx: &Ctx, s: &mut SourceScan<'_>) {
    let client = client!(aws_sdk_ec2, ctx, s.region);
    let mut templates: Vec<(String, String)> = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let page = match ctx
            .call(s.region, Operation::DescribeLaunchTemplates, || {
                client
                    .describe_launch_templates()
                    .max_results(200)
                    .set_next_token(token.clone())
                    .send()
            })
            .await
        {
            Ok(p) => p,
            Err(e) => {
                s.complete = false;
                s.gap(ctx, Operation::DescribeLaunchTemplates, "", error_parts(&e));
                break;
            }
        };
        for t in page.launch_templates() {
            if let Some(id) = t.launch_template_id() {
                let name = t.launch_template_name().unwrap_or(id);
                templates.push((id.to_string(), name.to_string()));
            }
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
    let jobs = templates.into_iter().map(|(id, name)| {
        let client = client.clone();
        async move {
            let r = ctx
                .call(region, Operation::DescribeLaunchTemplateVersions, || {
                    client
                        .describe_launch_template_versions()
                        .launch_template_id(&id)
                        .versions("$Default")
                        .versions("$Latest")
                        .send()
                })
                .await;
            (id, name, r)
        }
    });
    let mut results: Vec<_> = futures::stream::iter(jobs)
        .buffer_unordered(ctx.concurrency)
        .collect()
        .await;
    results.sort_by(|a, b| a.0.cmp(&b.0));
    for (id, name, result) in results {
        let arn = format!(
            "arn:{}:ec2:{}:{}:launch-template/{id}",
            partition(ctx),
            s.region,
            s.account
        );
        let mut r = SourceScan::resource(arn.clone(), &name, "launch-template");
        match result {
            Ok(out) => {
                let mut versions: Vec<_> = out.launch_template_versions().iter().collect();
                versions.sort_by_key(|v| v.version_number());
                versions.dedup_by_key(|v| v.version_number());
                for v in versions {
                    let label = format!("version {} userData", v.version_number().unwrap_or(0));
                    let data = v.launch_template_data().and_then(|d| d.user_data());
                    user_data(s, &mut r, &label, data);
                }
            }
            Err(e) => {
                let parts = error_parts(&e);
                r.skipped.push(format!(
                    "DescribeLaunchTemplateVersions failed ({})",
                    parts.0
                ));
                s.gap(ctx, Operation::DescribeLaunchTemplateVersions, &arn, parts);
            }
        }
        s.resources.push(r);
    }
}

async fn launch_configurations(ctx: &Ctx, s: &mut SourceScan<'_>) {
    let client = client!(aws_sdk_autoscaling, ctx, s.region);
    let mut token: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let page = match ctx
            .call(s.region, Operation::DescribeLaunchConfigurations, || {
                client
                    .describe_launch_configurations()
                    .max_records(100)
                    .set_next_token(token.clone())
                    .send()
            })
            .await
        {
            Ok(p) => p,
            Err(e) => {
                s.complete = false;
                s.gap(
                    ctx,
                    Operation::DescribeLaunchConfigurations,
                    "",
                    error_parts(&e),
                );
                return;
            }
        };
        for lc in page.launch_configurations() {
            let name = lc.launch_configuration_name().unwrap_or_default();
            let arn = lc.launch_configuration_arn().map(str::to_string).unwrap_or_else(|| {
                format!(
                    "arn:{}:autoscaling:{}:{}:launchConfiguration:*:launchConfigurationName/{name}",
                    partition(ctx),
                    s.region,
                    s.account
                )
            });
            let mut r = SourceScan::resource(arn, name, "launch-configuration");
            user_data(s, &mut r, "userData", lc.user_data());
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
