//! Where results go besides local files: S3, Security Hub and change alerts. Every
//! destination uses the AWS access described by [`AwsContext`]: the audit's own credentials
//! and endpoint for `audit`, `--profile`/`--endpoint-url` for `evaluate` and `demo`.

pub mod notify;
pub mod s3;
pub mod securityhub;

use std::time::Duration;

use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};

/// The AWS access a destination uses: the SDK's usual credential chain with these overrides.
#[derive(Debug, Clone, Default)]
pub struct AwsContext {
    pub profile: Option<String>,
    pub endpoint_url: Option<String>,
    /// The region for calls that need one (the audit's first region), else the SDK's default.
    pub region: Option<String>,
}

impl AwsContext {
    /// The SDK configuration: standard retries, bounded timeouts.
    pub async fn sdk(&self) -> SdkConfig {
        let mut loader = aws_config::defaults(BehaviorVersion::latest()).timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(5))
                .operation_attempt_timeout(Duration::from_secs(60))
                .operation_timeout(Duration::from_secs(180))
                .build(),
        );
        if let Some(p) = &self.profile {
            loader = loader.profile_name(p);
        }
        if let Some(url) = &self.endpoint_url {
            loader = loader.endpoint_url(url);
        }
        if let Some(r) = &self.region {
            loader = loader.region(Region::new(r.clone()));
        }
        loader.load().await
    }
}
