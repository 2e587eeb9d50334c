//! `report.html`: one self-contained page for auditors (inline CSS and one small inline
//! script, no external resources, a strict Content-Security-Policy that allows exactly the
//! shipped style and script by their SHA-256 hashes).
//!
//! Everything here is a view model computed from the [`Report`]; the askama templates in
//! `templates/` only loop and branch. Every string that came from AWS (names, ARNs, tags,
//! descriptions, policies, error messages) is attacker-controllable: it is passed through
//! [`clean`](crate::sanitize::clean) (which makes bidi overrides and control characters
//! visible) and stays auto-escaped by askama. Nothing from AWS ever goes into an attribute:
//! element ids and `href`s are derived from hashes and our own check ids, and the `data-*`
//! attributes the triage script filters on hold our own enum names or tokens (`r0`, `a1`)
//! that index the region and account lists.
//!
//! The overview charts are inline SVG whose geometry is computed here; the template only
//! writes numbers into attributes and escaped text into `<text>` and `<title>`.
//!
//! The view model is split by section: [`page`] (the template's root and what is computed
//! once), [`charts`], [`checks`], [`cards`], [`sections`], [`csp`] and [`format`].

mod cards;
mod charts;
mod checks;
mod csp;
mod evidence;
mod format;
mod page;
mod sections;
#[cfg(test)]
mod snapshots;

use askama::Template;

use crate::report::Report;
use page::{Prepared, ReportPage};

pub use csp::{SCRIPT, STYLE, csp};
pub use format::secret_anchor;

/// In a collapsed (large) report, a check card lists at most this many resources.
pub const CHECK_ROWS_SUMMARY: usize = 100;

/// Above this many secrets, `--html-passing summary` collapses each secret's passing and
/// not-applicable findings into one counts row.
pub const PASSING_SUMMARY_THRESHOLD: usize = 500;

/// How report.html shows passing and not-applicable findings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Passing {
    /// One counts row per secret when the report has more than 500 secrets.
    #[default]
    Summary,
    /// Every finding, whatever the size of the report.
    Full,
}

/// Rendering options (`--html-passing`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    pub passing: Passing,
}

/// Renders the report as a standalone HTML page, with the default options.
pub fn render(report: &Report) -> String {
    render_with(report, &Options::default())
}

/// Renders the report as a standalone HTML page.
pub fn render_with(report: &Report, options: &Options) -> String {
    let prepared = Prepared::new(report, options);
    let page = ReportPage::new(report, &prepared);
    // Roughly the page's size, so that the output is not copied while it grows.
    let per_secret = if prepared.ctx.collapse_passing {
        1_400
    } else {
        8_000
    };
    let mut html = String::with_capacity(200_000 + report.secrets.len() * per_secret);
    page.render_into(&mut html)
        .expect("the view model's Display impls are infallible");
    if !html.ends_with('\n') {
        html.push('\n');
    }
    html
}
