#!/usr/bin/env bash
# Exports the current plan and the opinion of every worked example (tests/fixtures/cases) as
# FHIR R4 Bundles with `concord fhir-export`, and validates each one independently:
# fhir.resources 6.4.0 (plain R4 4.0.1, pinned with pydantic 1 in
# scripts/fhir-validate-requirements.txt) plus the assertions of scripts/fhir_validate.py
# (references resolve, one Provenance, and every claimed mCODE profile's mandatory elements, read
# from its StructureDefinition in tests/fixtures/fhir/mcode/profiles). Any failure fails the script.
#
# Usage, from anywhere in the repository:   scripts/fhir-validate.sh
#
# Environment (all optional):
#   PYTHON             Python 3.9+ for the venv (default: python3)
#   CARGO_TARGET_DIR   where `cargo build` puts the binary (default: ./target)
#   KEEP_TMP=1         keep the exported Bundles (in the temporary directory) after the run
#
# The venv lives in .concord/fhir-validate-venv (git-ignored) and is rebuilt only when the
# requirements (or the Python version) change. No database and no server are needed.

set -Eeuo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
begin_run fhir-validate fv

VENV="$ROOT/.concord/fhir-validate-venv"
python_venv "$VENV" "$ROOT/scripts/fhir-validate-requirements.txt" 3.9 "fhir.resources 6.4.0"
say "fhir.resources $("$VENV/bin/python" -c 'import fhir.resources as f; print(f.__version__, "FHIR", f.__fhir_version__)')"

say "cargo build (debug)"
build_concord

mkdir -p "$TMP/pictures" "$TMP/bundles"
# One picture file per side of each worked example, and a stable case id from its name.
"$VENV/bin/python" - "$ROOT/tests/fixtures/cases" "$TMP/pictures" <<'PY'
import json, sys, uuid
from pathlib import Path
source, out = Path(sys.argv[1]), Path(sys.argv[2])
for path in sorted(source.glob("*.json")):
    case = json.loads(path.read_text())
    for side in ("current", "opinion"):
        (out / f"{case['name']}--{side}.json").write_text(json.dumps(case["input"][side]))
    (out / f"{case['name']}.case").write_text(str(uuid.uuid5(uuid.NAMESPACE_URL, "concord:" + case["name"])))
PY
count=0
for picture in "$TMP"/pictures/*--*.json; do
    stem="$(basename "$picture" .json)"
    name="${stem%--*}"
    side="${stem##*--}"
    flags=()
    [[ "$side" == opinion ]] && flags+=(--opinion)
    "$BIN" fhir-export "$picture" --case "$(cat "$TMP/pictures/$name.case")" --version 1 \
        --recorded-at 2026-11-25T09:00:00Z "${flags[@]}" > "$TMP/bundles/$stem.json" \
        || die "concord fhir-export failed on $stem"
    count=$((count + 1))
done
say "exported $count Bundles; validating"
"$VENV/bin/python" "$ROOT/scripts/fhir_validate.py" "$TMP/bundles" "$ROOT/tests/fixtures/fhir/mcode/profiles" \
    || die "an exported Bundle is not valid (above)"
