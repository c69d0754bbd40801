"""Concord's core flow, driven through a client that openapi-python-client generated from
openapi/openapi.json (never edited by hand, never committed: scripts/client-flow.sh generates it
into a temporary directory and puts it on PYTHONPATH as the package `concord_client`).

Every request goes through the generated endpoint functions and models, the PDF rendering of a
summary included (the generated `get_summary_pdf`, for GET /v1/summaries/{id}/pdf).

Environment (set by scripts/client-flow.sh):
  CONCORD_BASE_URL             e.g. http://127.0.0.1:43121
  CONCORD_ADMIN_TOKEN          JWT, role admin, of the navigator organisation
  CONCORD_COORDINATOR_TOKEN    JWT, role coordinator
  CONCORD_CLINICIAN_TOKEN      JWT, role clinician

Exits 0 when every step gave what the design (shared/design/api.md, "The core flow") promises;
raises (exit 1, with the response that was off) at the first step that did not.
"""

from __future__ import annotations

import datetime
import os
import sys
import time
import uuid
from typing import Any, TypeVar

from concord_client import AuthenticatedClient
from concord_client.api.assessments import list_assessments
from concord_client.api.cases import create_case, get_case
from concord_client.api.organizations import create_api_key, create_organization
from concord_client.api.patients import create_patient
from concord_client.api.plans import list_plan_versions, put_plan
from concord_client.api.referrals import create_referral, get_referral, list_referrals
from concord_client.api.second_opinions import list_case_opinions, submit_to_referral
from concord_client.api.summaries import create_summary, get_summary, get_summary_pdf
from concord_client.models import (
    Assessment,
    AssessmentList,
    Case,
    CaseStatus,
    CreatedApiKey,
    Diagnosis,
    GetSummaryFormat,
    Intent,
    NewApiKey,
    NewCase,
    NewOrganization,
    NewPatient,
    NewReferral,
    NewSummary,
    NextStep,
    Oncologist,
    OpinionSubmission,
    Organization,
    OrganizationKind,
    Outcome,
    PagePlanVersion,
    PageReferralView,
    PageSecondOpinion,
    PartnerReferral,
    Patient,
    Picture,
    Plan,
    PlanVersion,
    Problem,
    Receipt,
    Referral,
    ReferralStatus,
    Reviewer,
    Scenario,
    Stage,
    StepKind,
    StoredSummary,
    SystemicTherapy,
    TreatmentStatus,
)
from concord_client.types import File, Response

T = TypeVar("T")

STARTED = time.monotonic()


class FlowError(AssertionError):
    pass


def log(step: str, detail: str = "") -> None:
    print(f"[{time.monotonic() - STARTED:6.2f}s] ok  {step}{': ' + detail if detail else ''}", flush=True)


def check(condition: bool, message: str) -> None:
    if not condition:
        raise FlowError(message)


def expect(step: str, response: Response[Any], status: int, model: type[T]) -> T:
    """The parsed body of `response`, which must have `status` and parse as `model`."""
    parsed = response.parsed
    if int(response.status_code) != status or not isinstance(parsed, model):
        problem = f" problem: {parsed.type_}: {parsed.detail}" if isinstance(parsed, Problem) else ""
        raise FlowError(
            f"{step}: expected {status} {model.__name__}, got {int(response.status_code)} "
            f"{type(parsed).__name__}{problem}\n  body: {response.content[:2000]!r}"
        )
    return parsed


def header(response: Response[Any], name: str) -> str:
    value = response.headers.get(name)
    check(bool(value), f"no {name} header in a {int(response.status_code)} response")
    return value


def env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        sys.exit(f"flow.py: {name} is not set (run scripts/client-flow.sh)")
    return value


