//! SL604 too-many-readers: more principals can read the secret than `[access] max_readers`.

use serde::Serialize;

use super::support::access::iam_unavailable;
use super::{Check, Context, Emitter};
use crate::access::Reader;
use crate::report::Status;

pub struct TooManyReaders;

#[derive(Serialize)]
struct Evidence<'a> {
    max_readers: usize,
    /// Readers counted against `max_readers`: every reader but the account's root user.
    readers_count: usize,
    allowed_count: usize,
    conditional_count: usize,
    /// Every reader: principal, kind, `conditional_on` keys, granting statements, `via`.
    readers: &'a [Reader],
    /// `allowed` or `conditional` when the account's root user can read the secret (listed
    /// in `readers`, not counted).
    #[serde(skip_serializing_if = "Option::is_none")]
    root_user: Option<&'static str>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    notes: &'a [String],
}

impl Check for TooManyReaders {
    fn id(&self) -> &'static str {
        "SL604"
    }

    fn doc(&self) -> &'static str {
        include_str!("../../checks/SL604-too-many-readers.md")
    }

    fn run(&self, ctx: &Context<'_>, out: &mut Emitter<'_>) {
        let max = ctx.cfg.raw.access.max_readers;
        for s in ctx.secrets() {
            if let Some((status, why)) = iam_unavailable(ctx, &s.account) {
                out.secret(
                    s,
                    status,
                    format!("cannot count the readers: {why}"),
                    serde_json::json!({ "max_readers": max }),
                );
                continue;
            }
            let a = ctx.readers(s);
            // The root user can read every secret of its account unless denied: listed, not
            // counted (docs/access.md).
            let counted: Vec<&Reader> = a.readers.iter().filter(|r| !r.is_root()).collect();
            let allowed = counted.iter().filter(|r| r.allowed()).count();
            let n = counted.len();
            let ev = Evidence {
                max_readers: max,
                readers_count: n,
                allowed_count: allowed,
                conditional_count: n - allowed,
                readers: &a.readers,
                root_user: a.readers.iter().find(|r| r.is_root()).map(Reader::status),
                notes: &a.notes,
            };
            let names: Vec<String> = counted
                .iter()
                .take(8)
                .map(|r| {
                    if r.allowed() {
                        r.principal_arn.clone()
                    } else {
                        format!("{} (conditional)", r.principal_arn)
                    }
                })
                .collect();
            let more = if n > names.len() {
                format!(", and {} more", n - names.len())
            } else {
                String::new()
            };
            if n > max {
                out.secret(
                    s,
                    Status::Fail,
                    format!(
                        "{n} principals can read the secret ({allowed} unconditionally, {} conditionally), more than {max}: {}{more}",
                        n - allowed,
                        names.join(", ")
                    ),
                    ev,
                );
            } else if !a.complete {
                out.secret(
                    s,
                    Status::Error,
                    format!("cannot count every reader: {}", a.notes.join("; ")),
                    ev,
                );
            } else {
                out.secret(
                    s,
                    Status::Pass,
                    format!("{n} principal(s) can read the secret (at most {max} allowed)"),
                    ev,
                );
            }
        }
    }
}
