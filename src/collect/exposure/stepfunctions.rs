//! Step Functions: `ListStateMachines`, then `DescribeStateMachine` per machine; the definition
//! (Amazon States Language JSON) is judged as text.

use super::{Listed, SourceScan, client, describe_each, paginate};
use crate::collect::Ctx;
use crate::inventory::Operation;

pub(super) async fn collect(ctx: &Ctx, s: &mut SourceScan<'_>) {
    let client = client!(aws_sdk_sfn, ctx, s.region);
    let mut machines: Vec<Listed> = Vec::new();
    paginate(
        ctx,
        s,
        Operation::ListStateMachines,
        |token| {
            client
                .list_state_machines()
                .max_results(1000)
                .set_next_token(token)
                .send()
        },
        |page| page.next_token(),
        |_, page| {
            machines.extend(page.state_machines().iter().map(|m| Listed {
                id: m.state_machine_arn().to_string(),
                name: m.name().to_string(),
                arn: m.state_machine_arn().to_string(),
            }))
        },
    )
    .await;
    describe_each(
        ctx,
        s,
        Operation::DescribeStateMachine,
        "state-machine",
        machines,
        |arn| {
            client
                .describe_state_machine()
                .state_machine_arn(arn)
                .send()
        },
        |s, r, out| s.text(r, "definition", out.definition()),
    )
    .await;
}
