#!/usr/bin/env bash
# Runs Schemathesis (pinned in scripts/schemathesis-requirements.txt, configured by
# .ci/schemathesis.toml) against a freshly started Concord, once per kind of caller:
#   - a coordinator JWT, against every operation,
#   - an admin JWT, against every operation,
#   - a partner API key, against the operations a partner may call (referrals, second opinions).
# Any Schemathesis failure (5xx, a response the document does not describe, a schema-valid
# request refused with an unexpected status, a schema-invalid one accepted, ...) fails the script.
#
# Usage, from anywhere in the repository:   scripts/schemathesis.sh
#
# Environment (all optional):
#   PYTHON             Python 3.10+ for the venv (default: python3)
#   CARGO_TARGET_DIR   where `cargo build` puts the binary (default: ./target)
#   PGHOST PGPORT PGUSER   the PostgreSQL server to create the throw-away database on
#                      (default: 127.0.0.1, 5432, postgres; PGHOST may be a socket directory)
#   ST_MAX_EXAMPLES    overrides generation.max-examples of .ci/schemathesis.toml
#   ST_WORKERS         Schemathesis workers per run (default: 2)
#   KEEP_TMP=1         keep the temporary directory (server log, reports) after the run
#
# The venv lives in .concord/schemathesis-venv (git-ignored) and is rebuilt only when
# scripts/schemathesis-requirements.txt (or the Python version) changes. The database
# (concord_st_<time>_<pid>) and the server are removed on exit, whatever the outcome.

set -Eeuo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

STARTED=$SECONDS
PYTHON="${PYTHON:-python3}"
VENV="$ROOT/.concord/schemathesis-venv"
REQUIREMENTS="$ROOT/scripts/schemathesis-requirements.txt"
CONFIG="$ROOT/.ci/schemathesis.toml"
SCHEMA="$ROOT/openapi/openapi.json"
export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"
DB_NAME="concord_st_$(date +%Y%m%d%H%M%S)_$$"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/concord-schemathesis.XXXXXX")"
SERVER_PID=""
DB_CREATED=""

say() { printf '[schemathesis %3ds] %s\n' "$((SECONDS - STARTED))" "$*"; }
die() { printf '[schemathesis] FAILED: %s\n' "$*" >&2; exit 1; }

cleanup() {
    local status=$?
    set +e
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null
        for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$SERVER_PID" 2>/dev/null && kill -KILL "$SERVER_PID" 2>/dev/null
        wait "$SERVER_PID" 2>/dev/null
    fi
    if [[ $status -ne 0 && -s "$TMP/server.log" ]]; then
        echo "---- last 40 lines of the server log ($TMP/server.log) ----" >&2
        tail -n 40 "$TMP/server.log" >&2
        echo "----" >&2
    fi
    if [[ -n "$DB_CREATED" ]]; then
        dropdb --if-exists --force "$DB_NAME" 2>/dev/null \
            || echo "[schemathesis] could not drop database $DB_NAME; drop it by hand" >&2
    fi
    if [[ "${KEEP_TMP:-}" == 1 ]]; then
        echo "[schemathesis] kept $TMP" >&2
    else
        rm -rf "$TMP"
    fi
    if [[ $status -eq 0 ]]; then
        say "passed in $((SECONDS - STARTED))s"
    else
        echo "[schemathesis] failed (exit $status) after $((SECONDS - STARTED))s" >&2
    fi
    exit $status
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- 1. a venv with the pinned Schemathesis ------------------------------------------------
command -v "$PYTHON" >/dev/null || die "$PYTHON not found (set PYTHON to a Python 3.10+)"
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))' \
    || die "$PYTHON is $("$PYTHON" -V 2>&1); Schemathesis needs Python 3.10+ (set PYTHON)"
want="$(sha256sum "$REQUIREMENTS" | cut -d' ' -f1) $("$PYTHON" -V 2>&1)"
if [[ ! -x "$VENV/bin/st" || "$(cat "$VENV/.requirements" 2>/dev/null)" != "$want" ]]; then
    say "creating venv $VENV"
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV" || die "could not create a venv with $PYTHON"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQUIREMENTS" \
        || die "pip install -r $REQUIREMENTS failed"
    echo "$want" > "$VENV/.requirements"
fi
say "$("$VENV/bin/st" --version 2>&1)"

# ---- 2. the service binary -----------------------------------------------------------------
say "cargo build (debug)"
cargo build --bin concord || die "cargo build failed"
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/concord"
[[ -x "$BIN" ]] || die "no binary at $BIN after cargo build"

