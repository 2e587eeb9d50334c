//! Renderers: each takes a `&Report` only. JSON is the contract for alert pipelines, HTML is
//! the auditors' dashboard, text is the terminal summary.

pub mod html;
pub mod json;
pub mod text;

use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::report::Report;

/// Output formats `--format` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum)]
pub enum Format {
    Json,
    Html,
    Text,
}

/// Writes `report.json` / `report.html` into `dir` (created if needed) for the formats asked
/// for, and returns the paths written. `text` goes to stdout and is handled by the caller.
pub fn write_files(
    report: &Report,
    dir: &Path,
    formats: &[Format],
    html_options: &html::Options,
) -> Result<Vec<PathBuf>, Error> {
    let mut written = Vec::new();
    let wants = |f| formats.contains(&f);
    if !wants(Format::Json) && !wants(Format::Html) {
        return Ok(written);
    }
    std::fs::create_dir_all(dir).map_err(|source| Error::Io {
        action: "create output directory",
        path: dir.display().to_string(),
        source,
    })?;
    let io_error = |path: &Path, source| Error::Io {
        action: "write",
        path: path.display().to_string(),
        source,
    };
    let json_path = dir.join("report.json");
    let html_path = dir.join("report.html");
    // The two files are independent: written side by side.
    let (json, html) = rayon::join(
        || {
            // Streamed to the file: a large report is never held twice in memory.
            wants(Format::Json).then(|| json::write_to(report, &json_path))
        },
        || {
            wants(Format::Html)
                .then(|| std::fs::write(&html_path, html::render_with(report, html_options)))
        },
    );
    if let Some(r) = json {
        r.map_err(|e| io_error(&json_path, e))?;
        written.push(json_path);
    }
    if let Some(r) = html {
        r.map_err(|e| io_error(&html_path, e))?;
        written.push(html_path);
    }
    Ok(written)
}
