//! Terminal summary (placeholder until the renderer lands).
use std::path::PathBuf;

use crate::report::{Report, Severity};

pub fn render(report: &Report, written: &[PathBuf], fail_on: Severity) -> String {
    let _ = (written, fail_on);
    format!("{} findings\n", report.findings.len())
}
