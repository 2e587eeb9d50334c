#!/usr/bin/env bash
# Regenerates every derived file after a change to the checks or the demo, then shows what
# changed for review: the README's check table (from checks/*.md), the per-check insta
# snapshots (tests/checks/SLnnn/*.snap), the sample reports (sample-reports/) and the demo's
# dashboard view-model snapshots (src/render/html/snapshots/) and the published JSON Schemas
# (schema/*.schema.json).
# Usage: scripts/regen.sh          (review with `git diff` before committing)
set -euo pipefail
cd "$(dirname "$0")/.."
SECRETLENS_UPDATE=1 cargo test --quiet --test cli readme_check_table
INSTA_UPDATE=always cargo test --quiet --test checks
UPDATE_SAMPLES=1 cargo test --quiet --test render sample_reports_are_fresh
INSTA_UPDATE=always cargo test --quiet --lib render::html::snapshots
SECRETLENS_UPDATE=1 cargo test --quiet --lib schema::tests::published_schemas_are_the_generated_ones
# Then the same tests must pass without the update switches.
cargo test --quiet --test cli readme_check_table
cargo test --quiet --test checks
cargo test --quiet --test render sample_reports_are_fresh
cargo test --quiet --lib render::html::snapshots
cargo test --quiet --lib schema::tests::published_schemas_are_the_generated_ones
git status --short -- README.md tests/checks sample-reports src/render/html/snapshots schema
