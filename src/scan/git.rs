//! History scans with gix: every blob reachable from every ref is scanned once.
//!
//! 1. Tips: every reference (branches, tags, remotes, stash…) peeled to its object, plus HEAD.
//! 2. Commits: one revision walk from all tips (minus those reachable from `--since`), then
//!    sorted oldest first by commit time.
//! 3. Trees, oldest commit first; a tree id already seen is skipped whole, so each blob is
//!    attributed to the oldest commit (and its path there) whose tree holds it.
//! 4. The distinct blobs are scanned in parallel, each on a thread-local repository handle.
//!
//! A corrupt or missing object becomes a [`Skipped`] entry; the scan goes on.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use chrono::{DateTime, Utc};
use gix::ObjectId;
use gix::objs::Find;
use rayon::prelude::*;

use super::walk::{looks_binary, looks_minified, skip_by_name};
use super::{Engine, Finding, ScanError, ScanOptions, Skipped, Stats, make_finding};

crate::error::message_error!(
    /// A git object or commit that cannot be read.
    pub GitError
);

struct CommitInfo {
    id: ObjectId,
    tree: ObjectId,
    commit_time: i64,
    author_time: i64,
    author: String,
}

pub(crate) fn scan_history(
    engine: &Engine,
    target: &Path,
    opts: &ScanOptions,
) -> Result<(Vec<Finding>, Vec<Skipped>, Stats), ScanError> {
    let git_err = |msg: String| ScanError::Git {
        path: target.display().to_string(),
        msg,
    };
    let repo = gix::discover(target).map_err(|e| git_err(e.to_string()))?;
    let hash_kind = repo.object_hash();
    let mut skipped: Vec<Skipped> = Vec::new();

    // 1. Tips.
    let mut tips: Vec<ObjectId> = Vec::new();
    if let Ok(id) = repo.head_id() {
        tips.push(id.detach());
    }
    let platform = repo
        .references()
        .map_err(|e| git_err(format!("cannot list references: {e}")))?;
    let refs = platform
        .all()
        .map_err(|e| git_err(format!("cannot list references: {e}")))?;
    for r in refs {
        match r {
            Ok(mut r) => {
                let name = r.name().as_bstr().to_string();
                match r.peel_to_id() {
                    Ok(id) => tips.push(id.detach()),
                    Err(e) => skipped.push(Skipped {
                        path: name,
                        reason: format!("cannot peel reference: {e}"),
                    }),
                }
            }
            Err(e) => skipped.push(Skipped {
                path: "refs".into(),
                reason: format!("cannot read reference: {e}"),
            }),
        }
    }
    // Only commits start a walk (a ref may point at a tree or blob).
    let mut buf = Vec::new();
    tips.retain(
        |id| matches!(repo.objects.try_find(id, &mut buf), Ok(Some(d)) if d.kind.is_commit()),
    );
    tips.sort();
    tips.dedup();

    let mut hidden: Vec<ObjectId> = Vec::new();
    if let Some(since) = &opts.since {
        let id = repo
            .rev_parse_single(since.as_str())
            .map_err(|e| git_err(format!("cannot resolve --since {since:?}: {e}")))?;
        hidden.push(id.detach());
    }

    // 2. Commits.
    let mut commits: Vec<CommitInfo> = Vec::new();
    if !tips.is_empty() {
        let walk = repo
            .rev_walk(tips.iter().copied())
            .with_hidden(hidden.iter().copied())
            .all()
            .map_err(|e| git_err(format!("cannot walk history: {e}")))?;
        for info in walk {
            match info {
                Ok(info) => match read_commit(&repo, info.id, hash_kind, &mut buf) {
                    Ok(c) => commits.push(c),
                    Err(reason) => skipped.push(Skipped {
                        path: format!("commit {}", info.id),
                        reason: reason.0,
                    }),
                },
                Err(e) => {
                    skipped.push(Skipped {
                        path: "history".into(),
                        reason: format!("revision walk stopped: {e}"),
                    });
                    break;
                }
            }
        }
    }
    commits.sort_by_key(|c| (c.commit_time, c.author_time, c.id));

    // 3. Trees, oldest commit first; `--since` trees are walked first to mark what is known.
    let mut seen_trees: HashSet<ObjectId> = HashSet::new();
    let mut blobs: HashMap<ObjectId, (usize, String)> = HashMap::new();
    let mut known: HashSet<ObjectId> = HashSet::new();
    for h in &hidden {
        match read_commit(&repo, *h, hash_kind, &mut buf) {
            Ok(c) => walk_tree(
                &repo,
                c.tree,
                hash_kind,
                &mut seen_trees,
                &mut buf,
                &mut skipped,
                |id, _| {
                    known.insert(id);
                },
            ),
            Err(reason) => skipped.push(Skipped {
                path: format!("commit {h}"),
                reason: reason.0,
            }),
        }
    }
    for (ci, c) in commits.iter().enumerate() {
        walk_tree(
            &repo,
            c.tree,
            hash_kind,
            &mut seen_trees,
            &mut buf,
            &mut skipped,
            |id, path| {
                if !known.contains(&id) {
                    blobs.entry(id).or_insert((ci, path));
                }
            },
        );
    }
    let mut work: Vec<(ObjectId, usize, String)> = blobs
        .into_iter()
        .filter(|(_, (_, p))| !skip_by_name(p))
        .map(|(id, (ci, p))| (id, ci, p))
        .collect();
    work.sort_by(|a, b| (a.1, &a.2).cmp(&(b.1, &b.2)));

    // 4. Scan the distinct blobs in parallel.
    let sync = repo.into_sync();
    let max = opts.max_file_size;
    let results: Vec<(Vec<Finding>, Option<Skipped>, u64)> = work
        .par_iter()
        .map_init(
            || (sync.to_thread_local(), Vec::new()),
            |(repo, buf), (id, ci, path)| {
                let data = match repo.objects.try_find(id, buf) {
                    Ok(Some(d)) => d.data,
                    Ok(None) => {
                        let s = Skipped {
                            path: format!("{path} (blob {id})"),
                            reason: "object missing".into(),
                        };
                        return (Vec::new(), Some(s), 0);
                    }
                    Err(e) => {
                        let s = Skipped {
                            path: format!("{path} (blob {id})"),
                            reason: format!("cannot read object: {e}"),
                        };
                        return (Vec::new(), Some(s), 0);
                    }
                };
                if data.len() as u64 > max {
                    let s = Skipped {
                        path: format!("{path} (blob {id})"),
                        reason: format!("larger than --max-file-size ({} bytes)", data.len()),
                    };
                    return (Vec::new(), Some(s), 0);
                }
                if looks_binary(data) || looks_minified(path, data) {
                    return (Vec::new(), None, 0);
                }
                let c = &commits[*ci];
                let fs = engine
                    .scan(data)
                    .iter()
                    .map(|h| {
                        let mut f = make_finding(engine, h, path.clone());
                        f.commit = Some(c.id.to_string());
                        f.author_date = DateTime::<Utc>::from_timestamp(c.author_time, 0);
                        f.author = Some(c.author.clone());
                        f.blob = Some(id.to_string());
                        f
                    })
                    .collect();
                (fs, None, data.len() as u64)
            },
        )
        .collect();

    let mut stats = Stats {
        commits: commits.len(),
        blobs: work.len(),
        ..Stats::default()
    };
    // One finding per secret: the oldest commit that introduced it (ties: path, line).
    let time_of: HashMap<String, i64> = commits
        .iter()
        .map(|c| (c.id.to_string(), c.commit_time))
        .collect();
    let mut best: HashMap<String, Finding> = HashMap::new();
    for (fs, skip, bytes) in results {
        if let Some(s) = skip {
            skipped.push(s);
        } else if bytes > 0 {
            stats.files_scanned += 1;
            stats.bytes_scanned += bytes;
        }
        for f in fs {
            let key = |f: &Finding| {
                (
                    f.commit
                        .as_ref()
                        .and_then(|c| time_of.get(c))
                        .copied()
                        .unwrap_or(i64::MAX),
                    f.file.clone(),
                    f.line,
                )
            };
            match best.get(&f.fingerprint) {
                Some(old) if key(old) <= key(&f) => {}
                _ => {
                    best.insert(f.fingerprint.clone(), f);
                }
            }
        }
    }
    Ok((best.into_values().collect(), skipped, stats))
}

