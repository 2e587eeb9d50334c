//! Working-tree scans: walk with the `ignore` crate (.gitignore, .ignore), skip binaries,
//! vendored and minified files, scan the rest in parallel.

use std::io::Read;
use std::path::Path;
use std::sync::Mutex;

use super::{Engine, Finding, ScanError, ScanOptions, Skipped, Stats, make_finding};

/// Directory names that hold third-party or generated code.
pub const VENDORED_DIRS: &[&str] = &[
    ".git",
    ".hg",
    ".svn",
    "node_modules",
    "bower_components",
    "vendor",
    "vendored",
    ".venv",
    "venv",
    "site-packages",
    "__pycache__",
    ".tox",
    ".mypy_cache",
];

/// File names that are lock files or checksum lists (hashes, never credentials).
const LOCK_FILES: &[&str] = &[
    "cargo.lock",
    "package-lock.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "go.sum",
    "poetry.lock",
    "composer.lock",
    "gemfile.lock",
    "pipfile.lock",
    "npm-shrinkwrap.json",
    "flake.lock",
    ".cargo-checksum.json",
    "uv.lock",
];

/// Extensions that are binary formats (skipped without reading).
const BINARY_EXT: &[&str] = &[
    "png", "jpg", "jpeg", "gif", "bmp", "ico", "webp", "tiff", "psd", "pdf", "zip", "gz", "tgz",
    "bz2", "xz", "zst", "7z", "rar", "tar", "jar", "war", "class", "so", "dylib", "dll", "exe",
    "o", "a", "lib", "rlib", "rmeta", "wasm", "bin", "woff", "woff2", "ttf", "otf", "eot", "mp3",
    "mp4", "mov", "avi", "wav", "ogg", "flac", "pyc", "pyo", "whl", "egg", "deb", "rpm", "dmg",
    "iso", "sqlite", "db", "parquet", "npy", "pkl",
];

/// Whether a path (relative, forward slashes) is skipped by name: vendored directory, lock file,
/// minified bundle, source map or binary extension.
pub fn skip_by_name(rel: &str) -> bool {
    let lower = rel.to_ascii_lowercase();
    let mut parts = lower.split('/').peekable();
    while let Some(p) = parts.next() {
        if parts.peek().is_some() && VENDORED_DIRS.contains(&p) {
            return true;
        }
    }
    let name = lower.rsplit('/').next().unwrap_or(&lower);
    if LOCK_FILES.contains(&name) {
        return true;
    }
    if name.ends_with(".min.js")
        || name.ends_with(".min.css")
        || name.ends_with(".map")
        || name.ends_with("-min.js")
    {
        return true;
    }
    match name.rsplit_once('.') {
        Some((_, ext)) => BINARY_EXT.contains(&ext),
        None => false,
    }
}

/// Binary content: a NUL byte in the first 8 KiB.
pub fn looks_binary(data: &[u8]) -> bool {
    memchr::memchr(0, &data[..data.len().min(8192)]).is_some()
}

/// Minified JavaScript or CSS: a large file whose lines average more than 1000 bytes.
pub fn looks_minified(rel: &str, data: &[u8]) -> bool {
    let lower = rel.to_ascii_lowercase();
    (lower.ends_with(".js") || lower.ends_with(".css") || lower.ends_with(".mjs"))
        && data.len() > 32 * 1024
        && memchr::memchr_iter(b'\n', data).count() < data.len() / 1000
}

fn rel_path(root: &Path, p: &Path) -> String {
    let r = p
        .strip_prefix(root)
        .ok()
        .filter(|r| !r.as_os_str().is_empty());
    let r = r.unwrap_or_else(|| Path::new(p.file_name().unwrap_or(p.as_os_str())));
    r.to_string_lossy().replace('\\', "/")
}

pub(crate) fn scan_tree(
    engine: &Engine,
    root: &Path,
    opts: &ScanOptions,
) -> Result<(Vec<Finding>, Vec<Skipped>, Stats), ScanError> {
    if let Err(e) = std::fs::metadata(root) {
        return Err(ScanError::Target {
            path: root.display().to_string(),
            msg: e.to_string(),
        });
    }
    let threads = if opts.threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        opts.threads
    };
    let walker = ignore::WalkBuilder::new(root)
        .hidden(false)
        .follow_links(opts.follow_symlinks)
        .threads(threads)
        .filter_entry(|e| {
            !(e.file_type().is_some_and(|t| t.is_dir()) && e.depth() > 0 && {
                let n = e.file_name().to_string_lossy().to_ascii_lowercase();
                VENDORED_DIRS.contains(&n.as_str())
            })
        })
        .build_parallel();
    // The walk and the scan run together: each walker thread reads the files it finds into its
    // own reused buffer and scans them, so directory reads overlap with matching on every core.
    let shared = Mutex::new(Partial::default());
    let mut builder = VisitorBuilder {
        engine,
        root,
        max: opts.max_file_size,
        shared: &shared,
    };
    walker.visit(&mut builder);
    let p = shared.into_inner().unwrap_or_else(|e| e.into_inner());
    Ok((p.findings, p.skipped, p.stats))
}

