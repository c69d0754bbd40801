#!/usr/bin/env bash
# Latency of Concord's list routes on a navigator organisation with years of history, in one
# command, from the repository root:
#
#   scripts/load-scale.sh
#
# Installs wrk if missing (Debian package), builds the release binary only when there is none,
# creates a fresh database on the local PostgreSQL, migrates it, creates a navigator
# organisation with the CLI and seeds it straight into the tables (scripts/sql/seed-scale.sql:
# 100,000 cases, 200,000 assessments, 500,000 events, their referrals, opinions and tasks, and
# first 10,000 audit rows), starts `concord serve` on a free loopback port and measures, with
# wrk at 8 clients, page 1 and page 100 of each list route (page 100's URL found by following
# `next_cursor` 99 times):
#   GET /v1/cases?status=referred, GET /v1/cases?updated_since=<90 days ago>,
#   GET /v1/tasks, GET /v1/tasks?status=open&assignee=coordinator-2,
#   GET /v1/events, GET /v1/events?type=assessment.created,
#   GET /v1/referrals?status=answered with a partner's key (its inbox),
#   GET /v1/audit-events and GET /v1/audit-events?case_id=<the busiest case>;
# then grows the audit trail to 1,000,000 rows (the same seed, only audit rows; it analyses the
# table) and measures the audit routes again. Prints Markdown tables (throughput, p50, p99; the
# audit pages at both sizes side by side) and writes them to benches/results/scale-latest.md.
# The server is stopped and the database dropped on exit, whatever happens.
#
# Every list request writes its own audit row (reads of health data and of the trail are
# audited): 10 s of wrk write more rows than the whole 10,000-row trail. The audit routes
# therefore read the trail up to the seed's end (`until=<today>T00:00:00Z`), which keeps the rows
# the run writes out of the pages measured and out of the index ranges scanned; the table gives
# the trail's whole size too.
#
# Settings (environment): LOAD_DURATION (seconds a measurement, default 10), LOAD_SCALE (a
# factor on every count, default 1; 0.01 for a quick check), KEEP_TMP=1 keeps the work folder,
# PGHOST (default /var/run/postgresql), PGPORT (default 5432), PGUSER (default postgres),
# CARGO_TARGET_DIR (the binary is $CARGO_TARGET_DIR/release/concord).
#
# Needs: root or an installed wrk; a local PostgreSQL this user may create databases on as a
# superuser (the seed turns triggers off while it fills the tables).

set -Eeuo pipefail

export PGHOST=${PGHOST:-/var/run/postgresql}
export PGUSER=${PGUSER:-postgres}
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
begin_run load-scale scale

DURATION=${LOAD_DURATION:-10}
SCALE=${LOAD_SCALE:-1}
CLIENTS=8
PAGE=100
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=$CARGO_TARGET_DIR/release/concord

num() { LC_ALL=C awk -v n="$1" 'BEGIN { s = sprintf("%.0f", n); while (s ~ /[0-9]{4}/) sub(/[0-9]{3}($|,)/, ",&", s); print s }'; }
scaled() { awk -v n="$1" -v s="$SCALE" 'BEGIN { v = int(n * s + 0.5); print (v < 1 ? 1 : v) }'; }
CASES=$(scaled 100000)
ASSESSMENTS=$(scaled 200000)
EVENTS=$(scaled 500000)
AUDIT_SMALL=$(scaled 10000)
AUDIT_FULL=$(scaled 1000000)
UNTIL=$(date -u +%F)

