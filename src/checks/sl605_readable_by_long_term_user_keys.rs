//! SL605 readable-by-long-term-user-keys: an IAM user with an active access key can read a
//! production secret.

use serde::Serialize;

use super::support::access::iam_unavailable;
use super::{Check, Context, Emitter};
use super::support::{rfc3339};
use crate::inventory::{IamUser, Secret};
use crate::report::Status;

pub struct ReadableByLongTermUserKeys;

#[derive(Serialize)]
struct UserEv {
    user: String,
    /// `allowed` or `conditional`.
    access: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    conditional_on: Vec<String>,
    statements: Vec<String>,
    active_keys: Vec<KeyEv>,
}

#[derive(Serialize)]
struct KeyEv {
    id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    created: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_used: Option<String>,
}

#[derive(Serialize)]
struct Evidence {
    /// Why the secret counts as production.
    production_because: String,
    users: Vec<UserEv>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    keys_not_collected: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    notes: Vec<String>,
}

/// Why the secret is a production secret, if it is one.
pub(super) fn production(ctx: &Context<'_>, s: &Secret) -> Option<String> {
    if ctx.cfg.production_pattern.is_match(&s.name) {
        return Some(format!(
            "name matches {}",
            ctx.cfg.production_pattern.as_str()
        ));
    }
    let env = s
        .tags
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("Environment"))?;
    matches!(env.1.to_ascii_lowercase().as_str(), "prod" | "production")
        .then(|| format!("tag {}={}", env.0, env.1))
}

fn user<'a>(ctx: &Context<'a>, arn: &str) -> Option<&'a IamUser> {
    ctx.inv
        .iam
        .iter()
        .flat_map(|a| a.users.iter())
        .find(|u| u.arn == arn)
}

impl Check for ReadableByLongTermUserKeys {
    fn id(&self) -> &'static str {
        "SL605"
    }

    fn doc(&self) -> &'static str {
        include_str!("../../checks/SL605-readable-by-long-term-user-keys.md")
    }

    fn run(&self, ctx: &Context<'_>, out: &mut Emitter<'_>) {
        for s in ctx.secrets() {
            let Some(why) = production(ctx, s) else {
                continue;
            };
            if let Some((status, e)) = iam_unavailable(ctx, &s.account) {
                out.secret(
                    s,
                    status,
                    format!("cannot tell which users can read this production secret: {e}"),
                    serde_json::json!({ "production_because": why }),
                );
                continue;
            }
            let a = ctx.readers(s);
            let mut ev = Evidence {
                production_because: why,
                users: Vec::new(),
                keys_not_collected: Vec::new(),
                notes: a.notes.clone(),
            };
            for r in a
                .readers
                .iter()
                .filter(|r| r.kind == "user" && r.account == s.account)
            {
                let Some(u) = user(ctx, &r.principal_arn) else {
                    continue;
                };
                match &u.access_keys {
                    None => ev.keys_not_collected.push(u.arn.clone()),
                    Some(keys) => {
                        let active: Vec<KeyEv> = keys
                            .iter()
                            .filter(|k| k.status == "Active")
                            .map(|k| KeyEv {
                                id: k.id.clone(),
                                created: rfc3339(k.created),
                                last_used: rfc3339(k.last_used),
                            })
                            .collect();
                        if !active.is_empty() {
                            ev.users.push(UserEv {
                                user: u.arn.clone(),
                                access: r.status(),
                                conditional_on: r.conditional_on.clone(),
                                statements: r.statements.clone(),
                                active_keys: active,
                            });
                        }
                    }
                }
            }
            if !ev.users.is_empty() {
                let list: Vec<String> = ev
                    .users
                    .iter()
                    .map(|u| {
                        let keys: Vec<&str> = u.active_keys.iter().map(|k| k.id.as_str()).collect();
                        let cond = if u.conditional_on.is_empty() {
                            String::new()
                        } else {
                            format!(", if {}", u.conditional_on.join(", "))
                        };
                        format!("{} (active key {}{cond})", u.user, keys.join(", "))
                    })
                    .collect();
                out.secret(
                    s,
                    Status::Fail,
                    format!(
                        "IAM users with long-term access keys can read this production secret: {}",
                        list.join("; ")
                    ),
                    ev,
                );
            } else if !a.complete || !ev.keys_not_collected.is_empty() {
                let mut why: Vec<String> = a.notes.clone();
                if !ev.keys_not_collected.is_empty() {
                    why.push(format!(
                        "access keys not collected for {}",
                        ev.keys_not_collected.join(", ")
                    ));
                }
                out.secret(
                    s,
                    Status::Error,
                    format!(
                        "cannot tell whether users with access keys can read it: {}",
                        why.join("; ")
                    ),
                    ev,
                );
            } else {
                out.secret(
                    s,
                    Status::Pass,
                    "no IAM user with an active access key can read this production secret",
                    ev,
                );
            }
        }
    }
}
