"""Checks Concord's FHIR export independently of Concord's own code.

For every Bundle in a folder:
  1. fhir.resources 6.4.0 (the last plain FHIR R4 4.0.1 release) parses it: unknown elements,
     missing 1..1 elements, wrong types and primitive formats fail (fhir.md section 6);
  2. what that validator cannot see (fhir.md 9.11): a collection Bundle with identifier and
     timestamp, urn:uuid fullUrls that every reference resolves to, one Provenance, generated
     text; and for every meta.profile claimed, the mandatory elements and pattern slices of that
     profile's snapshot (the StructureDefinitions in tests/fixtures/fhir/mcode/profiles) and
     US Core's us-core-6 on Patient.name. A claimed profile without a StructureDefinition fails.

Usage: python fhir_validate.py <bundle folder> <profiles folder>
"""

import json
import sys
from pathlib import Path

from fhir.resources import get_fhir_model_class


def nodes(value, path):
    current = [value]
    for segment in path:
        found = []
        for node in current:
            if not isinstance(node, dict):
                continue
            if segment.endswith("[x]"):
                children = [v for k, v in node.items() if k.startswith(segment[:-3])]
            else:
                children = [node[segment]] if segment in node else []
            for child in children:
                found.extend(child if isinstance(child, list) else [child])
        current = found
    return current


def matches(value, pattern):
    have = value.get("coding", []) if isinstance(value, dict) else []
    return all(
        any(h.get("system") == w.get("system") and h.get("code") == w.get("code") for h in have)
        for w in pattern.get("coding", [])
    )


def conforms(resource, profile):
    problems = []
    for element in profile["snapshot"]["element"]:
        segments = element["id"].split(".")[1:]
        if element.get("min", 0) == 0 or not segments:
            continue
        sliced = [i for i, s in enumerate(segments) if ":" in s]
        if sliced:
            at = sliced[0]
            pattern = element.get("patternCodeableConcept")
            if at == len(segments) - 1 and pattern:
                path = segments[:at] + [segments[at].split(":")[0]]
                if not any(matches(v, pattern) for v in nodes(resource, path)):
                    problems.append(f"no {element['id']} matching {pattern}")
            continue
        *parent, last = segments
        for node in nodes(resource, parent):
            if last.endswith("[x]"):
                present = any(k.startswith(last[:-3]) for k in node)
            else:
                present = node.get(last) not in (None, [], {})
            if not present:
                problems.append(f"{element['id']} (min {element['min']}) missing")
        pattern = element.get("patternCodeableConcept")
        if pattern:
            for value in nodes(resource, segments):
                if not matches(value, pattern):
                    problems.append(f"{element['id']} does not match {pattern}")
    if resource["resourceType"] == "Patient":
        for name in resource.get("name", []):
            parts = "family" in name or "given" in name
            absent = any(
                e.get("url") == "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
                for e in name.get("extension", [])
            )
            if parts == absent:
                problems.append("us-core-6: a name needs family or given, or the data-absent-reason")
    return problems


def references(value):
    if isinstance(value, dict):
        for key, child in value.items():
            if key == "reference" and isinstance(child, str):
                yield child
            else:
                yield from references(child)
    elif isinstance(value, list):
        for child in value:
            yield from references(child)


def check(path, profiles):
    data = json.loads(path.read_text())
    problems = []
    try:
        get_fhir_model_class(data["resourceType"]).parse_obj(data)
    except Exception as error:  # pydantic.ValidationError and friends
        problems.append(f"fhir.resources: {error}")
    if data.get("type") != "collection":
        problems.append("not a collection Bundle")
    if not data.get("identifier", {}).get("value") or not data.get("timestamp"):
        problems.append("no Bundle.identifier or timestamp")
    urls = {e["fullUrl"] for e in data.get("entry", [])}
    if len(urls) != len(data.get("entry", [])) or not all(u.startswith("urn:uuid:") for u in urls):
        problems.append("fullUrls are not unique urn:uuid")
    resources = [e["resource"] for e in data.get("entry", [])]
    if sum(r["resourceType"] == "Provenance" for r in resources) != 1:
        problems.append("not exactly one Provenance")
    claimed = 0
    for resource in resources:
        where = f"{resource['resourceType']}/{resource.get('id')}"
        for reference in references(resource):
            if reference not in urls:
                problems.append(f"{where}: reference {reference} resolves to nothing in the Bundle")
        if resource.get("text", {}).get("status") != "generated":
            problems.append(f"{where}: no generated text")
        for url in resource.get("meta", {}).get("profile", []):
            claimed += 1
            if url not in profiles:
                problems.append(f"{where}: claims {url}, which has no StructureDefinition to check")
                continue
            problems.extend(f"{where} ({url.split('/')[-1]}): {p}" for p in conforms(resource, profiles[url]))
    return problems, claimed


def main():
    bundles, profile_dir = Path(sys.argv[1]), Path(sys.argv[2])
    profiles = {}
    for sd in profile_dir.glob("*.json"):
        definition = json.loads(sd.read_text())
        profiles[f"{definition['url']}|{definition['version']}"] = definition
    failed, total, claims = 0, 0, 0
    for path in sorted(bundles.glob("*.json")):
        total += 1
        problems, claimed = check(path, profiles)
        claims += claimed
        if problems:
            failed += 1
            print(f"FAIL {path.name}")
            for problem in problems:
                print(f"     {problem}")
    print(f"{total - failed}/{total} Bundles valid; {claims} profile claims checked")
    sys.exit(1 if failed or total == 0 else 0)


if __name__ == "__main__":
    main()
