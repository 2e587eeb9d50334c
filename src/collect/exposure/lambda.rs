//! Lambda: `ListFunctions` returns each function's environment variables.

use super::{MAX_PAGES, SourceScan, client};
use crate::collect::{Ctx, error_parts};
use crate::inventory::Operation;

pub(super) async fn collect(ctx: &Ctx, s: &mut SourceScan<'_>) {
    let client = client!(aws_sdk_lambda, ctx, s.region);
    let mut marker: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let page = match ctx
            .call(s.region, Operation::ListFunctions, || {
                client
                    .list_functions()
                    .max_items(50)
                    .set_marker(marker.clone())
                    .send()
            })
            .await
        {
            Ok(p) => p,
            Err(e) => {
                s.complete = false;
                s.gap(ctx, Operation::ListFunctions, "", error_parts(&e));
                return;
            }
        };
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
        marker = page
            .next_marker()
            .filter(|m| !m.is_empty())
            .map(str::to_string);
        if marker.is_none() {
            return;
        }
    }
}
