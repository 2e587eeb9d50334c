//! `report.html` (placeholder until the dashboard lands).
use crate::report::Report;
pub fn render(report: &Report) -> String {
    format!("<!doctype html><title>secretlens</title><p>{} findings</p>\n", report.findings.len())
}
