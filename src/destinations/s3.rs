//! Amazon S3 as a source and a destination: `s3://bucket/key` URLs for `collect -o`,
//! `evaluate INVENTORY`, `--baseline` and `--out s3://bucket/prefix/`.
//!
//! Objects are read whole into memory, refused above [`MAX_OBJECT_BYTES`]. Uploads are single
//! `PutObject` calls of a local file. With an endpoint override (a test server such as moto,
//! or an S3-compatible store) requests use path-style addressing (`ENDPOINT/bucket/key`).
//! Every failure is one line that names the `s3://` URL and the plain cause; it maps to
//! exit 2 like every other [`Error`](crate::error::Error).

use std::fmt;
use std::path::{Path, PathBuf};

use aws_sdk_s3::error::SdkError;
use aws_sdk_s3::primitives::ByteStream;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use super::AwsContext;
use crate::error::Error;

/// The largest object read from S3 (an inventory or a baseline report): 2 GiB.
pub const MAX_OBJECT_BYTES: u64 = 2 << 30;

/// What failed with S3: one line naming the URL and the cause.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot {action} {url}: {cause}")]
pub struct S3Error {
    /// "read", "upload to", "read inventory", …
    pub action: String,
    /// The `s3://` URL as given (or as joined under an `--out` prefix).
    pub url: String,
    /// The plain cause: "NoSuchKey: the object does not exist", "connection refused", …
    pub cause: String,
}

/// An `s3://bucket/key` URL. For `--out` the key is a prefix (possibly empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Url {
    pub bucket: String,
    pub key: String,
}

impl fmt::Display for S3Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "s3://{}/{}", self.bucket, self.key)
    }
}

/// Whether a command-line path names S3: it starts with `s3:` (any case). Such a path must be
/// a well-formed `s3://bucket/key` URL; any other path is a local file as before (write
/// `./s3:name` for a local file whose name starts with `s3:`).
pub fn is_s3(path: &Path) -> bool {
    path.to_str()
        .is_some_and(|s| s.len() >= 3 && s[..3].eq_ignore_ascii_case("s3:"))
}

impl S3Url {
    /// Parses `s3://bucket/key`. `flag` names the option in the error ("--out", "-o",
    /// "INVENTORY.json"); `prefix` allows an empty key or one ending in `/` (a folder for
    /// `--out`), otherwise the URL must name an object.
    pub fn parse(text: &str, flag: &str, prefix: bool) -> Result<S3Url, Error> {
        let bad = |why: &str| {
            Error::Usage(format!(
                "{flag} {}: {why} (expected s3://BUCKET/{})",
                crate::sanitize::clean(text),
                if prefix { "PREFIX/" } else { "KEY" }
            ))
        };
        let rest = match text.get(..5) {
            Some(scheme) if scheme.eq_ignore_ascii_case("s3://") => &text[5..],
            _ => return Err(bad("not an s3:// URL")),
        };
        let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(bad("no bucket"));
        }
        // Current and legacy (us-east-1) bucket names: letters, digits, `.`, `-`, `_`.
        if bucket.len() > 255
            || !bucket
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
        {
            return Err(bad("not a valid bucket name"));
        }
        if key.len() > 1024 {
            return Err(bad("the key is longer than 1024 bytes"));
        }
        if key.chars().any(char::is_control) {
            return Err(bad("the key has control characters"));
        }
        if !prefix && (key.is_empty() || key.ends_with('/')) {
            return Err(bad("no object key"));
        }
        Ok(S3Url {
            bucket: bucket.to_string(),
            key: key.to_string(),
        })
    }

    /// The object `name` under this prefix: `s3://b/reports` + `report.json` =
    /// `s3://b/reports/report.json`.
    pub fn join(&self, name: &str) -> S3Url {
        let key = if self.key.is_empty() || self.key.ends_with('/') {
            format!("{}{name}", self.key)
        } else {
            format!("{}/{name}", self.key)
        };
        S3Url {
            bucket: self.bucket.clone(),
            key,
        }
    }
}

