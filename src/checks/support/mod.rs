//! Helpers used by more than one check. A check imports from here, never from a sibling
//! check's file.

pub(crate) mod access;
pub(crate) mod cloudtrail;
pub(crate) mod exposure;
pub(crate) mod fmt;
pub(crate) mod kms;
pub(crate) mod replicas;
pub(crate) mod rotation;

pub(crate) use fmt::{ago, days_duration, fmt_days, rfc3339, ymd};
pub(crate) use rotation::rotation_interval;
