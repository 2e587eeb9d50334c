//! CloudFormation: `DescribeStacks`; outputs and parameters are judged. NoEcho parameters come
//! back masked (`****`) and are skipped; dynamic references (`{{resolve:…}}`) are references.

use super::{MAX_PAGES, SourceScan, client};
use crate::collect::{Ctx, error_parts};
use crate::inventory::Operation;

pub(super) async fn collect(ctx: &Ctx, s: &mut SourceScan<'_>) {
    let client = client!(aws_sdk_cloudformation, ctx, s.region);
    let mut token: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let page = match ctx
            .call(s.region, Operation::DescribeStacks, || {
                client
                    .describe_stacks()
                    .set_next_token(token.clone())
                    .send()
            })
            .await
        {
            Ok(p) => p,
            Err(e) => {
                s.complete = false;
                s.gap(ctx, Operation::DescribeStacks, "", error_parts(&e));
                return;
            }
        };
        for st in page.stacks() {
            let name = st.stack_name().unwrap_or_default();
            let Some(id) = st.stack_id() else { continue };
            let mut r = SourceScan::resource(id.to_string(), name, "stack");
            for o in st.outputs() {
                if let (Some(k), Some(v)) = (o.output_key(), o.output_value()) {
                    s.pair(&mut r, "output ", k, v);
                }
            }
            for p in st.parameters() {
                if let (Some(k), Some(v)) = (p.parameter_key(), p.parameter_value()) {
                    if v.chars().all(|c| c == '*') {
                        continue; // NoEcho: AWS returns a mask, never the value
                    }
                    s.pair(&mut r, "parameter ", k, v);
                }
            }
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
