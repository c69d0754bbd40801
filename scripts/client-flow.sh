#!/usr/bin/env bash
# Proves that a client generated from openapi/openapi.json by a third-party generator
# (openapi-python-client, pinned in clients/python/requirements.txt) drives Concord's core flow
# with no hand edits: it generates the client into a temporary directory, starts the service
# against a fresh database, and runs clients/python/flow.py through the generated code.
#
# Usage, from anywhere in the repository:   scripts/client-flow.sh
#
# Environment (all optional):
#   PYTHON             Python 3.11+ for the venv (default: python3)
#   CARGO_TARGET_DIR   where `cargo build` puts the binary (default: ./target)
#   PGHOST PGPORT PGUSER   the PostgreSQL server to create the throw-away database on
#                      (default: 127.0.0.1, 5432, postgres; PGHOST may be a socket directory)
#   KEEP_TMP=1         keep the temporary directory (generated client, logs) after the run
#
# The venv lives in .concord/client-venv (git-ignored) and is rebuilt only when
# clients/python/requirements.txt changes. The database (concord_client_<time>_<pid>) and the
# server are removed on exit, whatever the outcome. Exits non-zero on the first failure.

set -Eeuo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

STARTED=$SECONDS
PYTHON="${PYTHON:-python3}"
VENV="$ROOT/.concord/client-venv"
REQUIREMENTS="$ROOT/clients/python/requirements.txt"
GENERATOR_CONFIG="$ROOT/clients/python/generator.yaml"
export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"
DB_NAME="concord_client_$(date +%Y%m%d%H%M%S)_$$"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/concord-client-flow.XXXXXX")"
SERVER_PID=""
DB_CREATED=""

say() { printf '[client-flow %3ds] %s\n' "$((SECONDS - STARTED))" "$*"; }
die() { printf '[client-flow] FAILED: %s\n' "$*" >&2; exit 1; }

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
            || echo "[client-flow] could not drop database $DB_NAME; drop it by hand" >&2
    fi
    if [[ "${KEEP_TMP:-}" == 1 ]]; then
        echo "[client-flow] kept $TMP" >&2
    else
        rm -rf "$TMP"
    fi
    if [[ $status -eq 0 ]]; then
        say "passed in $((SECONDS - STARTED))s"
    else
        echo "[client-flow] failed (exit $status) after $((SECONDS - STARTED))s" >&2
    fi
    exit $status
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- 1. a venv with the pinned generator ---------------------------------------------------
command -v "$PYTHON" >/dev/null || die "$PYTHON not found (set PYTHON to a Python 3.11+)"
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || die "$PYTHON is $("$PYTHON" -V 2>&1); the generated client needs Python 3.11+ (set PYTHON)"
want="$(sha256sum "$REQUIREMENTS" | cut -d' ' -f1) $("$PYTHON" -V 2>&1)"
if [[ ! -x "$VENV/bin/python" || "$(cat "$VENV/.requirements" 2>/dev/null)" != "$want" ]]; then
    say "creating venv $VENV"
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV" || die "could not create a venv with $PYTHON"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQUIREMENTS" \
        || die "pip install -r $REQUIREMENTS failed"
    echo "$want" > "$VENV/.requirements"
fi
say "generator: $("$VENV/bin/openapi-python-client" --version 2>&1)"

# ---- 2. generate the client ----------------------------------------------------------------
# --fail-on-warning: a construct the generator cannot handle (it then drops the endpoint or
# model) fails the run instead of passing unnoticed. The generator's post hooks run ruff, so
# the venv's bin comes first on PATH.
say "generating the client from openapi/openapi.json into $TMP/gen"
mkdir -p "$TMP/gen"
if ! (cd "$TMP/gen" && PATH="$VENV/bin:$PATH" "$VENV/bin/openapi-python-client" generate \
        --path "$ROOT/openapi/openapi.json" --config "$GENERATOR_CONFIG" --meta none \
        --output-path "$TMP/gen/concord_client" --fail-on-warning) > "$TMP/generate.log" 2>&1; then
    cat "$TMP/generate.log" >&2
    die "openapi-python-client could not generate a clean client from openapi/openapi.json (output above)"
fi
sed 's/^/    generator: /' "$TMP/generate.log"
[[ -f "$TMP/gen/concord_client/client.py" ]] || die "the generator wrote no package to $TMP/gen/concord_client"
say "generated $(find "$TMP/gen/concord_client/api" -name '*.py' ! -name '__init__.py' | wc -l) endpoint modules, $(find "$TMP/gen/concord_client/models" -name '*.py' ! -name '__init__.py' | wc -l) models"

# ---- 3. the service binary -----------------------------------------------------------------
say "cargo build (debug)"
cargo build --bin concord || die "cargo build failed"
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/concord"
[[ -x "$BIN" ]] || die "no binary at $BIN after cargo build"

# ---- 4. a fresh database and the server ----------------------------------------------------
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
export JWT_SECRET="client-flow-$("$VENV/bin/python" -c 'import secrets; print(secrets.token_hex(24))')"
export BIND="127.0.0.1:$PORT" PUBLIC_BASE_URL="$BASE_URL"
export WEBHOOK_DELIVERY=false HTTP_WORKERS=2 DATABASE_POOL_SIZE=8
export RATE_LIMIT_PER_KEY_PER_MINUTE=100000 RATE_LIMIT_PER_SUBJECT_PER_MINUTE=100000 RATE_LIMIT_PER_IP_PER_MINUTE=100000
export RUST_LOG="${RUST_LOG:-info}"

say "starting concord serve on $BASE_URL (database $DB_NAME)"
"$BIN" serve > "$TMP/server.log" 2>&1 &
SERVER_PID=$!
for i in $(seq 1 300); do
    kill -0 "$SERVER_PID" 2>/dev/null || die "concord serve exited during start-up (log below)"
    if curl -fsS -o /dev/null --max-time 2 "$BASE_URL/readyz" 2>/dev/null; then break; fi
    [[ $i -eq 300 ]] && die "concord serve did not answer GET /readyz with 2xx within 60s"
    sleep 0.2
done
say "server ready"

# ---- 5. an organisation and tokens ---------------------------------------------------------
ORG_ID="$("$BIN" org create --name "Asha Navigation" --kind navigator 2>"$TMP/cli.log")" \
    || { cat "$TMP/cli.log" >&2; die "concord org create failed"; }
[[ "$ORG_ID" =~ ^[0-9a-f-]{36}$ ]] || die "concord org create printed '$ORG_ID', not an id"
mint() {
    "$BIN" token --sub "$1" --role "$2" --org "$ORG_ID" --ttl 1800 2>>"$TMP/cli.log" \
        || { cat "$TMP/cli.log" >&2; die "concord token --role $2 failed"; }
}
CONCORD_ADMIN_TOKEN="$(mint admin-1 admin)"
CONCORD_COORDINATOR_TOKEN="$(mint coord-1 coordinator)"
CONCORD_CLINICIAN_TOKEN="$(mint clin-1 clinician)"
export CONCORD_BASE_URL="$BASE_URL" CONCORD_ADMIN_TOKEN CONCORD_COORDINATOR_TOKEN CONCORD_CLINICIAN_TOKEN
say "navigator organisation $ORG_ID; admin, coordinator and clinician tokens minted"

# ---- 6. the flow, through the generated client only ----------------------------------------
say "running clients/python/flow.py"
PYTHONPATH="$TMP/gen" "$VENV/bin/python" "$ROOT/clients/python/flow.py" \
    || die "clients/python/flow.py failed (see above)"
