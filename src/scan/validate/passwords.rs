//! Passwords and tokens in configuration: weak and documentation passwords, base64 of
//! `user:password`, `.netrc` entries, kubeconfig user tokens, connection strings, and password
//! hashes from documentation.

use super::{
    base64url_decode, is_placeholder, mostly_sequential, shannon_entropy, url_password_is_default,
    url_password_is_documentation,
};

/// Printable ASCII text decoded from base64, if the value is base64 of such text.
fn decode_printable(b64: &str) -> Option<String> {
    let t = b64.trim_end_matches('=');
    if t.len() < 4 || t.len() % 4 == 1 {
        return None;
    }
    let bytes = base64url_decode(b64)?;
    if bytes.is_empty() || !bytes.iter().all(|b| (0x20..0x7f).contains(b)) {
        return None;
    }
    String::from_utf8(bytes).ok()
}

/// A password that is a default, a placeholder or a documentation value.
pub(super) fn weak_password(user: &str, pw: &str, host: &str) -> bool {
    const MORE: &[&str] = &[
        "tiger", "hunter2", "s3cr3t", "p4ssw0rd", "pa55word", "welcome",
    ];
    pw.trim().is_empty()
        || url_password_is_default(user, pw)
        || url_password_is_documentation(host, pw)
        || MORE.contains(&pw.to_ascii_lowercase().as_str())
        || pw.len() < 4
}

/// Base64 of `user:password` (HTTP Basic credentials, npm `_auth`, docker `auths`): printable,
/// a non-empty user, and a password that is not a default or placeholder; or `token:` / `:token`
/// with a long random token.
pub fn userpass_base64_ok(b64: &str) -> bool {
    let Some(text) = decode_printable(b64) else {
        return false;
    };
    let Some((user, pw)) = text.split_once(':') else {
        return false;
    };
    let token_alone = |t: &str| t.len() >= 16 && shannon_entropy(t) >= 3.5 && !is_placeholder(t);
    if pw.is_empty() {
        return token_alone(user);
    }
    if user.is_empty() {
        return token_alone(pw);
    }
    !user.contains(char::is_whitespace) && !is_placeholder(user) && !weak_password(user, pw, "")
}

/// Base64 of a password alone (npm `_password`).
pub fn password_base64_ok(b64: &str) -> bool {
    decode_printable(b64).is_some_and(|pw| !is_placeholder(&pw) && !weak_password("", &pw, ""))
}

/// The password of a `.netrc` entry whose `machine NAME` ends at `from`: the tokens after it are
/// read as `login`/`password`/`account`/`port` pairs (on one line or several) up to the next
/// entry or anything else, within 2 KiB. Returns (offset, password, login).
pub fn netrc_password(data: &[u8], from: usize) -> Option<(usize, String, String)> {
    let hi = data.len().min(from + 2048);
    let mut i = from;
    let mut next_token = || -> Option<(usize, &[u8])> {
        while i < hi && data[i].is_ascii_whitespace() {
            i += 1;
        }
        let s = i;
        while i < hi && !data[i].is_ascii_whitespace() {
            i += 1;
        }
        (i > s).then(|| (s, &data[s..i]))
    };
    let (mut login, mut password) = (String::new(), None);
    for _ in 0..8 {
        let Some((_, key)) = next_token() else { break };
        let Some((voff, value)) = next_token() else {
            break;
        };
        let unq = |v: &[u8]| {
            String::from_utf8_lossy(v.strip_prefix(b"\"").unwrap_or(v))
                .trim_end_matches('"')
                .to_string()
        };
        match key {
            b"login" => login = unq(value),
            b"password" => {
                let q = usize::from(value.first() == Some(&b'"'));
                password = Some((voff + q, unq(value)));
            }
            b"account" | b"port" => {}
            _ => break,
        }
    }
    let (off, pw) = password?;
    Some((off, pw, login))
}

