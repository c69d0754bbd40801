#!/usr/bin/env python3
"""Turns the SQL that one ingestion issued (from PostgreSQL's log with log_statement = 'all')
into a pgbench custom script that replays it with fresh ids, so rows do not collide.

  pgbench_script.py PGLOG DATABASE CAPTURE_TSV CAPTURE_START_MS OUT_DIR

PGLOG             the log lines written while the one request ran (stderr format, prefix
                  '%m [%p] %q%u@%d ')
CAPTURE_TSV       the captured referral's line: referral_id, case_id, patient_id, example
CAPTURE_START_MS  Unix time in ms just before the request: a UUIDv7 at or after it was made by
                  the request, so each transaction gets a new one

Writes to OUT_DIR:
  ingest.pgbench   the script: one setup query (a random referral of load_refs, new UUIDs, the
                   parameter values that embed them), then every captured statement in order
  pgbench.args     NUL-separated pgbench arguments: -D name=value for the constant parameters
  statements.txt   the captured statements, numbered, for the report

Every statement runs with its original text and parameters ($n become pgbench variables, so
with -M prepared PostgreSQL sees the same prepared statements the service sends):
- the captured referral, case and patient ids become those of a random referral (table
  load_refs, which load.sh fills from the referral list), so transactions spread over the
  cases as the load does and do not all queue on one row lock;
- ids the request generated (UUIDv7 from the request's time, and the client's v4 Idempotency-Key)
  are fresh in every transaction, inside any value that embeds them (JSON, arrays, paths);
- the advisory-lock key is random (in `concord_idempotency_claim` too);
- everything else (organisation, partner, key, JSON bodies, hashes) is replayed as captured.
Left out: `UPDATE api_keys SET last_used_at` (the service writes it once a minute per key) and
`SET ...` (a new connection's session settings, if the request happened to open one).
"""

import re
import sys

ENTRY = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? \S+) \[(\d+)\] (\S*)@(\S*) (\w+):  (.*)$")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def entries(path, database):
    """(pid, level, text) of every log entry of DATABASE, continuation lines joined."""
    out = []
    current = None
    with open(path, encoding="utf-8", errors="replace") as f:
        for raw in f:
            line = raw.rstrip("\n")
            m = ENTRY.match(line)
            if m:
                if current:
                    out.append(current)
                current = None
                if m.group(4) == database:
                    current = [m.group(2), m.group(5), m.group(6)]
            elif current is not None:
                current[2] += "\n" + line
    if current:
        out.append(current)
    return out


def parse_parameters(detail):
    """`$1 = 'a''b', $2 = NULL` -> {1: "a'b", 2: None}."""
    params = {}
    i = 0
    n = len(detail)
    while i < n:
        m = re.compile(r"\s*,?\s*\$(\d+) = ").match(detail, i)
        if not m:
            break
        k = int(m.group(1))
        i = m.end()
        if detail.startswith("NULL", i):
            params[k] = None
            i += 4
            continue
        if detail[i] != "'":
            raise SystemExit(f"pgbench_script: cannot read parameter ${k} in: {detail[:200]}")
        i += 1
        value = []
        while True:
            j = detail.index("'", i)
            value.append(detail[i:j])
            if j + 1 < n and detail[j + 1] == "'":
                value.append("'")
                i = j + 2
            else:
                i = j + 1
                break
        params[k] = "".join(value)
    return params


def statements(log_entries):
    """[(sql, {n: value})] in order."""
    out = []
    for pid, level, text in log_entries:
        if level == "LOG":
            m = re.match(r"(?:execute [^:]+|statement): (.*)$", text, re.S)
            if m:
                out.append([m.group(1), {}])
        elif level == "DETAIL" and text.startswith("parameters: ") and out:
            out[-1][1] = parse_parameters(text[len("parameters: "):])
    return out


def uuid_time_ms(u):
    """The Unix ms of a UUIDv7, or None."""
    if u[14] != "7":
        return None
    return int(u[:8] + u[9:13], 16)


