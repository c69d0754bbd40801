#!/usr/bin/env bash
# Lints openapi/openapi.json with three independent tools, all pinned below:
#   - openapi-spec-validator (PyPI): structural validation against the OpenAPI 3.1 meta-schema,
#   - Redocly CLI `lint` (npm): the `recommended` ruleset, configured by redocly.yaml,
#   - Spectral (npm): the `spectral:oas` ruleset, configured by .spectral.yaml.
# Any error or warning from any of them fails the script (exit 1).
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
SPECTRAL_VERSION="6.16.3"  # @stoplight/spectral-cli

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PYTHON="${PYTHON:-python3}"
NPM="${NPM:-npm}"
TOOLS="$ROOT/.concord/lint"
VENV="$TOOLS/venv"
NODE_DIR="$TOOLS/node"
DOC="${1:-openapi/openapi.json}"
CONFIG="$ROOT/redocly.yaml"
SPECTRAL_CONFIG="$ROOT/.spectral.yaml"

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

# --- install / reuse Redocly CLI and Spectral (one node_modules, both pinned) ---------------
installed_version() {
    node -p 'require(process.argv[1]).version' "$NODE_DIR/node_modules/$1/package.json" 2>/dev/null || true
}
if [[ "$(installed_version @redocly/cli)" != "$REDOCLY_VERSION" \
    || "$(installed_version @stoplight/spectral-cli)" != "$SPECTRAL_VERSION" ]]; then
    say "installing @redocly/cli@$REDOCLY_VERSION and @stoplight/spectral-cli@$SPECTRAL_VERSION into ${NODE_DIR#"$ROOT"/}"
    rm -rf "$NODE_DIR"
    mkdir -p "$NODE_DIR"
    printf '{ "private": true }\n' > "$NODE_DIR/package.json"
    "$NPM" install --prefix "$NODE_DIR" --no-save --no-package-lock --loglevel=error \
        "@redocly/cli@$REDOCLY_VERSION" "@stoplight/spectral-cli@$SPECTRAL_VERSION" >/dev/null
else
    say "reusing @redocly/cli $REDOCLY_VERSION and @stoplight/spectral-cli $SPECTRAL_VERSION"
fi
step_done "Redocly CLI and Spectral setup"

# --- run all three; report all before failing ---------------------------------------------------
failed=()

say "openapi-spec-validator $DOC"
if ! "$VENV/bin/openapi-spec-validator" --schema 3.1 --validation-errors all "$DOC"; then
    failed+=("openapi-spec-validator")
fi
step_done "openapi-spec-validator"

say "redocly lint $DOC"
redocly_args=(lint "$DOC" --format=stylish)
[[ -f "$CONFIG" ]] && redocly_args+=(--config "$CONFIG")
# Redocly exits non-zero only on errors; a warning fails here too.
redocly_out="$("$NODE_DIR/node_modules/.bin/redocly" "${redocly_args[@]}" 2>&1)" || failed+=("redocly lint")
printf '%s\n' "$redocly_out" | grep -v '[║╔╚]'
if grep -qE 'You have [0-9]+ warning' <<<"$redocly_out"; then
    failed+=("redocly lint (warnings)")
fi
step_done "redocly lint"

say "spectral lint $DOC"
# --fail-severity=hint: a warning, an info or a hint fails too.
if ! "$NODE_DIR/node_modules/.bin/spectral" lint "$DOC" --ruleset "$SPECTRAL_CONFIG" \
    --fail-severity=hint --format=stylish; then
    failed+=("spectral lint")
fi
step_done "spectral lint"

if ((${#failed[@]})); then
    die "${failed[*]} reported errors (total $(elapsed "$T0"))"
fi
say "OK: all three linters pass (total $(elapsed "$T0"))"
