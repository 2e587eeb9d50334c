//! `secretlens simulate --request FILE`: decide one request offline, with every policy type.
//!
//! # Request (JSON)
//!
//! Every field but `principal` and `action` is optional:
//!
//! ```json
//! {
//!   "principal": "arn:aws:sts::111122223333:assumed-role/App/i-0abc",
//!   "action": "secretsmanager:GetSecretValue",
//!   "resource": "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf",
//!   "resource_account": "111122223333",
//!   "context": {"aws:SourceIp": "203.0.113.7", "aws:TagKeys": ["a", "b"], "aws:MultiFactorAuthPresent": true},
//!   "identity_policies": [{"Version": "2012-10-17", "Statement": []}],
//!   "resource_policy": null,
//!   "permission_boundary": null,
//!   "session_policy": null,
//!   "scps": [[{"Version": "2012-10-17", "Statement": []}]],
//!   "rcps": []
//! }
//! ```
//!
//! * `principal`: an IAM user or role ARN, `arn:aws:sts::ACCT:assumed-role/ROLE/SESSION`,
//!   `arn:aws:sts::ACCT:federated-user/NAME`, `arn:aws:iam::ACCT:root`, a service principal
//!   (`lambda.amazonaws.com`) or `"anonymous"`.
//! * `resource`: an ARN, or `"*"` (the default) for actions without a resource type.
//!   `resource_account` overrides the account in the ARN (S3 ARNs have none).
//! * `context`: keys are case-insensitive; values are a string, a number or boolean (stringified)
//!   or a list of them; `null` says the key is absent from the request. Keys not given are
//!   *unknown*. Derived keys (`aws:PrincipalArn`, `aws:PrincipalAccount`, `aws:PrincipalType`,
//!   `aws:username`, `aws:PrincipalIsAWSService`, `aws:ResourceAccount`, …) are filled in
//!   unless given.
//! * Policies are JSON objects or JSON strings holding a policy. `scps` and `rcps` are lists of
//!   levels, root first, each a list of policies; `[]` means none (not in an organization).
//!   AWS's `RCPFullAWSAccess` is implied at every RCP level (it cannot be detached), so RCPs
//!   only ever deny explicitly; SCP levels must each contain an allow.
//! * A file of the shape `{"request": {...}, ...}` (a test vector) is accepted too.
//!
//! # Response (stdout, JSON)
//!
//! ```json
//! {
//!   "decision": "implicit_deny",
//!   "blocked_by": ["identity"],
//!   "statements": [{"policy": "identity[0]", "index": 0, "sid": "FromOffice", "effect": "Allow",
//!                   "conditional_on": ["aws:SourceIp"]}],
//!   "conditional_on": ["aws:SourceIp"]
//! }
//! ```
//!
//! `decision` is `allow`, `explicit_deny` or `implicit_deny` — what AWS would answer for the
//! request as given, unknown context keys being absent. `blocked_by` names what blocked it:
//! `explicit_deny:<type>` or, for a missing allow, `scp`, `resource_policy`, `identity`,
//! `permission_boundary`, `session_policy`. `statements` are the statements that decided it
//! (`policy` is `identity[i]`, `resource_policy`, `permission_boundary`, `session_policy`,
//! `scp[level][i]` or `rcp[level][i]`). `conditional_on`, present only when non-empty, lists
//! the unknown context keys whose values could change the decision (e.g. "allowed if
//! `aws:SourceIp` matches").
//!
//! Exit 0 whatever the decision; exit 2 with one `error:` line for a bad request (unreadable
//! file, invalid JSON, missing `principal`/`action`, a malformed policy — named with its path).

use std::path::Path;

use serde_json::{Map, Value};

use crate::error::Error;
use crate::policy::{Decision, Policy, PolicySet, Principal, Request, evaluate};

crate::error::message_error!(
    /// A `simulate` request that is not valid (where and why).
    pub SimulateError
);

/// A parsed simulate request.
#[derive(Debug, Clone)]
pub struct Simulation {
    pub policies: PolicySet,
    pub request: Request,
    /// Request fields that were not recognised (reported as warnings).
    pub ignored_fields: Vec<String>,
    /// What AWS would refuse to store but evaluates anyway (`path: why`): the response's
    /// `warnings`.
    pub policy_notes: Vec<String>,
}

