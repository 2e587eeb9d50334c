//! SL404 kms-key-policy-too-broad: the key policy of a customer managed key that encrypts
//! secrets allows `kms:Decrypt` to anyone (`"*"` without a condition that pins the caller) or
//! to principals of other accounts (not trusted in `[access] trusted_accounts`).

use std::collections::BTreeMap;

use serde::Serialize;

use super::support::kms::{alias_suffix, aliases_of};
use super::{Check, Context, Emitter};
use crate::operation::Operation;
use crate::access::exposure::{Grant, Org, external_grants, public_grants};
use crate::access::{KMS_DECRYPT, parse_policy};
use crate::inventory::KmsKey;
use crate::kms::{KeyRef, resolve_key};
use crate::report::{Resource, Status};

pub struct KmsKeyPolicyTooBroad;

#[derive(Serialize)]
struct Evidence<'a> {
    key_arn: &'a str,
    key_aliases: Vec<&'a str>,
    /// Secrets encrypted with the key (at most 20).
    secrets: Vec<&'a str>,
    /// Who the key policy lets decrypt beyond the account, with the statements.
    grants: Vec<Grant>,
    trusted_accounts: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    problem: Option<String>,
}

impl Check for KmsKeyPolicyTooBroad {
    fn id(&self) -> &'static str {
        "SL404"
    }

    fn doc(&self) -> &'static str {
        include_str!("../../checks/SL404-kms-key-policy-too-broad.md")
    }

    fn run(&self, ctx: &Context<'_>, out: &mut Emitter<'_>) {
        let mut keys: BTreeMap<&str, (&KmsKey, Vec<&str>)> = BTreeMap::new();
        for s in ctx.secrets() {
            if let KeyRef::Customer(k) = resolve_key(ctx.inv, s, s.kms_key_id.as_deref(), &s.region)
            {
                keys.entry(&k.arn)
                    .or_insert((k, Vec::new()))
                    .1
                    .push(&s.name);
            }
        }
        let trusted = &ctx.cfg.raw.access.trusted_accounts;
        for (arn, (k, mut secrets)) in keys {
            secrets.truncate(20);
            let aliases = aliases_of(ctx.inv, k);
            let resource = Resource::new(
                arn.to_string(),
                aliases.first().copied().unwrap_or(&k.key_id).to_string(),
                "kms-key",
                k.account.clone(),
                k.region.clone(),
            );
            let named = format!("key {arn}{}", alias_suffix(&aliases));
            let mut ev = Evidence {
                key_arn: arn,
                key_aliases: aliases,
                secrets,
                grants: Vec::new(),
                trusted_accounts: trusted,
                problem: None,
            };
            let policy = match k.policy.as_deref().map(parse_policy) {
                Some(Ok(p)) => p,
                Some(Err(e)) => {
                    ev.problem = Some(e.to_string());
                    out.push(
                        resource,
                        Status::Error,
                        format!(
                            "cannot judge the key policy of {named}: it could not be parsed: {e}"
                        ),
                        ev,
                    );
                    continue;
                }
                None => {
                    let gap = ctx
                        .inv
                        .gaps
                        .iter()
                        .find(|g| g.operation == Operation::GetKeyPolicy && g.resource == k.arn);
                    let why = match gap {
                        Some(g) => format!("GetKeyPolicy failed ({})", g.error_code),
                        None => "the key policy was not collected".to_string(),
                    };
                    ev.problem = Some(why.clone());
                    out.push(
                        resource,
                        Status::Error,
                        format!("cannot judge the key policy of {named}: {why}"),
                        ev,
                    );
                    continue;
                }
            };
            ev.grants = public_grants(&policy, arn, &[KMS_DECRYPT], Org::Outside);
            ev.grants.extend(external_grants(
                &policy,
                arn,
                &k.account,
                KMS_DECRYPT,
                trusted,
            ));
            if ev.grants.is_empty() {
                out.push(
                    resource,
                    Status::Pass,
                    format!(
                        "the key policy of {named} lets no one outside account {} decrypt",
                        k.account
                    ),
                    ev,
                );
                continue;
            }
            let who: Vec<String> = ev
                .grants
                .iter()
                .map(|g| {
                    let cond = if g.conditional_on.is_empty() {
                        String::new()
                    } else {
                        format!(" if {}", g.conditional_on.join(", "))
                    };
                    format!("{}{cond} ({})", g.principal, g.statements.join("; "))
                })
                .collect();
            out.push(
                resource,
                Status::Fail,
                format!(
                    "the key policy of {named} lets principals outside the account decrypt: {}",
                    who.join("; ")
                ),
                ev,
            );
        }
    }
}
