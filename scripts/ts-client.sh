#!/usr/bin/env bash
# A TypeScript client generated from openapi/openapi.json drives the core flow against a freshly
# started service, as a frontend team would use the document: openapi-typescript writes the
# types, openapi-fetch sends the requests, and clients/typescript/flow.ts must compile with
# `tsc --strict` (plus noUncheckedIndexedAccess) before it runs. Beside scripts/client-flow.sh's
# Python client.
#
# It also fails on anything the generated types leave untyped (`unknown`, `Record<string, never>`,
# `any`), outside the headers' index signatures and the schemas that are free-form on purpose
# (FhirResource, RawSubmission, OpenApiDocument), and lists each one it finds.
#
# Usage, from anywhere in the repository:   scripts/ts-client.sh
#
# Tools, pinned in clients/typescript/package.json and its package-lock.json (openapi-typescript
# 7.13.0, openapi-fetch 0.17.0, typescript 5.9.3), installed with `npm ci` into .concord/ts-client
# (git-ignored), again only when the lock file changes.

set -Eeuo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
begin_run ts-client ts

TOOLS="$ROOT/.concord/ts-client"
node_tools "$TOOLS" "$ROOT/clients/typescript"
rm -rf "$TOOLS/dist"
cp "$ROOT/clients/typescript/flow.ts" "$ROOT/clients/typescript/tsconfig.json" "$TOOLS/"

say "openapi-typescript: openapi/openapi.json -> schema.d.ts"
"$TOOLS/node_modules/.bin/openapi-typescript" "$ROOT/openapi/openapi.json" -o "$TOOLS/schema.d.ts" \
    >"$TMP/generate.log" 2>&1 || { cat "$TMP/generate.log" >&2; die "openapi-typescript failed"; }

# What a client still cannot type: every line with unknown, Record<string, never> or any that is
# not a comment, a header index signature, or inside a free-form schema.
"$PYTHON" - "$TOOLS/schema.d.ts" > "$TMP/untyped.txt" <<'PY'
import re, sys
free_form = {"FhirResource", "RawSubmission", "OpenApiDocument"}
schema = None
for number, line in enumerate(open(sys.argv[1]), 1):
    top = re.match(r"^        ([A-Za-z0-9_]+): ", line)
    if top:
        schema = top.group(1)
    stripped = line.strip()
    if stripped.startswith(("*", "/*", "//")) or stripped == "[name: string]: unknown;":
        continue
    if stripped.startswith("export type $defs"):
        continue  # openapi-typescript's root type for a document without $defs
    if schema in free_form:
        continue
    if re.search(r"\bunknown\b|Record<string, never>|\bany\b", line):
        print(f"schema.d.ts:{number} ({schema}): {stripped}")
PY
untyped=$(wc -l < "$TMP/untyped.txt")
sed 's/^/    untyped: /' "$TMP/untyped.txt"
say "$untyped place(s) a client cannot type"
(( untyped == 0 )) || die "the document leaves $untyped place(s) untyped (listed above)"

say "tsc --strict clients/typescript/flow.ts"
(cd "$TOOLS" && node_modules/.bin/tsc -p tsconfig.json) || die "flow.ts does not type-check against the document"

say "cargo build (debug)"
build_concord
create_database
free_port
JWT_SECRET="ts-client-$("$PYTHON" -c 'import secrets; print(secrets.token_hex(24))')"
export JWT_SECRET BIND="127.0.0.1:$PORT" PUBLIC_BASE_URL="$BASE_URL"
export WEBHOOK_DELIVERY=false HTTP_WORKERS=2 DATABASE_POOL_SIZE=8
export RATE_LIMIT_PER_KEY_PER_MINUTE=100000 RATE_LIMIT_PER_SUBJECT_PER_MINUTE=100000 RATE_LIMIT_PER_IP_PER_MINUTE=100000
export RUST_LOG="${RUST_LOG:-warn}"
start_server
say "service on $BASE_URL (database $DB_NAME)"

ORG_ID="$(new_org "Asha Navigation" navigator)"
CONCORD_ADMIN_TOKEN="$(mint "$ORG_ID" admin-ts admin 1800)"
CONCORD_COORDINATOR_TOKEN="$(mint "$ORG_ID" coord-ts coordinator 1800)"
export CONCORD_BASE_URL="$BASE_URL" CONCORD_ADMIN_TOKEN CONCORD_COORDINATOR_TOKEN

say "node dist/flow.js"
node "$TOOLS/dist/flow.js" || die "the TypeScript flow failed (above)"
