//! SL002 ecs-task-definition-credentials: an ECS task definition's container environment, command or entry point holds a credential.

use super::support::exposure;
use super::{Check, Context, Emitter};
use crate::inventory::ExposureSource;

pub struct EcsTaskDefinitionCredentials;

impl Check for EcsTaskDefinitionCredentials {
    fn id(&self) -> &'static str {
        "SL002"
    }

    fn doc(&self) -> &'static str {
        include_str!("../../checks/SL002-ecs-task-definition-credentials.md")
    }

    fn run(&self, ctx: &Context<'_>, out: &mut Emitter<'_>) {
        exposure::run(ctx, out, ExposureSource::Ecs, "container environment, command and entry point");
    }
}