/// Reads, parses and evaluates a request file; returns the response JSON (pretty, with a
/// trailing newline).
pub fn run(path: &Path) -> Result<String, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        action: "read request",
        path: path.display().to_string(),
        source,
    })?;
    let sim = parse(&text).map_err(|e| Error::Usage(format!("request {}: {e}", path.display())))?;
    for f in &sim.ignored_fields {
        eprintln!("warning: ignoring unknown request field {f:?}");
    }
    let d = evaluate(&sim.policies, &sim.request);
    Ok(render_noted(&d, &sim.policy_notes))
}

/// The response JSON for a decision.
pub fn render(d: &Decision) -> String {
    render_noted(d, &[])
}

/// The response JSON for a decision, with `warnings` when the request's policies have
/// constructs AWS would refuse to store.
fn render_noted(d: &Decision, notes: &[String]) -> String {
    let mut v = serde_json::to_value(d).expect("a decision is plain data");
    if !notes.is_empty()
        && let Value::Object(o) = &mut v
    {
        o.insert("warnings".into(), Value::from(notes.to_vec()));
    }
    serde_json::to_string_pretty(&v).expect("plain data") + "\n"
}

const FIELDS: &[(&str, &str)] = &[
    ("principal", "principal"),
    ("action", "action"),
    ("resource", "resource"),
    ("resource_account", "resourceAccount"),
    ("context", "context"),
    ("identity_policies", "identityPolicies"),
    ("resource_policy", "resourcePolicy"),
    ("permission_boundary", "permissionBoundary"),
    ("session_policy", "sessionPolicy"),
    ("scps", "serviceControlPolicies"),
    ("rcps", "resourceControlPolicies"),
];

/// Parses request JSON text into policies and a request. Errors are one line.
pub fn parse(text: &str) -> Result<Simulation, SimulateError> {
    let v: Value = serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
    let mut obj = match v {
        Value::Object(o) => o,
        other => return Err(format!("must be a JSON object, not {}", kind(&other)).into()),
    };
    // A test vector: {"source": …, "request": {…}, "expected": …}.
    if !obj.contains_key("principal")
        && let Some(Value::Object(inner)) = obj.get("request")
    {
        obj = inner.clone();
    }
    let get = |obj: &Map<String, Value>, name: &str| -> Option<Value> {
        let alias = FIELDS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, a)| *a)
            .unwrap_or(name);
        obj.get(name)
            .or_else(|| obj.get(alias))
            .cloned()
            .filter(|v| !v.is_null())
    };
    let ignored_fields = obj
        .keys()
        .filter(|k| !FIELDS.iter().any(|(n, a)| n == k || a == k))
        .cloned()
        .collect();

    let principal = match get(&obj, "principal") {
        Some(Value::String(s)) => Principal::parse(&s).map_err(|e| format!("principal: {e}"))?,
        Some(other) => {
            return Err(format!("principal must be a string, not {}", kind(&other)).into());
        }
        None => {
            return Err(
                "missing \"principal\" (an IAM/STS ARN, a service principal or \"anonymous\")"
                    .into(),
            );
        }
    };
    let action = match get(&obj, "action") {
        Some(Value::String(s)) if s.trim().contains(':') => s.trim().to_string(),
        Some(Value::String(s)) => {
            return Err(format!("action {s:?} is not \"service:Action\"").into());
        }
        Some(other) => return Err(format!("action must be a string, not {}", kind(&other)).into()),
        None => return Err("missing \"action\" (e.g. \"secretsmanager:GetSecretValue\")".into()),
    };
    let resource = match get(&obj, "resource") {
        Some(Value::String(s)) => s.trim().to_string(),
        Some(other) => {
            return Err(format!(
                "resource must be a string (an ARN or \"*\"), not {}",
                kind(&other)
            )
            .into());
        }
        None => "*".to_string(),
    };
    let mut request = Request::new(principal, &action, &resource);
    request.resource_account = match get(&obj, "resource_account") {
        Some(Value::String(s)) => Some(s.trim().to_string()),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(other) => {
            return Err(format!("resource_account must be a string, not {}", kind(&other)).into());
        }
        None => None,
    };
    if let Some(ctx) = obj.get("context").filter(|v| !v.is_null()) {
        let map = ctx
            .as_object()
            .ok_or_else(|| format!("context must be an object, not {}", kind(ctx)))?;
        for (k, v) in map {
            match v {
                Value::Null => request.context.mark_absent(k),
                Value::Array(a) => {
                    let vals = a
                        .iter()
                        .map(|e| {
                            scalar(e).ok_or_else(|| {
                                format!("context.{k}: list elements must be strings, numbers or booleans")
                            })
                        })
                        .collect::<Result<Vec<_>, _>>()?;
                    request.context.insert(k, vals);
                }
                other => {
                    let s = scalar(other).ok_or_else(|| {
                        format!("context.{k}: must be a string, number, boolean or a list of them")
                    })?;
                    request.context.insert(k, vec![s]);
                }
            }
        }
    }

    let mut policies = PolicySet::default();
    let mut notes = Vec::new();
    if let Some(v) = get(&obj, "identity_policies") {
        match v {
            Value::Array(a) => {
                for (i, p) in a.iter().enumerate() {
                    policies.identity.push(policy(
                        p,
                        &format!("identity_policies[{i}]"),
                        &mut notes,
                    )?);
                }
            }
            single => policies
                .identity
                .push(policy(&single, "identity_policies", &mut notes)?),
        }
    }
    let n = &mut notes;
    policies.resource = optional_policy(get(&obj, "resource_policy"), "resource_policy", n)?;
    policies.boundary =
        optional_policy(get(&obj, "permission_boundary"), "permission_boundary", n)?;
    policies.session = optional_policy(get(&obj, "session_policy"), "session_policy", n)?;
    policies.scps = levels(get(&obj, "scps"), "scps", n)?;
    policies.rcps = levels(get(&obj, "rcps"), "rcps", n)?;
    let shape = policies.validate().map_err(|e| e.to_string())?;
    notes.extend(shape.into_iter().map(|e| e.to_string()));
    Ok(Simulation {
        policies,
        request,
        ignored_fields,
        policy_notes: notes,
    })
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A policy given as an object or as a JSON string holding one; what AWS would refuse to
/// store but evaluates goes to `notes`.
fn policy(v: &Value, at: &str, notes: &mut Vec<String>) -> Result<Policy, SimulateError> {
    let parsed = match v {
        Value::String(s) => Policy::parse_noting(s.as_str()),
        Value::Object(_) => Policy::parse_noting(v),
        other => {
            return Err(format!(
                "{at}: a policy must be a JSON object or a JSON string, not {}",
                kind(other)
            )
            .into());
        }
    };
    let (p, found) = parsed.map_err(|e| SimulateError(e.within(at).to_string()))?;
    notes.extend(found.into_iter().map(|e| e.within(at).to_string()));
    Ok(p)
}

