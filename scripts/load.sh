#!/usr/bin/env bash
# Load test of Concord in one command, from the repository root:
#
#   scripts/load.sh
#
# Installs wrk if missing (Debian package), builds the release binary, creates a fresh
# database on the local PostgreSQL, starts `concord serve` against it on a free loopback port,
# sets up data through the API, and measures:
#   (a) GET /healthz throughput (the framework's floor)
#   (b) POST /v1/discordance/classify throughput (worked examples, coordinator token)
#   (c) partner ingestion, POST /v1/referrals/{id}/second-opinions with the partner key, at
#       1, 8 and 32 concurrent clients: throughput, p50 and p99 latency; every request answers
#       its own referral
#   (d) pgbench replaying the SQL one ingestion issues (captured from PostgreSQL's log) at the
#       same client counts: the database's limit for this work
#   (e) the service's peak RSS (VmHWM), through the whole run, including
#   (f) GET /v1/summaries/{id}/pdf at the PDF renderer's concurrency cap (PDF_CONCURRENCY clients)
# and, for each measurement, the CPU time the service, the database backends and the load
# generator spent per request. Prints a Markdown table and writes it to
# benches/results/latest.md. The server is stopped and the database dropped on exit, whatever
# happens.
#
# Settings (environment): LOAD_DURATION (seconds a measurement, default 10), LOAD_WARMUP
# (default 3), LOAD_CASES (default 1000), LOAD_KEEP=1 keeps the work folder (logs, generated
# scripts), PGHOST (default /var/run/postgresql), PGUSER (default postgres), PG_LOG (the
# server's log file; found by asking the server, else Debian's), CARGO_TARGET_DIR, LOAD_BIN (a
# binary to measure instead of building one: to alternate two builds in one session).
#
# Needs: root or an installed wrk, a local PostgreSQL this user may create databases on as a
# superuser (ALTER DATABASE ... SET log_statement), and read access to its log.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

DURATION=${LOAD_DURATION:-10}
WARMUP=${LOAD_WARMUP:-3}
CASES=${LOAD_CASES:-1000}
CLIENTS=(1 8 32)
PDF_CLIENTS=${PDF_CONCURRENCY:-4}
export PGHOST=${PGHOST:-/var/run/postgresql}
export PGUSER=${PGUSER:-postgres}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=${LOAD_BIN:-$CARGO_TARGET_DIR/release/concord}
PG_LOG=${PG_LOG:-}
STARTED=$(date +%s)

