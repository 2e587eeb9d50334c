//! Who can read each secret: effective access computed with the [`crate::policy`] engine.
//!
//! [`AccessIndex::build`] parses every IAM policy of the inventory once, reduces each
//! principal's identity policies and permissions boundary to the statements that can match
//! the few actions that matter (`secretsmanager:GetSecretValue`, `kms:Decrypt`,
//! `secretsmanager:PutResourcePolicy`, `kms:PutKeyPolicy`, `kms:CreateGrant`), and indexes the
//! `Allow` statements of those reduced policies by the literal prefix of their `Resource`
//! patterns. [`AccessIndex::readers`] then evaluates, for one secret, only the principals that
//! can possibly be allowed: those with an identity `Allow` whose resource prefix is a prefix of
//! the secret's ARN (or that is unrestricted: `*`, `NotResource`), and those its resource policy
//! names (and the grantees of its key's grants), plus the account's root user. A reader must be
//! allowed `secretsmanager:GetSecretValue` (identity and resource policy, explicit denies,
//! boundary) and, when the secret is encrypted with a customer managed key, `kms:Decrypt` by that
//! key (key policy and its grants, plus identity policies, with
//! `kms:ViaService = secretsmanager.REGION.amazonaws.com`). Semantics and limits: `docs/access.md`.
//!
//! Pure: no AWS SDK types, no I/O.
//!
//! Layout, by concern:
//! - `model`: the public answers ([`SecretAccess`], [`Reader`]) and the actions ([`Act`]);
//! - `index`: [`AccessIndex`] and its build from an inventory (secrets, keys, tag keys);
//! - `account`: one account's principals, their reduced policies, the prefix index and plans;
//! - `query`: one (secret, action) query — its candidates and what they share;
//! - `memo`: verdicts memoised under exact keys (interned contexts, dense tables, cache);
//! - `decide`: one request built and evaluated; the principals a resource policy names;
//! - `explain`: verdicts and their evidence text;
//! - `grants`: KMS grants as statements of the key policy;
//! - `org`: the SCPs and RCPs of each account (AWS Organizations), interned per path;
//! - [`exposure`]: static questions about one resource policy; [`cli`]: `who-can-read`.

mod account;
pub mod cli;
mod decide;
mod explain;
pub mod exposure;
mod grants;
mod index;
mod memo;
mod model;
mod org;
mod query;

pub use index::{AccessIndex, IamUnavailable, parse_policy};
pub use model::{
    Act, GET_SECRET_VALUE, KMS_CREATE_GRANT, KMS_DECRYPT, KMS_PUT_KEY_POLICY, PUT_RESOURCE_POLICY,
    Reader, SecretAccess,
};

#[cfg(test)]
mod tests;