fn optional_policy(
    v: Option<Value>,
    at: &str,
    notes: &mut Vec<String>,
) -> Result<Option<Policy>, SimulateError> {
    match v {
        None => Ok(None),
        // Accept a one-element list too (one boundary / session policy per request).
        Some(Value::Array(a)) => match a.len() {
            0 => Ok(None),
            1 => policy(&a[0], &format!("{at}[0]"), notes).map(Some),
            n => Err(format!("{at}: expected one policy, got a list of {n}").into()),
        },
        Some(p) => policy(&p, at, notes).map(Some),
    }
}

fn levels(
    v: Option<Value>,
    at: &str,
    notes: &mut Vec<String>,
) -> Result<Vec<Vec<Policy>>, SimulateError> {
    let Some(v) = v else { return Ok(Vec::new()) };
    let Value::Array(levels) = v else {
        return Err(format!(
            "{at}: must be a list of levels (root first), each a list of policies"
        )
        .into());
    };
    let mut out = Vec::with_capacity(levels.len());
    for (l, level) in levels.iter().enumerate() {
        let list = match level {
            Value::Array(a) => a.clone(),
            // {"orgIdentifier": …, "policies": [...]}
            Value::Object(o) if o.get("policies").is_some_and(Value::is_array) => {
                o["policies"].as_array().expect("checked is_array").clone()
            }
            other => {
                return Err(format!(
                    "{at}[{l}]: must be a list of policies (one list per level, root first), not {}",
                    kind(other)
                ).into());
            }
        };
        let mut pols = Vec::with_capacity(list.len());
        for (i, p) in list.iter().enumerate() {
            pols.push(policy(p, &format!("{at}[{l}][{i}]"), notes)?);
        }
        out.push(pols);
    }
    Ok(out)
}
