//! The checks view: one card per check, with its documentation (from the report's
//! `checks[]`, parsed from Markdown into blocks) and its failing, error and suppressed rows.

use rustc_hash::FxHashMap as HashMap;
use serde::Serialize;

use super::CHECK_ROWS_SUMMARY;
use super::format::{
    ChangeBadge, Counts, category_code, change_badge, check_anchor, code, display_name,
    region_label, severity_class, severity_code, status_class, status_code, status_label,
    waiver_note,
};
use super::page::{Anchors, Ctx};
use crate::report::{CheckSummary, Finding, Report};
use crate::sanitize::{clean, clean_multiline};
use crate::vocab::Status;

/// A failing, error or suppressed finding listed under its check.
#[derive(Serialize)]
pub(super) struct CheckRow {
    pub(super) target: String,
    pub(super) status_key: &'static str,
    pub(super) region_key: String,
    pub(super) account_key: String,
    pub(super) change: Option<ChangeBadge>,
    pub(super) resource: String,
    pub(super) kind: String,
    pub(super) region: String,
    pub(super) status: &'static str,
    pub(super) status_class: &'static str,
    pub(super) message: String,
    /// For a suppressed finding: the waiver's reason, owner and expiry.
    pub(super) waiver: Option<String>,
}

#[derive(Serialize)]
pub(super) struct CheckView {
    pub(super) anchor: String,
    pub(super) id: String,
    pub(super) name: String,
    pub(super) title: String,
    pub(super) severity: &'static str,
    pub(super) severity_class: &'static str,
    pub(super) category: &'static str,
    /// Filter codes.
    pub(super) sev_key: &'static str,
    pub(super) cat_key: &'static str,
    pub(super) counts: Counts,
    pub(super) remediation: String,
    pub(super) remediation_cli: Option<String>,
    pub(super) frameworks: String,
    /// The "Why it matters" section of the check's document.
    pub(super) rationale: Vec<DocBlock>,
    pub(super) body: Vec<DocBlock>,
    pub(super) rows: Vec<CheckRow>,
    /// Rows left out of a large report's check card (they are in the secrets view).
    pub(super) more_rows: usize,
}

/// A block of a check's Markdown document: a heading, a paragraph or a code block.
#[derive(Serialize)]
pub(super) struct DocBlock {
    pub(super) heading: bool,
    pub(super) code: bool,
    /// For headings and paragraphs: text with inline code spans.
    pub(super) spans: Vec<Span>,
    /// For code blocks.
    pub(super) text: String,
}

#[derive(Serialize)]
pub(super) struct Span {
    pub(super) code: bool,
    pub(super) text: String,
}

/// The small Markdown subset check documents use: `##` headings, paragraphs, fenced code
/// blocks, list items and inline `code`. Everything stays text; the template escapes it.
fn doc_blocks(markdown: &str) -> Vec<DocBlock> {
    fn spans(text: &str) -> Vec<Span> {
        text.split('`')
            .enumerate()
            .filter(|(_, t)| !t.is_empty())
            .map(|(i, t)| Span {
                code: i % 2 == 1,
                text: clean(t),
            })
            .collect()
    }
    let mut blocks = Vec::new();
    let mut para: Vec<&str> = Vec::new();
    let flush = |para: &mut Vec<&str>, blocks: &mut Vec<DocBlock>| {
        if !para.is_empty() {
            blocks.push(DocBlock {
                heading: false,
                code: false,
                spans: spans(&para.join(" ")),
                text: String::new(),
            });
            para.clear();
        }
    };
    let mut lines = markdown.lines();
    while let Some(line) = lines.next() {
        let t = line.trim_end();
        if t.trim_start().starts_with("```") {
            flush(&mut para, &mut blocks);
            let mut code = Vec::new();
            for l in lines.by_ref() {
                if l.trim_start().starts_with("```") {
                    break;
                }
                code.push(l);
            }
            blocks.push(DocBlock {
                heading: false,
                code: true,
                spans: Vec::new(),
                text: clean_multiline(&code.join("\n")),
            });
        } else if let Some(h) = t
            .strip_prefix('#')
            .map(|h| h.trim_start_matches('#').trim())
        {
            flush(&mut para, &mut blocks);
            blocks.push(DocBlock {
                heading: true,
                code: false,
                spans: spans(h),
                text: String::new(),
            });
        } else if t.trim().is_empty() {
            flush(&mut para, &mut blocks);
        } else {
            if t.trim_start().starts_with(['-', '*']) && t.trim_start()[1..].starts_with(' ') {
                flush(&mut para, &mut blocks);
            }
            para.push(t.trim());
        }
    }
    flush(&mut para, &mut blocks);
    blocks
}

