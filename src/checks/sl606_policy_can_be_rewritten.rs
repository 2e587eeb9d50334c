//! SL606 policy-can-be-rewritten: a principal that is not an administrator can change the
//! secret's resource policy (`secretsmanager:PutResourcePolicy`) or its customer managed
//! key's policy or grants (`kms:PutKeyPolicy`, `kms:CreateGrant`): a path to read it.

use serde::Serialize;

use super::support::access::iam_unavailable;
use super::{Check, Context, Emitter};
use crate::access::{Act, Reader};
use crate::report::Status;

pub struct PolicyCanBeRewritten;

#[derive(Serialize)]
struct Entry {
    action: &'static str,
    #[serde(flatten)]
    principal: Reader,
}

#[derive(Serialize)]
struct Evidence {
    /// Non-administrators that can rewrite access, per action.
    principals: Vec<Entry>,
    /// Administrators (allowed `*` on `*`, and the account's root user) that can too; not a
    /// finding.
    admins: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    notes: Vec<String>,
}

impl Check for PolicyCanBeRewritten {
    fn id(&self) -> &'static str {
        "SL606"
    }

    fn doc(&self) -> &'static str {
        include_str!("../../checks/SL606-policy-can-be-rewritten.md")
    }

    fn run(&self, ctx: &Context<'_>, out: &mut Emitter<'_>) {
        for s in ctx.secrets() {
            if let Some((status, why)) = iam_unavailable(ctx, &s.account) {
                out.secret(
                    s,
                    status,
                    format!("cannot tell who can rewrite access: {why}"),
                    serde_json::json!({}),
                );
                continue;
            }
            let mut ev = Evidence {
                principals: Vec::new(),
                admins: Vec::new(),
                notes: Vec::new(),
            };
            let mut complete = true;
            for act in [Act::PutResourcePolicy, Act::PutKeyPolicy, Act::CreateGrant] {
                let a = ctx.access().who_can(s, act);
                complete &= a.complete;
                ev.notes.extend(a.notes);
                for r in a.readers {
                    // The root user can change any policy of its account anyway: an
                    // administrator.
                    if r.is_root()
                        || (r.account == s.account
                            && ctx.access().is_admin(&s.account, &r.principal_arn))
                    {
                        if !ev.admins.contains(&r.principal_arn) {
                            ev.admins.push(r.principal_arn);
                        }
                    } else {
                        ev.principals.push(Entry {
                            action: act.name(),
                            principal: r,
                        });
                    }
                }
            }
            ev.notes.sort();
            ev.notes.dedup();
            if !ev.principals.is_empty() {
                let list: Vec<String> = ev
                    .principals
                    .iter()
                    .map(|e| {
                        let cond = if e.principal.allowed() {
                            String::new()
                        } else {
                            format!(" if {}", e.principal.conditional_on.join(", "))
                        };
                        format!("{} can {}{cond}", e.principal.principal_arn, e.action)
                    })
                    .collect();
                out.secret(
                    s,
                    Status::Fail,
                    format!(
                        "non-admin principals can rewrite who reads this secret: {}",
                        list.join("; ")
                    ),
                    ev,
                );
            } else if !complete {
                let why = ev.notes.join("; ");
                out.secret(
                    s,
                    Status::Error,
                    format!("cannot tell who can rewrite access: {why}"),
                    ev,
                );
            } else {
                let msg = format!(
                    "only administrators ({}) can change the resource policy or the key's policy and grants",
                    ev.admins.len()
                );
                out.secret(s, Status::Pass, msg, ev);
            }
        }
    }
}
