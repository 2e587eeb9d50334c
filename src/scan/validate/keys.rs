//! The bodies of private keys: PEM (RFC 7468), PGP armor (RFC 4880), SSH2 (RFC 4716) and
//! PuTTY blocks read line by line over real, escaped or XML newlines; base64-encoded PEM; JSON
//! Web Keys. Every reader stops at the first byte that cannot belong to what it reads and reads a
//! bounded window, so a pathological file costs time linear in its size.

use memchr::memmem;

use super::base64url_decode;
use crate::scan::engine::BLOCK_WINDOW;

/// How far a key-block validator reads forward from its header.
const KEY_BLOCK_WINDOW: usize = 64 * 1024;

/// The base64 body of a PEM block whose header ends at `from`: `None` unless an END line follows
/// within the block window and the body is at least 64 base64 characters of mostly base64 text.
pub(in crate::scan) fn pem_body(data: &[u8], from: usize) -> Option<String> {
    let hi = data.len().min(from + BLOCK_WINDOW);
    let end = from + memmem::find(&data[from..hi], b"-----END")?;
    let body = &data[from..end];
    let mut b64 = String::new();
    let mut other = 0usize;
    for raw_line in body.split(|&b| b == b'\n') {
        let line = String::from_utf8_lossy(raw_line);
        // Escaped newlines inside string literals ("...\n...") split lines too.
        for piece in line.split("\\n") {
            let t = piece
                .trim()
                .trim_matches(|c: char| matches!(c, '"' | '\'' | ',' | '+' | '\\' | ';' | '`'));
            let t = t.trim();
            if t.is_empty()
                || t.contains(": ")
                || t.starts_with("Proc-Type")
                || t.starts_with("DEK-Info")
            {
                continue;
            }
            for c in t.chars() {
                if c.is_ascii_alphanumeric() || c == '+' || c == '/' || c == '=' {
                    b64.push(c);
                } else if !c.is_whitespace() {
                    other += 1;
                }
            }
        }
    }
    if b64.len() < 64 || other * 20 > b64.len() || is_placeholder_body(&b64) {
        return None;
    }
    Some(b64)
}

fn is_placeholder_body(b64: &str) -> bool {
    let l = b64.to_ascii_lowercase();
    l.contains("example")
        || l.contains("redacted")
        || l.contains("xxxxxxxx")
        || l.contains("aaaaaaaaaaaaaaaa")
}

/// The `Private-Lines:` body of a PuTTY key whose header ends at `from`.
pub(in crate::scan) fn putty_body(data: &[u8], from: usize) -> Option<String> {
    let hi = data.len().min(from + 16 * 1024);
    let start = from + memmem::find(&data[from..hi], b"Private-Lines:")?;
    let mut lines = data[start..hi].split(|&b| b == b'\n');
    let header = String::from_utf8_lossy(lines.next()?).into_owned();
    let n: usize = header
        .trim_start_matches("Private-Lines:")
        .trim()
        .parse()
        .ok()?;
    let mut b64 = String::new();
    for l in lines.take(n.min(64)) {
        let t = String::from_utf8_lossy(l).trim().to_string();
        if !t
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'=')
        {
            return None;
        }
        b64.push_str(&t);
    }
    if b64.len() < 40 || is_placeholder_body(&b64) {
        return None;
    }
    Some(b64)
}

/// Splits `data[from..hi]` into logical lines: a newline, an escaped `\n` or `\r` inside a
/// string literal, or an XML newline reference (`&#10;`, `&#xA;`) ends a line.
/// A run of four dashes (a PEM/SSH2 BEGIN or END line) also starts a new line, and a line
/// longer than `max` ends the iteration, so a validator never reads past the next header and
/// the work per header stays bounded on a pathological single line.
struct LogicalLines<'a> {
    data: &'a [u8],
    pos: usize,
    max: usize,
}

impl<'a> LogicalLines<'a> {
    fn new(data: &'a [u8], from: usize, hi: usize) -> Self {
        let data = &data[..hi.min(data.len())];
        LogicalLines {
            data,
            pos: from.min(data.len()),
            max: 8 * 1024,
        }
    }
}

