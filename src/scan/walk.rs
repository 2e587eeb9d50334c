//! Working-tree scans: walk with the `ignore` crate (.gitignore, .ignore), skip binaries,
//! vendored and minified files, scan the rest in parallel.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::{Engine, Finding, ScanError, ScanOptions, Skipped, Stats, make_finding};

/// Directory names that hold third-party or generated code.
pub const VENDORED_DIRS: &[&str] = &[
    ".git", ".hg", ".svn", "node_modules", "bower_components", "vendor", "vendored", ".venv", "venv",
    "site-packages", "__pycache__", ".tox", ".mypy_cache",
];

/// File names that are lock files or checksum lists (hashes, never credentials).
const LOCK_FILES: &[&str] = &[
    "cargo.lock", "package-lock.json", "yarn.lock", "pnpm-lock.yaml", "go.sum", "poetry.lock", "composer.lock",
    "gemfile.lock", "pipfile.lock", "npm-shrinkwrap.json", "flake.lock", ".cargo-checksum.json", "uv.lock",
];

/// Extensions that are binary formats (skipped without reading).
const BINARY_EXT: &[&str] = &[
    "png", "jpg", "jpeg", "gif", "bmp", "ico", "webp", "tiff", "psd", "pdf", "zip", "gz", "tgz", "bz2", "xz", "zst",
    "7z", "rar", "tar", "jar", "war", "class", "so", "dylib", "dll", "exe", "o", "a", "lib", "rlib", "rmeta",
    "wasm", "bin", "woff", "woff2", "ttf", "otf", "eot", "mp3", "mp4", "mov", "avi", "wav", "ogg", "flac",
    "pyc", "pyo", "whl", "egg", "deb", "rpm", "dmg", "iso", "sqlite", "db", "parquet", "npy", "pkl",
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
    if name.ends_with(".min.js") || name.ends_with(".min.css") || name.ends_with(".map") || name.ends_with("-min.js") {
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
    let r = p.strip_prefix(root).ok().filter(|r| !r.as_os_str().is_empty());
    let r = r.unwrap_or_else(|| Path::new(p.file_name().unwrap_or(p.as_os_str())));
    r.to_string_lossy().replace('\\', "/")
}

pub(crate) fn scan_tree(
    engine: &Engine,
    root: &Path,
    opts: &ScanOptions,
) -> Result<(Vec<Finding>, Vec<Skipped>, Stats), ScanError> {
    if let Err(e) = std::fs::metadata(root) {
        return Err(ScanError::Target { path: root.display().to_string(), msg: e.to_string() });
    }
    let mut files: Vec<PathBuf> = Vec::new();
    let mut skipped: Vec<Skipped> = Vec::new();
    let walker = ignore::WalkBuilder::new(root)
        .hidden(false)
        .follow_links(opts.follow_symlinks)
        .filter_entry(|e| {
            !(e.file_type().is_some_and(|t| t.is_dir()) && e.depth() > 0 && {
                let n = e.file_name().to_string_lossy().to_ascii_lowercase();
                VENDORED_DIRS.contains(&n.as_str())
            })
        })
        .build();
    for entry in walker {
        match entry {
            Ok(e) => {
                if e.file_type().is_some_and(|t| t.is_file()) {
                    files.push(e.into_path());
                }
            }
            Err(err) => skipped.push(Skipped { path: error_path(&err, root), reason: error_reason(&err) }),
        }
    }
    let max = opts.max_file_size;
    let results: Vec<(Vec<Finding>, Option<Skipped>, u64)> = files
        .par_iter()
        .map(|p| {
            let rel = rel_path(root, p);
            if skip_by_name(&rel) {
                return (Vec::new(), None, 0);
            }
            match std::fs::metadata(p) {
                Ok(m) if m.len() > max => {
                    let s = Skipped { path: rel, reason: format!("larger than --max-file-size ({} bytes)", m.len()) };
                    return (Vec::new(), Some(s), 0);
                }
                Ok(_) => {}
                Err(e) => return (Vec::new(), Some(Skipped { path: rel, reason: format!("cannot stat: {e}") }), 0),
            }
            let data = match std::fs::read(p) {
                Ok(d) => d,
                Err(e) => return (Vec::new(), Some(Skipped { path: rel, reason: format!("cannot read: {e}") }), 0),
            };
            if looks_binary(&data) || looks_minified(&rel, &data) {
                return (Vec::new(), None, 0);
            }
            let hits = engine.scan(&data);
            let fs = hits.iter().map(|h| make_finding(engine, h, rel.clone())).collect();
            (fs, None, data.len() as u64)
        })
        .collect();
    let mut findings = Vec::new();
    let mut stats = Stats::default();
    for (fs, skip, bytes) in results {
        findings.extend(fs);
        if let Some(s) = skip {
            skipped.push(s);
        } else if bytes > 0 {
            stats.files_scanned += 1;
            stats.bytes_scanned += bytes;
        }
    }
    Ok((findings, skipped, stats))
}

fn error_path(err: &ignore::Error, root: &Path) -> String {
    match err {
        ignore::Error::WithPath { path, .. } => rel_path(root, path),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => error_path(err, root),
        ignore::Error::Loop { child, .. } => rel_path(root, child),
        _ => String::new(),
    }
}

fn error_reason(err: &ignore::Error) -> String {
    match err {
        ignore::Error::Loop { ancestor, .. } => format!("symlink loop back to {}", ancestor.display()),
        ignore::Error::WithPath { err, .. } | ignore::Error::WithDepth { err, .. } => error_reason(err),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_are_skipped() {
        for p in ["node_modules/x/a.js", "a/vendor/b.go", "Cargo.lock", "dist/app.min.js", "img/logo.png", "x.map"] {
            assert!(skip_by_name(p), "{p}");
        }
        for p in ["src/main.rs", ".env", "config/vendor.yml", "vendor"] {
            assert!(!skip_by_name(p), "{p}");
        }
    }
}
