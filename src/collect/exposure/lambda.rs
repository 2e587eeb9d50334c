//! Lambda: `ListFunctions` returns each function's environment variables.

use super::{SourceScan, client, paginate};
use crate::collect::Ctx;
use crate::inventory::Operation;

pub(super) async fn collect(ctx: &Ctx, s: &mut SourceScan<'_>) {
    let client = client!(aws_sdk_lambda, ctx, s.region);
    paginate(
        ctx,
        s,
        Operation::ListFunctions,
        |marker| {
            client
                .list_functions()
                .max_items(50)
                .set_marker(marker)
                .send()
        },
        |page| page.next_marker(),
        |s, page| {
            for f in page.functions() {
                let (Some(arn), name) = (f.function_arn(), f.function_name().unwrap_or_default())
                else {
                    continue;
                };
                let mut r = SourceScan::resource(arn.to_string(), name, "function");
                if let Some(vars) = f.environment().and_then(|e| e.variables()) {
                    let mut vars: Vec<_> = vars.iter().collect();
                    vars.sort();
                    for (k, v) in vars {
                        s.pair(&mut r, "", k, v);
                    }
                }
                s.resources.push(r);
            }
        },
    )
    .await;
}
