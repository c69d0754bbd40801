#!/usr/bin/env python3
"""Sets up the data a load run needs, through Concord's HTTP API (standard library only).

  setup.py cases BASE_URL ADMIN_TOKEN COORDINATOR_TOKEN FIXTURES_DIR OUT_DIR CASES
  setup.py referrals BASE_URL COORDINATOR_TOKEN OUT_DIR COUNT OUT_FILE [CASE_ID]

`cases` creates one partner hospital with an API key, and CASES patients each with one case
and a current plan (the worked examples' `current` pictures in turn, with their context).
Writes to OUT_DIR:
  partner_key        the partner's API key
  partner_id         its id
  cases.tsv          case_id, patient_id, example index
  pictures.jsonl     each worked example's `opinion` picture, one compact JSON a line
  inputs.jsonl       each worked example's `input`, one compact JSON a line (for classify)

`referrals` creates COUNT referrals to the partner, spread round-robin over the cases (going
on from where the last call stopped), so that consecutive referrals in the list belong to
different cases and concurrent ingestions do not queue on one case's row lock. Writes OUT_FILE
(referral_id, case_id, patient_id, example index, in that order) and appends the same lines
to OUT_DIR/referrals.tsv, the list of every referral. With CASE_ID, all COUNT go to that case.
"""

import http.client
import json
import os
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

THREADS = 6


class Api:
    """One keep-alive connection per thread."""

    def __init__(self, base):
        url = urllib.parse.urlsplit(base)
        self.host, self.port = url.hostname, url.port
        self.local = threading.local()

    def call(self, method, path, auth, body=None, expect=(200, 201)):
        headers = {"Authorization": f"Bearer {auth}"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        for attempt in range(3):
            conn = getattr(self.local, "conn", None)
            if conn is None:
                conn = self.local.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
            try:
                conn.request(method, path, body=data, headers=headers)
                response = conn.getresponse()
                payload = response.read()
            except (http.client.HTTPException, OSError):
                conn.close()
                self.local.conn = None
                if attempt == 2:
                    raise
                continue
            if response.status not in expect:
                raise SystemExit(
                    f"setup: {method} {path} answered {response.status}: {payload[:500]!r}"
                )
            return json.loads(payload) if payload else None
        raise AssertionError("unreachable")


def compact(value):
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def cases_command(base, admin, coordinator, fixtures, out, cases):
    cases = int(cases)
    api = Api(base)
    examples = []
    for name in sorted(os.listdir(fixtures)):
        if name.endswith(".json"):
            with open(os.path.join(fixtures, name)) as f:
                examples.append(json.load(f)["input"])
    if not examples:
        raise SystemExit(f"setup: no worked examples in {fixtures}")
    with open(os.path.join(out, "pictures.jsonl"), "w") as f:
        for e in examples:
            f.write(compact(e["opinion"]) + "\n")
    with open(os.path.join(out, "inputs.jsonl"), "w") as f:
        for e in examples:
            f.write(compact(e) + "\n")

    started = time.monotonic()
    partner = api.call("POST", "/v1/organizations", admin, {"name": "Load Partner Hospital", "kind": "partner"})
    key = api.call("POST", f"/v1/organizations/{partner['id']}/api-keys", admin, {"name": "load"})
    with open(os.path.join(out, "partner_key"), "w") as f:
        f.write(key["key"])
    with open(os.path.join(out, "partner_id"), "w") as f:
        f.write(partner["id"])

    def make_case(i):
        e = examples[i % len(examples)]
        context = e.get("context", {})
        patient = api.call(
            "POST",
            "/v1/patients",
            coordinator,
            {"display_name": f"Load Patient {i}", "birth_year": 1960 + i % 30,
             "preferred_language": "en", "country": context.get("patient_country", "IN")},
        )
        body = {
            "patient_id": patient["id"],
            "treating_oncologist": {"name": "Dr. R. Mehta", "institution": "City Cancer Hospital", "country": "IN"},
            "treatment_status": context.get("treatment_status", "not_started"),
        }
        if "next_irreversible_step" in context:
            body["next_irreversible_step"] = context["next_irreversible_step"]
        case = api.call("POST", "/v1/cases", coordinator, body)
        api.call("PUT", f"/v1/cases/{case['id']}/plan", coordinator, e["current"])
        return (case["id"], patient["id"], i % len(examples))

    with ThreadPoolExecutor(THREADS) as pool:
        made = list(pool.map(make_case, range(cases)))
    with open(os.path.join(out, "cases.tsv"), "w") as f:
        for case_id, patient_id, example in made:
            f.write(f"{case_id}\t{patient_id}\t{example}\n")
    print(f"setup: partner, key, {cases} patients, cases and plans in {time.monotonic() - started:.1f} s", file=sys.stderr)


def referrals_command(base, coordinator, out, count, out_file, case_id=None):
    count = int(count)
    api = Api(base)
    with open(os.path.join(out, "partner_id")) as f:
        partner_id = f.read().strip()
    with open(os.path.join(out, "cases.tsv")) as f:
        cases = [line.split() for line in f if line.strip()]
    everything = os.path.join(out, "referrals.tsv")
    done = sum(1 for _ in open(everything)) if os.path.exists(everything) else 0
    if case_id:
        cases = [c for c in cases if c[0] == case_id]
        if not cases:
            raise SystemExit(f"setup: no case {case_id} in cases.tsv")
    order = [cases[(done + n) % len(cases)] for n in range(count)]

    def refer(item):
        r = api.call(
            "POST",
            f"/v1/cases/{item[0]}/referrals",
            coordinator,
            {"partner_id": partner_id, "questions": ["Is this the best plan?"], "due_date": "2026-12-10"},
        )
        return r["id"]

    started = time.monotonic()
    with ThreadPoolExecutor(THREADS) as pool:
        ids = list(pool.map(refer, order))
    elapsed = time.monotonic() - started
    lines = [f"{rid}\t{case_id}\t{patient_id}\t{example}\n" for rid, (case_id, patient_id, example) in zip(ids, order)]
    with open(out_file, "w") as f:
        f.writelines(lines)
    with open(everything, "a") as f:
        f.writelines(lines)
    print(f"setup: {count} referrals in {elapsed:.1f} s ({count / elapsed:.0f}/s)", file=sys.stderr)


def main():
    command, args = sys.argv[1], sys.argv[2:]
    if command == "cases" and len(args) == 6:
        cases_command(*args)
    elif command == "referrals" and len(args) in (5, 6):
        referrals_command(*args)
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
