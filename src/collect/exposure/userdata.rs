//! EC2 user data as a launch sees it: base64, possibly gzip-compressed, possibly a MIME
//! multipart document (cloud-init) whose parts are base64 or gzip in turn. Decoding is bounded:
//! the decompressed size is capped (a gzip bomb is refused, never inflated), and so is the
//! nesting.

use std::io::Read;

/// Largest decoded user data judged (AWS caps the encoded form at 16 KB; compression and MIME
/// parts expand it).
pub const MAX_DECODED: usize = 1024 * 1024;
/// Parts of a MIME document judged.
const MAX_PARTS: usize = 64;

/// Decodes user data to text, or says why it cannot be judged.
pub fn decode(b64: &str) -> Result<String, String> {
    let raw = aws_smithy_types::base64::decode(b64.trim())
        .map_err(|_| "user data is not valid base64; not scanned".to_string())?;
    let bytes = inflate_if_gzip(raw)?;
    let text = String::from_utf8(bytes)
        .map_err(|_| "user data is not UTF-8 text; not scanned".to_string())?;
    if let Some(boundary) = multipart_boundary(&text) {
        return Ok(multipart_text(&text, &boundary));
    }
    Ok(text)
}

fn inflate_if_gzip(bytes: Vec<u8>) -> Result<Vec<u8>, String> {
    if !bytes.starts_with(&[0x1f, 0x8b]) {
        return Ok(bytes);
    }
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes.as_slice())
        .take(MAX_DECODED as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|_| "user data is corrupt gzip; not scanned".to_string())?;
    if out.len() > MAX_DECODED {
        return Err(format!(
            "user data decompresses to more than {} KiB; not scanned",
            MAX_DECODED / 1024
        ));
    }
    Ok(out)
}

/// The boundary of a `multipart/*` document (its first header block names it).
fn multipart_boundary(text: &str) -> Option<String> {
    let head: String = text.lines().take(20).collect::<Vec<_>>().join("\n");
    let lower = head.to_ascii_lowercase();
    let at = lower.find("content-type: multipart/")?;
    let rest = &head[at..];
    let b = rest.to_ascii_lowercase().find("boundary=")?;
    let v = &rest[b + "boundary=".len()..];
    let v = v.trim_start_matches('"');
    let end = v
        .find(|c: char| c == '"' || c == ';' || c.is_whitespace())
        .unwrap_or(v.len());
    (end > 0).then(|| v[..end].to_string())
}

/// Every part's body, decoded (base64 and gzip parts inflated, within the caps), one after
/// another; parts that cannot be decoded are kept as written.
fn multipart_text(text: &str, boundary: &str) -> String {
    let delim = format!("--{boundary}");
    let mut out = String::new();
    for part in text.split(delim.as_str()).skip(1).take(MAX_PARTS) {
        if part.starts_with("--") {
            break;
        }
        let part = part.trim_start_matches(['\r', '\n']);
        let (headers, body) = match part.find("\n\n").or_else(|| part.find("\r\n\r\n")) {
            Some(i) => (&part[..i], part[i..].trim_start_matches(['\r', '\n'])),
            None => ("", part),
        };
        let base64 = headers
            .to_ascii_lowercase()
            .contains("content-transfer-encoding: base64");
        let decoded = if base64 {
            let compact: String = body.split_whitespace().collect();
            aws_smithy_types::base64::decode(&compact)
                .ok()
                .and_then(|b| inflate_if_gzip(b).ok())
                .and_then(|b| String::from_utf8(b).ok())
        } else {
            None
        };
        out.push_str(decoded.as_deref().unwrap_or(body));
        out.push('\n');
        if out.len() > MAX_DECODED {
            out.truncate(MAX_DECODED);
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn b64(x: impl AsRef<[u8]>) -> String {
        aws_smithy_types::base64::encode(x)
    }

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn plain_gzip_and_multipart_user_data_decode() {
        assert_eq!(
            decode(&b64("#!/bin/bash\necho hi\n")).unwrap(),
            "#!/bin/bash\necho hi\n"
        );
        assert_eq!(decode(&b64(gzip(b"export A=1\n"))).unwrap(), "export A=1\n");
        let inner = b64(gzip(b"#!/bin/sh\nexport TOKEN=abc\n"));
        let mime = format!(
            "Content-Type: multipart/mixed; boundary=\"XYZ\"\nMIME-Version: 1.0\n\n--XYZ\nContent-Type: text/cloud-config\n\n#cloud-config\nruncmd: [ls]\n--XYZ\nContent-Type: text/x-shellscript\nContent-Transfer-Encoding: base64\n\n{inner}\n--XYZ--\n"
        );
        let text = decode(&b64(mime)).unwrap();
        assert!(
            text.contains("runcmd: [ls]") && text.contains("export TOKEN=abc"),
            "{text}"
        );
    }

    #[test]
    fn bombs_garbage_and_binary_are_refused_with_a_reason() {
        let bomb = gzip(&vec![b'A'; 20 * 1024 * 1024]);
        assert!(bomb.len() < 100 * 1024);
        let e = decode(&b64(bomb)).unwrap_err();
        assert!(e.contains("more than 1024 KiB"), "{e}");
        assert!(decode("%%% not base64 %%%").unwrap_err().contains("base64"));
        assert!(
            decode(&b64([0xff, 0xfe, 0x00, 0x80]))
                .unwrap_err()
                .contains("UTF-8")
        );
        let mut truncated = gzip(b"hello world hello world");
        truncated.truncate(12);
        assert!(decode(&b64(truncated)).unwrap_err().contains("gzip"));
    }
}
