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
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
begin_run client-flow client

VENV="$ROOT/.concord/client-venv"
REQUIREMENTS="$ROOT/clients/python/requirements.txt"
GENERATOR_CONFIG="$ROOT/clients/python/generator.yaml"

# ---- 1. a venv with the pinned generator ---------------------------------------------------
python_venv "$VENV" "$REQUIREMENTS" 3.11 "the generated client"
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
build_concord

# ---- 4. a fresh database and the server ----------------------------------------------------
create_database
free_port
JWT_SECRET="client-flow-$("$VENV/bin/python" -c 'import secrets; print(secrets.token_hex(24))')"
export JWT_SECRET BIND="127.0.0.1:$PORT" PUBLIC_BASE_URL="$BASE_URL"
export WEBHOOK_DELIVERY=false HTTP_WORKERS=2 DATABASE_POOL_SIZE=8
export RATE_LIMIT_PER_KEY_PER_MINUTE=100000 RATE_LIMIT_PER_SUBJECT_PER_MINUTE=100000 RATE_LIMIT_PER_IP_PER_MINUTE=100000
export RUST_LOG="${RUST_LOG:-info}"

say "starting concord serve on $BASE_URL (database $DB_NAME)"
start_server
say "server ready"

# ---- 5. an organisation and tokens ---------------------------------------------------------
ORG_ID="$(new_org "Asha Navigation" navigator)"
CONCORD_ADMIN_TOKEN="$(mint "$ORG_ID" admin-1 admin 1800)"
CONCORD_COORDINATOR_TOKEN="$(mint "$ORG_ID" coord-1 coordinator 1800)"
CONCORD_CLINICIAN_TOKEN="$(mint "$ORG_ID" clin-1 clinician 1800)"
export CONCORD_BASE_URL="$BASE_URL" CONCORD_ADMIN_TOKEN CONCORD_COORDINATOR_TOKEN CONCORD_CLINICIAN_TOKEN
say "navigator organisation $ORG_ID; admin, coordinator and clinician tokens minted"

# ---- 6. the flow, through the generated client only ----------------------------------------
say "running clients/python/flow.py"
PYTHONPATH="$TMP/gen" "$VENV/bin/python" "$ROOT/clients/python/flow.py" \
    || die "clients/python/flow.py failed (see above)"

# ---- 7. every ruleset-3 answer, read through the generated models ---------------------------
say "running clients/python/ruleset3.py"
PYTHONPATH="$TMP/gen" "$VENV/bin/python" "$ROOT/clients/python/ruleset3.py" \
    || die "clients/python/ruleset3.py failed (see above)"
