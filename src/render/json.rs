//! `report.json`: the report model, pretty-printed, with a trailing newline.

use crate::report::Report;

pub fn render(report: &Report) -> String {
    let mut s = serde_json::to_string_pretty(report).expect("the report is plain data");
    s.push('\n');
    s
}

/// Writes exactly what [`render`] returns to `path`, streaming instead of building a string.
pub fn write_to(report: &Report, path: &std::path::Path) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    serde_json::to_writer_pretty(&mut out, report).map_err(std::io::Error::other)?;
    out.write_all(b"\n")?;
    out.flush()
}
