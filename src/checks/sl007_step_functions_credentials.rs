//! SL007 step-functions-definition-credentials: a Step Functions state machine definition holds a credential.

use super::support::exposure;
use super::{Check, Context, Emitter};
use crate::inventory::ExposureSource;

pub struct StepFunctionsCredentials;

impl Check for StepFunctionsCredentials {
    fn id(&self) -> &'static str {
        "SL007"
    }

    fn doc(&self) -> &'static str {
        include_str!("../../checks/SL007-step-functions-definition-credentials.md")
    }

    fn run(&self, ctx: &Context<'_>, out: &mut Emitter<'_>) {
        exposure::run(ctx, out, ExposureSource::StepFunctions, "the state machine definition");
    }
}
