//! SL008 batch-job-definition-credentials: an AWS Batch job definition's container environment or command holds a credential.

use super::support::exposure;
use super::{Check, Context, Emitter};
use crate::inventory::ExposureSource;

pub struct BatchJobDefinitionCredentials;

impl Check for BatchJobDefinitionCredentials {
    fn id(&self) -> &'static str {
        "SL008"
    }

    fn doc(&self) -> &'static str {
        include_str!("../../checks/SL008-batch-job-definition-credentials.md")
    }

    fn run(&self, ctx: &Context<'_>, out: &mut Emitter<'_>) {
        exposure::run(ctx, out, ExposureSource::Batch, "container environment and command");
    }
}