impl<'a> Iterator for LogicalLines<'a> {
    type Item = &'a [u8];
    fn next(&mut self) -> Option<&'a [u8]> {
        let d = self.data;
        if self.pos >= d.len() {
            return None;
        }
        let start = self.pos;
        let mut i = start;
        // A line that starts with dashes keeps them (`-----END …`).
        while i < d.len() && d[i] == b'-' {
            i += 1;
        }
        while i < d.len() {
            if i - start > self.max {
                self.pos = d.len();
                return Some(&d[start..i]);
            }
            if d[i] == b'-' && d[i..].starts_with(b"----") {
                self.pos = i;
                return Some(&d[start..i]);
            }
            let sep = match d[i] {
                b'\n' | b'\r' => 1,
                b'\\' if matches!(d.get(i + 1), Some(b'n' | b'r')) => 2,
                b'&' if [
                    &b"&#10;"[..],
                    b"&#13;",
                    b"&#xA;",
                    b"&#xa;",
                    b"&#xD;",
                    b"&#xd;",
                ]
                .iter()
                .any(|e| d[i..].starts_with(e)) =>
                {
                    5
                }
                _ => 0,
            };
            if sep > 0 {
                self.pos = i + sep;
                return Some(&d[start..i]);
            }
            i += 1;
        }
        self.pos = d.len();
        Some(&d[start..])
    }
}

/// A logical line without its indentation, comment marker and string-literal decoration
/// (`"…" +`, `'…',`, `b"…"`, `"…\n" \`).
fn clean_piece(p: &[u8]) -> &[u8] {
    let deco = |b: u8| {
        b.is_ascii_whitespace()
            || matches!(
                b,
                b'"' | b'\'' | b'`' | b',' | b'+' | b'\\' | b';' | b'.' | b'|' | b'(' | b')'
            )
    };
    let mut s = p.trim_ascii();
    for _ in 0..2 {
        for pre in [&b"//"[..], b"#", b"* ", b"> ", b"b\"", b"r\"", b"u\""] {
            if let Some(rest) = s.strip_prefix(pre) {
                s = rest;
            }
        }
        while let [first, rest @ ..] = s
            && deco(*first)
        {
            s = rest;
        }
        while let [rest @ .., last] = s
            && deco(*last)
        {
            s = rest;
        }
    }
    s
}

fn is_b64_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=')
}

/// `Name: value` (an RFC 1421/4880/4716 armor header such as `Proc-Type`, `Version`, `Comment`).
fn is_armor_header(s: &[u8]) -> bool {
    let Some(colon) = memchr::memchr(b':', s) else {
        return false;
    };
    colon > 0
        && s[..colon]
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b == b'-')
        && s[0].is_ascii_alphabetic()
}

/// Values that are documentation rather than key material once the body is joined.
fn is_placeholder_key_body(b64: &str) -> bool {
    let l = b64.to_ascii_lowercase();
    is_placeholder_body(b64)
        || [
            "yourkey",
            "yourprivate",
            "insert",
            "paste",
            "truncated",
            "placeholder",
            "privatekey",
            "keygoeshere",
        ]
        .iter()
        .any(|w| l.contains(w))
}

/// The base64 body of a PEM (RFC 7468), PGP armor (RFC 4880) or SSH2 (RFC 4716) block whose
/// header ends at `from`, read line by line (real, escaped or XML newlines; indentation, comment
/// markers and string-literal quotes ignored) up to its END line. `None` unless the END line
/// comes before any line that is not armor header, base64 or a PGP `=CRC` line, within 64 KiB,
/// and the body holds at least 64 base64 characters that are not a placeholder.
pub fn pem_block(data: &[u8], from: usize) -> Option<String> {
    let mut lines = LogicalLines::new(data, from, from.saturating_add(KEY_BLOCK_WINDOW));
    let mut b64 = String::new();
    for piece in &mut lines {
        let s = clean_piece(piece);
        if s.is_empty() {
            continue;
        }
        let end = memmem::find(s, b"-----END").or_else(|| memmem::find(s, b"---- END"));
        let body = clean_piece(&s[..end.unwrap_or(s.len())]);
        if body.is_empty() {
        } else if is_armor_header(body) && b64.is_empty() {
            // Proc-Type, DEK-Info, Version, Comment …: before the body only.
        } else if body.len() == 5 && body[0] == b'=' && body[1..].iter().all(|&b| is_b64_byte(b)) {
            // PGP armor checksum (=CRC24).
        } else if body
            .iter()
            .all(|&b| is_b64_byte(b) || b == b' ' || b == b'\t')
        {
            // One-line layouts join body lines with spaces; prose does not look like that.
            let tokens = body
                .split(|&b| b == b' ' || b == b'\t')
                .filter(|t| !t.is_empty())
                .count();
            if tokens > 1 && body.len() / tokens < 16 {
                return None;
            }
            b64.extend(body.iter().filter(|&&b| is_b64_byte(b)).map(|&b| b as char));
        } else {
            return None;
        }
        if end.is_some() {
            return (b64.len() >= 64 && !is_placeholder_key_body(&b64)).then_some(b64);
        }
    }
    None
}