/// An S3 client and the runtime that drives it: the commands are synchronous.
pub struct Client {
    rt: tokio::runtime::Runtime,
    s3: aws_sdk_s3::Client,
    endpoint: Option<String>,
}

impl Client {
    /// A client with the destination's AWS access. Path-style addressing when an endpoint is
    /// given; us-east-1 when no region is configured.
    pub fn new(ctx: &AwsContext) -> Result<Client, Error> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::Usage(format!("cannot start the async runtime: {e}")))?;
        let sdk = rt.block_on(ctx.sdk());
        let mut config = aws_sdk_s3::config::Builder::from(&sdk);
        if sdk.region().is_none() {
            config = config.region(aws_config::Region::new("us-east-1"));
        }
        if sdk.endpoint_url().is_some() {
            config = config.force_path_style(true);
        }
        Ok(Client {
            rt,
            s3: aws_sdk_s3::Client::from_conf(config.build()),
            endpoint: sdk.endpoint_url().map(str::to_string),
        })
    }

    /// The object's bytes, refused above [`MAX_OBJECT_BYTES`]. `action` names what is read in
    /// the error ("read inventory", "read --baseline").
    pub fn get(&self, url: &S3Url, action: &str) -> Result<Vec<u8>, S3Error> {
        let fail = |cause: String| S3Error {
            action: action.to_string(),
            url: url.to_string(),
            cause,
        };
        self.rt.block_on(async {
            let out = self
                .s3
                .get_object()
                .bucket(&url.bucket)
                .key(&url.key)
                .send()
                .await
                .map_err(|e| fail(self.describe(&e, "s3:GetObject")))?;
            let declared = out.content_length().and_then(|n| u64::try_from(n).ok());
            read_bounded(out.body, declared, MAX_OBJECT_BYTES)
                .await
                .map_err(fail)
        })
    }

    /// The `*.json` objects directly under the prefix `url` (not in its sub-folders), in key
    /// order; at most `max`.
    pub fn list_json(&self, url: &S3Url, max: usize) -> Result<Vec<S3Url>, S3Error> {
        let fail = |cause: String| S3Error {
            action: "list".to_string(),
            url: url.to_string(),
            cause,
        };
        let prefix = if url.key.is_empty() || url.key.ends_with('/') {
            url.key.clone()
        } else {
            format!("{}/", url.key)
        };
        self.rt.block_on(async {
            let mut out = Vec::new();
            let mut token: Option<String> = None;
            loop {
                let page = self
                    .s3
                    .list_objects_v2()
                    .bucket(&url.bucket)
                    .prefix(&prefix)
                    .delimiter("/")
                    .set_continuation_token(token.take())
                    .send()
                    .await
                    .map_err(|e| fail(self.describe(&e, "s3:ListBucket")))?;
                for o in page.contents() {
                    if let Some(key) = o.key().filter(|k| k.ends_with(".json")) {
                        out.push(S3Url {
                            bucket: url.bucket.clone(),
                            key: key.to_string(),
                        });
                    }
                }
                if out.len() > max {
                    return Err(fail(format!("more than {max} objects")));
                }
                match page.next_continuation_token() {
                    Some(t) if page.is_truncated() == Some(true) => token = Some(t.to_string()),
                    _ => break,
                }
            }
            out.sort_by(|a, b| a.key.cmp(&b.key));
            Ok(out)
        })
    }

    /// Uploads the local file `path` to `url`.
    pub fn put_file(&self, url: &S3Url, path: &Path) -> Result<(), S3Error> {
        let fail = |cause: String| S3Error {
            action: "upload to".to_string(),
            url: url.to_string(),
            cause,
        };
        self.rt.block_on(async {
            let body = ByteStream::from_path(path)
                .await
                .map_err(|e| fail(format!("cannot read {}: {e}", path.display())))?;
            self.s3
                .put_object()
                .bucket(&url.bucket)
                .key(&url.key)
                .content_type(content_type(&url.key))
                .body(body)
                .send()
                .await
                .map_err(|e| fail(self.describe(&e, "s3:PutObject")))?;
            Ok(())
        })
    }

    /// The plain cause of a failed call: the error code with what it means, or why the
    /// request got no answer. AWS's text is bounded and made printable.
    fn describe<E, R>(&self, err: &SdkError<E, R>, permission: &str) -> String
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: fmt::Debug + 'static,
    {
        let chain = error_chain(err).to_ascii_lowercase();
        if !matches!(err, SdkError::ServiceError(_)) && chain.contains("credential") {
            return "no AWS credentials were found (environment, profile, SSO, container or instance role): pass --profile or set AWS_PROFILE".to_string();
        }
        if matches!(
            err,
            SdkError::DispatchFailure(_) | SdkError::TimeoutError(_)
        ) {
            let reason = crate::cause::transport_reason(&chain);
            return match &self.endpoint {
                Some(url) => format!("could not reach {}: {reason}", crate::sanitize::clean(url)),
                None => format!("could not reach Amazon S3: {reason}"),
            };
        }
        let (code, message) = crate::collect::error_parts(err);
        let code = crate::sanitize::clean(&code);
        let plain = match code.as_str() {
            "NoSuchKey" => "the object does not exist".to_string(),
            "NoSuchBucket" => "the bucket does not exist".to_string(),
            "AccessDenied" | "AllAccessDisabled" => {
                format!("access denied (the caller needs {permission} on it)")
            }
            "PermanentRedirect" | "AuthorizationHeaderMalformed" | "IncorrectEndpoint" => {
                "the bucket is in another region: set AWS_REGION (or the audit's first --regions) to the bucket's region".to_string()
            }
            _ => crate::sanitize::clean(&message),
        };
        format!("{code}: {plain}")
    }
}

