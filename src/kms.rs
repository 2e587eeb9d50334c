//! Normalising a secret's `KmsKeyId`.
//!
//! The API returns whatever was given when the secret was created: nothing (the AWS managed
//! default key `aws/secretsmanager`), a key id, a key ARN, an alias name or an alias ARN.
//! Comparing those strings directly is the classic mistake; [`resolve_key`] turns each form
//! into the key it names, using the aliases and keys collected for the secret's region.

use crate::inventory::{DEFAULT_KEY_ALIAS, Inventory, KmsKey, Secret};

/// What a secret's key reference resolves to.
#[derive(Debug, Clone, PartialEq)]
pub enum KeyRef<'a> {
    /// The AWS managed `aws/secretsmanager` key (reference absent, or its alias, or a key
    /// whose `KeyManager` is `AWS`). `key` is set when the key itself was collected.
    Default { key: Option<&'a KmsKey> },
    /// A customer managed key that was collected.
    Customer(&'a KmsKey),
    /// A key in another account than the secret's: not collected, reported as such.
    OtherAccount { reference: String, account: String },
    /// The reference could not be resolved from the inventory (alias or key not found, or
    /// its collection failed). `reference` is the normalised ARN or name that was looked up.
    Unresolved { reference: String },
}

impl KeyRef<'_> {
    /// A short human label: the alias or ARN.
    pub fn label(&self) -> String {
        match self {
            KeyRef::Default { .. } => DEFAULT_KEY_ALIAS.to_string(),
            KeyRef::Customer(k) => k.arn.clone(),
            KeyRef::OtherAccount { reference, .. } | KeyRef::Unresolved { reference } => {
                reference.clone()
            }
        }
    }
}

/// Parsed forms of a `KmsKeyId`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyReference {
    Absent,
    KeyId(String),
    KeyArn {
        region: String,
        account: String,
        key_id: String,
    },
    AliasName(String),
    AliasArn {
        region: String,
        account: String,
        alias: String,
    },
}

pub fn parse_reference(raw: Option<&str>) -> KeyReference {
    let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return KeyReference::Absent;
    };
    if let Some(rest) = raw.strip_prefix("arn:") {
        // arn:PARTITION:kms:REGION:ACCOUNT:key/ID | alias/NAME
        let parts: Vec<&str> = rest.splitn(5, ':').collect();
        if parts.len() == 5 && parts[1] == "kms" {
            let (region, account, res) = (parts[2].to_string(), parts[3].to_string(), parts[4]);
            if let Some(id) = res.strip_prefix("key/") {
                return KeyReference::KeyArn {
                    region,
                    account,
                    key_id: id.to_string(),
                };
            }
            if res.starts_with("alias/") {
                return KeyReference::AliasArn {
                    region,
                    account,
                    alias: res.to_string(),
                };
            }
        }
        // Not a KMS ARN we understand: treat as an opaque key id so it stays unresolved.
        return KeyReference::KeyId(raw.to_string());
    }
    if raw.starts_with("alias/") {
        return KeyReference::AliasName(raw.to_string());
    }
    KeyReference::KeyId(raw.to_string())
}

