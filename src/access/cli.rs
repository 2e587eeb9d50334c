//! `secretlens who-can-read SECRET`: the readers of one secret as a table or JSON.

use serde::Serialize;

use super::{AccessIndex, SecretAccess};
use crate::inventory::{Inventory, Secret};

#[derive(Serialize)]
struct Out<'a> {
    secret: &'a str,
    name: &'a str,
    account: &'a str,
    region: &'a str,
    #[serde(flatten)]
    access: &'a SecretAccess,
}

crate::error::message_error!(
    /// Why `who-can-read` cannot answer: the secret is not found, or the name is ambiguous.
    pub WhoCanReadError
);

/// Finds the secret by ARN, else by name (a name present in several regions or accounts is
/// ambiguous: the message lists the ARNs).
pub fn find<'a>(inv: &'a Inventory, query: &str) -> Result<&'a Secret, WhoCanReadError> {
    let primaries = || inv.secrets.iter().filter(|s| !s.is_replica());
    if let Some(s) = primaries().find(|s| s.arn == query) {
        return Ok(s);
    }
    let by_name: Vec<&Secret> = primaries().filter(|s| s.name == query).collect();
    match by_name.as_slice() {
        [one] => Ok(one),
        [] => {
            Err(format!("no secret named {query:?} in the inventory (give its name or ARN)").into())
        }
        many => Err(format!(
            "{query:?} names several secrets; give the ARN: {}",
            many.iter()
                .map(|s| s.arn.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
        .into()),
    }
}

/// Control characters out of inventory text, so a hostile name cannot drive the terminal.
fn clean(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
        .collect()
}

pub fn who_can_read(inv: &Inventory, query: &str, format: &str) -> Result<String, WhoCanReadError> {
    let secret = find(inv, query)?;
    let idx = AccessIndex::build(inv);
    let access = idx.readers(secret);
    if format == "json" {
        let out = Out {
            secret: &secret.arn,
            name: &secret.name,
            account: &secret.account,
            region: &secret.region,
            access: &access,
        };
        return Ok(serde_json::to_string_pretty(&out).expect("plain data") + "\n");
    }
    let mut t = format!("{} ({})\n", clean(&secret.name), clean(&secret.arn));
    if access.readers.is_empty() {
        t.push_str("No principal can read it.\n");
    } else {
        let rows: Vec<[String; 5]> = access
            .readers
            .iter()
            .map(|r| {
                let status = if r.allowed() {
                    "allowed".to_string()
                } else {
                    format!("conditional: {}", r.conditional_on.join(", "))
                };
                [
                    clean(&r.principal_arn),
                    r.kind.clone(),
                    status,
                    r.via.clone(),
                    clean(&r.statements.join("; ")),
                ]
            })
            .collect();
        let head = ["PRINCIPAL", "KIND", "ACCESS", "VIA", "GRANTED BY"];
        let mut w = head.map(str::len);
        for r in &rows {
            for i in 0..4 {
                w[i] = w[i].max(r[i].chars().count());
            }
        }
        let line = |c: [&str; 5]| {
            format!(
                "{:w0$}  {:w1$}  {:w2$}  {:w3$}  {}\n",
                c[0],
                c[1],
                c[2],
                c[3],
                c[4],
                w0 = w[0],
                w1 = w[1],
                w2 = w[2],
                w3 = w[3]
            )
        };
        t.push_str(&line(head));
        for r in &rows {
            t.push_str(&line([&r[0], &r[1], &r[2], &r[3], &r[4]]));
        }
        let allowed = access.readers.iter().filter(|r| r.allowed()).count();
        t.push_str(&format!(
            "{} reader(s): {allowed} allowed, {} conditional\n",
            access.readers.len(),
            access.readers.len() - allowed
        ));
    }
    if !access.complete {
        t.push_str("INCOMPLETE: the list may miss readers.\n");
    }
    for n in &access.notes {
        t.push_str(&format!("note: {}\n", clean(n)));
    }
    Ok(t)
}