/// What one walker thread found; merged into the shared result when the thread ends.
#[derive(Default)]
struct Partial {
    findings: Vec<Finding>,
    skipped: Vec<Skipped>,
    stats: Stats,
}

struct VisitorBuilder<'a> {
    engine: &'a Engine,
    root: &'a Path,
    max: u64,
    shared: &'a Mutex<Partial>,
}

impl<'s> ignore::ParallelVisitorBuilder<'s> for VisitorBuilder<'s> {
    fn build(&mut self) -> Box<dyn ignore::ParallelVisitor + 's> {
        Box::new(Visitor {
            engine: self.engine,
            root: self.root,
            max: self.max,
            shared: self.shared,
            buf: Vec::with_capacity(256 * 1024),
            local: Partial::default(),
        })
    }
}

struct Visitor<'a> {
    engine: &'a Engine,
    root: &'a Path,
    max: u64,
    shared: &'a Mutex<Partial>,
    buf: Vec<u8>,
    local: Partial,
}

impl ignore::ParallelVisitor for Visitor<'_> {
    fn visit(&mut self, entry: Result<ignore::DirEntry, ignore::Error>) -> ignore::WalkState {
        match entry {
            Ok(e) => {
                if e.file_type().is_some_and(|t| t.is_file()) {
                    self.scan_file(e.path());
                }
            }
            Err(err) => self.local.skipped.push(Skipped {
                path: error_path(&err, self.root),
                reason: error_reason(&err),
            }),
        }
        ignore::WalkState::Continue
    }
}

impl Visitor<'_> {
    fn scan_file(&mut self, p: &Path) {
        let rel = rel_path(self.root, p);
        if skip_by_name(&rel) {
            return;
        }
        let skip = |reason: String| Skipped {
            path: rel.clone(),
            reason,
        };
        let mut file = match std::fs::File::open(p) {
            Ok(f) => f,
            Err(e) => return self.local.skipped.push(skip(format!("cannot read: {e}"))),
        };
        match file.metadata() {
            Ok(m) if m.len() > self.max => {
                let s = skip(format!("larger than --max-file-size ({} bytes)", m.len()));
                return self.local.skipped.push(s);
            }
            Ok(_) => {}
            Err(e) => return self.local.skipped.push(skip(format!("cannot stat: {e}"))),
        }
        self.buf.clear();
        if let Err(e) = (&mut file).take(self.max + 1).read_to_end(&mut self.buf) {
            return self.local.skipped.push(skip(format!("cannot read: {e}")));
        }
        let data = &self.buf[..];
        if data.is_empty() || looks_binary(data) || looks_minified(&rel, data) {
            return;
        }
        let hits = self.engine.scan(data);
        self.local.stats.files_scanned += 1;
        self.local.stats.bytes_scanned += data.len() as u64;
        if hits.is_empty() {
            return;
        }
        let last = hits.len() - 1;
        let mut rel = Some(rel);
        for (i, h) in hits.iter().enumerate() {
            let file = if i == last {
                rel.take().unwrap_or_default()
            } else {
                rel.clone().unwrap_or_default()
            };
            self.local.findings.push(make_finding(self.engine, h, file));
        }
    }
}

impl Drop for Visitor<'_> {
    fn drop(&mut self) {
        let local = std::mem::take(&mut self.local);
        let mut shared = self.shared.lock().unwrap_or_else(|e| e.into_inner());
        shared.findings.extend(local.findings);
        shared.skipped.extend(local.skipped);
        shared.stats.files_scanned += local.stats.files_scanned;
        shared.stats.bytes_scanned += local.stats.bytes_scanned;
    }
}

fn error_path(err: &ignore::Error, root: &Path) -> String {
    match err {
        ignore::Error::WithPath { path, .. } => rel_path(root, path),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err, root)
        }
        ignore::Error::Loop { child, .. } => rel_path(root, child),
        _ => String::new(),
    }
}

fn error_reason(err: &ignore::Error) -> String {
    match err {
        ignore::Error::Loop { ancestor, .. } => {
            format!("symlink loop back to {}", ancestor.display())
        }
        ignore::Error::WithPath { err, .. } | ignore::Error::WithDepth { err, .. } => {
            error_reason(err)
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_are_skipped() {
        for p in [
            "node_modules/x/a.js",
            "a/vendor/b.go",
            "Cargo.lock",
            "dist/app.min.js",
            "img/logo.png",
            "x.map",
        ] {
            assert!(skip_by_name(p), "{p}");
        }
        for p in ["src/main.rs", ".env", "config/vendor.yml", "vendor"] {
            assert!(!skip_by_name(p), "{p}");
        }
    }
}
