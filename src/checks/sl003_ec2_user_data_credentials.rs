//! SL003 ec2-user-data-credentials: EC2 user data (instances, launch template versions, launch configurations) holds a credential.

use super::support::exposure;
use super::{Check, Context, Emitter};
use crate::inventory::ExposureSource;

pub struct Ec2UserDataCredentials;

impl Check for Ec2UserDataCredentials {
    fn id(&self) -> &'static str {
        "SL003"
    }

    fn doc(&self) -> &'static str {
        include_str!("../../checks/SL003-ec2-user-data-credentials.md")
    }

    fn run(&self, ctx: &Context<'_>, out: &mut Emitter<'_>) {
        exposure::run(ctx, out, ExposureSource::Ec2, "user data");
    }
}
