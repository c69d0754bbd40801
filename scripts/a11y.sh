#!/usr/bin/env bash
# Accessibility of what the patient and the oncologist open: the HTML summary and the share page
# pass axe-core (WCAG 2.0 and 2.1, levels A and AA) with zero violations in headless Chromium, at
# a desktop width and at 390 px, in English and Spanish with the right <html lang>; at 390 px the
# text reflows without sideways scrolling; printed on A4 and on US Letter, each is one page.
#
# Pages checked, against a freshly started service and database:
#   - a stored summary, GET /v1/summaries/{id}?format=html, in en and es;
#   - its share page, GET /v1/shared/{token} (no account), in en and es;
#   - every worked example (tests/fixtures/cases) through POST /v1/summaries/preview, en and es;
# and the API docs (/docs/), opened under a real-looking host name with every request outside the
# service refused and counted: none may be made, and at 390 px the page needs no sideways scroll
# (scripts/a11y/docs.mjs; its screenshot lands in .concord/a11y/docs-390.png).
#
# Usage, from anywhere in the repository:   scripts/a11y.sh
#
# Tools, pinned: axe-core and playwright-core from the npm registry (scripts/a11y/package.json
# and its package-lock.json, installed with `npm ci` into .concord/a11y, git-ignored, again only
# when the lock file changes); Chromium from Debian's package `chromium` (installed with apt-get
# when missing), driven through playwright-core's executablePath (Playwright's own browser
# download is not used: the machines have no network beyond the package registries).
#
# Environment (all optional): CHROMIUM (default /usr/bin/chromium), NPM (default npm),
# CARGO_TARGET_DIR, PGHOST PGPORT PGUSER, KEEP_TMP=1 (as in scripts/lib.sh).

set -Eeuo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
begin_run a11y a11y

CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
NPM="${NPM:-npm}"
TOOLS="$ROOT/.concord/a11y"
export npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false

# ---- 1. Chromium from Debian -------------------------------------------------------------------
if [[ ! -x "$CHROMIUM" ]]; then
    say "installing Debian's chromium"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq chromium >/dev/null 2>&1 \
        || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; } \
        || die "apt-get install chromium failed"
    [[ -x "$CHROMIUM" ]] || die "no $CHROMIUM after installing chromium"
fi
say "$("$CHROMIUM" --version 2>/dev/null | head -n 1)"

# ---- 2. axe-core and playwright-core, exactly as locked ---------------------------------------
node_tools "$TOOLS" "$ROOT/scripts/a11y"
cp "$ROOT/scripts/a11y/"*.mjs "$TOOLS/"
say "axe-core $(node -p 'require(process.argv[1]).version' "$TOOLS/node_modules/axe-core/package.json"), playwright-core $(node -p 'require(process.argv[1]).version' "$TOOLS/node_modules/playwright-core/package.json")"

# ---- 3. the service --------------------------------------------------------------------------
say "cargo build (debug)"
build_concord -q
create_database
free_port
export JWT_SECRET="a11y-$("$PYTHON" -c 'import secrets; print(secrets.token_hex(24))')"
export WEBHOOK_DELIVERY=false HTTP_WORKERS=2 DATABASE_POOL_SIZE=4 RUST_LOG="${RUST_LOG:-warn}"
export RATE_LIMIT_PER_IP_PER_MINUTE=100000 RATE_LIMIT_PER_SUBJECT_PER_MINUTE=100000
start_server BIND="127.0.0.1:$PORT" PUBLIC_BASE_URL="$BASE_URL"
say "service on $BASE_URL (database $DB_NAME)"

# ---- 4. a case with an assessed opinion, its summaries in en and es, and their share links -----
API="$BASE_URL/v1"
ORG="$(new_org "A11y Navigation" navigator)"
TOKEN="$(mint "$ORG" coord-a11y coordinator 1800)"
ADMIN="$(mint "$ORG" admin-a11y admin 1800)"
CLINICIAN="$(mint "$ORG" clinician-a11y clinician 1800)"
post() {
    curl -sS -f -X POST "$API$1" -H "Authorization: Bearer $2" -H 'Content-Type: application/json' -d "$3" \
        || die "POST $1 failed"
}
field() { "$PYTHON" -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

PATIENT="$(post /patients "$TOKEN" '{"display_name": "Ana G.", "birth_year": 1970, "country": "MX", "preferred_language": "es"}' | field id)"
CASE="$(post /cases "$TOKEN" '{"patient_id": "'"$PATIENT"'", "treatment_status": "not_started",
  "treating_oncologist": {"name": "Dra. L. Ortiz", "institution": "Hospital General", "country": "MX"}}' | field id)"
