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
    if wants(Format::Json) {
        // Streamed to the file: a large report is never held twice in memory.
        let path = dir.join("report.json");
        json::write_to(report, &path).map_err(|e| io_error(&path, e))?;
        written.push(path);
    }
    if wants(Format::Html) {
        let path = dir.join("report.html");
        std::fs::write(&path, html::render_with(report, html_options)).map_err(|e| io_error(&path, e))?;
        written.push(path);
    }
    Ok(written)
}