/// The paragraphs under a document's "Why it matters" heading.
pub(super) fn rationale(blocks: &[DocBlock]) -> Vec<DocBlock> {
    let text = |b: &DocBlock| b.spans.iter().map(|s| s.text.as_str()).collect::<String>();
    blocks
        .iter()
        .skip_while(|b| !(b.heading && text(b).eq_ignore_ascii_case("why it matters")))
        .skip(1)
        .take_while(|b| !b.heading)
        .map(|b| DocBlock {
            heading: b.heading,
            code: b.code,
            spans: b
                .spans
                .iter()
                .map(|s| Span {
                    code: s.code,
                    text: s.text.clone(),
                })
                .collect(),
            text: b.text.clone(),
        })
        .collect()
}

pub(super) fn check_views(r: &Report, anchors: &Anchors, ctx: &Ctx) -> Vec<CheckView> {
    let mut rows: HashMap<&str, Vec<(&Finding, usize)>> = HashMap::default();
    for (i, f) in r.findings.iter().enumerate() {
        if matches!(f.status, Status::Fail | Status::Error | Status::Suppressed) {
            rows.entry(&*f.check_id).or_default().push((f, i));
        }
    }
    let mut checks: Vec<_> = r.checks.iter().collect();
    checks.sort_by(|a, b| {
        let key = |c: &CheckSummary| {
            let n = |s| c.counts.get(&s).copied().unwrap_or(0);
            // Failing checks first, then checks with errors, then the rest.
            let rank = if n(Status::Fail) > 0 {
                0
            } else if n(Status::Error) > 0 {
                1
            } else {
                2
            };
            (
                rank,
                std::cmp::Reverse(c.severity),
                std::cmp::Reverse(n(Status::Fail)),
                std::cmp::Reverse(n(Status::Error)),
                c.id.clone(),
            )
        };
        key(a).cmp(&key(b))
    });
    checks
        .into_iter()
        .map(|c| {
            let mut list = rows.remove(c.id.as_str()).unwrap_or_default();
            let order = |a: &(&Finding, usize), b: &(&Finding, usize)| {
                (
                    a.0.status,
                    &a.0.resource.name,
                    &a.0.resource.region,
                    &a.0.resource.arn,
                )
                    .cmp(&(
                        b.0.status,
                        &b.0.resource.name,
                        &b.0.resource.region,
                        &b.0.resource.arn,
                    ))
            };
            let total = list.len();
            let shown = if ctx.collapse_passing {
                CHECK_ROWS_SUMMARY
            } else {
                usize::MAX
            };
            if list.len() > shown {
                // Only the first rows are listed: no need to sort them all.
                list.select_nth_unstable_by(shown, order);
                list.truncate(shown);
            }
            list.sort_by(order);
            CheckView {
                anchor: check_anchor(&c.id),
                id: clean(&c.id),
                name: clean(&c.name),
                title: clean(&c.title),
                severity: c.severity.as_str(),
                severity_class: severity_class(c.severity),
                category: c.category.as_str(),
                sev_key: code(severity_code(c.severity)),
                cat_key: code(category_code(c.category)),
                counts: Counts::from_map(&c.counts),
                remediation: clean(&c.remediation),
                remediation_cli: Some(c.remediation_cli.trim())
                    .filter(|s| !s.is_empty())
                    .map(clean_multiline),
                frameworks: c
                    .frameworks
                    .iter()
                    .map(|f| clean(&format!("{} {}", f.framework, f.control)))
                    .collect::<Vec<_>>()
                    .join(" · "),
                rationale: rationale(&doc_blocks(&c.documentation)),
                body: doc_blocks(&c.documentation),
                more_rows: total - list.len(),
                rows: list
                    .into_iter()
                    .map(|(f, i)| CheckRow {
                        target: anchors.target(r, i),
                        status_key: code(status_code(f.status)),
                        region_key: ctx.region(&f.resource.region),
                        account_key: ctx.account(&f.resource.account),
                        change: change_badge(f.change),
                        resource: display_name(f),
                        kind: clean(&f.resource.kind),
                        region: region_label(&f.resource.region),
                        status: status_label(f.status),
                        status_class: status_class(f.status),
                        message: clean(&f.message),
                        waiver: waiver_note(f),
                    })
                    .collect(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_docs_become_blocks() {
        let b = doc_blocks(
            "## What it checks\n\nFails when `RotationEnabled`\nis false.\n\n```\naws x \\\n  --y\n```\n- one\n- two `b`",
        );
        let kinds: Vec<_> = b.iter().map(|b| (b.heading, b.code)).collect();
        assert_eq!(
            kinds,
            [
                (true, false),
                (false, false),
                (false, true),
                (false, false),
                (false, false)
            ]
        );
        assert_eq!(b[0].spans[0].text, "What it checks");
        let p: Vec<_> = b[1]
            .spans
            .iter()
            .map(|s| (s.code, s.text.as_str()))
            .collect();
        assert_eq!(
            p,
            [
                (false, "Fails when "),
                (true, "RotationEnabled"),
                (false, " is false.")
            ]
        );
        assert_eq!(b[2].text, "aws x \\\n  --y");
        assert_eq!(b[4].spans[1].text, "b");
    }
}
