//! EC2: instance user data (pending, running, stopping and stopped instances; never terminated
//! ones), launch template versions ($Default and $Latest) and Auto Scaling launch
//! configurations. User data is decoded by [`super::userdata`].

use super::{Listed, SourceScan, client, describe_each, paginate, userdata};
use crate::collect::Ctx;
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

/// The ARN of an EC2 resource of this scan's region and account (`instance/i-…`).
fn arn(ctx: &Ctx, s: &SourceScan<'_>, resource: &str) -> String {
    format!(
        "arn:{}:ec2:{}:{}:{resource}",
        partition(ctx),
        s.region,
        s.account
    )
}

async fn instances(ctx: &Ctx, s: &mut SourceScan<'_>) {
    use aws_sdk_ec2::types::{Filter, InstanceAttributeName};
    let client = client!(aws_sdk_ec2, ctx, s.region);
    let mut listed: Vec<Listed> = Vec::new();
    paginate(
        ctx,
        s,
        Operation::DescribeInstances,
        |token| {
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
                .set_next_token(token)
                .send()
        },
        |page| page.next_token(),
        |s, page| {
            for res in page.reservations() {
                for i in res.instances() {
                    let Some(id) = i.instance_id() else { continue };
                    let name = i
                        .tags()
                        .iter()
                        .find(|t| t.key() == Some("Name"))
                        .and_then(|t| t.value())
                        .unwrap_or(id);
                    listed.push(Listed {
                        id: id.to_string(),
                        name: name.to_string(),
                        arn: arn(ctx, s, &format!("instance/{id}")),
                    });
                }
            }
        },
    )
    .await;
    describe_each(
        ctx,
        s,
        Operation::DescribeInstanceAttribute,
        "instance",
        listed,
        |id| {
            client
                .describe_instance_attribute()
                .instance_id(id)
                .attribute(InstanceAttributeName::UserData)
                .send()
        },
        |s, r, out| {
            let b64 = out.user_data().and_then(|u| u.value());
            user_data(s, r, "userData", b64);
        },
    )
    .await;
}

async fn launch_templates(ctx: &Ctx, s: &mut SourceScan<'_>) {
    let client = client!(aws_sdk_ec2, ctx, s.region);
    let mut listed: Vec<Listed> = Vec::new();
    paginate(
        ctx,
        s,
        Operation::DescribeLaunchTemplates,
        |token| {
            client
                .describe_launch_templates()
                .max_results(200)
                .set_next_token(token)
                .send()
        },
        |page| page.next_token(),
        |s, page| {
            for t in page.launch_templates() {
                if let Some(id) = t.launch_template_id() {
                    listed.push(Listed {
                        id: id.to_string(),
                        name: t.launch_template_name().unwrap_or(id).to_string(),
                        arn: arn(ctx, s, &format!("launch-template/{id}")),
                    });
                }
            }
        },
    )
    .await;
    describe_each(
        ctx,
        s,
        Operation::DescribeLaunchTemplateVersions,
        "launch-template",
        listed,
        |id| {
            client
                .describe_launch_template_versions()
                .launch_template_id(id)
                .versions("$Default")
                .versions("$Latest")
                .send()
        },
        |s, r, out| {
            let mut versions: Vec<_> = out.launch_template_versions().iter().collect();
            versions.sort_by_key(|v| v.version_number());
            versions.dedup_by_key(|v| v.version_number());
            for v in versions {
                let label = format!("version {} userData", v.version_number().unwrap_or(0));
                let data = v.launch_template_data().and_then(|d| d.user_data());
                user_data(s, r, &label, data);
            }
        },
    )
    .await;
}

async fn launch_configurations(ctx: &Ctx, s: &mut SourceScan<'_>) {
    let client = client!(aws_sdk_autoscaling, ctx, s.region);
    paginate(
        ctx,
        s,
        Operation::DescribeLaunchConfigurations,
        |token| {
            client
                .describe_launch_configurations()
                .max_records(100)
                .set_next_token(token)
                .send()
        },
        |page| page.next_token(),
        |s, page| {
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
        },
    )
    .await;
}
