//! # secretlens
//!
//! A read-only auditor of AWS Secrets Manager posture. It never reads secret values.
//!
//! ```text
//!  AWS APIs ──collect──▶ Inventory ──evaluate──▶ Report ──render──▶ report.json / report.html / terminal
//!  (SDK, async)          (serde snapshot,        (pure: no I/O,     (askama, serde_json,
//!                         versioned, saved        no wall clock)     one view model each)
//!                         with `collect -o`)
//! ```
//!
//! - [`collect`] is the only module that links the AWS SDK; every failed call becomes an
//!   inventory [`inventory::Gap`].
//! - [`inventory`] is the versioned snapshot model.
//! - [`evaluate::evaluate`] runs the [`checks::ALL`] registry: pure and deterministic.
//! - [`render`] turns a [`report::Report`] into JSON, HTML and a terminal summary; it reads
//!   nothing but the report (with [`vocab`], the words every module shares, and
//!   [`sanitize`], which makes untrusted text safe to show).

pub mod access;
pub mod app;
pub mod cause;
pub mod checks;
pub mod cli;
pub mod collect;
pub mod compare;
pub mod config;
pub mod demo;
pub mod destinations;
pub mod doctor;
pub mod error;
pub mod evaluate;
pub mod frameworks;
pub mod inventory;
pub mod kms;
pub mod merge;
pub mod operation;
pub mod permissions;
pub mod policy;
pub mod render;
pub mod report;
pub mod sanitize;
pub mod scan;
pub mod schedule;
pub mod schema;
pub mod simulate;
pub mod vocab;
pub mod waiver;

pub use error::Error;
