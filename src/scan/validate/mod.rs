//! The validators: what decides whether a candidate the engine found is a credential. Pure
//! functions of the candidate text (or the buffer around it); the engine ([`super::engine`])
//! calls them by the names the rule files (`rules/*.toml`) give. By concern:
//!
//! - `tokens`: entropy, character mix, token shapes (AWS, JWT/JOSE, base64) and checksums;
//! - `placeholders`: documentation values, templates, published examples and default passwords;
//! - `text`: code, metadata names and words that only look like an assignment of a secret;
//! - `keys`: the bodies of PEM, PGP, SSH2 and PuTTY keys, base64 PEM and JSON Web Keys;
//! - `passwords`: passwords and tokens in configuration (netrc, kubeconfig, connection strings,
//!   base64 `user:password`) and documentation password hashes.
//!
//! `keys_encoded_check` runs the validators that `keys.toml`, `hashes.toml`, `encoded.toml` and
//! `jwt.toml` name. Every validator reads a bounded amount of the buffer per candidate and stops at
//! the first byte that cannot belong to what it reads, so a pathological file (a 10 MB line, a
//! million headers) costs time linear in its size.

mod keys;
mod passwords;
mod placeholders;
mod text;
mod tokens;

pub use keys::{base64_pem_private_key, jwk_has_kty, pem_block, putty_block};
pub(super) use keys::{pem_body, putty_body};
pub use passwords::{
    conn_string_context, hash_is_documentation, kube_user_parent, netrc_password,
    password_base64_ok, userpass_base64_ok,
};
use passwords::{unquote_value, weak_password};
pub use placeholders::{
    KNOWN_EXAMPLES, is_known_example, is_placeholder, jwt_is_documentation_sample,
    mostly_sequential, url_password_is_default, url_password_is_documentation,
};
pub use text::{assignee_is_metadata, looks_like_code, looks_like_words};
pub use tokens::{
    age_bech32_ok, aws_secret_shape, base64url_decode, char_mix, checksum_ok, discord_id_ok,
    is_varied, jose_valid, jwt_valid, shannon_entropy,
};

use super::rules::Check;

/// The longest base64 run an encoded PEM is read from (a 8192-bit RSA key is ~6.5 KiB of PEM).
const BASE64_PEM_MAX: usize = 16 * 1024;