/// Reads a body of at most `limit` bytes: refused before reading when the declared length is
/// over it, and while reading when the stream runs over it (whatever was declared).
async fn read_bounded(
    mut body: ByteStream,
    declared: Option<u64>,
    limit: u64,
) -> Result<Vec<u8>, String> {
    let too_big = |size: u64| {
        format!("the object is {size} bytes or more, over the {limit}-byte limit of secretlens")
    };
    if let Some(size) = declared.filter(|&n| n > limit) {
        return Err(too_big(size));
    }
    // The declared length sizes the buffer, up to 64 MiB: the server's word is not trusted
    // with a larger allocation.
    let mut bytes = Vec::with_capacity(declared.unwrap_or(0).min(limit).min(64 << 20) as usize);
    while let Some(chunk) = body
        .try_next()
        .await
        .map_err(|e| format!("the download failed: {}", error_chain(&e)))?
    {
        let size = (bytes.len() + chunk.len()) as u64;
        if size > limit {
            return Err(too_big(size));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// The whole cause chain of an error, on one line.
fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = Vec::new();
    let mut cur = Some(err);
    while let Some(e) = cur {
        parts.push(e.to_string());
        cur = e.source();
    }
    crate::collect::bounded(&parts.join(": ").replace('\n', " "), 500)
}

/// The Content-Type of a report file, by its name.
fn content_type(key: &str) -> &'static str {
    if key.ends_with(".html") {
        "text/html; charset=utf-8"
    } else if key.ends_with(".jsonl") {
        "application/x-ndjson"
    } else {
        "application/json"
    }
}

/// Uploads the files of `dir` (names relative to it) under the prefix `to`, in order, and
/// returns their URLs. On the first failure it stops; the error says which files were uploaded
/// before it and that the local copies are kept in `dir` (which the caller then keeps).
fn upload_all(
    ctx: &AwsContext,
    dir: &Path,
    names: &[String],
    to: &S3Url,
) -> Result<Vec<S3Url>, S3Error> {
    let keep = |mut e: S3Error, done: &[S3Url]| {
        if !done.is_empty() {
            let names: Vec<String> = done.iter().map(S3Url::to_string).collect();
            e.cause
                .push_str(&format!(" (uploaded before it: {})", names.join(", ")));
        }
        e.cause
            .push_str(&format!("; the local copy is kept in {}", dir.display()));
        e
    };
    let client = Client::new(ctx).map_err(|e| {
        keep(
            S3Error {
                action: "upload to".to_string(),
                url: to.to_string(),
                cause: e.to_string(),
            },
            &[],
        )
    })?;
    let mut done = Vec::new();
    for name in names {
        let url = to.join(name);
        if let Err(e) = client.put_file(&url, &dir.join(name)) {
            return Err(keep(e, &done));
        }
        done.push(url);
    }
    Ok(done)
}

/// A new local directory for what goes to S3: kept if the upload fails.
fn staging_dir() -> Result<tempfile::TempDir, Error> {
    tempfile::Builder::new()
        .prefix("secretlens-")
        .tempdir()
        .map_err(|source| Error::Io {
            action: "create a temporary directory in",
            path: std::env::temp_dir().display().to_string(),
            source,
        })
}

/// Checks an `s3:` path of the command line early (before a long collection): `Ok` for a local
/// path or a well-formed URL.
pub fn check_path(path: Option<&Path>, flag: &str, prefix: bool) -> Result<(), Error> {
    match path {
        Some(p) if is_s3(p) => S3Url::parse(&p.to_string_lossy(), flag, prefix).map(drop),
        _ => Ok(()),
    }
}

/// Reads the file or, for an `s3://` URL, the object at `path`: `(label, bytes)` for an
/// object, `None` for a local path (the caller reads it as before). `flag` names the option in
/// a URL error, `action` what is read ("read inventory").
pub fn read_object(
    path: &Path,
    flag: &str,
    action: &str,
    ctx: &AwsContext,
) -> Result<Option<(String, Vec<u8>)>, Error> {
    let Some(text) = path.to_str().filter(|_| is_s3(path)) else {
        return Ok(None);
    };
    let url = S3Url::parse(text, flag, false)?;
    let bytes = Client::new(ctx)?.get(&url, action)?;
    Ok(Some((url.to_string(), bytes)))
}

/// Writes `bytes` to the local file `path`, or uploads them when it is an `s3://` URL (staged
/// in a local file `name` first, kept if the upload fails). Returns what was written, for
/// the `wrote …` line. `action` names it in a local I/O error ("write inventory").
pub fn write_object(
    path: &Path,
    flag: &str,
    name: &str,
    bytes: &[u8],
    action: &'static str,
    ctx: &AwsContext,
) -> Result<String, Error> {
    let io = |path: &Path, source| Error::Io {
        action,
        path: path.display().to_string(),
        source,
    };
    let Some(text) = path.to_str().filter(|_| is_s3(path)) else {
        std::fs::write(path, bytes).map_err(|e| io(path, e))?;
        return Ok(path.display().to_string());
    };
    let url = S3Url::parse(text, flag, false)?;
    let dir = staging_dir()?;
    let local = dir.path().join(name);
    std::fs::write(&local, bytes).map_err(|e| io(&local, e))?;
    match Client::new(ctx)?.put_file(&url, &local) {
        Ok(()) => Ok(url.to_string()),
        Err(mut e) => {
            e.cause.push_str(&format!(
                "; the local copy is kept in {}",
                dir.keep().join(name).display()
            ));
            Err(e.into())
        }
    }
}

/// What `--out` produced: the files (or `s3://` URLs) written, for the `wrote …` lines, and
/// the upload's failure, if any (the local copies are then kept and listed in `written`).
pub struct Written {
    pub written: Vec<PathBuf>,
    pub failed: Option<Error>,
}

/// Writes the reports into `--out`: a local directory as before, or for `s3://bucket/prefix/`
/// into a temporary directory first, then uploads each file under the prefix. The temporary
/// directory is removed after a complete upload and kept otherwise.
pub fn write_reports(
    report: &crate::report::Report,
    out: &Path,
    formats: &[crate::render::Format],
    html: &crate::render::html::Options,
    ctx: &AwsContext,
) -> Result<Written, Error> {
    let Some(text) = out.to_str().filter(|_| is_s3(out)) else {
        let written = crate::render::write_files(report, out, formats, html)?;
        return Ok(Written {
            written,
            failed: None,
        });
    };
    let to = S3Url::parse(text, "--out", true)?;
    let dir = staging_dir()?;
    let local = crate::render::write_files(report, dir.path(), formats, html)?;
    let names: Vec<String> = local
        .iter()
        .filter_map(|p| p.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .collect();
    if names.is_empty() {
        return Ok(Written {
            written: Vec::new(),
            failed: None,
        });
    }
    match upload_all(ctx, dir.path(), &names, &to) {
        Ok(urls) => Ok(Written {
            written: urls.iter().map(|u| PathBuf::from(u.to_string())).collect(),
            failed: None,
        }),
        Err(e) => {
            let kept = dir.keep();
            Ok(Written {
                written: names.iter().map(|n| kept.join(n)).collect(),
                failed: Some(e.into()),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_parse_with_clear_errors() {
        let u = S3Url::parse("s3://my-bucket/dir/inv.json", "-o", false).expect("valid");
        assert_eq!(
            (u.bucket.as_str(), u.key.as_str()),
            ("my-bucket", "dir/inv.json")
        );
        assert_eq!(u.to_string(), "s3://my-bucket/dir/inv.json");
        assert_eq!(
            S3Url::parse("S3://b/k", "-o", false)
                .expect("any case")
                .bucket,
            "b"
        );
        let err = |s: &str, prefix| S3Url::parse(s, "--out", prefix).expect_err(s).to_string();
        assert_eq!(
            err("s3:/bucket/k", true),
            "--out s3:/bucket/k: not an s3:// URL (expected s3://BUCKET/PREFIX/)"
        );
        assert!(err("s3://", true).contains("no bucket"));
        assert!(err("s3:///key", false).contains("no bucket"));
        assert!(err("s3://bucket", false).contains("no object key"));
        assert!(err("s3://bucket/dir/", false).contains("no object key"));
        assert!(err("s3://bad bucket/k", false).contains("not a valid bucket name"));
        assert!(err("s3://b/a\u{1b}[31m", false).contains("control characters"));
        assert!(!err("s3://b/a\u{1b}[31m", false).contains('\u{1b}'));
    }

    #[test]
    fn prefixes_join_object_names() {
        let p = |s: &str| S3Url::parse(s, "--out", true).expect(s);
        assert_eq!(
            p("s3://b").join("report.json").to_string(),
            "s3://b/report.json"
        );
        assert_eq!(
            p("s3://b/").join("report.json").to_string(),
            "s3://b/report.json"
        );
        assert_eq!(
            p("s3://b/r").join("report.json").to_string(),
            "s3://b/r/report.json"
        );
        assert_eq!(p("s3://b/r/").join("report.json").key, "r/report.json");
    }

    #[test]
    fn only_s3_prefixed_paths_are_s3() {
        assert!(is_s3(Path::new("s3://b/k")));
        assert!(is_s3(Path::new("S3:b/k")));
        assert!(!is_s3(Path::new("./s3:b")));
        assert!(!is_s3(Path::new("s3")));
        assert!(!is_s3(Path::new("reports/s3://x")));
    }

    #[test]
    fn reads_are_bounded_by_the_declared_and_the_actual_size() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        let read = |body: &[u8], declared| {
            rt.block_on(read_bounded(ByteStream::from(body.to_vec()), declared, 10))
        };
        assert_eq!(
            read(b"0123456789", Some(10)).as_deref(),
            Ok(&b"0123456789"[..])
        );
        assert_eq!(read(b"0123456789", None).as_deref(), Ok(&b"0123456789"[..]));
        let over = read(b"0", Some(11)).expect_err("declared over the limit");
        assert!(
            over.contains("11 bytes or more, over the 10-byte limit"),
            "{over}"
        );
        // A stream longer than declared (or not declared) is cut off at the limit.
        for declared in [Some(1), None] {
            let over = read(b"0123456789A", declared).expect_err("streamed over the limit");
            assert!(over.contains("11 bytes or more"), "{over}");
        }
    }

    #[test]
    fn report_files_get_their_content_type() {
        assert_eq!(content_type("r/report.html"), "text/html; charset=utf-8");
        assert_eq!(content_type("r/report.ocsf.jsonl"), "application/x-ndjson");
        assert_eq!(content_type("r/report.json"), "application/json");
    }
}
