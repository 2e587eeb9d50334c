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
    /// A destination (S3, Security Hub, a notification target) failed; the local reports are
    /// written.
    #[error("{0}")]
    Destination(String),
    #[error(transparent)]
    S3(#[from] crate::destinations::s3::S3Error),
}

/// Declares an error type that carries a message: `struct Name(pub String)` with `Display`,
/// `std::error::Error`, and `From<String>` / `From<&str>` (so `Err(format!(…).into())` and `?`
/// on a message work). One type per module keeps errors from different places apart.
macro_rules! message_error {
    ($(#[$attr:meta])* $vis:vis $name:ident) => {
        $(#[$attr])*
        #[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
        #[error("{0}")]
        $vis struct $name(pub String);

        impl From<String> for $name {
            fn from(s: String) -> Self {
                $name(s)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                $name(s.to_string())
            }
        }
    };
}
pub(crate) use message_error;
