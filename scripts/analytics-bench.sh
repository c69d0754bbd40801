#!/usr/bin/env bash
# Concordance analytics at scale (issue 21): seeds one navigator with 100,000 answered
# referrals (and a second with 1,000, the baseline of the same run) through
# scripts/sql/seed-answered-referrals.sql, then times GET /v1/analytics/concordance over real
# HTTP against the release build: each variant REQUESTS times per tenant, reported as
# p50 / p90 / max in milliseconds, with the ratio of the large tenant's p50 to the small one's.
# A benchmark, not a test: it fails only when a request fails.
#
# Usage:   scripts/analytics-bench.sh            (about 3 minutes after the release build)
# Environment (all optional):
#   REFERRALS   answered referrals of the large tenant (default 100000)
#   BASELINE    answered referrals of the small tenant (default 1000)
#   REQUESTS    requests per variant and tenant (default 30)
#   CARGO_TARGET_DIR, PGHOST PGPORT PGUSER, KEEP_TMP=1   as for the other scripts

set -Eeuo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
begin_run analytics-bench abench

REFERRALS="${REFERRALS:-100000}"
BASELINE="${BASELINE:-1000}"
REQUESTS="${REQUESTS:-30}"

say "cargo build --release"
cargo build --release --quiet --bin concord || die "cargo build --release failed"
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/concord"

create_database
free_port
JWT_SECRET="bench-$("$PYTHON" -c 'import secrets; print(secrets.token_hex(24))')"
export JWT_SECRET BIND="127.0.0.1:$PORT" PUBLIC_BASE_URL="$BASE_URL" RUST_LOG=warn
export WEBHOOK_DELIVERY=false RATE_LIMIT_PER_KEY_PER_MINUTE=1000000 RATE_LIMIT_PER_SUBJECT_PER_MINUTE=1000000 RATE_LIMIT_PER_IP_PER_MINUTE=1000000
"$BIN" migrate > "$TMP/migrate.log" 2>&1 || { cat "$TMP/migrate.log" >&2; die "concord migrate failed"; }

LARGE="$(new_org "Bench Navigation" navigator)"
SMALL="$(new_org "Baseline Navigation" navigator)"
for k in 1 2 3 4 5; do new_org "Partner $k" partner --navigator "$LARGE" > /dev/null; done
for k in 1 2 3 4 5; do new_org "Partner $k" partner --navigator "$SMALL" > /dev/null; done

seed() {
    local started=$SECONDS
    psql -q -d "$DB_NAME" -v org="$1" -v n="$2" -v tag="$3" \
        -f "$ROOT/scripts/sql/seed-answered-referrals.sql" > "$TMP/seed-$3.log" 2>&1 \
        || { cat "$TMP/seed-$3.log" >&2; die "seeding $2 referrals failed"; }
    say "seeded $2 answered referrals into $1 in $((SECONDS - started)) s"
}
seed "$LARGE" "$REFERRALS" large
seed "$SMALL" "$BASELINE" small
psql -q -d "$DB_NAME" -c "VACUUM ANALYZE" > /dev/null

start_server
say "server ready (release build)"
LARGE_TOKEN="$(mint "$LARGE" bench-coordinator coordinator 3600)"
SMALL_TOKEN="$(mint "$SMALL" bench-coordinator coordinator 3600)"

# time_variant LABEL QUERY: REQUESTS timed requests per tenant after one warm-up each.
time_variant() {
    "$PYTHON" - "$BASE_URL" "$2" "$REQUESTS" "$LARGE_TOKEN" "$SMALL_TOKEN" "$1" "$REFERRALS" "$BASELINE" <<'PY'
import http.client, statistics, sys, time, urllib.parse
base, query, n, large, small, label, n_large, n_small = sys.argv[1:]
url = urllib.parse.urlparse(base)
def run(token):
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    path = "/v1/analytics/concordance" + query
    times = []
    for i in range(int(n) + 1):
        start = time.perf_counter()
        conn.request("GET", path, headers={"Authorization": "Bearer " + token})
        response = conn.getresponse()
        body = response.read()
        elapsed = (time.perf_counter() - start) * 1000
        if response.status != 200:
            sys.exit(f"{path}: {response.status} {body[:300]!r}")
        if i:
            times.append(elapsed)
    times.sort()
    return times
big, little = run(large), run(small)
def fmt(t):
    return f"{statistics.median(t):7.1f} {t[int(len(t) * 0.9) - 1]:7.1f} {t[-1]:7.1f}"
ratio = statistics.median(big) / statistics.median(little)
print(f"| {label} | {n_large} | {fmt(big)} | {n_small} | {fmt(little)} | {ratio:5.1f} |")
PY
}

say "timing $REQUESTS requests per variant and tenant (p50 p90 max, ms)"
{
    echo "| request | referrals | p50 p90 max (ms) | baseline referrals | p50 p90 max (ms) | p50 ratio |"
    echo "|---|---|---|---|---|---|"
    time_variant "totals only" ""
    time_variant "by partner and month" "?group_by=partner,period"
    time_variant "by site and scenario, quarters in Europe/Madrid" "?group_by=site,scenario&period=quarter&tz=Europe/Madrid"
    time_variant "one year, by period" "?group_by=period&from=2025-01-01&to=2025-12-31"
    time_variant "CSV by partner, site, scenario, period" "?group_by=partner,site,scenario,period&format=csv"
} | tee "$TMP/results.md"
say "done"