/// A kubeconfig user's `token:`: the nearest less-indented line above it (within 12 lines and
/// 4 KiB) is `user:` (or `- user:`).
pub fn kube_user_parent(data: &[u8], off: usize) -> bool {
    let ls = memchr::memrchr(b'\n', &data[..off]).map_or(0, |i| i + 1);
    let indent = |l: &[u8]| l.iter().take_while(|&&b| b == b' ').count();
    let own = indent(&data[ls..off]);
    let lo = ls.saturating_sub(4096);
    let mut end = ls;
    // At most 12 lines up (a kubeconfig user has a handful of keys), so a file of a million
    // `token:` lines costs a bounded amount per line.
    for _ in 0..12 {
        if end <= lo {
            break;
        }
        let prev_end = end - 1; // the '\n' that ends the previous line
        let start = memchr::memrchr(b'\n', &data[lo..prev_end]).map_or(lo, |i| lo + i + 1);
        let line = &data[start..prev_end];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if !line.trim_ascii().is_empty() && indent(line) < own {
            let t = line.trim_ascii();
            let t = t.strip_prefix(b"- ").unwrap_or(t);
            return t == b"user:";
        }
        end = start;
    }
    false
}

/// A quoted connection-string value (`'…'`, `"…"`, `{…}`) without its quotes, and its offset.
pub(super) fn unquote_value(s: &str, off: usize) -> (String, usize) {
    let b = s.as_bytes();
    if b.len() >= 2
        && matches!(
            (b[0], b[b.len() - 1]),
            (b'\'', b'\'') | (b'"', b'"') | (b'{', b'}')
        )
    {
        return (s[1..s.len() - 1].to_string(), off + 1);
    }
    (s.to_string(), off)
}

/// A `Password=`/`Pwd=` inside a connection string: within 256 bytes either side on the same
/// line, another key of a connection string (server, host, data source, driver, DSN, database,
/// user …) is set with `=` to an unquoted value (ADO.NET, ODBC, JDBC properties, libpq key/value
/// strings; not keyword arguments in code, where the generic rules apply). One pass over the
/// neighbourhood: each `=` is looked at once.
pub fn conn_string_context(window: &[u8], secret_at: usize) -> bool {
    const KEYS: &[&[u8]] = &[
        b"server",
        b"data source",
        b"datasource",
        b"host",
        b"hostname",
        b"address",
        b"addr",
        b"network address",
        b"dsn",
        b"driver",
        b"database",
        b"initial catalog",
        b"dbname",
        b"databasename",
        b"uid",
        b"user id",
        b"userid",
        b"user",
        b"username",
    ];
    let at = secret_at.min(window.len());
    let lo = at.saturating_sub(256);
    let hi = window.len().min(at + 256);
    let ls = memchr::memrchr(b'\n', &window[lo..at]).map_or(lo, |i| lo + i + 1);
    let le = memchr::memchr(b'\n', &window[at..hi]).map_or(hi, |i| at + i);
    let line = &window[ls..le];
    for eq in memchr::memchr_iter(b'=', line) {
        // The value must be unquoted: `Server=db;`, `host=db `, not `host='db',`.
        if matches!(line.get(eq + 1), Some(b'"' | b'\'' | b'`')) {
            continue;
        }
        let mut k_end = eq;
        while k_end > 0 && line[k_end - 1] == b' ' {
            k_end -= 1;
        }
        let mut k = k_end;
        while k > 0 && (line[k - 1].is_ascii_alphabetic() || line[k - 1] == b' ') && k_end - k < 16
        {
            k -= 1;
        }
        // Leading spaces belong to the separator (`; User Id=`, `host=db user=`).
        while k < k_end && line[k] == b' ' {
            k += 1;
        }
        let before_ok = k == 0
            || matches!(
                line[k - 1],
                b';' | b' ' | b'\t' | b'"' | b'\'' | b'?' | b'&' | b'{'
            );
        let key = &line[k..k_end];
        if before_ok && KEYS.iter().any(|c| key.eq_ignore_ascii_case(c)) {
            return true;
        }
    }
    false
}