/// The `Private-Lines` body of a PuTTY key (format 1–3) whose header ends at `from`, read over
/// real or escaped newlines: the known header lines (`Encryption`, `Comment`, `Public-Lines` +
/// body, `Key-Derivation`, `Argon2-*`, `Private-Lines` + body, `Private-MAC`) in sequence.
pub fn putty_block(data: &[u8], from: usize) -> Option<String> {
    let mut lines = LogicalLines::new(data, from, from.saturating_add(16 * 1024));
    lines.next()?; // the rest of the header line (the key algorithm)
    let mut private: Option<String> = None;
    while let Some(piece) = lines.next() {
        let s = clean_piece(piece);
        if s.is_empty() {
            continue;
        }
        if !is_armor_header(s) {
            break;
        }
        let colon = memchr::memchr(b':', s)?;
        let (name, value) = (&s[..colon], s[colon + 1..].trim_ascii());
        match name {
            b"Public-Lines" | b"Private-Lines" => {
                let n: usize = std::str::from_utf8(value).ok()?.parse().ok()?;
                let mut body = String::new();
                for _ in 0..n.min(64) {
                    let l = clean_piece(lines.next()?);
                    if l.is_empty() || !l.iter().all(|&b| is_b64_byte(b)) {
                        return None;
                    }
                    body.extend(l.iter().map(|&b| b as char));
                }
                if name == b"Private-Lines" {
                    private = Some(body);
                }
            }
            b"Private-MAC" | b"Private-Hash" => break,
            _ => {}
        }
    }
    private.filter(|b| b.len() >= 40 && !is_placeholder_key_body(b))
}

/// Base64 text that decodes to a PEM private key with a real body (a Kubernetes Secret's
/// `tls.key`, a kubeconfig's `client-key-data`, a Helm value).
pub fn base64_pem_private_key(text: &[u8]) -> bool {
    let Some(decoded) = std::str::from_utf8(text).ok().and_then(base64url_decode) else {
        return false;
    };
    let Some(line_end) = memchr::memchr(b'\n', &decoded) else {
        return false;
    };
    let header = &decoded[..line_end];
    header.starts_with(b"-----BEGIN ")
        && memmem::find(header, b"PRIVATE KEY").is_some()
        && pem_block(&decoded, line_end).is_some()
}

/// A JSON Web Key's private member (`"d"`) inside an object that names its key type (`"kty"`):
/// the object is searched from the nearest `{` before the member to the nearest `}` after it,
/// within 8 KiB either side.
pub fn jwk_has_kty(data: &[u8], off: usize) -> bool {
    let lo = off.saturating_sub(8 * 1024);
    let open = memchr::memrchr2(b'{', b'}', &data[lo..off]).map(|i| lo + i);
    let Some(open) = open.filter(|&i| data[i] == b'{') else {
        return false;
    };
    let hi = data.len().min(off + 8 * 1024);
    let close = memchr::memchr2(b'{', b'}', &data[off..hi]).map(|i| off + i);
    let Some(close) = close.filter(|&i| data[i] == b'}') else {
        return false;
    };
    let obj = &data[open..close];
    ["\"RSA\"", "\"EC\"", "\"OKP\""].iter().any(|k| {
        memmem::find(obj, b"\"kty\"").is_some_and(|i| {
            let rest = &obj[i + 5..obj.len().min(i + 5 + 16)];
            memmem::find(rest, k.as_bytes()).is_some()
        })
    })
}

#[cfg(test)]
mod tests {
    //! Key bodies on the layouts they are written in.
    use super::*;