# ---------------------------------------------------------------------------------------------
# 1. Tools and the binary.
# ---------------------------------------------------------------------------------------------
need_apt=()
command -v wrk >/dev/null || need_apt+=(wrk)
command -v psql >/dev/null || need_apt+=(postgresql-client)
command -v curl >/dev/null || need_apt+=(curl)
command -v python3 >/dev/null || need_apt+=(python3)
if ((${#need_apt[@]})); then
    say "installing ${need_apt[*]} (apt-get)"
    [[ $(id -u) -eq 0 ]] || die "need root to apt-get install ${need_apt[*]}"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
command -v wrk >/dev/null || die "wrk is not installed"
if [[ ! -x "$BIN" ]]; then
    say "no binary at $BIN: cargo build --release (minutes on a fresh machine)"
    cargo build --release --quiet --bin concord
    [[ -x "$BIN" ]] || die "no binary at $BIN after cargo build"
fi

# ---------------------------------------------------------------------------------------------
# 2. Database, organisation, seed, server.
# ---------------------------------------------------------------------------------------------
create_database
free_port
JWT_SECRET="load-scale-secret-$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')"
export JWT_SECRET BIND="127.0.0.1:$PORT" PUBLIC_BASE_URL="$BASE_URL"
export RATE_LIMIT_PER_KEY_PER_MINUTE=1000000 RATE_LIMIT_PER_SUBJECT_PER_MINUTE=1000000 RATE_LIMIT_PER_IP_PER_MINUTE=1000000
export WEBHOOK_DELIVERY=false RUST_LOG=warn CONCORD_DATA_DIR="$TMP/data"

say "database $DB_NAME: concord migrate"
"$BIN" migrate >"$TMP/migrate.log" 2>&1 || { cat "$TMP/migrate.log" >&2; die "concord migrate failed"; }
ORG_ID=$(new_org "Scale Navigation" navigator)

sql() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$DB_NAME" "$@"; }
seed() { # audit_rows [audit_from] -> SEED_SECONDS
    local started=$SECONDS
    sql -v org="$ORG_ID" -v cases="$CASES" -v audit="$1" -v events="$EVENTS" -v assessments="$ASSESSMENTS" \
        -v tag=scale -v until="$UNTIL" -v base="$BASE_URL" ${2:+-v audit_from="$2"} \
        -f scripts/sql/seed-scale.sql >"$TMP/seed.log" 2>&1 || { cat "$TMP/seed.log" >&2; die "the seed failed"; }
    # A history years old has been vacuumed many times: so are the seeded tables before they
    # are measured (visibility map set, no autovacuum of the fresh rows during a measurement).
    sql -c "VACUUM (ANALYZE)" >>"$TMP/seed.log" 2>&1 || { cat "$TMP/seed.log" >&2; die "VACUUM failed"; }
    # And long since written to disk: without a checkpoint, the seed's dirty pages are written
    # back during the first minute of measurements (the 1,000,000-row trail's page 100 had a
    # p99 of 33-37 ms while the same query ran in 0.09 ms).
    sql -c "CHECKPOINT" >>"$TMP/seed.log" 2>&1 || { cat "$TMP/seed.log" >&2; die "CHECKPOINT failed"; }
    SEED_SECONDS=$((SECONDS - started))
}
say "seeding $CASES cases, $ASSESSMENTS assessments, $EVENTS events, $AUDIT_SMALL audit rows (scripts/sql/seed-scale.sql)"
seed "$AUDIT_SMALL"
SEED_FIRST=$SEED_SECONDS
say "seeded in ${SEED_FIRST}s: $(sql -c "SELECT pg_size_pretty(pg_database_size(current_database()))") on disk"

start_server
say "server pid $SERVER_PID on $BASE_URL"
ADMIN=$(mint "$ORG_ID" admin-1 admin 7200)
COORD=$(mint "$ORG_ID" coordinator-1 coordinator 7200)
PARTNER_ID=$(sql -c "SELECT id FROM organizations WHERE org_id = '$ORG_ID' AND kind = 'partner' ORDER BY created_at, id LIMIT 1")
PARTNER_KEY=$(curl -fsS -X POST "$BASE_URL/v1/organizations/$PARTNER_ID/api-keys" -H "Authorization: Bearer $ADMIN" \
    -H 'Content-Type: application/json' --data-binary '{"name": "scale"}' \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["key"])') || die "could not create the partner's API key"
# The busiest case (the seed's first): the one whose trail has a page 100.
HOT_CASE=$(sql -c "SELECT md5('scale' || 'case' || 1)::uuid")
SINCE=$(date -u -d "$UNTIL 90 days ago" +%FT%TZ)
AUDIT_UNTIL="${UNTIL}T00:00:00Z"

# ---------------------------------------------------------------------------------------------
# 3. Measurements.
# ---------------------------------------------------------------------------------------------
declare -A R  # results: "name.key" -> value

# page_url PATH TOKEN N -> PAGE_URL, the URL of page N (following next_cursor), and LAST_PAGE:
# N, or the last page with items when the list has fewer (the event feed hands out a cursor
# after its last event too).
page_url() {
    local out
    out=$(python3 - "$BASE_URL" "$1" "$2" "$3" <<'PY'
import json, sys, urllib.error, urllib.parse, urllib.request
base, path, token, want = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
def get(url):
    request = urllib.request.Request(url, headers={"Authorization": "Bearer " + token})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)
    except urllib.error.HTTPError as e:
        sys.exit(f"GET {url} answered {e.code}: {e.read()[:500]!r}")
url, n = base + path, 1
page = get(url)
while n < want and page.get("next_cursor"):
    after = base + path + ("&" if "?" in path else "?") + "cursor=" + urllib.parse.quote(page["next_cursor"], safe="")
    following = get(after)
    if not following["items"]:
        break
    url, page, n = after, following, n + 1
print(n, url)
PY
    ) || die "could not walk the pages of $1"
    LAST_PAGE=${out%% *}
    PAGE_URL=${out#* }
}

# to_ms VALUE-WITH-UNIT (wrk's 812.00us, 1.23ms, 2.10s)
to_ms() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; printf "%.2f", n }'; }

# measure NAME URL TOKEN -> R[NAME.rps], R[NAME.p50], R[NAME.p99], R[NAME.items], R[NAME.bad]
measure() {
    local name=$1 url=$2 token=$3 out="$TMP/wrk.$1.txt" status
    status=$(curl -s -o "$TMP/check.json" -w '%{http_code}' "$url" -H "Authorization: Bearer $token")
    [[ "$status" == 200 ]] || { head -c 500 "$TMP/check.json" >&2; echo >&2; die "$name: GET $url answered $status"; }
    R[$name.items]=$(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["items"]))' "$TMP/check.json")
    R[$name.kb]=$(stat -c %s "$TMP/check.json" | awk '{printf "%.0f", $1 / 1024}')
    wrk -t2 -c"$CLIENTS" -d"${DURATION}s" --timeout 10s --latency -H "Authorization: Bearer $token" "$url" >"$out" 2>&1 \
        || { cat "$out" >&2; die "wrk failed ($name)"; }
    R[$name.rps]=$(awk '/^Requests\/sec:/ {print $2}' "$out")
    R[$name.p50]=$(to_ms "$(awk '$1 == "50%" {print $2}' "$out")")
    R[$name.p99]=$(to_ms "$(awk '$1 == "99%" {print $2}' "$out")")
    R[$name.bad]=$(awk '/Non-2xx or 3xx responses:/ {n += $NF} /Socket errors:/ {for (i = 3; i <= NF; i += 2) n += $i} END {print n + 0}' "$out")
    [[ -n "${R[$name.rps]}" ]] || { cat "$out" >&2; die "no result from wrk ($name)"; }
    ((R[$name.bad] == 0)) || say "WARNING: $name: ${R[$name.bad]} requests failed or answered non-2xx"
    say "$(printf '%-22s %8.0f req/s  p50 %8.2f ms  p99 %8.2f ms  (%s items, %s KiB)' "$name" "${R[$name.rps]}" "${R[$name.p50]}" "${R[$name.p99]}" "${R[$name.items]}" "${R[$name.kb]}")"
}

# route NAME PATH TOKEN: page 1 and page 100 of the list (NAME.p1, NAME.p100; NAME.page: which).
route() {
    local name=$1 path=$2 token=$3
    measure "$name.p1" "$BASE_URL$path" "$token"
    page_url "$path" "$token" "$PAGE"
    R[$name.page]=$LAST_PAGE
    if ((LAST_PAGE > 1)); then
        measure "$name.p100" "$PAGE_URL" "$token"
    fi
}

audit_rows() { sql -c "SELECT count(*) FROM audit_events WHERE org_id = '$ORG_ID' ${1:-}"; }

# The audit routes read the trail up to the seed's end (`until`): every list request the run
# makes writes an audit row (10 s of wrk write more than the 10,000-row trail), and those rows,
# newer than that, stay out of the pages measured and out of the index ranges scanned.
audit_routes() { # stage
    R[audit.$1.seeded]=$(audit_rows "AND occurred_at < '$AUDIT_UNTIL'")
    R[audit-case.$1.seeded]=$(audit_rows "AND occurred_at < '$AUDIT_UNTIL' AND case_id = '$HOT_CASE'")
    R[audit.$1.rows]=$(audit_rows)
    say "audit routes: $(num "${R[audit.$1.seeded]}") seeded audit rows ($(num "${R[audit.$1.rows]}") in all)"
    route "audit.$1" "/v1/audit-events?until=$AUDIT_UNTIL" "$ADMIN"
    route "audit-case.$1" "/v1/audit-events?case_id=$HOT_CASE&until=$AUDIT_UNTIL" "$ADMIN"
    R[audit.$1.rows_after]=$(audit_rows)
}

audit_routes small

say "list routes"
route cases-status "/v1/cases?status=referred" "$COORD"
route cases-since "/v1/cases?updated_since=$SINCE" "$COORD"
route tasks "/v1/tasks" "$COORD"
route tasks-filtered "/v1/tasks?status=open&assignee=coordinator-2" "$COORD"
route events "/v1/events" "$COORD"
route events-type "/v1/events?type=assessment.created" "$COORD"
route inbox "/v1/referrals?status=answered" "$PARTNER_KEY"

say "growing the audit trail to $AUDIT_FULL seeded rows"
seed "$AUDIT_FULL" "$((AUDIT_SMALL + 1))"
SEED_GROW=$SEED_SECONDS
say "grown in ${SEED_GROW}s"
audit_routes full

# ---------------------------------------------------------------------------------------------
# 4. The tables.
# ---------------------------------------------------------------------------------------------
count() { num "$(sql -c "$1")"; }
page_label() { # name
    if [[ -z "${R[$1.p100.rps]:-}" ]]; then echo "-"; elif ((R[$1.page] == PAGE)); then echo "$PAGE"; else echo "${R[$1.page]} (last)"; fi
}
cells() { # name -> "req/s | p50 | p99" or dashes
    if [[ -n "${R[$1.rps]:-}" ]]; then
        echo "$(num "${R[$1.rps]}") | ${R[$1.p50]} ms | ${R[$1.p99]} ms"
    else
        echo "- | - | -"
    fi
}
list_row() { # label matching name
    echo "| $1 | $2 | ${R[$3.p1.kb]} KiB | $(cells "$3.p1") | $(page_label "$3") | $(cells "$3.p100") |"
}

CPU=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
MEM=$(awk '/^MemTotal:/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
DIRTY=$(git status --porcelain --untracked-files=no -- . ':!benches/results' 2>/dev/null | grep -q . && echo " (with uncommitted changes)" || true)
PGVER=$(psql -X -d postgres -Atc 'SHOW server_version' | cut -d' ' -f1)
FAILED=0
for key in "${!R[@]}"; do [[ "$key" == *.bad ]] && FAILED=$((FAILED + R[$key])); done

{
    echo "## Concord list routes at scale"
    echo
    echo "| | |"
    echo "|---|---|"
    echo "| date | $(date -u '+%Y-%m-%d %H:%M UTC') |"
    echo "| machine | $(nproc) cores ($CPU), $MEM |"
    echo "| commit | $COMMIT$DIRTY |"
    echo "| service | release build, defaults (HTTP_WORKERS, DATABASE_POOL_SIZE); RUST_LOG=warn; rate limits 1,000,000/min; webhook delivery off |"
    echo "| database | PostgreSQL $PGVER on the same machine, Unix socket; one navigator organisation seeded by scripts/sql/seed-scale.sql (LOAD_SCALE=$SCALE) and vacuumed in ${SEED_FIRST} s, its audit trail grown and vacuumed in ${SEED_GROW} s; $(sql -c "SELECT pg_size_pretty(pg_database_size(current_database()))") at the end |"
    echo "| data | $(count "SELECT count(*) FROM cases") cases, $(count "SELECT count(*) FROM plan_versions") plan versions, $(count "SELECT count(*) FROM referrals") referrals to $(count "SELECT count(*) FROM organizations WHERE kind = 'partner'") partners, $(count "SELECT count(*) FROM second_opinions") opinions, $(count "SELECT count(*) FROM assessments") assessments, $(count "SELECT count(*) FROM tasks") tasks, $(count "SELECT count(*) FROM events") events, $(count "SELECT count(*) FROM audit_events") audit rows at the end |"
    echo "| load | wrk $(wrk -v 2>&1 | awk 'NR==1 {print $2}'), $CLIENTS connections on 2 threads, ${DURATION} s a measurement, on the same machine; page $PAGE found by following next_cursor (default page size, 50) |"
    echo
    echo "| list | matching rows | page 1 body | page 1 req/s | p50 | p99 | page | req/s | p50 | p99 |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    list_row "GET /v1/cases?status=referred" "$(count "SELECT count(*) FROM cases WHERE status = 'referred'")" cases-status
    list_row "GET /v1/cases?updated_since=$SINCE" "$(count "SELECT count(*) FROM cases WHERE updated_at >= '$SINCE'")" cases-since
    list_row "GET /v1/tasks" "$(count "SELECT count(*) FROM tasks")" tasks
    list_row "GET /v1/tasks?status=open&assignee=coordinator-2" "$(count "SELECT count(*) FROM tasks WHERE status = 'open' AND assignee = 'coordinator-2'")" tasks-filtered
    list_row "GET /v1/events" "$(count "SELECT count(*) FROM events")" events
    list_row "GET /v1/events?type=assessment.created" "$(count "SELECT count(*) FROM events WHERE type = 'assessment.created'")" events-type
    list_row "GET /v1/referrals?status=answered (partner inbox)" "$(count "SELECT count(*) FROM referrals WHERE partner_id = '$PARTNER_ID' AND status = 'answered'")" inbox
    echo
    echo "The audit trail at $(num "${R[audit.small.seeded]}") and at $(num "${R[audit.full.seeded]}") seeded rows, read up to the seed's end (\`until=$AUDIT_UNTIL\`) so that the audit rows the measured requests write stay out; the busiest case ($HOT_CASE) has $(num "${R[audit-case.small.seeded]}") and $(num "${R[audit-case.full.seeded]}") of them:"
    echo
    echo "| audit list | page | $(num "${R[audit.small.seeded]}") rows: req/s | p50 | p99 | $(num "${R[audit.full.seeded]}") rows: req/s | p50 | p99 |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|"
    for r in audit audit-case; do
        label="GET /v1/audit-events?until=…"
        [[ $r == audit-case ]] && label="GET /v1/audit-events?case_id=(busiest case)&until=…"
        echo "| $label | 1 | $(cells "$r.small.p1") | $(cells "$r.full.p1") |"
        echo "| $label | $(page_label "$r.small") / $(page_label "$r.full") | $(cells "$r.small.p100") | $(cells "$r.full.p100") |"
    done
    echo
    echo "Every list request writes an audit row: the trail held $(num "${R[audit.small.rows]}") rows in all when the small trail's routes were measured and $(num "${R[audit.small.rows_after]}") after, $(num "${R[audit.full.rows]}") when the large one's were and $(num "${R[audit.full.rows_after]}") after. A page is \"(last)\" when the list has fewer than $PAGE pages; \"-\" when it has one."
    if ((FAILED > 0)); then
        echo
        echo "**Warning:** $FAILED requests failed or answered non-2xx during the measurements (see the run's log)."
    fi
} >"$TMP/scale-latest.md"

mkdir -p benches/results
cp "$TMP/scale-latest.md" benches/results/scale-latest.md
cat "$TMP/scale-latest.md"
say "written to benches/results/scale-latest.md"