/// A password hash from documentation or a specification's test vectors: a salt or digest that
/// spells `salt`/`example`/`test` (also once base64-decoded), or is a run or a sequence.
pub fn hash_is_documentation(hash: &str) -> bool {
    hash.split(['$', ':', '}']).any(|seg| {
        let l = seg.to_ascii_lowercase();
        let words = [
            "salt", "example", "sill", "test", "xxxx", "....", "abcdef", "123456",
        ];
        if words.iter().any(|w| l.contains(w)) {
            return true;
        }
        if l.len() < 6 {
            return false;
        }
        let decoded = decode_printable(seg).map(|d| d.to_ascii_lowercase());
        decoded.is_some_and(|d| words.iter().any(|w| d.contains(w)))
            || mostly_sequential(&l)
            || l.as_bytes()
                .windows(6)
                .any(|w| w.iter().all(|&b| b == w[0]))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::validate::test_support::b64;

    #[test]
    fn base64_user_password_pairs() {
        assert!(userpass_base64_ok(&b64("deploy:Vq7LmZ2xTk9pR4wB")));
        assert!(userpass_base64_ok(&b64("Vq7LmZ2xTk9pR4wBn3Hs8dJ:")));
        for weak in [
            "user:password",
            "admin:admin",
            "Aladdin:open sesame",
            "deploy:",
            "nopair",
            "user:${PASSWORD}",
            "u:abc",
        ] {
            assert!(!userpass_base64_ok(&b64(weak)), "{weak}");
        }
        // Not base64 of text.
        assert!(!userpass_base64_ok("gZ8x/9+AAQID"));
        assert!(password_base64_ok(&b64("Vq7LmZ2xTk9pR4wB")));
        assert!(!password_base64_ok(&b64("changeme")));
    }

    #[test]
    fn netrc_entries_on_one_or_several_lines() {
        let one = b"machine h.internal login bot password Vq7LmZ2xTk9p\n";
        let (off, pw, login) = netrc_password(one, 18).unwrap();
        assert_eq!((pw.as_str(), login.as_str()), ("Vq7LmZ2xTk9p", "bot"));
        assert_eq!(&one[off..off + 12], b"Vq7LmZ2xTk9p");
        let multi = b"machine h.internal\n  login bot\n  password \"Vq7 LmZ\"\n";
        assert_eq!(netrc_password(multi, 18).unwrap().1, "Vq7");
        assert!(netrc_password(b"machine learning is fun password x", 16).is_none());
        assert!(netrc_password(b"machine h login u\nmachine g password p", 9).is_none());
    }

    #[test]
    fn kubeconfig_token_parents() {
        let kc =
            "users:\n- name: ci\n  user:\n    client-certificate-data: AAAA\n    token: abcdef\n";
        assert!(kube_user_parent(kc.as_bytes(), kc.find("token").unwrap()));
        let other = "github:\n  token: abcdef\n";
        assert!(!kube_user_parent(
            other.as_bytes(),
            other.find("token").unwrap()
        ));
    }

    #[test]
    fn connection_string_contexts() {
        let yes = [
            "Server=db;Database=app;User Id=app;Password=Vq7LmZ2x;",
            "DRIVER={ODBC};SERVER=db;UID=r;PWD=Vq7LmZ2x;",
            "host=db dbname=app user=app password=Vq7LmZ2x",
            "jdbc:mysql://db/app?user=app&password=Vq7LmZ2x",
        ];
        for s in yes {
            let at = s.rfind("Vq7").unwrap();
            assert!(conn_string_context(s.as_bytes(), at), "{s}");
        }
        let no = [
            "connect(host='db', password='Vq7LmZ2x')",
            "login(password=Vq7LmZ2x)",
            "Integrated Security=true;Password=Vq7LmZ2x",
        ];
        for s in no {
            let at = s.rfind("Vq7").unwrap();
            assert!(!conn_string_context(s.as_bytes(), at), "{s}");
        }
    }

    #[test]
    fn documentation_hashes() {
        assert!(hash_is_documentation(
            "$5$rounds=5000$toolongsaltstrin$Vq7LmZ2xTk9pR4wBn3Hs8dJ"
        ));
        assert!(hash_is_documentation(
            "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$Vq7LmZ2xTk9pR4wB"
        ));
        assert!(hash_is_documentation(
            "$2b$10$xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
        ));
        assert!(!hash_is_documentation(
            "$2b$10$dI.uy41iwNXVKTAauCdtae3w4Cl67pMUDNIJRv7//.vmhlPKYokEm"
        ));
    }
}
