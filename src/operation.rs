//! [`Operation`]: the AWS API calls collection makes, by name. A collection gap records the
//! operation that failed; checks and renderers compare operations as values of this type, never as
//! strings, so a renamed or misspelt operation is a compile error rather than a silent miss.
//!
//! It serialises as the API's own name (`"DescribeSecret"`), as inventories always have. A name
//! this version does not know (an inventory from a newer secretlens) is kept as
//! [`Operation::Other`], so the gap is still reported, and matches none of the known operations.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

macro_rules! operations {
    ($($(#[$doc:meta])* $name:ident,)*) => {
        /// An AWS API operation that collection calls.
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum Operation {
            $($(#[$doc])* $name,)*
            /// An operation this version does not know (read from a newer inventory).
            Other(Box<str>),
        }

        impl Operation {
            /// Every known operation.
            pub const KNOWN: &'static [Operation] = &[$(Operation::$name,)*];

            /// The API's name, e.g. `DescribeSecret`.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Operation::$name => stringify!($name),)*
                    Operation::Other(s) => s,
                }
            }

            /// The operation named `name` (exact API spelling); unknown names are [`Operation::Other`].
            pub fn from_name(name: &str) -> Operation {
                match name {
                    $(stringify!($name) => Operation::$name,)*
                    other => Operation::Other(other.into()),
                }
            }
        }
    };
}

operations! {
    /// `secretsmanager:ListSecrets` (also the operation of a region that timed out as a whole).
    ListSecrets,
    /// `secretsmanager:DescribeSecret`.
    DescribeSecret,
    /// `secretsmanager:GetResourcePolicy`.
    GetResourcePolicy,
    /// `kms:ListAliases`.
    ListAliases,
    /// `kms:DescribeKey`.
    DescribeKey,
    /// `kms:GetKeyRotationStatus`.
    GetKeyRotationStatus,
    /// `kms:GetKeyPolicy`.
    GetKeyPolicy,
    /// `kms:ListGrants`.
    ListGrants,
    /// `iam:GetAccountAuthorizationDetails`.
    GetAccountAuthorizationDetails,
    /// `iam:ListAccessKeys`.
    ListAccessKeys,
    /// `iam:GetAccessKeyLastUsed`.
    GetAccessKeyLastUsed,
    /// `cloudtrail:DescribeTrails`.
    DescribeTrails,
    /// `cloudtrail:GetTrailStatus`.
    GetTrailStatus,
    /// `cloudtrail:GetEventSelectors`.
    GetEventSelectors,
    /// `cloudtrail:LookupEvents`.
    LookupEvents,
    /// `account:ListRegions`.
    ListRegions,
    /// `sts:AssumeRole` into an audited account.
    AssumeRole,
    /// `sts:GetCallerIdentity`.
    GetCallerIdentity,
    /// `lambda:ListFunctions` (credentials in configuration).
    ListFunctions,
    /// `ecs:ListTaskDefinitions`.
    ListTaskDefinitions,
    /// `ecs:DescribeTaskDefinition`.
    DescribeTaskDefinition,
    /// `ec2:DescribeInstances`.
    DescribeInstances,
    /// `ec2:DescribeInstanceAttribute` (`userData`).
    DescribeInstanceAttribute,
    /// `ec2:DescribeLaunchTemplates`.
    DescribeLaunchTemplates,
    /// `ec2:DescribeLaunchTemplateVersions`.
    DescribeLaunchTemplateVersions,
    /// `autoscaling:DescribeLaunchConfigurations`.
    DescribeLaunchConfigurations,
    /// `cloudformation:DescribeStacks`.
    DescribeStacks,
    /// `ssm:DescribeParameters`.
    DescribeParameters,
    /// `ssm:GetParameters` (`String` and `StringList` only, never decrypted).
    GetParameters,
    /// `codebuild:ListProjects`.
    ListProjects,
    /// `codebuild:BatchGetProjects`.
    BatchGetProjects,
    /// `states:ListStateMachines`.
    ListStateMachines,
    /// `states:DescribeStateMachine`.
    DescribeStateMachine,
    /// `batch:DescribeJobDefinitions`.
    DescribeJobDefinitions,
    /// `organizations:ListAccounts` (`--organization`).
    ListAccounts,
    /// `organizations:DescribeOrganization` (SCPs and RCPs: the management account).
    DescribeOrganization,
    /// `organizations:ListRoots` (SCPs and RCPs: the root and its enabled policy types).
    ListRoots,
    /// `organizations:ListParents` (SCPs and RCPs: an audited account's path to the root).
    ListParents,
    /// `organizations:ListPoliciesForTarget` (the SCPs and RCPs attached to a root, OU or account).
    ListPoliciesForTarget,
    /// `organizations:DescribePolicy` (an SCP's or RCP's content).
    DescribePolicy,
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Ordered by name, as the strings they replace were (gaps sort by operation).
impl Ord for Operation {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl PartialOrd for Operation {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Serialize for Operation {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// In the published JSON Schema an operation is the API's name: any string (a newer
/// secretlens may record operations this one does not know).
impl schemars::JsonSchema for Operation {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Operation".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "An AWS API operation, by the API's own name (e.g. `DescribeSecret`)."
        })
    }
}

impl<'de> Deserialize<'de> for Operation {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = std::borrow::Cow::<'de, str>::deserialize(d)?;
        Ok(Operation::from_name(&name))
    }
}

#[cfg(test)]
mod tests {
    use super::Operation;

    #[test]
    fn names_round_trip_and_unknown_names_are_kept() {
        for op in Operation::KNOWN {
            let json = serde_json::to_string(op).unwrap();
            assert_eq!(json, format!("\"{}\"", op.as_str()));
            assert_eq!(&serde_json::from_str::<Operation>(&json).unwrap(), op);
        }
        let other: Operation = serde_json::from_str("\"ListWidgets\"").unwrap();
        assert_eq!(other, Operation::Other("ListWidgets".into()));
        assert_eq!(serde_json::to_string(&other).unwrap(), "\"ListWidgets\"");
        assert!(!Operation::KNOWN.contains(&other));
        // Names are exact: AWS spells them one way.
        assert!(matches!(
            Operation::from_name("describesecret"),
            Operation::Other(_)
        ));
    }
}
