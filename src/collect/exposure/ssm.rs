//! SSM Parameter Store: `DescribeParameters` filtered to `String` and `StringList`, then
//! `GetParameters` ten names at a time. `SecureString` values are never requested, and nothing is
//! ever decrypted (`WithDecryption` is never set).

use super::{SourceScan, client, paginate};
use crate::collect::{Ctx, error_parts};
use crate::inventory::Operation;

pub(super) async fn collect(ctx: &Ctx, s: &mut SourceScan<'_>) {
    use aws_sdk_ssm::types::ParameterStringFilter;
    let client = client!(aws_sdk_ssm, ctx, s.region);
    let filter = ParameterStringFilter::builder()
        .key("Type")
        .option("Equals")
        .values("String")
        .values("StringList")
        .build();
    let filter = match filter {
        Ok(f) => f,
        Err(e) => {
            s.complete = false;
            s.gap(
                ctx,
                Operation::DescribeParameters,
                "",
                ("ConstructionFailure".into(), e.to_string()),
            );
            return;
        }
    };
    let mut names: Vec<String> = Vec::new();
    paginate(
        ctx,
        s,
        Operation::DescribeParameters,
        |token| {
            client
                .describe_parameters()
                .parameter_filters(filter.clone())
                .max_results(50)
                .set_next_token(token)
                .send()
        },
        |page| page.next_token(),
        |_, page| {
            for p in page.parameters() {
                let secure = p.r#type().is_some_and(|t| t.as_str() == "SecureString");
                if let (Some(n), false) = (p.name(), secure) {
                    names.push(n.to_string());
                }
            }
        },
    )
    .await;
    names.sort();
    names.dedup();
    for batch in names.chunks(10) {
        match ctx
            .call(s.region, Operation::GetParameters, || {
                client
                    .get_parameters()
                    .set_names(Some(batch.to_vec()))
                    .send()
            })
            .await
        {
            Ok(out) => {
                let mut params: Vec<_> = out.parameters().iter().collect();
                params.sort_by(|a, b| a.name().cmp(&b.name()));
                for p in params {
                    if p.r#type().is_some_and(|t| t.as_str() == "SecureString") {
                        continue;
                    }
                    let name = p.name().unwrap_or_default();
                    let arn = p.arn().map(str::to_string).unwrap_or_else(|| {
                        format!(
                            "arn:{}:ssm:{}:{}:parameter/{}",
                            ctx.partition,
                            s.region,
                            s.account,
                            name.trim_start_matches('/')
                        )
                    });
                    let mut r = SourceScan::resource(arn, name, "parameter");
                    if let Some(v) = p.value() {
                        s.pair(&mut r, "", name, v);
                    }
                    s.resources.push(r);
                }
            }
            Err(e) => {
                let parts = error_parts(&e);
                for name in batch {
                    let arn = format!(
                        "arn:{}:ssm:{}:{}:parameter/{}",
                        ctx.partition,
                        s.region,
                        s.account,
                        name.trim_start_matches('/')
                    );
                    let mut r = SourceScan::resource(arn, name, "parameter");
                    r.skipped
                        .push(format!("GetParameters failed ({})", parts.0));
                    s.resources.push(r);
                }
                s.gap(ctx, Operation::GetParameters, &batch.join(","), parts);
            }
        }
    }
}
