#!/usr/bin/env bash
# Runs the README's "A first session" shell block, exactly as written there, against a freshly
# started service on a throw-away database, and checks what it prints. Keeps the README true.
#
# Usage, from anywhere in the repository:   scripts/readme-walkthrough.sh
# Environment (optional): PGHOST PGPORT PGUSER (default 127.0.0.1, 5432, postgres),
# CARGO_TARGET_DIR.

set -Eeuo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
STARTED=$SECONDS
export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"
DB_NAME="concord_readme_$(date +%Y%m%d%H%M%S)_$$"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/concord-readme.XXXXXX")"
SERVER_PID=""

say() { printf '[readme %3ds] %s\n' "$((SECONDS - STARTED))" "$*"; }
cleanup() {
    local status=$?
    set +e
    [[ -n "$SERVER_PID" ]] && kill -TERM "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
    [[ $status -ne 0 && -s "$TMP/server.log" ]] && tail -n 30 "$TMP/server.log" >&2
    dropdb --if-exists --force "$DB_NAME" 2>/dev/null
    rm -rf "$TMP"
    [[ $status -eq 0 ]] && say "passed" || echo "[readme] FAILED (exit $status)" >&2
    exit $status
}
trap cleanup EXIT

# The block: the first ```sh fence after the "## A first session" heading.
awk '/^## A first session/{in_section=1} in_section && /^```sh$/{grab=1; next} grab && /^```$/{exit} grab{print}' \
    README.md > "$TMP/walkthrough.sh"
[[ -s "$TMP/walkthrough.sh" ]] || { echo "no shell block under '## A first session'" >&2; exit 1; }

cargo build -q --bin concord
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/concord"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
createdb "$DB_NAME"
export DATABASE_URL="postgres://$PGUSER@$PGHOST:$PGPORT/$DB_NAME"
export JWT_SECRET="readme-walkthrough-secret-of-at-least-32-bytes"
export WEBHOOK_DELIVERY=false
BIND="127.0.0.1:$PORT" "$BIN" serve > "$TMP/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$PORT/readyz" > /dev/null && break
    sleep 0.1
done
say "service on port $PORT; running the README block"

API="http://127.0.0.1:$PORT/v1" bash -euo pipefail "$TMP/walkthrough.sh" > "$TMP/out.txt" 2>&1 \
    || { cat "$TMP/out.txt" >&2; exit 1; }
cat "$TMP/out.txt"
grep -q '^refines different_treatment before_next_decision$' "$TMP/out.txt"
grep -q '^# Your second opinion summary' "$TMP/out.txt"
grep -q '^/tmp/summary.pdf: PDF document, version 1.7, 1 page' "$TMP/out.txt"
