//! SL006 codebuild-plaintext-credentials: a CodeBuild project's PLAINTEXT environment variable holds a credential.

use super::support::exposure;
use super::{Check, Context, Emitter};
use crate::inventory::ExposureSource;

pub struct CodeBuildCredentials;

impl Check for CodeBuildCredentials {
    fn id(&self) -> &'static str {
        "SL006"
    }

    fn doc(&self) -> &'static str {
        include_str!("../../checks/SL006-codebuild-plaintext-credentials.md")
    }

    fn run(&self, ctx: &Context<'_>, out: &mut Emitter<'_>) {
        exposure::run(ctx, out, ExposureSource::Codebuild, "PLAINTEXT environment variables");
    }
}