def folfox_plan() -> Picture:
    """The treating team's plan: stage IIIB colon adenocarcinoma, adjuvant FOLFOX."""
    return Picture(
        diagnosis=Diagnosis(
            primary_site="C18.7",
            histology="8140/3",
            grade=2,
            stage=Stage(system="AJCC8", group="IIIB", t="T3", n="N1", m="M0"),
        ),
        plan=Plan(intent=Intent.CURATIVE, systemic_therapy=[SystemicTherapy(regimen="FOLFOX")]),
    )


def capox_opinion() -> Picture:
    """The partner's opinion: the same diagnosis, CAPOX instead of FOLFOX."""
    picture = folfox_plan()
    assert isinstance(picture.plan, Plan)
    picture.plan.systemic_therapy = [SystemicTherapy(regimen="CAPOX")]
    return picture


def main() -> None:
    base_url = env("CONCORD_BASE_URL")
    timeout = 30.0
    admin = AuthenticatedClient(base_url=base_url, token=env("CONCORD_ADMIN_TOKEN"), timeout=timeout)
    coordinator = AuthenticatedClient(base_url=base_url, token=env("CONCORD_COORDINATOR_TOKEN"), timeout=timeout)
    clinician = AuthenticatedClient(base_url=base_url, token=env("CONCORD_CLINICIAN_TOKEN"), timeout=timeout)
    today = datetime.date.today()

    # --- admin: a partner hospital and its API key -------------------------------------------
    r = create_organization.sync_detailed(
        client=admin, body=NewOrganization(name="Tata Memorial", kind=OrganizationKind.PARTNER)
    )
    partner = expect("create partner organisation", r, 201, Organization)
    check(partner.kind == OrganizationKind.PARTNER, f"partner kind {partner.kind}")
    header(r, "Location")
    log("admin created partner organisation", f"{partner.name} {partner.id}")

    r = create_api_key.sync_detailed(partner.id, client=admin, body=NewApiKey(name="production"))
    key = expect("create partner API key", r, 201, CreatedApiKey)
    check(isinstance(key.key, str) and key.key.startswith("cnc_"), f"API key {key.key!r} is not cnc_...")
    check(key.key.startswith(f"cnc_{key.prefix}_"), f"key prefix {key.prefix!r} does not start the key")
    log("admin created partner API key", f"prefix {key.prefix}, key id {key.id}")
    # The generated AuthenticatedClient sends `Authorization: Bearer <token>`; Concord tells a key
    # from a JWT by its cnc_ prefix.
    partner_client = AuthenticatedClient(base_url=base_url, token=key.key, timeout=timeout)

    # --- coordinator: patient, case, plan, referral ------------------------------------------
    r = create_patient.sync_detailed(
        client=coordinator,
        body=NewPatient(display_name="Asha K.", birth_year=1968, preferred_language="en", country="IN"),
    )
    patient = expect("create patient", r, 201, Patient)
    log("coordinator created patient", str(patient.id))

    r = create_case.sync_detailed(
        client=coordinator,
        body=NewCase(
            patient_id=patient.id,
            treating_oncologist=Oncologist(name="Dr. R. Mehta", institution="City Cancer Hospital", country="IN"),
            treatment_status=TreatmentStatus.NOT_STARTED,
            next_irreversible_step=NextStep(kind=StepKind.SURGERY, date=today + datetime.timedelta(days=8)),
        ),
    )
    case = expect("create case", r, 201, Case)
    check(case.status == CaseStatus.INTAKE, f"new case status {case.status}")
    header(r, "ETag")
    header(r, "Location")
    log("coordinator created case", f"{case.id}, status {case.status}")

    r = put_plan.sync_detailed(case.id, client=coordinator, body=folfox_plan())
    version = expect("PUT plan (first)", r, 201, PlanVersion)
    check(version.version == 1, f"first plan version is {version.version}")
    plan_etag = header(r, "ETag")
    log("coordinator PUT the plan (FOLFOX)", f"version {version.version}, ETag {plan_etag}")

    # The same picture again, conditional on the ETag just read: the current version, nothing new.
    r = put_plan.sync_detailed(case.id, client=coordinator, body=folfox_plan(), if_match=plan_etag)
    again = expect("PUT plan (unchanged, If-Match)", r, 200, PlanVersion)
    check(again.version == 1, f"an unchanged PUT made version {again.version}")
    r = list_plan_versions.sync_detailed(case.id, client=coordinator)
    versions = expect("list plan versions", r, 200, PagePlanVersion)
    check([v.version for v in versions.items] == [1], f"plan versions {[v.version for v in versions.items]}")
    log("coordinator re-PUT the same plan", "200, still version 1 (a retry is harmless)")

    due = today + datetime.timedelta(days=15)
    r = create_referral.sync_detailed(
        case.id,
        client=coordinator,
        body=NewReferral(partner_id=partner.id, questions=["Is adjuvant FOLFOX the best option?"], due_date=due),
    )
    referral = expect("create referral", r, 201, Referral)
    check(referral.status == ReferralStatus.SENT, f"new referral status {referral.status}")
    header(r, "Location")
    r = get_case.sync_detailed(case.id, client=coordinator)
    check(expect("get case", r, 200, Case).status == CaseStatus.REFERRED, "the case did not move to referred")
    log("coordinator referred the case to the partner", f"referral {referral.id}, case now referred")

    # --- partner (API key): its inbox and its opinion ----------------------------------------
    r = list_referrals.sync_detailed(client=partner_client)
    inbox = expect("partner lists referrals", r, 200, PageReferralView)
    packets = [p for p in inbox.items if p.id == referral.id]
    check(len(packets) == 1, f"referral {referral.id} not in the partner's inbox: {r.content[:1000]!r}")
    packet = packets[0]
    check(isinstance(packet, PartnerReferral), f"the partner's item parsed as {type(packet).__name__}")
    assert isinstance(packet, PartnerReferral)
    check(isinstance(packet.current_plan, Plan), f"packet current_plan {packet.current_plan!r}")
    assert isinstance(packet.current_plan, Plan)
    regimens = [t.regimen for t in packet.current_plan.systemic_therapy or []]
    check(regimens == ["FOLFOX"], f"packet regimens {regimens}")
    check(
        b"Asha" not in r.content and b"Mehta" not in r.content, "the partner's packet names the patient or oncologist"
    )
    log("partner listed its referrals", f"{len(inbox.items)} item(s), packet shows FOLFOX, no names")

    submission = OpinionSubmission(
        reviewer=Reviewer(name="Dr. S. Banerjee", specialty="medical oncology", institution="Tata Memorial Centre"),
        narrative="Reviewed slides and scans. Stage III colon cancer; CAPOX is preferred for its shorter course.",
        picture=capox_opinion(),
        external_id=f"TMC-{uuid.uuid4().hex[:8]}",
    )
    idempotency_key = str(uuid.uuid4())
    r = submit_to_referral.sync_detailed(
        referral.id, client=partner_client, body=submission, idempotency_key=idempotency_key
    )
    receipt = expect("partner submits second opinion", r, 201, Receipt)
    check(receipt.status == "received", f"receipt status {receipt.status!r}")
    log("partner submitted a second opinion (CAPOX)", f"opinion {receipt.id}, Idempotency-Key {idempotency_key}")

    # A retry with the same key and body is the same opinion, not a second one.
    r = submit_to_referral.sync_detailed(
        referral.id, client=partner_client, body=submission, idempotency_key=idempotency_key
    )
    check(
        int(r.status_code) in (200, 201),
        f"retry with the same Idempotency-Key: {int(r.status_code)} {r.content[:500]!r}",
    )
    replay = expect("partner retries the submission", r, int(r.status_code), Receipt)
    check(replay.id == receipt.id, f"the retry made another opinion {replay.id} (first {receipt.id})")
    log("partner retried with the same Idempotency-Key", f"{int(r.status_code)}, same opinion {replay.id}")

    # --- coordinator and clinician: the assessment ------------------------------------------
    r = list_case_opinions.sync_detailed(case.id, client=coordinator)
    opinions = expect("list the case's second opinions", r, 200, PageSecondOpinion)
    check([o.id for o in opinions.items] == [receipt.id], f"case opinions {[o.id for o in opinions.items]}")
    assessment = opinions.items[0].current_assessment
    check(isinstance(assessment, Assessment), f"current_assessment is {assessment!r}")
    assert isinstance(assessment, Assessment)
    check(assessment.outcome == Outcome.REFINES, f"outcome {assessment.outcome}, expected refines")
    check(
        assessment.primary_scenario == Scenario.DIFFERENT_TREATMENT,
        f"primary scenario {assessment.primary_scenario}, expected different_treatment",
    )
    check(assessment.plan_version == 1, f"assessed against plan version {assessment.plan_version}")
    check(assessment.current, "the opinion's assessment is not current")
    # Ruleset 3's release gate: a refining opinion with nothing to review is released at once.
    check(
        assessment.needs_clinician_review is False and assessment.released is True,
        f"gate: needs_clinician_review {assessment.needs_clinician_review}, released {assessment.released}",
    )
    log(
        "coordinator read the assessment",
        f"{assessment.outcome} / {assessment.primary_scenario}, urgency {assessment.urgency}, "
        f"{len(assessment.findings)} finding(s), actions {[str(a) for a in assessment.actions]}",
    )

    r = list_assessments.sync_detailed(receipt.id, client=clinician)
    history = expect("clinician lists the opinion's assessments", r, 200, AssessmentList)
    check(history.items and history.items[0].id == assessment.id, "the current assessment is not listed first")
    r = get_referral.sync_detailed(referral.id, client=coordinator)
    check(expect("get referral", r, 200, Referral).status == ReferralStatus.ANSWERED, "the referral is not answered")
    r = get_case.sync_detailed(case.id, client=coordinator)
    check(expect("get case", r, 200, Case).status == CaseStatus.OPINION_RECEIVED, "the case is not opinion_received")
    log(
        "clinician read the assessment history",
        f"{len(history.items)} item(s); referral answered, case opinion_received",
    )

    # --- coordinator: the summary ------------------------------------------------------------
    r = create_summary.sync_detailed(assessment.id, client=coordinator, body=NewSummary(language="en"))
    summary = expect("create summary", r, 201, StoredSummary)
    check(summary.language == "en", f"summary language {summary.language!r}")
    check(summary.assessment_id == assessment.id, "the summary names another assessment")
    check(bool(summary.headline.strip()), "the summary has no headline")
    header(r, "Location")
    log("coordinator created the summary", f"{summary.id}: {summary.headline!r}")

    r = get_summary.sync_detailed(summary.id, client=coordinator, format_=GetSummaryFormat.JSON)
    fetched = expect("get summary as JSON", r, 200, StoredSummary)
    check(fetched.id == summary.id and fetched.headline == summary.headline, "the stored summary differs")
    check(
        r.headers.get("content-type", "").startswith("application/json"),
        f"Content-Type {r.headers.get('content-type')}",
    )
    log(
        "coordinator fetched the summary as JSON",
        f"{len(fetched.findings)} finding(s), {len(fetched.questions)} question(s)",
    )

    r = get_summary_pdf.sync_detailed(summary.id, client=coordinator)
    pdf = expect("get summary as PDF", r, 200, File).payload.read()
    check(
        r.headers.get("content-type", "").startswith("application/pdf"),
        f"Content-Type {r.headers.get('content-type')}",
    )
    check(pdf.startswith(b"%PDF"), f"the PDF starts with {pdf[:16]!r}")
    log("coordinator fetched the summary as PDF", f"{len(pdf)} bytes, starts with %PDF (generated get_summary_pdf)")

    print(f"core flow passed through the generated client in {time.monotonic() - STARTED:.2f}s", flush=True)


if __name__ == "__main__":
    try:
        main()
    except FlowError as error:
        print(f"FLOW FAILED: {error}", file=sys.stderr, flush=True)
        sys.exit(1)
