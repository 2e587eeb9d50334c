//! The public answers of the access engine: the actions it answers for, and who can perform
//! them.

use serde::Serialize;

pub const GET_SECRET_VALUE: &str = "secretsmanager:GetSecretValue";
pub const PUT_RESOURCE_POLICY: &str = "secretsmanager:PutResourcePolicy";
pub const KMS_DECRYPT: &str = "kms:Decrypt";
pub const KMS_PUT_KEY_POLICY: &str = "kms:PutKeyPolicy";
pub const KMS_CREATE_GRANT: &str = "kms:CreateGrant";

/// The actions the index keeps statements for, in [`Act`] order.
pub(super) const ACTIONS: [&str; 5] = [
    GET_SECRET_VALUE,
    KMS_DECRYPT,
    PUT_RESOURCE_POLICY,
    KMS_PUT_KEY_POLICY,
    KMS_CREATE_GRANT,
];

/// An action the index can answer for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Act {
    GetSecretValue = 0,
    Decrypt = 1,
    PutResourcePolicy = 2,
    PutKeyPolicy = 3,
    CreateGrant = 4,
}

impl Act {
    pub fn name(self) -> &'static str {
        ACTIONS[self as usize]
    }

    /// Whether the action is on the secret's KMS key rather than the secret.
    pub(super) fn on_key(self) -> bool {
        matches!(self, Act::Decrypt | Act::PutKeyPolicy | Act::CreateGrant)
    }
}

/// The effective readers of one secret.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SecretAccess {
    pub readers: Vec<Reader>,
    /// false when IAM data or the resource/key policy was not collected
    pub complete: bool,
    pub notes: Vec<String>,
}

/// A principal that can read (or, for [`AccessIndex::who_can`](super::AccessIndex::who_can), perform the action on) a secret.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reader {
    /// The principal's ARN; `*` for "any principal"; the service name for a service principal;
    /// `arn:aws:iam::ACCOUNT:root` for "any principal of that account whose own policies allow
    /// it".
    pub principal_arn: String,
    /// Its account id (empty for services, `*` for any).
    pub account: String,
    /// `user`, `role`, `root` (the root user of the secret's own account), `account`,
    /// `service`, `anonymous` or `any`.
    pub kind: String,
    /// Empty: allowed. Otherwise allowed only when these (unknown) context keys have matching
    /// values: a conditional reader.
    pub conditional_on: Vec<String>,
    /// The statements that grant it, e.g.
    /// `managed policy arn:aws:iam::111122223333:policy/AppRead #0 "ReadApp"`.
    pub statements: Vec<String>,
    /// `identity`, `resource_policy` or `both`: where the `GetSecretValue` grant comes from.
    pub via: String,
    /// Whether the SCPs of the principal's account were evaluated (true too when none apply:
    /// no organization, the management account, a service principal). false: an SCP may
    /// still block it.
    pub scps_evaluated: bool,
    /// Whether the RCPs of the resource's account were evaluated (true too when none apply).
    pub rcps_evaluated: bool,
}

impl Reader {
    /// Allowed without conditions.
    pub fn allowed(&self) -> bool {
        self.conditional_on.is_empty()
    }

    /// The root user of the secret's account (kind `root`): every secret of its account has
    /// it unless a deny stops it, so the access checks list it but do not count it as
    /// over-sharing (docs/access.md).
    pub fn is_root(&self) -> bool {
        self.kind == "root"
    }

    /// `allowed` or `conditional`.
    pub fn status(&self) -> &'static str {
        if self.allowed() {
            "allowed"
        } else {
            "conditional"
        }
    }
}
