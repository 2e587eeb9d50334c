//! Token shapes, character statistics and checksums: entropy and character mix, the AWS secret
//! key's alphabet, JWT/JWS/JWE structure, lenient base64, and the format checksums (GitHub/npm
//! CRC32, Discord ids, age bech32).

use memchr::memmem;

use crate::scan::rules::Checksum;

/// Shannon entropy in bits per character.
pub fn shannon_entropy(s: &str) -> f64 {
    let mut counts = [0u32; 256];
    let mut n = 0u32;
    for b in s.bytes() {
        counts[b as usize] += 1;
        n += 1;
    }
    if n == 0 {
        return 0.0;
    }
    let n = n as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum()
}

/// At least two of: lowercase, uppercase, digit, symbol; and not all digits.
pub fn char_mix(s: &str) -> bool {
    let lower = s.chars().any(|c| c.is_ascii_lowercase());
    let upper = s.chars().any(|c| c.is_ascii_uppercase());
    let digit = s.chars().any(|c| c.is_ascii_digit());
    let sym = s.chars().any(|c| !c.is_ascii_alphanumeric());
    [lower, upper, digit, sym].iter().filter(|&&b| b).count() >= 2
}

/// Enough variety for a credential: entropy of at least 2.5 bits per character, or 2.0 with
/// three character classes (human passwords such as `P3pp3r666!` repeat characters).
pub fn is_varied(s: &str) -> bool {
    let classes = [
        s.bytes().any(|b| b.is_ascii_lowercase()),
        s.bytes().any(|b| b.is_ascii_uppercase()),
        s.bytes().any(|b| b.is_ascii_digit()),
        s.bytes().any(|b| !b.is_ascii_alphanumeric()),
    ]
    .iter()
    .filter(|&&c| c)
    .count();
    let e = shannon_entropy(s);
    e >= 2.5 || (classes >= 3 && e >= 2.0)
}

/// The character mix of a 40-character AWS secret access key.
pub fn aws_secret_shape(s: &str) -> bool {
    s.len() == 40
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'/' || b == b'+')
        && s.bytes().any(|b| b.is_ascii_uppercase())
        && s.bytes().any(|b| b.is_ascii_lowercase())
        && s.bytes()
            .any(|b| b.is_ascii_digit() || b == b'/' || b == b'+')
        && !s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A JWT whose header decodes to a JSON object naming an `alg` and whose payload is a JSON object.
pub fn jwt_valid(s: &str) -> bool {
    let mut parts = s.split('.');
    let (Some(h), Some(p)) = (parts.next(), parts.next()) else {
        return false;
    };
    let (Some(h), Some(p)) = (base64url_decode(h), base64url_decode(p)) else {
        return false;
    };
    h.first() == Some(&b'{') && memmem::find(&h, b"\"alg\"").is_some() && p.first() == Some(&b'{')
}

/// A JWS (three parts: header JSON with `alg`, payload JSON) or a JWE (five parts: header JSON
/// with `alg` and `enc`; RFC 7516 compact serialization).
pub fn jose_valid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    match parts.len() {
        3 => jwt_valid(s),
        5 => base64url_decode(parts[0]).is_some_and(|h| {
            h.first() == Some(&b'{')
                && memmem::find(&h, b"\"alg\"").is_some()
                && memmem::find(&h, b"\"enc\"").is_some()
        }),
        _ => false,
    }
}

/// Lenient base64 (standard or URL alphabet, padding optional).
pub fn base64url_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            b'=' => break,
            _ => return None,
        };
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// Whether a token's format checksum holds (see `src/scan/rules/README.md`).
pub fn checksum_ok(kind: Checksum, token: &str) -> bool {
    match kind {
        Checksum::GithubCrc32 => github_crc32_ok(token),
        Checksum::AgeBech32 => age_bech32_ok(token),
    }
}

/// GitHub's 2021 token format (npm uses the same): after the last `_`, the random part, then
/// 6 base62 characters (`0-9A-Za-z`, left-padded with `0`) encoding the CRC32 of the random part.
fn github_crc32_ok(token: &str) -> bool {
    let body = token.rsplit('_').next().unwrap_or(token);
    if body.len() <= 6 || !body.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return false;
    }
    let (random, check) = body.split_at(body.len() - 6);
    base62_6(crc32fast::hash(random.as_bytes())) == check.as_bytes()
}

fn base62_6(mut n: u32) -> [u8; 6] {
    const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut out = [b'0'; 6];
    for slot in out.iter_mut().rev() {
        *slot = ALPHABET[(n % 62) as usize];
        n /= 62;
    }
    out
}

/// A Discord bot token's first part is the bot's user id (a 17-20 digit snowflake) in base64
/// without padding; random base64url text of the same shape almost never decodes to digits.
pub fn discord_id_ok(token: &str) -> bool {
    let first = token.split('.').next().unwrap_or("");
    match base64url_decode(first) {
        Some(id) => (17..=20).contains(&id.len()) && id.iter().all(u8::is_ascii_digit),
        None => false,
    }
}

/// The bech32 (BIP 173) checksum of an age identity `AGE-SECRET-KEY-1…` (human-readable part
/// `age-secret-key-`, upper case).
pub fn age_bech32_ok(token: &str) -> bool {
    const CHARSET: &[u8] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";
    let lower = token.to_ascii_lowercase();
    let Some(sep) = lower.rfind('1') else {
        return false;
    };
    let (hrp, data) = (&lower[..sep], &lower[sep + 1..]);
    if hrp.is_empty() || data.len() < 6 {
        return false;
    }
    let mut values = Vec::with_capacity(hrp.len() * 2 + 1 + data.len());
    values.extend(hrp.bytes().map(|b| b >> 5));
    values.push(0);
    values.extend(hrp.bytes().map(|b| b & 31));
    for c in data.bytes() {
        match CHARSET.iter().position(|&x| x == c) {
            Some(v) => values.push(v as u8),
            None => return false,
        }
    }
    const GEN: [u32; 5] = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
    let mut chk: u32 = 1;
    for v in values {
        let top = chk >> 25;
        chk = ((chk & 0x1ff_ffff) << 5) ^ v as u32;
        for (i, g) in GEN.iter().enumerate() {
            if (top >> i) & 1 == 1 {
                chk ^= g;
            }
        }
    }
    chk == 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::validate::test_support::b64;

    #[test]
    fn age_checksums() {
        // Generated for this test (Python, BIP 173 bech32 over 32 random bytes).
        let good = "AGE-SECRET-KEY-16KLQLPAHRMAVEW3UWC7GY2KQSU6QMTZE4JJTYAQ0WRJD5S22VEDSNCYNFZ";
        assert!(age_bech32_ok(good));
        let bad = good.replace("CYNFZ", "CYNFQ");
        assert!(!age_bech32_ok(&bad));
        assert!(!age_bech32_ok("AGE-SECRET-KEY-1"));
    }

    #[test]
    fn jws_and_jwe() {
        let h = b64(r#"{"alg":"dir","enc":"A256GCM"}"#).replace('=', "");
        assert!(jose_valid(&format!(
            "{h}..AAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBB.CCCCCCCCCCCCCCCCCCCCCC"
        )));
        let no_enc = b64(r#"{"alg":"dir","typ":"JWT"}"#).replace('=', "");
        assert!(!jose_valid(&format!(
            "{no_enc}..AAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBB.CCCCCCCCCCCCCCCCCCCCCC"
        )));
        assert!(!jose_valid("a.b.c.d"));
    }
}