    const BODY: &str = "MHcCAQEEIKFjfL/vQ8PXvoKcfw3qSTNuvbl8gari8eDCaY7YEHV9oAoGCCqGSM49\nAwEHoUQDQgAEiviO/UKqIFKH5KDHAiErh6szj+hQDwpILPoJP2zbFHnN5LP43P2F\nmdnpQ+cHvLiOcbvOFQv8MBLSpNyNut17bg==";

    fn key(sep: &str, indent: &str) -> String {
        let mut s = format!("{indent}-----BEGIN EC PRIVATE KEY-----{sep}");
        for l in BODY.lines() {
            s.push_str(&format!("{indent}{l}{sep}"));
        }
        s.push_str(&format!("{indent}-----END EC PRIVATE KEY-----{sep}"));
        s
    }

    fn body_after_header(text: &str) -> Option<String> {
        let begin = text.find("BEGIN")?;
        let from = text[begin..].find("-----").map(|i| begin + i + 5)?;
        pem_block(text.as_bytes(), from)
    }

    #[test]
    fn pem_bodies_in_every_layout() {
        let joined: String = BODY.lines().collect();
        for text in [
            key("\n", ""),
            key("\r\n", ""),
            key("\n", "    "),
            format!("{{\"private_key\": \"{}\"}}", key("\\n", "")),
            format!("<key>{}</key>", key("&#10;", "")),
            format!("<key>{}</key>", key("&#xA;", "")),
            format!("K=\"{}\"", key(" ", "").trim_end()),
            key("\\n\" +\n  \"", ""),
            key("\n", "# "),
        ] {
            assert_eq!(
                body_after_header(&text).as_deref(),
                Some(joined.as_str()),
                "{text}"
            );
        }
        // A header constant followed by code, a short or prose body, a missing END line.
        for text in [
            "H = \"-----BEGIN EC PRIVATE KEY-----\"\nfn parse(x) { x }\nF = \"-----END EC PRIVATE KEY-----\"",
            "-----BEGIN EC PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC...\n-----END EC PRIVATE KEY-----",
            "-----BEGIN EC PRIVATE KEY-----\nput the key of the service account in this place and then\nsome more words\n-----END EC PRIVATE KEY-----",
            &key("\n", "")[..200],
        ] {
            assert_eq!(body_after_header(text), None, "{text}");
        }
    }

    #[test]
    fn pgp_armor_headers_and_crc_and_ssh2() {
        let pgp = format!(
            "-----BEGIN PGP PRIVATE KEY BLOCK-----\nVersion: GnuPG v2\n\n{BODY}\n=o3jn\n-----END PGP PRIVATE KEY BLOCK-----\n"
        );
        let b = body_after_header(&pgp).unwrap();
        assert!(!b.contains("o3jn") && b.starts_with("MHcC"), "{b}");
        let ssh2 = format!(
            "---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----\nComment: \"k\"\n{BODY}\n---- END SSH2 ENCRYPTED PRIVATE KEY ----\n"
        );
        let from = ssh2.find("KEY ----").unwrap() + 8;
        assert!(pem_block(ssh2.as_bytes(), from).is_some());
    }

    #[test]
    fn putty_bodies_plain_and_escaped() {
        let ppk = "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: k\nPublic-Lines: 1\nAAAAC3NzaC1lZDI1NTE5AAAAIDq2cQbqB6tUzXJ4WzO9Rr0P8lQ7n2kV5mC1aHx3YtEf\nPrivate-Lines: 1\nAAAAIG8gS2VlcCB0aGlzIGtleSBzeW50aGV0aWMgYW5kIHJhbmRvbSEhIQ\nPrivate-MAC: 00ff\n";
        let from = "PuTTY-User-Key-File-3:".len();
        let body = putty_block(ppk.as_bytes(), from).unwrap();
        assert!(body.starts_with("AAAAIG8g"), "{body}");
        let escaped = ppk.replace('\n', "\\n");
        assert_eq!(putty_block(escaped.as_bytes(), from), Some(body));
        let no_private = "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nPublic-Lines: 1\nAAAAC3NzaC1lZDI1NTE5AAAAIDq2cQbqB6tUzXJ4WzO9Rr0P8lQ7n2kV5mC1aHx3YtEf\n";
        assert_eq!(putty_block(no_private.as_bytes(), from), None);
    }
}