fn read_commit(
    repo: &gix::Repository,
    id: ObjectId,
    kind: gix::hash::Kind,
    buf: &mut Vec<u8>,
) -> Result<CommitInfo, GitError> {
    let data = match repo.objects.try_find(&id, buf) {
        Ok(Some(d)) => d,
        Ok(None) => return Err("object missing".into()),
        Err(e) => return Err(format!("cannot read object: {e}").into()),
    };
    let c = gix::objs::CommitRef::from_bytes(data.data, kind)
        .map_err(|e| format!("cannot decode commit: {e}"))?;
    let tree = c.tree();
    let time = |s: Result<gix::actor::SignatureRef<'_>, _>| {
        s.ok()
            .and_then(|s| s.time().ok())
            .map(|t| t.seconds)
            .unwrap_or(0)
    };
    let author_time = time(c.author());
    let commit_time = time(c.committer());
    let author = c.author().map(|a| a.name.to_string()).unwrap_or_default();
    Ok(CommitInfo {
        id,
        tree,
        commit_time,
        author_time,
        author,
    })
}

/// Depth-first over a tree, skipping subtrees already seen; calls `on_blob(id, path)` for each
/// regular or executable file.
fn walk_tree(
    repo: &gix::Repository,
    root: ObjectId,
    kind: gix::hash::Kind,
    seen: &mut HashSet<ObjectId>,
    buf: &mut Vec<u8>,
    skipped: &mut Vec<Skipped>,
    mut on_blob: impl FnMut(ObjectId, String),
) {
    let mut stack: Vec<(ObjectId, String)> = vec![(root, String::new())];
    while let Some((id, prefix)) = stack.pop() {
        if !seen.insert(id) {
            continue;
        }
        let data = match repo.objects.try_find(&id, buf) {
            Ok(Some(d)) => d,
            Ok(None) => {
                skipped.push(Skipped {
                    path: format!("{prefix}/ (tree {id})"),
                    reason: "object missing".into(),
                });
                continue;
            }
            Err(e) => {
                skipped.push(Skipped {
                    path: format!("{prefix}/ (tree {id})"),
                    reason: format!("cannot read object: {e}"),
                });
                continue;
            }
        };
        for entry in gix::objs::TreeRefIter::from_bytes(data.data, kind) {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    skipped.push(Skipped {
                        path: format!("{prefix}/ (tree {id})"),
                        reason: format!("cannot decode tree: {e}"),
                    });
                    break;
                }
            };
            let path = if prefix.is_empty() {
                entry.filename.to_string()
            } else {
                format!("{prefix}/{}", entry.filename)
            };
            if entry.mode.is_tree() {
                stack.push((entry.oid.to_owned(), path));
            } else if entry.mode.is_blob() {
                on_blob(entry.oid.to_owned(), path);
            }
        }
    }
}
