//! CodeBuild: `ListProjects`, then `BatchGetProjects` a hundred at a time; `PLAINTEXT`
//! environment variables are judged (`PARAMETER_STORE` and `SECRETS_MANAGER` ones are references).

use super::{SourceScan, client, paginate};
use crate::collect::{Ctx, error_parts};
use crate::inventory::Operation;

pub(super) async fn collect(ctx: &Ctx, s: &mut SourceScan<'_>) {
    let client = client!(aws_sdk_codebuild, ctx, s.region);
    let mut names: Vec<String> = Vec::new();
    paginate(
        ctx,
        s,
        Operation::ListProjects,
        |token| client.list_projects().set_next_token(token).send(),
        |page| page.next_token(),
        |_, page| names.extend(page.projects().iter().cloned()),
    )
    .await;
    names.sort();
    names.dedup();
    for batch in names.chunks(100) {
        match ctx
            .call(s.region, Operation::BatchGetProjects, || {
                client
                    .batch_get_projects()
                    .set_names(Some(batch.to_vec()))
                    .send()
            })
            .await
        {
            Ok(out) => {
                for p in out.projects() {
                    let name = p.name().unwrap_or_default();
                    let Some(arn) = p.arn() else { continue };
                    let mut r = SourceScan::resource(arn.to_string(), name, "project");
                    for v in p
                        .environment()
                        .map(|e| e.environment_variables())
                        .unwrap_or_default()
                    {
                        let plaintext = v.r#type().is_none_or(|t| t.as_str() == "PLAINTEXT");
                        if plaintext {
                            s.pair(&mut r, "", v.name(), v.value());
                        }
                    }
                    s.resources.push(r);
                }
            }
            Err(e) => {
                s.complete = false;
                s.gap(
                    ctx,
                    Operation::BatchGetProjects,
                    &batch.join(","),
                    error_parts(&e),
                );
            }
        }
    }
}
