//! An IAM policy engine with AWS semantics: parse policy JSON ([`Policy::parse`]), describe a
//! request ([`Request`]), gather the policies that bear on it ([`PolicySet`]) and decide
//! ([`evaluate`] → [`Decision`]). No AWS SDK types; no I/O.
//!
//! ```
//! use secretlens::policy::{evaluate, DecisionKind, Policy, PolicySet, Principal, Request};
//!
//! let identity = Policy::parse(r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow",
//!     "Action":"secretsmanager:GetSecretValue","Resource":"*",
//!     "Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}}}"#).unwrap();
//! let set = PolicySet { identity: vec![identity], ..Default::default() };
//! let principal = Principal::parse("arn:aws:iam::111122223333:user/alice").unwrap();
//! let req = Request::new(principal, "secretsmanager:GetSecretValue",
//!     "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf");
//! let d = evaluate(&set, &req);
//! assert_eq!(d.decision, DecisionKind::ImplicitDeny);
//! assert_eq!(d.conditional_on, vec!["aws:SourceIp".to_string()]); // allowed if the IP matches
//! ```
//!
//! Statements are compiled once at parse time (lowercased action globs, ARN globs, typed
//! condition values), so evaluating one request costs a few glob matches per statement.
//!
//! Module map: [`model`] parses, [`matching`] globs and ARNs, [`condition`] operators,
//! [`variables`] policy variables, [`request`] principals and context keys, [`eval`] decides.

pub mod condition;
pub mod eval;
pub mod matching;
pub mod model;
pub mod request;
pub mod variables;

pub use eval::{
    Decision, DecisionKind, PolicyRefs, PolicySet, Source, StatementRef, evaluate, evaluate_refs,
};
pub use model::{Effect, Policy, PolicyError, PolicyVersion, PrincipalEntry, Statement};
pub use request::{Context, Lookup, Principal, PrincipalKind, Request};

#[cfg(test)]
mod tests;