/// Runs one of this block's validators on a candidate; `true` keeps it (and any other check is
/// left to the engine). `window` is the scan window the regex ran on (absolute offsets); the
/// capture groups are relative to its start. A validator may replace the secret and its offset
/// (the key body for key blocks, the password for netrc entries).
pub(super) fn keys_encoded_check(
    check: Check,
    data: &[u8],
    window: (usize, usize),
    caps: &regex::bytes::Captures,
    secret: &mut String,
    off: &mut usize,
) -> bool {
    let (ws, we) = window;
    let whole = caps.get(0).expect("group 0 always participates");
    let group = |name: &str| {
        caps.name(name)
            .map(|m| String::from_utf8_lossy(m.as_bytes()).into_owned())
    };
    match check {
        Check::PemBlock => match pem_block(data, ws + whole.end()) {
            Some(body) => {
                *secret = body;
                *off = ws + whole.start();
                true
            }
            None => false,
        },
        Check::PuttyBlock => match putty_block(data, ws + whole.end()) {
            Some(body) => {
                *secret = body;
                *off = ws + whole.start();
                true
            }
            None => false,
        },
        Check::Base64Pem => {
            // The regex window may have cut a long line: re-read the whole base64 run.
            let hi = data.len().min(*off + BASE64_PEM_MAX);
            let run = data[*off..hi]
                .iter()
                .position(|&b| !(b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=')))
                .map_or(hi, |i| *off + i);
            let text = &data[*off..run];
            if base64_pem_private_key(text) {
                *secret = String::from_utf8_lossy(text).into_owned();
                true
            } else {
                false
            }
        }
        Check::JwkPrivate => jwk_has_kty(data, *off),
        Check::UserPassBase64 => userpass_base64_ok(secret),
        Check::PasswordBase64 => password_base64_ok(secret),
        Check::Netrc => match netrc_password(data, ws + whole.end()) {
            Some((pw_off, pw, login)) => {
                let host = group("host").unwrap_or_default();
                // Anonymous FTP (RFC 1635): the password is by convention an e-mail address.
                let anonymous = ["anonymous", "ftp"]
                    .iter()
                    .any(|a| login.eq_ignore_ascii_case(a));
                if anonymous || weak_password(&login, &pw, &host) {
                    return false;
                }
                *secret = pw;
                *off = pw_off;
                true
            }
            None => false,
        },
        Check::KubeUser => !secret.starts_with("eyJ") && kube_user_parent(data, *off),
        Check::ConnString => {
            let (s, o) = unquote_value(secret, *off);
            *secret = s;
            *off = o;
            // The cheap value tests first: a line dense with `password=x` stays fast.
            !weak_password("", secret, "")
                && !is_placeholder(secret)
                && !looks_like_code(secret)
                && conn_string_context(&data[ws..we], *off - ws)
        }
        Check::DocPassword => {
            let user = group("user").unwrap_or_default();
            let host = group("host").unwrap_or_default();
            !weak_password(&user, secret, &host)
        }
        Check::Jose => jose_valid(secret) && !jwt_is_documentation_sample(secret),
        Check::HashDoc => !hash_is_documentation(secret),
        _ => true,
    }
}

#[cfg(test)]
mod test_support {
    pub(super) fn b64(s: &str) -> String {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let b = s.as_bytes();
        let mut out = String::new();
        for c in b.chunks(3) {
            let n = (c[0] as u32) << 16
                | (*c.get(1).unwrap_or(&0) as u32) << 8
                | *c.get(2).unwrap_or(&0) as u32;
            for i in 0..4 {
                if i <= c.len() {
                    out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    //! The validators' worst cases through the whole engine.
    /// Worst cases for the validators above, through the whole built-in engine: each input is
    /// dense with one rule's keyword and shape but holds no credential. Every validator stops at
    /// the first byte that cannot belong to what it reads, so each finishes in linear time.
    #[test]
    fn adversarial_inputs_stay_linear_and_quiet() {
        let engine = crate::scan::Engine::new(crate::scan::rules::builtin());
        let inputs: Vec<Vec<u8>> = vec![
            "-----BEGIN PRIVATE KEY-----\n".repeat(20_000).into_bytes(),
            "-----BEGIN PRIVATE KEY-----".repeat(20_000).into_bytes(),
            format!(
                "-----BEGIN PRIVATE KEY-----\n{}",
                "QUFBQUFBQUFB\n".repeat(40_000)
            )
            .into_bytes(),
            "PuTTY-User-Key-File-2: ssh-rsa\nPublic-Lines: 1\n"
                .repeat(10_000)
                .into_bytes(),
            "LS0tLS1CRUdJTi".repeat(40_000).into_bytes(),
            "machine machine login ".repeat(20_000).into_bytes(),
            "{\"d\":\"QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB\""
                .repeat(10_000)
                .into_bytes(),
            "Authorization: Basic QUFBQUFBQUFB "
                .repeat(20_000)
                .into_bytes(),
            "Server=db;Password=Vq7LmZ2x;".repeat(20_000).into_bytes(),
            "  token: QUFBQUFBQUFBQUFBQUFBQUFB\n"
                .repeat(20_000)
                .into_bytes(),
            "$2b$10$".repeat(100_000).into_bytes(),
            "eyJhbGciOi.".repeat(50_000).into_bytes(),
            vec![b'='; 100_000],
        ];
        for (i, input) in inputs.iter().enumerate() {
            // No timing assertion (machines are shared and noisy): the time is printed, and
            // quadratic work would show as minutes rather than seconds on these sizes.
            let started = std::time::Instant::now();
            let hits = engine.scan(input);
            eprintln!(
                "input {i}: {} bytes in {:.2?}",
                input.len(),
                started.elapsed()
            );
            let ids: Vec<&str> = hits
                .iter()
                .map(|h| engine.rules()[h.rule].id.as_str())
                .filter(|id| {
                    [
                        "private-key",
                        "putty-private-key",
                        "private-key-base64",
                        "netrc-password",
                        "jwk-private-key",
                        "basic-auth",
                        "kubeconfig-token",
                        "bcrypt-hash",
                        "jwt",
                    ]
                    .contains(id)
                })
                .collect();
            assert!(ids.is_empty(), "input {i}: {ids:?}");
        }
    }
}
