//! Renderers: each takes a `&Report` only. JSON is the contract for alert pipelines, HTML is
//! the auditors' dashboard, text is the terminal summary.

pub mod asff;
pub mod html;
pub mod json;
pub mod ocsf;
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
    /// OCSF events, JSON Lines (`report.ocsf.jsonl`).
    Ocsf,
    /// AWS Security Finding Format, a JSON array (`report.asff.json`).
    Asff,
}

/// Writes `report.json`, `report.html` and `report.ocsf.jsonl` into `dir` (created if needed)
/// for the formats asked for, and returns the paths written. `text` goes to stdout and is
/// handled by the caller.
pub fn write_files(
    report: &Report,
    dir: &Path,
    formats: &[Format],
    html_options: &html::Options,
) -> Result<Vec<PathBuf>, Error> {
    let mut written = Vec::new();
    let wants = |f| formats.contains(&f);
    if !wants(Format::Json) && !wants(Format::Html) && !wants(Format::Ocsf) && !wants(Format::Asff)
    {
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
    let ocsf_path = dir.join(ocsf::FILE_NAME);
    let asff_path = dir.join(asff::FILE_NAME);
    // The files are independent: written side by side.
    let ((json, asff), (html, ocsf)) = rayon::join(
        || {
            // Streamed to the file: a large report is never held twice in memory.
            let json = wants(Format::Json).then(|| json::write_to(report, &json_path));
            let asff = wants(Format::Asff).then(|| asff::write_to(report, &asff_path));
            (json, asff)
        },
        || {
            rayon::join(
                || {
                    wants(Format::Html).then(|| {
                        std::fs::write(&html_path, html::render_with(report, html_options))
                    })
                },
                || wants(Format::Ocsf).then(|| ocsf::write_to(report, &ocsf_path)),
            )
        },
    );
    for (result, path) in [
        (json, json_path),
        (html, html_path),
        (ocsf, ocsf_path),
        (asff, asff_path),
    ] {
        if let Some(r) = result {
            r.map_err(|e| io_error(&path, e))?;
            written.push(path);
        }
    }
    Ok(written)
}

/// Runs a streaming renderer into memory: the text it writes (JSON, so UTF-8).
fn stream_to_string(write: impl FnOnce(&mut Vec<u8>) -> std::io::Result<()>) -> String {
    let mut out = Vec::new();
    write(&mut out).expect("writing to memory cannot fail");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

/// Runs a streaming renderer into the file `path`, through a 1 MiB buffer.
fn stream_to_file(
    path: &Path,
    write: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    write(&mut out)?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use crate::report::Report;
    use crate::vocab::Severity;

    /// A report written before `checks[]` carried `remediation_cli` and `documentation` (the
    /// same schema version 2) still reads, and every renderer renders it, from the report
    /// alone: without the CLI fix and the documentation, everything else as before.
    #[test]
    fn reports_without_the_check_documentation_still_render() {
        let inv = crate::demo::inventory();
        let now = inv.as_of.expect("the demo carries its as-of instant");
        let report = crate::evaluate::evaluate(&inv, &crate::demo::config(), now);
        assert!(report.checks.iter().all(|c| !c.documentation.is_empty()));
        let mut v: serde_json::Value =
            serde_json::from_str(&super::json::render(&report)).expect("report.json is JSON");
        for c in v["checks"].as_array_mut().expect("checks[]") {
            let c = c.as_object_mut().expect("a check is an object");
            assert!(c.remove("remediation_cli").is_some());
            assert!(c.remove("documentation").is_some());
        }
        let old: Report = serde_json::from_value(v).expect("an older report reads");
        assert_eq!(old.checks.len(), report.checks.len());
        assert!(
            old.checks
                .iter()
                .all(|c| c.remediation_cli.is_empty() && c.documentation.is_empty())
        );

        let (html, full) = (super::html::render(&old), super::html::render(&report));
        for c in &report.checks {
            let anchor = format!("id=\"check-{}\"", c.id.to_ascii_lowercase());
            assert!(html.contains(&anchor), "{anchor}");
        }
        // The documentation is what is missing: the SL101 card's "Why it matters" text.
        let why = "Why it matters";
        assert!(full.contains(why) && !html.contains(why));
        assert!(html.len() < full.len());
        assert_eq!(
            super::text::render(&old, &[], Severity::High),
            super::text::render(&report, &[], Severity::High)
        );
    }
}