curl -sS -f -o /dev/null -X PUT "$API/cases/$CASE/plan" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    -d '{"diagnosis": {"primary_site": "C34.1", "laterality": "left", "histology": "8140/3", "stage": {"system": "AJCC8", "group": "IIIA", "t": "T2a", "n": "N2", "m": "M0"}},
         "plan": {"intent": "curative", "systemic_therapy": [{"regimen": "carbo-taxol"}], "radiotherapy": {"total_dose_gy": 60, "fractions": 30, "radiation_type": "photon", "technique": "IMRT"}}}' \
    || die "PUT plan failed"
PARTNER="$(post /organizations "$ADMIN" '{"name": "Partner Hospital", "kind": "partner"}' | field id)"
KEY="$(post "/organizations/$PARTNER/api-keys" "$ADMIN" '{"name": "a11y"}' | field key)"
REFERRAL="$(post "/cases/$CASE/referrals" "$TOKEN" '{"partner_id": "'"$PARTNER"'", "questions": ["Is this the best plan?"]}' | field id)"
OPINION="$(post "/referrals/$REFERRAL/second-opinions" "$KEY" '{"reviewer": {"name": "Dr. P. Ruiz", "institution": "Partner Hospital"},
  "picture": {"diagnosis": {"primary_site": "C34.1", "laterality": "left", "histology": "8550/3", "stage": {"system": "AJCC8", "group": "IIIA", "t": "T2a", "n": "N2", "m": "M0"}},
              "plan": {"intent": "curative", "systemic_therapy": [{"regimen": "carbo-taxol"}, {"drugs": ["durvalumab"]}],
                       "radiotherapy": {"total_dose_gy": 60, "fractions": 30, "radiation_type": "proton"},
                       "clinical_trials": [{"registry_id": "NCT04513925", "phase": "3", "target": "PD-L1", "country": "MX"}]}}}' | field id)"
ASSESSMENT="$(curl -sS -f "$API/second-opinions/$OPINION/assessments" -H "Authorization: Bearer $TOKEN" \
    | "$PYTHON" -c 'import json, sys; print(json.load(sys.stdin)["items"][0]["id"])')" || die "no assessment"
# A result the release gate holds is signed off by a clinician before anything is shared.
SIGNED="$(curl -sS -o /dev/null -w '%{http_code}' -X POST "$API/assessments/$ASSESSMENT/sign-offs" \
    -H "Authorization: Bearer $CLINICIAN" -H 'Content-Type: application/json' \
    -d '{"reason": "Read the partner report; the oncologist will discuss it with the patient."}')"
[[ "$SIGNED" == 201 || "$SIGNED" == 409 ]] || die "sign-off answered $SIGNED"

"$PYTHON" - "$ROOT" "$API" "$TOKEN" "$ASSESSMENT" "$TMP/pages.json" <<'EOF' || die "could not list the pages"
import json, pathlib, sys, urllib.request
root, api, token, assessment, out = sys.argv[1:]
auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

def post(path, body):
    request = urllib.request.Request(api + path, data=json.dumps(body).encode(), headers=auth, method="POST")
    with urllib.request.urlopen(request) as response:
        return json.load(response)

pages = []
for language in ["en", "es"]:
    summary = post(f"/assessments/{assessment}/summaries", {"language": language})
    pages.append({"name": "stored summary", "lang": language,
                  "url": f"{api}/summaries/{summary['id']}?format=html",
                  "headers": {"Authorization": f"Bearer {token}"}})
    link = post(f"/summaries/{summary['id']}/share-links", {})
    pages.append({"name": "share page", "lang": language, "url": link["url"]})
for path in sorted(pathlib.Path(root, "tests/fixtures/cases").glob("*.json")):
    case = json.loads(path.read_text())["input"]
    for language in ["en", "es"]:
        body = {"current": case["current"], "opinion": case["opinion"], "context": case.get("context", {}),
                "patient": {"language": language}}
        pages.append({"name": f"worked example {path.stem}", "lang": language, "preview": body})
json.dump(pages, open(out, "w"))
EOF
say "checking $("$PYTHON" -c 'import json, sys; print(len(json.load(open(sys.argv[1]))))' "$TMP/pages.json") pages with axe-core in Chromium"

# ---- 5. the check ------------------------------------------------------------------------------
PAGES="$TMP/pages.json" BASE_URL="$BASE_URL" TOKEN="$TOKEN" CHROMIUM="$CHROMIUM" \
    node "$TOOLS/check.mjs" || die "accessibility check failed (above)"

# ---- 6. the API docs: no outside request under a real host name, readable at 390 px -----------
say "the API docs (/docs/) under a real host name, at 390 px"
BASE_URL="$BASE_URL" CHROMIUM="$CHROMIUM" SCREENSHOT="$TOOLS/docs-390.png" \
    node "$TOOLS/docs.mjs" || die "docs check failed (above)"
