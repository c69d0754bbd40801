#!/usr/bin/env bash
# Runs the README's "A first session" shell block, exactly as written there, against a freshly
# started service on a throw-away database, and checks what it prints. Keeps the README true.
#
# Usage, from anywhere in the repository:   scripts/readme-walkthrough.sh
# Environment (optional): PGHOST PGPORT PGUSER (default 127.0.0.1, 5432, postgres),
# CARGO_TARGET_DIR, KEEP_TMP=1 (keep the temporary directory: server log, the block's output).

set -Eeuo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
begin_run readme readme

# The block: the first ```sh fence after the "## A first session" heading.
awk '/^## A first session/{in_section=1} in_section && /^```sh$/{grab=1; next} grab && /^```$/{exit} grab{print}' \
    README.md > "$TMP/walkthrough.sh"
[[ -s "$TMP/walkthrough.sh" ]] || { echo "no shell block under '## A first session'" >&2; exit 1; }

build_concord -q
free_port
create_database
export JWT_SECRET="readme-walkthrough-secret-of-at-least-32-bytes"
export WEBHOOK_DELIVERY=false
start_server BIND="127.0.0.1:$PORT"
say "service on port $PORT; running the README block"

API="$BASE_URL/v1" bash -euo pipefail "$TMP/walkthrough.sh" > "$TMP/out.txt" 2>&1 \
    || { cat "$TMP/out.txt" >&2; exit 1; }
cat "$TMP/out.txt"
grep -q '^refines different_treatment before_next_decision$' "$TMP/out.txt"
grep -q '^# Your second opinion summary' "$TMP/out.txt"
grep -q '^/tmp/summary.pdf: PDF document, version 1.7, 1 page' "$TMP/out.txt"