# ---- 3. a fresh database and the server ----------------------------------------------------
pg_isready -q || die "PostgreSQL is not accepting connections at PGHOST=$PGHOST PGPORT=$PGPORT"
createdb "$DB_NAME" || die "createdb $DB_NAME failed (PGHOST=$PGHOST PGPORT=$PGPORT PGUSER=$PGUSER)"
DB_CREATED=1
if [[ "$PGHOST" == /* ]]; then
    pg_host="$("$VENV/bin/python" -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$PGHOST")"
else
    pg_host="$PGHOST"
fi
PORT="$("$VENV/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
BASE_URL="http://127.0.0.1:$PORT"
export DATABASE_URL="postgres://$PGUSER@$pg_host:$PGPORT/$DB_NAME"
export JWT_SECRET="schemathesis-$("$VENV/bin/python" -c 'import secrets; print(secrets.token_hex(24))')"
export BIND="127.0.0.1:$PORT" PUBLIC_BASE_URL="$BASE_URL"
# Webhook targets the fuzzer invents are never called; loopback targets are allowed so a
# schema-valid http://127.0.0.1 URL is not refused for being private.
export WEBHOOK_DELIVERY=false WEBHOOK_ALLOWED_CIDRS=127.0.0.0/8 HTTP_WORKERS=2 DATABASE_POOL_SIZE=8
# Fuzzing sends thousands of requests a minute from one caller; rate limiting is not under test.
export RATE_LIMIT_PER_KEY_PER_MINUTE=1000000 RATE_LIMIT_PER_SUBJECT_PER_MINUTE=1000000 RATE_LIMIT_PER_IP_PER_MINUTE=1000000
export RUST_LOG="${RUST_LOG:-warn}"

say "migrating database $DB_NAME"
"$BIN" migrate > "$TMP/migrate.log" 2>&1 || { cat "$TMP/migrate.log" >&2; die "concord migrate failed"; }
say "starting concord serve on $BASE_URL"
"$BIN" serve > "$TMP/server.log" 2>&1 &
SERVER_PID=$!
for i in $(seq 1 300); do
    kill -0 "$SERVER_PID" 2>/dev/null || die "concord serve exited during start-up (log below)"
    if curl -fsS -o /dev/null --max-time 2 "$BASE_URL/readyz" 2>/dev/null; then break; fi
    [[ $i -eq 300 ]] && die "concord serve did not answer GET /readyz with 2xx within 60s"
    sleep 0.2
done
say "server ready"

# ---- 4. organisations, tokens and a partner API key ----------------------------------------
ORG_ID="$("$BIN" org create --name "Schemathesis Navigation" --kind navigator 2>"$TMP/cli.log")" \
    || { cat "$TMP/cli.log" >&2; die "concord org create --kind navigator failed"; }
[[ "$ORG_ID" =~ ^[0-9a-f-]{36}$ ]] || die "concord org create printed '$ORG_ID', not an id"
PARTNER_ID="$("$BIN" org create --name "Schemathesis Partner Hospital" --kind partner --navigator "$ORG_ID" 2>>"$TMP/cli.log")" \
    || { cat "$TMP/cli.log" >&2; die "concord org create --kind partner failed"; }
[[ "$PARTNER_ID" =~ ^[0-9a-f-]{36}$ ]] || die "concord org create printed '$PARTNER_ID', not an id"
# Tokens outlive the whole run (the runs take minutes, not an hour).
mint() {
    "$BIN" token --sub "$1" --role "$2" --org "$ORG_ID" --ttl 3600 2>>"$TMP/cli.log" \
        || { cat "$TMP/cli.log" >&2; die "concord token --role $2 failed"; }
}
ADMIN_TOKEN="$(mint st-admin admin)"
COORDINATOR_TOKEN="$(mint st-coordinator coordinator)"
PARTNER_KEY="$(curl -fsS --max-time 10 -X POST "$BASE_URL/v1/organizations/$PARTNER_ID/api-keys" \
        -H "Authorization: Bearer $ADMIN_TOKEN" -H 'Content-Type: application/json' \
        -d '{"name":"schemathesis"}' \
    | "$VENV/bin/python" -c 'import json, sys; print(json.load(sys.stdin)["key"])')" \
    || die "could not create a partner API key through POST /v1/organizations/{id}/api-keys"
[[ "$PARTNER_KEY" == cnc_* ]] || die "the API key '$PARTNER_KEY' does not look like cnc_<prefix>_<secret>"
say "navigator $ORG_ID, partner $PARTNER_ID; admin and coordinator tokens and a partner key ready"

# ---- 5. Schemathesis, once per caller ------------------------------------------------------
st_args=(--config-file "$CONFIG" run "$SCHEMA" --url "$BASE_URL" --checks all
         --workers "${ST_WORKERS:-2}" --no-color)
[[ -n "${ST_MAX_EXAMPLES:-}" ]] && st_args+=(--max-examples "$ST_MAX_EXAMPLES")

FAILED_RUNS=()
run_st() {  # run_st <label> <credential> [filters...]
    local label="$1" credential="$2"; shift 2
    local started=$SECONDS
    say "run '$label': st run ${*:-(all operations)}"
    if "$VENV/bin/st" "${st_args[@]}" -H "Authorization: Bearer $credential" \
            --report junit --report-junit-path "$TMP/junit-$label.xml" "$@" \
            > "$TMP/st-$label.log" 2>&1; then
        say "run '$label' passed in $((SECONDS - started))s"
        tail -n 12 "$TMP/st-$label.log" | sed "s/^/    $label: /"
    else
        cat "$TMP/st-$label.log" >&2
        say "run '$label' FAILED in $((SECONDS - started))s (report above)"
        FAILED_RUNS+=("$label")
    fi
}

run_st coordinator "$COORDINATOR_TOKEN"
run_st admin "$ADMIN_TOKEN"
# The partner key only opens the ingestion routes (security: api_key in the document).
run_st partner "$PARTNER_KEY" --include-path-regex '^/v1/(referrals|second-opinions)/'

[[ ${#FAILED_RUNS[@]} -eq 0 ]] || die "Schemathesis reported failures in: ${FAILED_RUNS[*]}"
