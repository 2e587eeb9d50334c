//! Collection from AWS: the only module that links the AWS SDK.
use crate::config::Config;
use crate::error::Error;
use crate::inventory::Inventory;

#[derive(Debug, Clone, Default)]
pub struct CollectOptions {
    pub profile: Option<String>,
    pub regions: Vec<String>,
    pub endpoint_url: Option<String>,
    pub concurrency: usize,
    pub progress: bool,
}

pub async fn collect(opts: &CollectOptions, cfg: &Config) -> Result<Inventory, Error> {
    let _ = (opts, cfg);
    Err(Error::Collect("not implemented yet".into()))
}
