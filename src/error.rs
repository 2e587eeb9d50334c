//! The library's error type. Every message says what failed, on what, and what to do.

use crate::config::ConfigError;
use crate::inventory::InventoryError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Inventory(#[from] InventoryError),
    #[error("cannot {action} {path}: {source}")]
    Io {
        action: &'static str,
        path: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Usage(String),
    #[error("collection failed: {0}")]
    Collect(String),
}