def main():
    pglog, database, capture_tsv, start_ms, out = sys.argv[1:6]
    start_ms = int(start_ms)
    referral, case, patient, _ = open(capture_tsv).read().split()
    captured = statements(entries(pglog, database))
    # Per connection or per minute, not per request: a fresh connection's session settings, and
    # the key's last_used_at (written once a minute).
    captured = [s for s in captured if not re.match(r'\s*(UPDATE "api_keys"|SET )', s[0], re.I)]
    # Alone, or carried by its assessment's statement (`WITH first AS (INSERT INTO ...`).
    if not any("INSERT INTO \"SECOND_OPINIONS\"" in sql.upper() for sql, _ in captured):
        raise SystemExit("pgbench_script: the log holds no INSERT INTO second_opinions: nothing was captured")

    # Which UUIDs change per transaction.
    existing = {referral: "lb_ref", case: "lb_case", patient: "lb_patient"}
    fresh = {}
    for _, params in captured:
        for value in params.values():
            for u in UUID.findall(value or ""):
                if u in existing or u in fresh:
                    continue
                t = uuid_time_ms(u)
                if (t is not None and t >= start_ms) or u[14] == "4":
                    fresh[u] = f"lb_new{len(fresh) + 1}"
    mapping = {**existing, **fresh}

    constants = {}   # -D name=value
    computed = {}    # name -> SQL expression for the setup query
    lines = []
    for s, (sql, params) in enumerate(captured, 1):
        names = {}
        for k, value in params.items():
            if value is None:
                names[k] = "NULL"
                continue
            # The Idempotency-Key's lock: `pg_try_advisory_xact_lock`, or the function that takes it.
            if re.search(r"advisory|idempotency_claim", sql) and re.fullmatch(r"-?\d+", value):
                names[k] = ":lb_adv"
                continue
            found = [u for u in UUID.findall(value) if u in mapping]
            if value in mapping:
                names[k] = ":" + mapping[value]
            elif found:
                name = f"lb_s{s}p{k}"
                constants[f"lb_c{s}p{k}"] = value
                expr = f":lb_c{s}p{k}"
                for u in dict.fromkeys(found):
                    constants[f"lb_u{mapping[u]}"] = u
                    expr = f"replace({expr}, :lb_u{mapping[u]}, {mapping[u]})"
                computed[name] = expr
                names[k] = ":" + name
            else:
                constants[f"lb_c{s}p{k}"] = value
                names[k] = f":lb_c{s}p{k}"
        # Highest numbers first so $1 does not eat the start of $10.
        text = sql
        for k in sorted(names, reverse=True):
            text = re.sub(r"\$%d(?!\d)" % k, names[k], text)
        lines.append(text.rstrip().rstrip(";") + ";")

    select = ["r.referral_id AS lb_ref", "r.case_id AS lb_case", "r.patient_id AS lb_patient"]
    select += [f"n.{name} AS {name}" for name in fresh.values()]
    inner = ", ".join(f"gen_random_uuid()::text AS {name}" for name in fresh.values()) or "1 AS lb_none"
    # Expressions see the ids through the joined rows' columns.
    exprs = []
    for name, expr in computed.items():
        for var in list(existing.values()):
            col = {"lb_ref": "r.referral_id", "lb_case": "r.case_id", "lb_patient": "r.patient_id"}[var]
            expr = expr.replace(f", {var})", f", {col})")
        for var in fresh.values():
            expr = expr.replace(f", {var})", f", n.{var})")
        exprs.append(f"{expr} AS {name}")
    setup = (
        f"SELECT {', '.join(select + exprs)} FROM load_refs r, (SELECT {inner}) n WHERE r.n = :lb_r\n\\gset"
    )
    with open(f"{out}/ingest.pgbench", "w") as f:
        f.write("-- Generated by scripts/load/pgbench_script.py from the SQL of one captured ingestion.\n")
        f.write("\\set lb_r random(1, :lb_nrefs)\n")
        f.write("\\set lb_adv random(1, 9000000000000000000)\n")
        f.write(setup + "\n")
        for line in lines:
            f.write(line + "\n")
    with open(f"{out}/pgbench.args", "wb") as f:
        for name, value in constants.items():
            f.write(b"-D\0" + f"{name}={value}".encode() + b"\0")
    with open(f"{out}/statements.txt", "w") as f:
        for s, (sql, params) in enumerate(captured, 1):
            f.write(f"{s:2d}. {' '.join(sql.split())[:160]}\n")
    print(f"pgbench_script: {len(captured)} statements, {len(fresh)} fresh ids, {len(computed)} computed values", file=sys.stderr)


if __name__ == "__main__":
    main()
