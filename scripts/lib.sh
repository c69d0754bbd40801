# shellcheck shell=bash
# Shared by the scripts that prove Concord against a live server (client-flow.sh, schemathesis.sh,
# readme-walkthrough.sh): each needs a throw-away database, the debug binary serving on a free
# loopback port, and an exit trap that leaves nothing behind. Kept here once so that a fix to,
# say, how the server is stopped reaches every script. Sourced, never run:
#
#   set -Eeuo pipefail
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#   begin_run <name> <database prefix>
#
# The functions below die (message on stderr, exit 1) rather than return an error, so a caller
# under `set -Eeuo pipefail` needs no checks of its own. They share state through these globals:
#   ROOT         the repository root (found from this file, so the scripts run from anywhere);
#                begin_run changes to it
#   PYTHON       the interpreter for venvs and small helpers (from the environment, else python3)
#   STARTED      $SECONDS when the run began; say() and the exit report count from it
#   TMP          the run's temporary directory (server log, reports), removed on exit
#   DB_NAME      the throw-away database; DATABASE_URL points at it once created
#   BIN          the concord binary, after build_concord
#   PORT, BASE_URL   the server's loopback port and URL, after free_port
#   SERVER_PID   the server, after start_server

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# begin_run NAME DB_PREFIX: sets up what every run needs before its first step, in this order so
# that the exit trap never sees a half-made state. NAME labels every line the script prints
# ([NAME 12s] ...) and the temporary directory; the database is concord_<DB_PREFIX>_<time>_<pid>
# so that runs side by side (CI and a developer, two worktrees) never share one.
begin_run() {
    RUN_NAME="$1"
    cd "$ROOT" || exit 1
    STARTED=$SECONDS
    PYTHON="${PYTHON:-python3}"
    export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"
    DB_NAME="concord_$2_$(date +%Y%m%d%H%M%S)_$$"
    TMP="$(mktemp -d "${TMPDIR:-/tmp}/concord-$RUN_NAME.XXXXXX")"
    SERVER_PID=""
    DB_CREATED=""
    trap finish EXIT
    # Ctrl-C and kill exit through the EXIT trap too, so the server and database still go.
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

say() { printf '[%s %3ds] %s\n' "$RUN_NAME" "$((SECONDS - STARTED))" "$*"; }
die() { printf '[%s] FAILED: %s\n' "$RUN_NAME" "$*" >&2; exit 1; }

# finish: the EXIT trap. Whatever the outcome, nothing is left running or lying around: the
# server is stopped (TERM, then KILL after 5 s so a hung server cannot hang the script), the
# database dropped (--force: the server's pool may still hold connections) and the temporary
# directory removed (KEEP_TMP=1 keeps it). On failure the server log's tail is printed first,
# since the cause is usually there and the log is about to be deleted.
finish() {
    local status=$?
    set +e
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null
        for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$SERVER_PID" 2>/dev/null && kill -KILL "$SERVER_PID" 2>/dev/null
        wait "$SERVER_PID" 2>/dev/null
    fi
    if [[ $status -ne 0 && -s "$TMP/server.log" ]]; then
        echo "---- last 40 lines of the server log ($TMP/server.log) ----" >&2
        tail -n 40 "$TMP/server.log" >&2
        echo "----" >&2
    fi
    if [[ -n "$DB_CREATED" ]]; then
        dropdb --if-exists --force "$DB_NAME" 2>/dev/null \
            || echo "[$RUN_NAME] could not drop database $DB_NAME; drop it by hand" >&2
    fi
    if [[ "${KEEP_TMP:-}" == 1 ]]; then
        echo "[$RUN_NAME] kept $TMP" >&2
    else
        rm -rf "$TMP"
    fi
    if [[ $status -eq 0 ]]; then
        say "passed in $((SECONDS - STARTED))s"
    else
        echo "[$RUN_NAME] failed (exit $status) after $((SECONDS - STARTED))s" >&2
    fi
    exit $status
}

# python_venv VENV REQUIREMENTS MIN_VERSION NEEDED_BY [PROGRAM]: a venv at VENV made by $PYTHON
# with REQUIREMENTS pip-installed. pip takes tens of seconds, so the venv is kept between runs and
# rebuilt only when it would differ: VENV/.requirements records the requirements' hash and the
# Python version it was built from; a missing VENV/bin/PROGRAM (default: python) also rebuilds it.
# $PYTHON must be MIN_VERSION or later; NEEDED_BY names what needs that, for the error message.
python_venv() {
    local venv="$1" requirements="$2" min="$3" needed_by="$4" program="${5:-python}" want
    command -v "$PYTHON" >/dev/null || die "$PYTHON not found (set PYTHON to a Python $min+)"
    "$PYTHON" -c 'import sys; sys.exit(sys.version_info < tuple(map(int, sys.argv[1].split("."))))' "$min" \
        || die "$PYTHON is $("$PYTHON" -V 2>&1); $needed_by needs Python $min+ (set PYTHON)"
    want="$(sha256sum "$requirements" | cut -d' ' -f1) $("$PYTHON" -V 2>&1)"
    if [[ ! -x "$venv/bin/$program" || "$(cat "$venv/.requirements" 2>/dev/null)" != "$want" ]]; then
        say "creating venv $venv"
        rm -rf "$venv"
        "$PYTHON" -m venv "$venv" || die "could not create a venv with $PYTHON"
        "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements" \
            || die "pip install -r $requirements failed"
        echo "$want" > "$venv/.requirements"
    fi
}

# node_tools DIR PACKAGE_DIR: the npm packages PACKAGE_DIR/package.json pins, installed exactly as
# PACKAGE_DIR/package-lock.json locks them (`npm ci`) into DIR, and kept there between runs:
# DIR/.lock-hash records the two files' hash, and a change to either installs again.
node_tools() {
    local dir="$1" packages="$2" want npm="${NPM:-npm}"
    command -v node >/dev/null || die "node not found"
    command -v "$npm" >/dev/null || die "$npm not found"
    want="$(cat "$packages/package.json" "$packages/package-lock.json" | sha256sum | cut -d' ' -f1)"
    if [[ ! -d "$dir/node_modules" || "$(cat "$dir/.lock-hash" 2>/dev/null)" != "$want" ]]; then
        say "npm ci (${packages#"$ROOT"/}/package-lock.json) into ${dir#"$ROOT"/}"
        rm -rf "$dir"
        mkdir -p "$dir"
        cp "$packages/package.json" "$packages/package-lock.json" "$dir/"
        (cd "$dir" && npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false \
            "$npm" ci --loglevel=error >/dev/null) || die "npm ci failed"
        echo "$want" > "$dir/.lock-hash"
    fi
}

# build_concord [CARGO_FLAGS...]: the debug binary, built (or found up to date) by cargo and
# named in BIN. CARGO_TARGET_DIR is honoured, so a run can share or avoid another build's target.
build_concord() {
    cargo build "$@" --bin concord || die "cargo build failed"
    BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/concord"
    [[ -x "$BIN" ]] || die "no binary at $BIN after cargo build"
}

# create_database: the empty database DB_NAME on PGHOST/PGPORT as PGUSER, and DATABASE_URL for
# it. DB_CREATED tells finish() there is something to drop. A PGHOST that is a socket directory
# (/var/run/postgresql) is percent-encoded into the URL's host, where a bare path would not parse.
create_database() {
    local pg_host="$PGHOST"
    pg_isready -q || die "PostgreSQL is not accepting connections at PGHOST=$PGHOST PGPORT=$PGPORT"
    createdb "$DB_NAME" || die "createdb $DB_NAME failed (PGHOST=$PGHOST PGPORT=$PGPORT PGUSER=$PGUSER)"
    DB_CREATED=1
    if [[ "$PGHOST" == /* ]]; then
        pg_host="$("$PYTHON" -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$PGHOST")"
    fi
    export DATABASE_URL="postgres://$PGUSER@$pg_host:$PGPORT/$DB_NAME"
}

# free_port: PORT, a loopback port nobody listens on (the kernel's pick, so parallel runs do not
# collide on a fixed one), and BASE_URL on it.
free_port() {
    PORT="$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    BASE_URL="http://127.0.0.1:$PORT"
}

# start_server [VAR=value...]: `concord serve` in the background (log in $TMP/server.log), with
# the environment plus any VAR=value given, and waits until GET /readyz answers 2xx, which means
# the database is reachable and migrated. Dies at once if the server exits, or after 60 s.
start_server() {
    local i
    env "$@" "$BIN" serve > "$TMP/server.log" 2>&1 &
    SERVER_PID=$!
    for i in $(seq 1 300); do
        kill -0 "$SERVER_PID" 2>/dev/null || die "concord serve exited during start-up (log below)"
        if curl -fsS -o /dev/null --max-time 2 "$BASE_URL/readyz" 2>/dev/null; then break; fi
        [[ $i -eq 300 ]] && die "concord serve did not answer GET /readyz with 2xx within 60s"
        sleep 0.2
    done
}

# new_org NAME KIND [CLI_ARGS...]: an organisation made through the CLI, as an operator would make
# it; prints its id. The CLI's stderr collects in $TMP/cli.log and is shown only if a call fails.
new_org() {
    local id
    id="$("$BIN" org create --name "$1" --kind "$2" "${@:3}" 2>>"$TMP/cli.log")" \
        || { cat "$TMP/cli.log" >&2; die "concord org create --kind $2 failed"; }
    [[ "$id" =~ ^[0-9a-f-]{36}$ ]] || die "concord org create printed '$id', not an id"
    echo "$id"
}

# mint ORG_ID SUB ROLE TTL: prints a JWT from the CLI for SUB with ROLE in ORG_ID, valid for TTL
# seconds (signed with the server's JWT_SECRET, so it must be exported before).
mint() {
    "$BIN" token --sub "$2" --role "$3" --org "$1" --ttl "$4" 2>>"$TMP/cli.log" \
        || { cat "$TMP/cli.log" >&2; die "concord token --role $3 failed"; }
}
