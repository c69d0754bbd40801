#!/usr/bin/env bash
# RustSec advisories against Cargo.lock, offline: cargo-audit (pinned) with the advisory database
# snapshot in ../shared/advisory-db, never fetched. Fails on any advisory not accepted in
# .cargo/audit.toml: vulnerabilities, and unmaintained, unsound or notice advisories too
# (`deny = ["warnings"]` there). Each accepted one is listed there with why it cannot be reached.
#
# Usage, from anywhere in the repository:   scripts/audit.sh
# Environment (optional): ADVISORY_DB (default: ../shared/advisory-db beside the repository's
# root, as laid out for developers and CI), CARGO_AUDIT (a cargo-audit binary to use instead).
#
# cargo-audit is installed with `cargo install --locked` from crates.io, only when missing or of
# another version (a few minutes, once per machine). The yanked-crate check is off in
# .cargo/audit.toml: it needs the live crates.io index, and this check is meant to be offline.

set -Eeuo pipefail

VERSION=0.22.2
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# Where the database is: ADVISORY_DB, else ../shared/advisory-db beside this checkout. A git
# worktree's own folder may sit elsewhere, so the main checkout's parent is tried too.
db="${ADVISORY_DB:-}"
if [[ -z "$db" ]]; then
    for base in "$ROOT/.." "$(dirname "$(git rev-parse --path-format=absolute --git-common-dir 2>/dev/null || echo "$ROOT/.git")")/.."; do
        if [[ -d "$base/shared/advisory-db/crates" ]]; then db="$(cd "$base/shared/advisory-db" && pwd)"; break; fi
    done
fi
[[ -n "$db" && -d "$db/crates" ]] || {
    echo "audit: no advisory database (looked for ../shared/advisory-db; set ADVISORY_DB)" >&2
    exit 1
}

audit="${CARGO_AUDIT:-}"
if [[ -z "$audit" ]]; then
    audit="${CARGO_HOME:-$HOME/.cargo}/bin/cargo-audit"
    if ! "$audit" --version 2>/dev/null | grep -q " $VERSION\$"; then
        echo "audit: installing cargo-audit $VERSION (cargo install --locked)"
        cargo install cargo-audit --version "$VERSION" --locked --quiet
    fi
fi

echo "audit: $("$audit" --version) against $db ($(head -c 200 "$db/README.txt" 2>/dev/null | grep -oE 'snapshot of [0-9-]+' || echo 'snapshot of unknown date'))"
# --stale: a snapshot is old by nature; --no-fetch: never touch the network.
exec "$audit" audit --db "$db" --no-fetch --stale
