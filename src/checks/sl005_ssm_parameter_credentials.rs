//! SL005 ssm-parameter-credentials: an SSM `String` or `StringList` parameter holds a credential.

use super::support::exposure;
use super::{Check, Context, Emitter};
use crate::inventory::ExposureSource;

pub struct SsmParameterCredentials;

impl Check for SsmParameterCredentials {
    fn id(&self) -> &'static str {
        "SL005"
    }

    fn doc(&self) -> &'static str {
        include_str!("../../checks/SL005-ssm-parameter-credentials.md")
    }

    fn run(&self, ctx: &Context<'_>, out: &mut Emitter<'_>) {
        exposure::run(ctx, out, ExposureSource::Ssm, "the parameter value");
    }
}
