//! SL001 lambda-environment-credentials: a Lambda function's environment variables hold a credential.

use super::support::exposure;
use super::{Check, Context, Emitter};
use crate::inventory::ExposureSource;

pub struct LambdaEnvironmentCredentials;

impl Check for LambdaEnvironmentCredentials {
    fn id(&self) -> &'static str {
        "SL001"
    }

    fn doc(&self) -> &'static str {
        include_str!("../../checks/SL001-lambda-environment-credentials.md")
    }

    fn run(&self, ctx: &Context<'_>, out: &mut Emitter<'_>) {
        exposure::run(ctx, out, ExposureSource::Lambda, "environment variables");
    }
}
