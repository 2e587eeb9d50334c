//! A secret's replicas as SL501, SL502, SL503 and the report's secret summary see them.

use std::collections::BTreeSet;

use crate::checks::Context;
use crate::inventory::{Gap, Secret};
use crate::operation::Operation;
use crate::report::Status;

/// Regions with a replica: the `DescribeSecret` replication status plus listed replicas.
pub(crate) fn replica_regions<'a>(ctx: &Context<'a>, s: &'a Secret) -> BTreeSet<&'a str> {
    let mut regions = ctx.listed_replica_regions(s);
    for r in s.replication.iter().flatten() {
        if !r.region.is_empty() && r.region != s.region {
            regions.insert(r.region.as_str());
        }
    }
    regions
}

/// Why the replication status of `s` is unknown, and the gap behind it if any.
pub(crate) fn replication_unknown<'a>(ctx: &Context<'a>, s: &Secret) -> (String, Option<&'a Gap>) {
    match ctx.secret_gap(s, Operation::DescribeSecret) {
        Some(g) => (format!("DescribeSecret failed ({})", g.error_code), Some(g)),
        None => ("DescribeSecret was not collected".to_string(), None),
    }
}

/// What SL502 and SL503 see of a secret's replicas: the listed replicas, or, when there are
/// none to judge, the finding to report instead (`unknown` prefixes the error message).
pub(crate) enum ReplicaView<'a> {
    Listed(Vec<&'a crate::inventory::Replica>),
    Verdict {
        status: Status,
        message: String,
        gap: Option<&'a Gap>,
    },
}

pub(crate) fn replica_view<'a>(ctx: &Context<'a>, s: &'a Secret, unknown: &str) -> ReplicaView<'a> {
    let Some(replication) = &s.replication else {
        return match unknown_replication_status(ctx, s) {
            Status::Error => {
                let (why, gap) = replication_unknown(ctx, s);
                ReplicaView::Verdict {
                    status: Status::Error,
                    message: format!("{unknown}: {why}"),
                    gap,
                }
            }
            status => ReplicaView::Verdict {
                status,
                message: if s.deleted_date.is_some() {
                    "scheduled for deletion; its replication status was not collected"
                } else {
                    "no replicas listed; the replication status is collected only for secrets that must be replicated"
                }
                .to_string(),
                gap: None,
            },
        };
    };
    let replicas: Vec<_> = replication
        .iter()
        .filter(|r| !r.region.is_empty())
        .collect();
    if replicas.is_empty() {
        return ReplicaView::Verdict {
            status: Status::NotApplicable,
            message: "not replicated".to_string(),
            gap: None,
        };
    }
    ReplicaView::Listed(replicas)
}

/// For SL502/SL503 when the replication status is unknown: `error` when the secret must be
/// replicated or is known to have replicas, else `not_applicable` (it has none to judge).
pub(crate) fn unknown_replication_status(ctx: &Context<'_>, s: &Secret) -> Status {
    if s.deleted_date.is_none()
        && (ctx.cfg.replication.must_replicate(s).is_some()
            || !ctx.listed_replica_regions(s).is_empty())
    {
        Status::Error
    } else {
        Status::NotApplicable
    }
}
