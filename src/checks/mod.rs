//! The checks: one file per check, one permanent id, and a plain registry ([`ALL`]).
//!
//! Each check's metadata and prose live in `checks/SLnnn-name.md` (TOML front matter between
//! `+++` lines, then the sections *What it checks · Why it matters · Example · Known
//! limitations · Remediation*), embedded with `include_str!`. The same text feeds
//! `secretlens explain`, the HTML report and the JSON `remediation`. A registry test keeps
//! code and prose one-to-one. Which framework controls a check maps to is not in its front
//! matter: `checks/frameworks/*.toml` is the single source (see [`crate::frameworks`]).
//!
//! Checks are pure: they read the [`Context`] (inventory, config, `now`) and emit one finding
//! per (check, resource) they evaluate — pass included. What they cannot assess is `error`.
//!
//! The module is split by job: [`registry`] (the list of checks, generated at build time from the
//! `slNNN_*.rs` files, and running them), [`context`] (what a check reads), [`emit`] (how it
//! reports), [`doc`] (its Markdown), [`support`] (helpers used by more than one check; a check
//! file imports `support`, never a sibling check) and, for tests, [`testutil`].
//!
//! Adding a check is one Rust file `src/checks/slNNN_name.rs` (with `impl Check for …`), one
//! Markdown file `checks/SLNNN-name.md` and its fixtures under `tests/checks/SLNNN/`: the
//! build script registers every `slNNN_*.rs` file (see `build.rs`); see docs/contributing.md.

pub mod context;
pub mod doc;
pub mod emit;
pub mod registry;
pub(crate) mod support;
#[cfg(test)]
pub(crate) mod testutil;

pub use context::Context;
pub use doc::{CheckMeta, REQUIRED_SECTIONS, parse_doc};
pub use emit::{Emitter, GapEvidence, secret_resource};
pub use registry::{all_metas, find, meta, run_after_all, run_all};

pub trait Check: Sync {
    /// The permanent id, e.g. `SL101`.
    fn id(&self) -> &'static str;
    /// The embedded `checks/SLnnn-name.md` text.
    fn doc(&self) -> &'static str;
    /// Evaluates the inventory, pushing one finding per evaluated resource into `out`.
    fn run(&self, ctx: &Context<'_>, out: &mut Emitter<'_>);
    /// Second phase, for checks about the findings themselves (SL902): runs after every
    /// check's `run` and after the config's waivers were applied, with those findings.
    /// Default: nothing.
    fn run_after(&self, _ctx: &Context<'_>, _findings: &[Finding], _out: &mut Emitter<'_>) {}
}

// `mod slNNN_name;` for every check file and `pub static ALL: &[&dyn Check]`, in id order.
use crate::report::Finding;

include!(concat!(env!("OUT_DIR"), "/checks_registry.rs"));
