//! What the access checks (SL601–SL606) share: the resource policy or why it cannot be
//! judged, and whether IAM data is available.

use crate::access::IamUnavailable;
use crate::checks::Context;
use crate::inventory::Secret;
use crate::operation::Operation;
use crate::report::Status;

crate::error::message_error!(
    /// Why a secret's resource policy cannot be judged (a collection gap, or it does not parse).
    pub PolicyUnavailable
);

/// The parsed resource policy, or the `error` finding that explains why it cannot be judged.
/// `Ok(None)`: the secret has no resource policy.
pub(crate) fn resource_policy_or_error(
    ctx: &Context<'_>,
    s: &Secret,
) -> Result<Option<crate::policy::Policy>, PolicyUnavailable> {
    if let Some(g) = ctx.secret_gap(s, Operation::GetResourcePolicy) {
        return Err(format!(
            "the resource policy could not be collected: GetResourcePolicy failed ({})",
            g.error_code
        )
        .into());
    }
    match ctx.access().resource_policy(s) {
        None => Ok(None),
        Some(Ok(p)) => Ok(Some(p)),
        Some(Err(e)) => Err(format!("the resource policy could not be parsed: {e}").into()),
    }
}

/// `Some((status, why))` when IAM data for the account is missing: `error`, or
/// `not_applicable` when IAM collection is turned off in the config.
pub(crate) fn iam_unavailable(ctx: &Context<'_>, account: &str) -> Option<(Status, String)> {
    let e = ctx.access().iam_status(account).err()?;
    if !ctx.cfg.raw.collection.iam && matches!(e, IamUnavailable::NotCollected { .. }) {
        return Some((
            Status::NotApplicable,
            format!("{e}: IAM collection is off (collection.iam = false)"),
        ));
    }
    Some((Status::Error, e.to_string()))
}