log() { printf '[load %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/concord-load.XXXXXX")
DB="concord_load_$(date +%Y%m%d_%H%M%S)_$$"
SERVER_PID=""
CAPTURE_PID=""
SAMPLER_PID=""
DB_CREATED=0

stop_pid() {
    local pid=$1
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    fi
}

cleanup() {
    local status=$?
    set +e
    stop_pid "$SAMPLER_PID"
    stop_pid "$CAPTURE_PID"
    stop_pid "$SERVER_PID"
    if ((DB_CREATED)); then
        # RESET first: a drop that failed must not leave statement logging on.
        psql -X -q -d postgres -c "ALTER DATABASE \"$DB\" RESET log_statement" >/dev/null 2>&1
        if psql -X -q -d postgres -c "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" >/dev/null 2>&1; then
            log "dropped database $DB"
        else
            log "could not drop database $DB: drop it by hand"
        fi
    fi
    if [[ "${LOAD_KEEP:-0}" == 1 || $status -ne 0 ]]; then
        log "work folder kept: $WORK"
    else
        rm -rf "$WORK"
    fi
    exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------------------------
# 1. Tools. wrk: a Debian package (installs in seconds, no compiler run), written in C so it
#    takes little of the two cores from the service, with a Lua hook to give every request its
#    own referral and report exact percentiles. oha has no Debian package here and
#    `cargo install oha` compiles for minutes on two cores.
# ---------------------------------------------------------------------------------------------
need_apt=()
command -v wrk >/dev/null || need_apt+=(wrk)
command -v pgbench >/dev/null || need_apt+=(postgresql-client)
command -v psql >/dev/null || need_apt+=(postgresql-client)
command -v curl >/dev/null || need_apt+=(curl)
command -v python3 >/dev/null || need_apt+=(python3)
if ((${#need_apt[@]})); then
    log "installing ${need_apt[*]} (apt-get)"
    [[ $(id -u) -eq 0 ]] || die "need root to apt-get install ${need_apt[*]}"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
command -v wrk >/dev/null || die "wrk is not installed"
psql -X -q -d postgres -Atc 'SELECT 1' >/dev/null 2>&1 \
    || die "cannot reach PostgreSQL as $PGUSER at $PGHOST (start the local server, or set PGHOST/PGUSER)"
# Where the server logs: its own log file when logging_collector is on, else (Debian) the
# file pg_ctlcluster sends its stderr to.
if [[ -z "$PG_LOG" ]]; then
    PG_LOG=$(psql -X -q -d postgres -Atc "SELECT CASE WHEN pg_current_logfile() IS NULL THEN '' WHEN pg_current_logfile() LIKE '/%' THEN pg_current_logfile() ELSE current_setting('data_directory') || '/' || pg_current_logfile() END")
    [[ -n "$PG_LOG" ]] || PG_LOG=/var/log/postgresql/postgresql-$(psql -X -q -d postgres -Atc 'SHOW server_version_num' | cut -c1-2)-main.log
fi
[[ -r "$PG_LOG" ]] || die "cannot read PostgreSQL's log $PG_LOG (needed to capture the ingestion's SQL; set PG_LOG)"

# ---------------------------------------------------------------------------------------------
# 2. Build, database, server.
# ---------------------------------------------------------------------------------------------
if [[ -z "${LOAD_BIN:-}" ]]; then
    log "building the release binary (cargo build --release; minutes on a fresh machine)"
    cargo build --release --quiet --bin concord
fi
[[ -x "$BIN" ]] || die "no binary at $BIN"

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

log "creating database $DB"
createdb "$DB"
DB_CREATED=1
DB_URL="postgres://${PGUSER}@$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$PGHOST")/$DB"

export DATABASE_URL=$DB_URL
JWT_SECRET="load-test-secret-$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')"
export JWT_SECRET
export RATE_LIMIT_PER_KEY_PER_MINUTE=1000000
export RATE_LIMIT_PER_SUBJECT_PER_MINUTE=1000000
export RATE_LIMIT_PER_IP_PER_MINUTE=1000000
export WEBHOOK_DELIVERY=false
export RUST_LOG=warn
export CONCORD_DATA_DIR=$WORK/data

start_server() { # port logfile [VAR=value...]
    local port=$1 logfile=$2
    shift 2
    env BIND="127.0.0.1:$port" PUBLIC_BASE_URL="http://127.0.0.1:$port" "$@" "$BIN" serve >"$logfile" 2>&1 &
    echo $!
}

wait_ready() { # port pid
    local port=$1 pid=$2
    for _ in $(seq 300); do
        kill -0 "$pid" 2>/dev/null || return 1
        curl -fsS -o /dev/null "http://127.0.0.1:$port/readyz" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

# Two cores are shared by the service, PostgreSQL and the load tool: other work skews every figure.
IDLE_BUSY=$(python3 -c '
import time
def busy():
    v = [int(x) for x in open("/proc/stat").readline().split()[1:]]
    return sum(v[:8]) - v[3] - v[4], sum(v[:8])
b0, t0 = busy(); time.sleep(2); b1, t1 = busy()
import os; print(f"{(b1 - b0) / (t1 - t0) * os.cpu_count():.2f}")')
if awk "BEGIN { exit !($IDLE_BUSY > 0.2) }"; then
    log "WARNING: before the run, other processes used $IDLE_BUSY cores of $(nproc): the figures will be noisy"
fi

PORT=$(free_port)
BASE="http://127.0.0.1:$PORT"
SERVER_PID=$(start_server "$PORT" "$WORK/server.log")
wait_ready "$PORT" "$SERVER_PID" || { tail -20 "$WORK/server.log" >&2; die "the server did not become ready"; }
log "server pid $SERVER_PID on $BASE, database $DB"

# ---------------------------------------------------------------------------------------------
# 3. Data, through the API.
# ---------------------------------------------------------------------------------------------
ORG_ID=$("$BIN" org create --name "Load Navigation" --kind navigator 2>/dev/null | tail -1)
[[ "$ORG_ID" =~ ^[0-9a-f-]{36}$ ]] || die "concord org create printed '$ORG_ID'"
ADMIN=$("$BIN" token --sub load-admin --role admin --org "$ORG_ID" --ttl 7200 2>/dev/null)
COORD=$("$BIN" token --sub load-coordinator --role coordinator --org "$ORG_ID" --ttl 7200 2>/dev/null)

log "setting up: a partner and its API key, $CASES patients with a case and a plan each"
python3 scripts/load/setup.py cases "$BASE" "$ADMIN" "$COORD" tests/fixtures/cases "$WORK" "$CASES"
API_KEY=$(cat "$WORK/partner_key")

make_referrals() { # count file [case-id]
    python3 scripts/load/setup.py referrals "$BASE" "$COORD" "$WORK" "$1" "$2" ${3:+"$3"}
}

# ---------------------------------------------------------------------------------------------
# 4. Measurements. Each runs with cpu.py counting the CPU time of the service, the database's
#    backends for this database and the load generator.
# ---------------------------------------------------------------------------------------------
declare -A R  # results: "name.key" -> value

threads_for() { (($1 < 2)) && echo 1 || echo 2; }

sampler_start() { # client-comm
    python3 scripts/load/cpu.py "$DB" "$SERVER_PID" "$1" "$WORK/cpu.out" &
    SAMPLER_PID=$!
    sleep 0.3
}

sampler_stop() { # name requests
    local name=$1 requests=$2 kv
    stop_pid "$SAMPLER_PID"
    SAMPLER_PID=""
    for kv in $(cat "$WORK/cpu.out"); do R[$name.${kv%%=*}]=${kv#*=}; done
    R[$name.server_ms]=$(awk "BEGIN { printf \"%.3f\", 1000 * ${R[$name.server_s]} / $requests }")
    R[$name.pg_ms]=$(awk "BEGIN { printf \"%.3f\", 1000 * ${R[$name.pg_s]} / $requests }")
    R[$name.client_ms]=$(awk "BEGIN { printf \"%.3f\", 1000 * ${R[$name.client_s]} / $requests }")
    # CPU the rest of the machine used meanwhile (other people's builds and tests, PostgreSQL's
    # background processes), in cores; interrupt time (the loopback network) is counted apart.
    R[$name.others]=$(awk "BEGIN { o = (${R[$name.busy_s]} - ${R[$name.irq_s]} - ${R[$name.server_s]} - ${R[$name.pg_s]} - ${R[$name.client_s]}) / ${R[$name.wall_s]}; printf \"%.2f\", (o < 0 ? 0 : o) }")
    R[$name.irq]=$(awk "BEGIN { printf \"%.2f\", ${R[$name.irq_s]} / ${R[$name.wall_s]} }")
    R[$name.rss_mb]=$(awk '/^VmRSS:/ {printf "%.1f", $2 / 1024}' "/proc/$SERVER_PID/status")
}

# run_wrk NAME CLIENTS SECONDS URL MODE ARGS... -> R[NAME.rps], R[NAME.p50_ms], R[NAME.p99_ms] ...
run_wrk() {
    local name=$1 clients=$2 seconds=$3 url=$4
    shift 4
    local threads out line kv
    threads=$(threads_for "$clients")
    out="$WORK/wrk.$name.txt"
    sampler_start wrk
    wrk -t"$threads" -c"$clients" -d"${seconds}s" --timeout 10s -s scripts/load/load.lua "$url" -- "$1" "$threads" "${@:2}" >"$out" 2>&1 \
        || { cat "$out" >&2; die "wrk failed ($name)"; }
    line=$(grep '^RESULT ' "$out") || { cat "$out" >&2; die "wrk printed no result ($name)"; }
    for kv in ${line#RESULT }; do R[$name.${kv%%=*}]=${kv#*=}; done
    sampler_stop "$name" "${R[$name.requests]}"
    local bad=$((R[$name.status_errors] + R[$name.connect_errors] + R[$name.read_errors] + R[$name.write_errors] + R[$name.timeouts]))
    R[$name.failed]=$bad
    if ((bad > 0)); then
        log "WARNING: $name had $bad failed requests ($line)"
    fi
    if ((R[$name.exhausted] > 0)); then
        log "WARNING: $name ran out of referrals; its rate covers the time it ran"
    fi
    log "$(printf '%-14s c=%-3s %8.0f req/s  p50 %7.2f ms  p99 %7.2f ms  cpu/req: service %.3f ms, postgres %.3f ms, wrk %.3f ms; interrupts %s cores, other processes %s cores; service RSS %s MiB' \
        "$name" "$clients" "${R[$name.rps]}" "${R[$name.p50_ms]}" "${R[$name.p99_ms]}" \
        "${R[$name.server_ms]}" "${R[$name.pg_ms]}" "${R[$name.client_ms]}" "${R[$name.irq]}" "${R[$name.others]}" "${R[$name.rss_mb]}")"
}

check_one() { # method path auth body expected-status
    local status
    status=$(curl -s -o "$WORK/check.out" -w '%{http_code}' -X "$1" "$BASE$2" -H "Authorization: Bearer $3" \
        -H 'Content-Type: application/json' ${4:+--data-binary "$4"})
    [[ "$status" == "$5" ]] || { cat "$WORK/check.out" >&2; die "$1 $2 answered $status, expected $5"; }
}

R[setup.rss_mb]=$(awk '/^VmRSS:/ {printf "%.1f", $2 / 1024}' "/proc/$SERVER_PID/status")
log "(a) GET /healthz"
run_wrk healthz-warm 32 "$WARMUP" "$BASE/healthz" get
run_wrk healthz 32 "$DURATION" "$BASE/healthz" get

log "(b) POST /v1/discordance/classify ($(wc -l <"$WORK/inputs.jsonl") worked examples in turn)"
check_one POST /v1/discordance/classify "$COORD" "$(head -1 "$WORK/inputs.jsonl")" 200
run_wrk classify-warm 32 "$WARMUP" "$BASE/" classify "$WORK/inputs.jsonl" "$COORD"
run_wrk classify 32 "$DURATION" "$BASE/" classify "$WORK/inputs.jsonl" "$COORD"

# Every ingestion answers a referral of its own: the warm-up's rate decides how many the
# measured runs get (2.5 times what that rate would use, so a faster run does not run out).
# Each measured ingestion run is followed at once by pgbench at the same client count, so
# that both see the same machine (this one may be shared), and the ratio compares like with like.
log "(c) partner ingestion, one referral a request; (d) pgbench on the SQL of one ingestion, in turns"
WARM_REFS=$((WARMUP * 1000 + 1000))
make_referrals "$WARM_REFS" "$WORK/referrals.warm.tsv"
psql -X -q -d "$DB" -c "VACUUM ANALYZE" >/dev/null
run_wrk ingest-warm 8 "$WARMUP" "$BASE/" ingest "$WORK/referrals.warm.tsv" "$WORK/pictures.jsonl" "$API_KEY"
# The captured ingestion must be a typical one: by the measured runs nearly every case has had an
# opinion already, so its tasks are open and its status advanced, and an ingestion issues no
# INSERT INTO tasks nor UPDATE cases. A case's first opinion does (a statement for each task it
# opens, one for the case's move), so the capture uses a fresh referral on a case the warm-up
# answered (it may still open a task; the run then warns).
CAP_CASE=$(psql -X -q -d "$DB" -Atc "SELECT case_id FROM second_opinions ORDER BY received_at, id LIMIT 1")
[[ -n "$CAP_CASE" ]] || die "the ingestion warm-up stored no second opinion"
make_referrals 1 "$WORK/referrals.capture.tsv" "$CAP_CASE"

# ---------------------------------------------------------------------------------------------
# (d) The database's limit: capture the SQL of one ingestion and replay it with pgbench.
# log_statement applies to connections opened after the ALTER, so a second, short-lived
# server (pool of one) sends one ingestion through fresh, logged connections while the main
# server's connections (opened earlier, idle now) stay unlogged.
# ---------------------------------------------------------------------------------------------
log "(d) capturing the SQL of one ingestion from PostgreSQL's log ($PG_LOG)"
psql -X -q -d postgres -c "ALTER DATABASE \"$DB\" SET log_statement = 'all'" >/dev/null
CAPTURE_PORT=$(free_port)
CAPTURE_PID=$(start_server "$CAPTURE_PORT" "$WORK/capture-server.log" DATABASE_POOL_SIZE=1 HTTP_WORKERS=1)
wait_ready "$CAPTURE_PORT" "$CAPTURE_PID" || { tail -20 "$WORK/capture-server.log" >&2; die "the capture server did not become ready"; }
read -r CAP_REF _ _ CAP_EXAMPLE <"$WORK/referrals.capture.tsv"
CAP_IDEM=$(python3 -c 'import uuid; print(uuid.uuid4())')
printf '{"reviewer":{"name":"Dr. S. Banerjee","specialty":"medical oncology","institution":"Tata Memorial Centre"},"narrative":"Reviewed slides and scans; see the recommended plan.","picture":%s,"external_id":"load-%s"}' \
    "$(sed -n "$((CAP_EXAMPLE + 1))p" "$WORK/pictures.jsonl")" "$CAP_IDEM" >"$WORK/capture.body.json"
sleep 0.2
LOG_OFFSET=$(stat -c %s "$PG_LOG")
CAPTURE_START_MS=$(date +%s%3N)
status=$(curl -s -o "$WORK/capture.out" -w '%{http_code}' -X POST "http://127.0.0.1:$CAPTURE_PORT/v1/referrals/$CAP_REF/second-opinions" \
    -H "Authorization: Bearer $API_KEY" -H "Idempotency-Key: $CAP_IDEM" -H 'Content-Type: application/json' --data-binary @"$WORK/capture.body.json")
[[ "$status" == 201 ]] || { cat "$WORK/capture.out" >&2; die "the captured ingestion answered $status"; }
sleep 0.5
tail -c +$((LOG_OFFSET + 1)) "$PG_LOG" >"$WORK/capture.pglog"
stop_pid "$CAPTURE_PID"
CAPTURE_PID=""
psql -X -q -d postgres -c "ALTER DATABASE \"$DB\" RESET log_statement" >/dev/null

python3 scripts/load/pgbench_script.py "$WORK/capture.pglog" "$DB" "$WORK/referrals.capture.tsv" "$CAPTURE_START_MS" "$WORK"
# The referrals pgbench picks from: the warm-up's (answered or not, the SQL is the same), which
# no measured ingestion uses, since pgbench's UPDATE answers them.
awk -F'\t' -v OFS='\t' '{print NR, $1, $2, $3}' "$WORK/referrals.warm.tsv" >"$WORK/load_refs.tsv"
psql -X -q -d "$DB" -v ON_ERROR_STOP=1 >/dev/null <<SQL
CREATE TABLE load_refs (n int PRIMARY KEY, referral_id text NOT NULL, case_id text NOT NULL, patient_id text NOT NULL);
\copy load_refs FROM '$WORK/load_refs.tsv'
VACUUM ANALYZE;
SQL
NREFS=$(wc -l <"$WORK/load_refs.tsv")
mapfile -d '' PGB_ARGS <"$WORK/pgbench.args"
STATEMENTS=$(grep -c ';$' "$WORK/ingest.pgbench")
log "pgbench script: $STATEMENTS statements a transaction, as the service sent them:"
sed 's/^/    /' "$WORK/statements.txt" >&2
if grep -qE 'INSERT INTO "tasks"|UPDATE "cases"' "$WORK/statements.txt"; then
    log "WARNING: the captured ingestion opened tasks or moved its case: heavier than a typical one"
fi

wal_lsn() { psql -X -q -d "$DB" -Atc 'SELECT pg_current_wal_lsn()'; }

# run_pgbench NAME CLIENTS SECONDS [PGOPTIONS] -> R[NAME.rps] R[NAME.p50_ms] R[NAME.p99_ms] ...
run_pgbench() {
    local name=$1 clients=$2 seconds=$3 options=${4:-} out lsn0
    out="$WORK/pgbench.$name.txt"
    rm -f "$WORK/pgblog.$name".*
    lsn0=$(wal_lsn)
    sampler_start pgbench
    PGOPTIONS=$options pgbench -n -M prepared -c "$clients" -j "$(threads_for "$clients")" -T "$seconds" \
        -f "$WORK/ingest.pgbench" -D lb_nrefs="$NREFS" "${PGB_ARGS[@]}" \
        --log --log-prefix="$WORK/pgblog.$name" "$DB" >"$out" 2>&1 \
        || { tail -20 "$out" >&2; die "pgbench failed ($name)"; }
    if grep -qiE 'aborted|error' "$out"; then
        grep -iE 'aborted|error' "$out" | head -5 >&2
        die "pgbench reported errors ($name): the replayed SQL does not run cleanly"
    fi
    R[$name.rps]=$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)$/\1/p' "$out")
    [[ -n "${R[$name.rps]}" ]] || { cat "$out" >&2; die "no tps in pgbench's output ($name)"; }
    read -r R[$name.requests] R[$name.p50_ms] R[$name.p99_ms] < <(cat "$WORK/pgblog.$name".* | python3 -c '
import sys
lat = sorted(int(line.split()[2]) for line in sys.stdin if line.strip())
pick = lambda p: lat[min(len(lat) - 1, int(p / 100 * len(lat)))] / 1000
print(len(lat), f"{pick(50):.3f}", f"{pick(99):.3f}")')
    sampler_stop "$name" "${R[$name.requests]}"
    R[$name.wal_kb]=$(psql -X -q -d "$DB" -Atc "SELECT round((pg_current_wal_lsn() - '$lsn0') / 1024.0 / ${R[$name.requests]}, 1)")
    log "$(printf '%-14s c=%-3s %8.0f tx/s   p50 %7.2f ms  p99 %7.2f ms  cpu/tx: postgres %.3f ms, pgbench %.3f ms; WAL %s kB/tx; interrupts %s cores, other processes %s cores' \
        "$name" "$clients" "${R[$name.rps]}" "${R[$name.p50_ms]}" "${R[$name.p99_ms]}" \
        "${R[$name.pg_ms]}" "${R[$name.client_ms]}" "${R[$name.wal_kb]}" "${R[$name.irq]}" "${R[$name.others]}")"
}

PER_RUN=$(awk "BEGIN { n = int(${R[ingest-warm.rps]} * $DURATION * 2.5); print (n < 2000 ? 2000 : n) }")
for c in "${CLIENTS[@]}"; do
    make_referrals "$PER_RUN" "$WORK/referrals.c$c.tsv"
done
psql -X -q -d "$DB" -c "VACUUM ANALYZE" >/dev/null
run_pgbench pgbench-warm 8 "$WARMUP"
for c in "${CLIENTS[@]}"; do
    run_wrk "ingest-c$c" "$c" "$DURATION" "$BASE/" ingest "$WORK/referrals.c$c.tsv" "$WORK/pictures.jsonl" "$API_KEY"
    run_pgbench "pgbench-c$c" "$c" "$DURATION"
done
# A diagnostic: the same at 8 clients without waiting for the WAL flush at commit, to tell
# commit latency (the disk) from statement work (CPU) in the database's limit.
run_pgbench pgbench-async 8 "$DURATION" "-c synchronous_commit=off"
log "second opinions stored: $(psql -X -q -d "$DB" -Atc 'SELECT count(*) FROM second_opinions')"

# ---------------------------------------------------------------------------------------------
# (f) PDF rendering at its concurrency cap (PDF_CONCURRENCY, 4 by default: as many clients),
# the service's largest working set, so that (e) includes it.
# ---------------------------------------------------------------------------------------------
log "(f) GET /v1/summaries/{id}/pdf at the renderer's cap, $PDF_CLIENTS clients"
PDF_ASSESSMENT=$(psql -X -q -d "$DB" -Atc "SELECT id FROM assessments WHERE current ORDER BY created_at, id LIMIT 1")
[[ -n "$PDF_ASSESSMENT" ]] || die "no assessment to summarise"
check_one POST "/v1/assessments/$PDF_ASSESSMENT/summaries" "$COORD" '{}' 201
SUMMARY_ID=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["id"])' "$WORK/check.out")
run_wrk pdf-warm "$PDF_CLIENTS" "$WARMUP" "$BASE/v1/summaries/$SUMMARY_ID/pdf" get "$COORD"
run_wrk pdf "$PDF_CLIENTS" "$DURATION" "$BASE/v1/summaries/$SUMMARY_ID/pdf" get "$COORD"

# ---------------------------------------------------------------------------------------------
# (e) Peak RSS of the service over the whole run.
# ---------------------------------------------------------------------------------------------
HWM_KB=$(awk '/^VmHWM:/ {print $2}' "/proc/$SERVER_PID/status")
RSS_KB=$(awk '/^VmRSS:/ {print $2}' "/proc/$SERVER_PID/status")
log "(e) peak RSS ${HWM_KB} kB (now ${RSS_KB} kB)"

# ---------------------------------------------------------------------------------------------
# 5. The table.
# ---------------------------------------------------------------------------------------------
calc() { awk "BEGIN { printf \"$1\", $2 }"; }
verdict() { awk "BEGIN { exit !($1) }" && echo met || echo missed; }
num() { LC_ALL=C awk -v n="$1" 'BEGIN { s = sprintf("%.0f", n); while (s ~ /[0-9]{4}/) sub(/[0-9]{3}($|,)/, ",&", s); print s }'; }

CPU=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
MEM=$(awk '/^MemTotal:/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
# The previous run's own table does not make the build dirty.
DIRTY=$(git status --porcelain --untracked-files=no -- . ':!benches/results' 2>/dev/null | grep -q . && echo " (with uncommitted changes)" || true)
PGVER=$(psql -X -d postgres -Atc 'SHOW server_version' | cut -d' ' -f1)
SYNC=$(psql -X -d postgres -Atc 'SHOW synchronous_commit')
AUTOVACUUM=$(psql -X -d postgres -Atc 'SHOW autovacuum')

HEALTH=${R[healthz.rps]}
CLASSIFY=${R[classify.rps]}
CLASSIFY_PCT=$(calc '%.1f' "100 * $CLASSIFY / $HEALTH")
P99_32=${R[ingest-c32.p99_ms]}
HWM_MB=$(calc '%.1f' "$HWM_KB / 1024")
HWM_MB_SI=$(calc '%.1f' "$HWM_KB * 1024 / 1000000")

row() { # label clients name unit
    local n=$3
    echo "| $1 | $2 | $(num "${R[$n.rps]}") $4 | $(calc '%.2f' "${R[$n.p50_ms]}") ms | $(calc '%.2f' "${R[$n.p99_ms]}") ms | ${5:-${R[$n.server_ms]}} | ${R[$n.pg_ms]} | ${R[$n.client_ms]} | ${R[$n.irq]} | ${R[$n.others]}$(awk "BEGIN { exit !(${R[$n.others]} > 0.25) }" && echo " (noisy)") |"
}

{
    echo "## Concord load test"
    echo
    echo "| | |"
    echo "|---|---|"
    echo "| date | $(date -u '+%Y-%m-%d %H:%M UTC') |"
    echo "| machine | $(nproc) cores ($CPU), $MEM |"
    echo "| commit | $COMMIT$DIRTY |"
    echo "| service | release build; HTTP_WORKERS and DATABASE_POOL_SIZE at their defaults ($(nproc) and 16); RUST_LOG=warn; rate limits 1,000,000/min; webhook delivery off |"
    echo "| database | PostgreSQL $PGVER on the same machine, Unix socket, synchronous_commit=$SYNC, autovacuum=$AUTOVACUUM (the script runs VACUUM ANALYZE after each setup step); $CASES cases, $(num "$(wc -l <"$WORK/referrals.tsv")") referrals (pgbench picks from the warm-up's $(num "$NREFS")) |"
    echo "| other work on the machine | $IDLE_BUSY cores busy just before the run; per measurement in the last column below |"
    echo "| load | wrk $(wrk -v 2>&1 | awk 'NR==1 {print $2}') and pgbench on the same machine; ${DURATION} s a measurement after a ${WARMUP} s warm-up; whole run $(( $(date +%s) - STARTED )) s |"
    echo
    echo "| measurement | clients | throughput | p50 | p99 | service CPU ms/req | postgres CPU ms/req | load tool CPU ms/req | interrupts, cores | other processes, cores |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    row "(a) GET /healthz" 32 healthz "req/s"
    row "(b) POST /v1/discordance/classify, worked examples in turn" 32 classify "req/s"
    for c in "${CLIENTS[@]}"; do
        row "(c) partner ingestion, POST /v1/referrals/{id}/second-opinions" "$c" "ingest-c$c" "req/s"
    done
    for c in "${CLIENTS[@]}"; do
        row "(d) pgbench -M prepared, the $STATEMENTS statements of one ingestion" "$c" "pgbench-c$c" "tx/s" "-"
    done
    row "(d) the same, synchronous_commit=off (diagnostic: commit flush vs statement work)" 8 pgbench-async "tx/s" "-"
    row "(f) GET /v1/summaries/{id}/pdf, at the renderer's cap" "$PDF_CLIENTS" pdf "req/s"
    echo "| (e) peak RSS of the service (VmHWM) | | $HWM_MB MiB ($HWM_MB_SI MB) | | | | | | | |"
    echo
    echo "Service RSS (VmRSS, MiB; nothing scrapes /metrics during the run) after the setup ${R[setup.rss_mb]}, then after each measurement: healthz ${R[healthz.rss_mb]}, classify ${R[classify.rss_mb]}, ingestion warm-up ${R[ingest-warm.rss_mb]}, 1 client ${R[ingest-c1.rss_mb]}, 8 clients ${R[ingest-c8.rss_mb]}, 32 clients ${R[ingest-c32.rss_mb]}, PDF rendering ${R[pdf.rss_mb]}."
    echo
    echo "WAL written per pgbench transaction: ${R[pgbench-c8.wal_kb]} kB. CPU columns: CPU time of the service process, of this database's PostgreSQL backends and of wrk or pgbench, divided by the requests; interrupts: the machine's interrupt and soft-interrupt time (mostly the loopback network stack, charged to no process), in cores; the last column is what every other process on the machine (and PostgreSQL's background processes) used meanwhile, in cores: on a shared machine, a figure above about 0.2 makes the run noisy."
    echo
    echo "| target | figure | goal | |"
    echo "|---|---:|---:|---|"
    echo "| classify throughput as % of healthz | $CLASSIFY_PCT % | >= 60 % | $(verdict "$CLASSIFY_PCT >= 60") |"
    for c in "${CLIENTS[@]}"; do
        pct=$(calc '%.1f' "100 * ${R[ingest-c$c.rps]} / ${R[pgbench-c$c.rps]}")
        echo "| ingestion throughput as % of pgbench, $c client$( ((c > 1)) && echo s) | $pct % | >= 50 % | $(verdict "$pct >= 50") |"
    done
    echo "| ingestion p99, 32 clients | $(calc '%.1f' "$P99_32") ms | <= 20 ms | $(verdict "$P99_32 <= 20") |"
    echo "| peak RSS (64 MB read as 64 MiB, a container limit) | $HWM_MB MiB | <= 64 MiB | $(verdict "$HWM_KB <= 65536") |"
    failed=0
    for n in healthz classify "${CLIENTS[@]/#/ingest-c}" pdf; do failed=$((failed + ${R[$n.failed]})); done
    if ((failed > 0)); then
        echo
        echo "**Warning:** $failed requests failed during the measurements (see the run's log)."
    fi
} >"$WORK/latest.md"

mkdir -p benches/results
cp "$WORK/latest.md" benches/results/latest.md
cat "$WORK/latest.md"
log "written to benches/results/latest.md in $(( $(date +%s) - STARTED )) s"
