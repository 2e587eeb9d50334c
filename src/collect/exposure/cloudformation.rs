//! CloudFormation: `DescribeStacks`; outputs and parameters are judged. NoEcho parameters come
//! back masked (`****`) and are skipped; dynamic references (`{{resolve:…}}`) are references.

use super::{SourceScan, client, paginate};
use crate::collect::Ctx;
use crate::inventory::Operation;

pub(super) async fn collect(ctx: &Ctx, s: &mut SourceScan<'_>) {
    let client = client!(aws_sdk_cloudformation, ctx, s.region);
    paginate(
        ctx,
        s,
        Operation::DescribeStacks,
        |token| client.describe_stacks().set_next_token(token).send(),
        |page| page.next_token(),
        |s, page| {
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
        },
    )
    .await;
}
