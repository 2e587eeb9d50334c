//! What the benchmark floors share: their command line and the SDK configuration it names.

use aws_config::{BehaviorVersion, Region, SdkConfig};

/// Reads `ENDPOINT REGION [CONCURRENCY]` (a usage line naming `example` and exit 2 when one is
/// missing; concurrency 16 by default) and loads the SDK configuration for that endpoint and
/// region.
pub async fn setup(example: &str) -> (SdkConfig, usize) {
    let args: Vec<String> = std::env::args().collect();
    let (endpoint, region) = match (args.get(1), args.get(2)) {
        (Some(e), Some(r)) => (e.clone(), r.clone()),
        _ => {
            eprintln!("usage: {example} ENDPOINT REGION [CONCURRENCY]");
            std::process::exit(2);
        }
    };
    let concurrency: usize = args.get(3).and_then(|c| c.parse().ok()).unwrap_or(16);
    let sdk = aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(Region::new(region))
        .load()
        .await;
    (sdk, concurrency)
}
