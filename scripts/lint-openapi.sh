#!/usr/bin/env bash
# Lints openapi/openapi.json with two independent tools, both pinned below:
#   - openapi-spec-validator (PyPI): structural validation against the OpenAPI 3.1 meta-schema,
#   - Redocly CLI `lint` (npm): the `recommended` ruleset, configured by redocly.yaml.
# Any error from either tool fails the script (exit 1); Redocly warnings are printed but pass.
#
# Usage, from anywhere in the repository:   scripts/lint-openapi.sh [document]
#   (default document: openapi/openapi.json)
#
# Environment (all optional):
#   PYTHON   Python 3.9+ for the venv (default: python3)
#   NPM      npm executable (default: npm); Node >= 20.19 or >= 22.12 is required by Redocly CLI 2
#
# Tools live in .concord/lint (git-ignored): .concord/lint/venv and .concord/lint/node.
# Each is reinstalled only when its installed version differs from the pin.

set -Eeuo pipefail

OSV_VERSION="0.9.0"        # openapi-spec-validator
REDOCLY_VERSION="2.77.0"   # @redocly/cli

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PYTHON="${PYTHON:-python3}"
NPM="${NPM:-npm}"
TOOLS="$ROOT/.concord/lint"
VENV="$TOOLS/venv"
NODE_DIR="$TOOLS/node"
DOC="${1:-openapi/openapi.json}"
CONFIG="$ROOT/redocly.yaml"

# No telemetry, update checks or prompts in CI.
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1
export npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false

now() { date +%s.%N; }
T0=$(now)
STEP_T=$T0
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2fs", b - a }'; }
say() { printf '[lint-openapi %s] %s\n' "$(elapsed "$T0")" "$*"; }
step_done() { say "$1 took $(elapsed "$STEP_T")"; STEP_T=$(now); }
die() { printf '[lint-openapi] FAILED: %s\n' "$*" >&2; exit 1; }

[[ -f "$DOC" ]] || die "no such document: $DOC"
command -v "$PYTHON" >/dev/null || die "$PYTHON not found"
command -v "$NPM" >/dev/null || die "$NPM not found"
mkdir -p "$TOOLS"

# --- install / reuse openapi-spec-validator -------------------------------------------------
installed_osv=""
if [[ -x "$VENV/bin/python" ]]; then
    installed_osv="$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("openapi-spec-validator"))' 2>/dev/null || true)"
fi
if [[ "$installed_osv" != "$OSV_VERSION" ]]; then
    say "installing openapi-spec-validator==$OSV_VERSION into ${VENV#"$ROOT"/}"
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet "openapi-spec-validator==$OSV_VERSION"
else
    say "reusing openapi-spec-validator $installed_osv"
fi
step_done "openapi-spec-validator setup"

# --- install / reuse Redocly CLI ------------------------------------------------------------
installed_redocly=""
if [[ -f "$NODE_DIR/node_modules/@redocly/cli/package.json" ]]; then
    installed_redocly="$(node -p 'require(process.argv[1]).version' \
        "$NODE_DIR/node_modules/@redocly/cli/package.json" 2>/dev/null || true)"
fi
if [[ "$installed_redocly" != "$REDOCLY_VERSION" ]]; then
    say "installing @redocly/cli@$REDOCLY_VERSION into ${NODE_DIR#"$ROOT"/}"
    rm -rf "$NODE_DIR"
    mkdir -p "$NODE_DIR"
    printf '{ "private": true }\n' > "$NODE_DIR/package.json"
    "$NPM" install --prefix "$NODE_DIR" --no-save --no-package-lock --loglevel=error \
        "@redocly/cli@$REDOCLY_VERSION" >/dev/null
else
    say "reusing @redocly/cli $installed_redocly"
fi
step_done "Redocly CLI setup"

# --- run both; report both before failing ---------------------------------------------------
failed=()

say "openapi-spec-validator $DOC"
if ! "$VENV/bin/openapi-spec-validator" --schema 3.1 --validation-errors all "$DOC"; then
    failed+=("openapi-spec-validator")
fi
step_done "openapi-spec-validator"

say "redocly lint $DOC"
redocly_args=(lint "$DOC" --format=stylish)
[[ -f "$CONFIG" ]] && redocly_args+=(--config "$CONFIG")
# Redocly exits non-zero only on errors (warnings pass).
if ! "$NODE_DIR/node_modules/.bin/redocly" "${redocly_args[@]}"; then
    failed+=("redocly lint")
fi
step_done "redocly lint"

if ((${#failed[@]})); then
    die "${failed[*]} reported errors (total $(elapsed "$T0"))"
fi
say "OK: both linters pass (total $(elapsed "$T0"))"
