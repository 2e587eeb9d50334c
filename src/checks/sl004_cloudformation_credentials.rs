//! SL004 cloudformation-credentials: a CloudFormation stack's outputs or parameters (not NoEcho) hold a credential.

use super::support::exposure;
use super::{Check, Context, Emitter};
use crate::inventory::ExposureSource;

pub struct CloudFormationCredentials;

impl Check for CloudFormationCredentials {
    fn id(&self) -> &'static str {
        "SL004"
    }

    fn doc(&self) -> &'static str {
        include_str!("../../checks/SL004-cloudformation-credentials.md")
    }

    fn run(&self, ctx: &Context<'_>, out: &mut Emitter<'_>) {
        exposure::run(ctx, out, ExposureSource::Cloudformation, "stack outputs and parameters");
    }
}