/// Resolves the secret's key (or a replica's, with `region` = the replica's region).
pub fn resolve_key<'a>(
    inv: &'a Inventory,
    secret: &Secret,
    raw: Option<&str>,
    region: &str,
) -> KeyRef<'a> {
    let account = secret.account.as_str();
    let find_key = |acct: &str, reg: &str, key_id: &str| {
        inv.kms_keys.iter().find(|k| {
            k.account == acct && k.region == reg && (k.key_id == key_id || k.arn == key_id)
        })
    };
    let classify = |k: &'a KmsKey| {
        if k.key_manager.as_deref() == Some("AWS") {
            KeyRef::Default { key: Some(k) }
        } else {
            KeyRef::Customer(k)
        }
    };
    let by_alias = |acct: &str, reg: &str, alias: &str| -> KeyRef<'a> {
        // Built only when reported (most references resolve).
        let reference = || format!("arn:aws:kms:{reg}:{acct}:{alias}");
        if alias == DEFAULT_KEY_ALIAS {
            let key = inv
                .kms_aliases
                .iter()
                .find(|a| a.account == acct && a.region == reg && a.name == alias)
                .and_then(|a| a.target_key_id.as_deref())
                .and_then(|id| find_key(acct, reg, id));
            return KeyRef::Default { key };
        }
        if acct != account {
            return KeyRef::OtherAccount {
                reference: reference(),
                account: acct.to_string(),
            };
        }
        match inv
            .kms_aliases
            .iter()
            .find(|a| a.account == acct && a.region == reg && a.name == alias)
            .and_then(|a| a.target_key_id.as_deref())
            .and_then(|id| find_key(acct, reg, id))
        {
            Some(k) => classify(k),
            None => KeyRef::Unresolved {
                reference: reference(),
            },
        }
    };
    match parse_reference(raw) {
        KeyReference::Absent => by_alias(account, region, DEFAULT_KEY_ALIAS),
        KeyReference::AliasName(alias) => by_alias(account, region, &alias),
        KeyReference::AliasArn {
            region: r,
            account: a,
            alias,
        } => by_alias(&a, &r, &alias),
        KeyReference::KeyId(id) => match find_key(account, region, &id) {
            Some(k) => classify(k),
            None => KeyRef::Unresolved { reference: id },
        },
        KeyReference::KeyArn {
            region: r,
            account: a,
            key_id,
        } => {
            let reference = || format!("arn:aws:kms:{r}:{a}:key/{key_id}");
            if a != account {
                return KeyRef::OtherAccount {
                    reference: reference(),
                    account: a.clone(),
                };
            }
            match find_key(&a, &r, &key_id) {
                Some(k) => classify(k),
                None => KeyRef::Unresolved {
                    reference: reference(),
                },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::KmsAlias;

    fn inv() -> Inventory {
        let mut inv = Inventory::empty("fixture", chrono::DateTime::UNIX_EPOCH);
        inv.kms_keys.push(KmsKey {
            arn: "arn:aws:kms:us-east-1:111111111111:key/k-cmk".into(),
            key_id: "k-cmk".into(),
            account: "111111111111".into(),
            region: "us-east-1".into(),
            key_manager: Some("CUSTOMER".into()),
            key_state: Some("Enabled".into()),
            ..Default::default()
        });
        inv.kms_keys.push(KmsKey {
            arn: "arn:aws:kms:us-east-1:111111111111:key/k-aws".into(),
            key_id: "k-aws".into(),
            account: "111111111111".into(),
            region: "us-east-1".into(),
            key_manager: Some("AWS".into()),
            ..Default::default()
        });
        inv.kms_aliases.push(KmsAlias {
            account: "111111111111".into(),
            region: "us-east-1".into(),
            name: "alias/app".into(),
            arn: None,
            target_key_id: Some("k-cmk".into()),
        });
        inv
    }

    fn secret() -> Secret {
        Secret {
            arn: "arn:aws:secretsmanager:us-east-1:111111111111:secret:s-abcdef".into(),
            name: "s".into(),
            account: "111111111111".into(),
            region: "us-east-1".into(),
            ..Default::default()
        }
    }

    #[test]
    fn every_reference_form_resolves() {
        let inv = inv();
        let s = secret();
        let r = |raw: Option<&str>| resolve_key(&inv, &s, raw, "us-east-1");
        assert!(matches!(r(None), KeyRef::Default { key: None }));
        assert!(matches!(
            r(Some("alias/aws/secretsmanager")),
            KeyRef::Default { .. }
        ));
        assert!(matches!(
            r(Some(
                "arn:aws:kms:us-east-1:111111111111:alias/aws/secretsmanager"
            )),
            KeyRef::Default { .. }
        ));
        assert!(matches!(r(Some("k-aws")), KeyRef::Default { key: Some(_) }));
        for form in [
            "k-cmk",
            "arn:aws:kms:us-east-1:111111111111:key/k-cmk",
            "alias/app",
            "arn:aws:kms:us-east-1:111111111111:alias/app",
        ] {
            match r(Some(form)) {
                KeyRef::Customer(k) => assert_eq!(k.key_id, "k-cmk", "{form}"),
                other => panic!("{form} resolved to {other:?}"),
            }
        }
        assert!(matches!(
            r(Some("alias/missing")),
            KeyRef::Unresolved { .. }
        ));
        assert!(matches!(
            r(Some("arn:aws:kms:us-east-1:222222222222:key/x")),
            KeyRef::OtherAccount { .. }
        ));
    }
}
