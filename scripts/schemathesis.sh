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
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
begin_run schemathesis st

VENV="$ROOT/.concord/schemathesis-venv"
REQUIREMENTS="$ROOT/scripts/schemathesis-requirements.txt"
CONFIG="$ROOT/.ci/schemathesis.toml"
SCHEMA="$ROOT/openapi/openapi.json"

# ---- 1. a venv with the pinned Schemathesis ------------------------------------------------
python_venv "$VENV" "$REQUIREMENTS" 3.10 Schemathesis st
say "$("$VENV/bin/st" --version 2>&1)"

# ---- 2. the service binary -----------------------------------------------------------------
say "cargo build (debug)"
build_concord

# ---- 3. a fresh database and the server ----------------------------------------------------
create_database
free_port
JWT_SECRET="schemathesis-$("$VENV/bin/python" -c 'import secrets; print(secrets.token_hex(24))')"
export JWT_SECRET BIND="127.0.0.1:$PORT" PUBLIC_BASE_URL="$BASE_URL"
# Webhook targets the fuzzer invents are never called; loopback targets are allowed so a
# schema-valid http://127.0.0.1 URL is not refused for being private.
export WEBHOOK_DELIVERY=false WEBHOOK_ALLOWED_CIDRS=127.0.0.0/8 HTTP_WORKERS=2 DATABASE_POOL_SIZE=8
# Fuzzing sends thousands of requests a minute from one caller; rate limiting is not under test.
export RATE_LIMIT_PER_KEY_PER_MINUTE=1000000 RATE_LIMIT_PER_SUBJECT_PER_MINUTE=1000000 RATE_LIMIT_PER_IP_PER_MINUTE=1000000
export RUST_LOG="${RUST_LOG:-warn}"

say "migrating database $DB_NAME"
"$BIN" migrate > "$TMP/migrate.log" 2>&1 || { cat "$TMP/migrate.log" >&2; die "concord migrate failed"; }
say "starting concord serve on $BASE_URL"
start_server
say "server ready"

# ---- 4. organisations, tokens and a partner API key ----------------------------------------
ORG_ID="$(new_org "Schemathesis Navigation" navigator)"
PARTNER_ID="$(new_org "Schemathesis Partner Hospital" partner --navigator "$ORG_ID")"
# Tokens outlive the whole run (the runs take minutes, not an hour).
ADMIN_TOKEN="$(mint "$ORG_ID" st-admin admin 3600)"
COORDINATOR_TOKEN="$(mint "$ORG_ID" st-coordinator coordinator 3600)"
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
