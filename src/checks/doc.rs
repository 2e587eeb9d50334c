//! A check's documentation: `checks/SLnnn-name.md`, TOML front matter between `+++` lines, then
//! the Markdown sections of [`REQUIRED_SECTIONS`].

use serde::{Deserialize, Serialize};

use crate::vocab::{Category, Severity, Status};

crate::error::message_error!(
    /// A check document (`checks/SLnnn-name.md`) that does not parse.
    pub DocError
);

/// Front matter of a check's Markdown file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckMeta {
    pub id: String,
    pub name: String,
    pub title: String,
    /// When it fails, in one line of Markdown: the last column of the README's check table
    /// (`secretlens checks --markdown`).
    pub summary: String,
    pub category: Category,
    pub severity: Severity,
    /// Every status the check's code can report (`pass`, `fail`, `error`, `not_applicable`):
    /// tests/checks.rs requires a fixture for each.
    pub statuses: Vec<Status>,
    /// Config keys the check reads, e.g. `rotation.max_interval_days`.
    #[serde(default)]
    pub parameters: Vec<String>,
    /// One or two sentences: what to do.
    pub remediation: String,
    /// The exact AWS CLI command that fixes it, with placeholders in capitals.
    #[serde(default)]
    pub remediation_cli: String,
    /// The Markdown body after the front matter.
    #[serde(skip)]
    pub body: String,
}

/// Sections every check document must have, in this order.
pub const REQUIRED_SECTIONS: [&str; 5] = [
    "## What it checks",
    "## Why it matters",
    "## Example",
    "## Known limitations",
    "## Remediation",
];

/// The README's check table (`secretlens checks --markdown`), from the checks' front matter.
pub fn markdown_table<'a>(metas: impl IntoIterator<Item = &'a CheckMeta>) -> String {
    let mut out = String::from("| id | name | severity | fails when |\n|---|---|---|---|\n");
    for m in metas {
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            m.id,
            m.name,
            m.severity,
            m.summary.replace('|', "\\|")
        ));
    }
    out
}

/// Parses a check document: `+++\n<toml>\n+++\n<markdown>`.
pub fn parse_doc(doc: &str) -> Result<CheckMeta, DocError> {
    let rest = doc
        .strip_prefix("+++\n")
        .ok_or_else(|| "does not start with a `+++` front matter line".to_string())?;
    let end = rest
        .find("\n+++\n")
        .ok_or_else(|| "front matter is not closed by a `+++` line".to_string())?;
    let mut meta: CheckMeta = toml::from_str(&rest[..end]).map_err(|e| e.to_string())?;
    meta.body = rest[end + 5..].trim().to_string();
    Ok(meta)
}
