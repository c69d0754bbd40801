"""Every worked example (tests/fixtures/cases: the 55 of ruleset 3) classified through the client
that openapi-python-client generated from openapi/openapi.json, and read back through its models
(issue 16, point 6): a client generated from today's document reads every ruleset-3 answer,
its findings and review items included. (The release-gate fields belong to stored assessments;
flow.py reads them on its assessment.)

Run by scripts/client-flow.sh after flow.py, with the generated package on PYTHONPATH.
Environment: CONCORD_BASE_URL, CONCORD_COORDINATOR_TOKEN. Exits 1 at the first answer the
generated client does not read, or that differs from the worked example.
"""

from __future__ import annotations

import json
import os
import pathlib
import sys

from concord_client import AuthenticatedClient
from concord_client.api.discordance import classify
from concord_client.models import Classification, ClassificationInput

CASES = pathlib.Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "cases"


def fail(message: str) -> None:
    print(f"ruleset3.py: {message}", file=sys.stderr)
    sys.exit(1)


def main() -> None:
    client = AuthenticatedClient(
        base_url=os.environ["CONCORD_BASE_URL"], token=os.environ["CONCORD_COORDINATOR_TOKEN"], timeout=30.0
    )
    paths = sorted(CASES.glob("*.json"))
    if len(paths) < 55:
        fail(f"only {len(paths)} worked examples in {CASES}")
    for path in paths:
        case = json.loads(path.read_text())
        body = ClassificationInput.from_dict(case["input"])
        response = classify.sync_detailed(client=client, body=body)
        if response.status_code != 200 or not isinstance(response.parsed, Classification):
            fail(f"{path.stem}: {response.status_code} {response.content[:300]!r}")
        # What the generated models read, written back out: nothing the server said is lost.
        read = response.parsed.to_dict()
        sent = json.loads(response.content)
        for field in ("outcome", "primary_scenario", "urgency", "scenarios", "actions", "findings",
                      "review_items", "review_reasons", "ruleset_version"):
            if read.get(field) != sent.get(field):
                fail(f"{path.stem}: the client read {field} as {read.get(field)!r}, the server sent {sent.get(field)!r}")
        expected = case["expected"]
        for field in ("outcome", "primary_scenario", "urgency"):
            if read[field] != expected[field]:
                fail(f"{path.stem}: {field} {read[field]!r}, expected {expected[field]!r}")
        for field in ("scenarios", "actions"):
            if set(read[field]) != set(expected[field]):
                fail(f"{path.stem}: {field} {read[field]!r}, expected {expected[field]!r}")
        if path.stem.startswith("r3-"):
            codes = [item["code"] for item in read["review_items"]]
            if codes != expected["review_reasons"]:
                fail(f"{path.stem}: review codes {codes!r}, expected {expected['review_reasons']!r}")
    print(f"ruleset3.py: the generated client read all {len(paths)} ruleset-3 answers as the worked examples expect")


if __name__ == "__main__":
    main()
