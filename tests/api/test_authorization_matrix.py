"""Who may call what: every route of the app × every role × a key of the data's own department
or of another one, against one table.

The table (``MATRIX``) names for each route the roles it admits and whether only the data's own
department may act; every other role is refused with 403, the public without a key with 401.
A route of the app that the table does not name fails :func:`test_every_route_is_in_the_matrix`:
whoever adds an endpoint decides here who may call it.

"Allowed" means: not refused (neither 401 nor 403). The inputs are valid where that is cheap,
so that an allowed call really runs; a 404 or 422 for a dummy input still shows that
authorisation let the call through.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.routing import iter_route_contexts
from sqlalchemy import select
from tests.api.server import LiveServer, live_server
from tests.check.entries import entry, write_entries
from tests.importing.rows import licensing_row, penalty_row, resident_id, uscc

from jointcredit.access import OPERATOR, Principal
from jointcredit.api.app import PREFIX, create_app
from jointcredit.catalog import load_catalog
from jointcredit.services import keys, objections, proposals, repairs, tipoffs
from jointcredit.services.imports import import_file
from jointcredit.services.registry import open_registry
from jointcredit.store.tables import credit_records, subjects

ROLES = ("public", "initiator", "implementer", "reviewer", "supervisor", "admin")
DEPARTMENTS = ("NDRC", "SPC")
COMPANY = uscc(301)
REP = {"role": "legal-representative", "name": "王测试", "id_number": resident_id(601)}

#: Admitted callers of a route.
EVERYONE = frozenset(ROLES)
ANY_KEY = frozenset(ROLES) - {"public"}


@dataclass
class World:
    """The module's server and what its requests refer to."""

    server: LiveServer
    report: int
    record: int
    proposal: int
    clients: dict[tuple[str, str], httpx.Client] = field(default_factory=dict)

    def client(self, role: str, department: str) -> httpx.Client:
        found = self.clients.get((role, department))
        if found is None:
            found = self.server.client(None if role == "public" else role, department)
            self.clients[(role, department)] = found
        return found

    def victim_key(self) -> int:
        """A fresh key to rotate or revoke."""
        return keys.create(self.server.engine, department="SPC", role="reviewer", by=OPERATOR).id


Request = Callable[[World], dict[str, Any]]


@dataclass(frozen=True)
class Rule:
    """Who may call a route: ``roles``; with ``own_only``, only for the data's department
    (``own``; a key of another department gets 403). ``request`` builds the call's
    arguments; ``then`` checks an allowed answer further."""

    roles: frozenset[str]
    request: Request = lambda _w: {}
    own_only: bool = False
    own: str = "NDRC"
    then: Callable[[httpx.Response, bool], None] | None = None
    #: With ``own_only``: supervisors and admins may act for any department all the same.
    overseers: bool = False
    #: Roles that may act for any department even where ``own_only`` holds.
    any_department: frozenset[str] = frozenset()
    #: A console or self-service page: it opens with a signed-in session only, never with a
    #: key (see :func:`_no_session`).
    session: bool = False

    def expected(self, role: str, own: bool) -> str:
        overseer = (self.overseers and role in OVERSEER_KEYS) or role in self.any_department
        if role in self.roles and (own or not self.own_only or overseer):
            return "allowed"
        return "401" if role == "public" else "403"


def _get(path: str, **params: Any) -> Request:
    return lambda _w: {"method": "GET", "url": path, "params": params}


def _page(path: str) -> Request:
    """A page of the portal, outside the API's base URL."""
    return lambda w: {"method": "GET", "url": w.server.url + path}


def _signed_in(path: str, method: str = "GET") -> Rule:
    """A page of the console or of self-service, asked without a session (with any key)."""
    return Rule(
        EVERYONE,
        lambda w: {"method": method, "url": w.server.url + path, "data": {}},
        session=True,
    )


def _no_session(r: httpx.Response) -> None:
    """Without a session a signed-in page answers with its sign-in page, a redirect to it, or a
    refusal of the form — never with its data, whatever key the request carries."""
    assert r.status_code in (200, 303, 401, 403, 422), r.text
    if r.status_code == 303:
        location = r.headers["location"]
        assert location.startswith(("/console/sign-in", "/me")), location
    if r.status_code == 200:  # the sign-in form, or self-service saying it is switched off
        assert 'name="pre"' in r.text or "信用自助服务未开通" in r.text, r.text


def _penalty(w: World) -> dict[str, Any]:
    name = load_catalog().departments["NDRC"].name_zh
    row = penalty_row(7, CF_SJLY=name)
    return {
        "method": "POST",
        "url": "/records/penalties",
        "json": {k: v for k, v in row.items() if v},
    }


def _licensing(w: World) -> dict[str, Any]:
    name = load_catalog().departments["NDRC"].name_zh
    row = licensing_row(8, XK_LYDW=name)
    return {
        "method": "POST",
        "url": "/records/licensing",
        "json": {k: v for k, v in row.items() if v},
    }


def _list_entry_body() -> dict[str, Any]:
    return entry(302, department="SPC")


def _import(w: World) -> dict[str, Any]:
    line = json.dumps(_list_entry_body(), ensure_ascii=False) + "\n"
    return {
        "method": "POST",
        "url": "/imports/list-entries",
        "files": {"file": ("entries.jsonl", line.encode(), "application/x-ndjson")},
    }


def _imported_only_by_its_department(r: httpx.Response, own: bool) -> None:
    # A file of another department's rows is read, and every row is rejected.
    body = r.json()
    assert body["rejected_rows"] == (0 if own else 1), body


def _report_body() -> dict[str, Any]:
    return {
        "department": "NDRC",
        "subject": COMPANY,
        "description": "涉嫌虚构交易。",
        "reporter": {"name": "测试举报人", "contact": "13800000000"},
    }


#: Roles that see every department's items of a list (jointcredit.access.OVERSEERS).
OVERSEER_KEYS = frozenset({"supervisor", "admin"})


def _entry_record(w: World, serial: int, list_type: str, department: str, decided: str) -> int:
    """A list entry of the world's registry (imported on first use), by its subject's serial."""
    with w.server.engine.connect() as conn:
        found = conn.execute(
            select(credit_records.c.id)
            .join(subjects, subjects.c.id == credit_records.c.subject_id)
            .where(subjects.c.identifier == uscc(serial))
        ).scalar()
    if found is None:
        path = Path(tempfile.mkdtemp()) / "entry.jsonl"
        write_entries(path, [entry(serial, list_type, department=department, decided_on=decided)])
        assert import_file(w.server.engine, "list-entry", path).accepted == 1
        return _entry_record(w, serial, list_type, department, decided)
    return int(found)


def _objection(serial: int, opener: Principal = OPERATOR) -> Callable[[World], int]:
    """The open objection on a court entry of SPC (verified by SPC), opened if there is none."""

    def made(w: World) -> int:
        record = _entry_record(w, serial, "judgment-defaulters", "SPC", "2026-06-01")
        mine = objections.listed(w.server.engine, by=OPERATOR, limit=100, status="open")
        found = [o["id"] for o in mine if o["record_id"] == record]
        if found:
            return int(found[0])
        opened = objections.open_objection(w.server.engine, record, reason="矩阵", by=opener)
        return int(opened["id"])

    return made


def _repair(serial: int) -> Callable[[World], int]:
    """The open repair application on a tax entry of SAT (decided by SAT), made if none."""

    def made(w: World) -> int:
        record = _entry_record(w, serial, "major-tax-violation-parties", "SAT", "2025-01-06")
        mine = repairs.listed(w.server.engine, by=OPERATOR, limit=100)
        found = [
            r["id"]
            for r in mine
            if r["record_id"] == record and r["status"] in ("applied", "accepted")
        ]
        if found:
            return int(found[0])
        applied = repairs.apply(
            w.server.engine, record, commitment="承诺", obligations_met=True, by=OPERATOR
        )
        return int(applied["id"])

    return made


def _post(path: Callable[[World], str], body: dict[str, Any] | None = None) -> Request:
    return lambda w: {"method": "POST", "url": path(w), "json": body}


def _attach(path: Callable[[World], str]) -> Request:
    """A PDF sent as a case's attachment (multipart)."""
    pdf = b"%PDF-1.7\n% matrix\n"
    return lambda w: {"method": "POST", "url": path(w), "files": {"file": ("a.pdf", pdf)}}


_SHOWN_OBJECTION = _objection(303)
_RESOLVED_OBJECTION = _objection(304)
_WITHDRAWN_OBJECTION = _objection(305, Principal("initiator", "NDRC"))
_SHOWN_REPAIR = _repair(306)
_ACCEPTED_REPAIR = _repair(307)
_DECIDED_REPAIR = _repair(308)


#: Every route: (method, path as the app declares it) → who may call it.
MATRIX: dict[tuple[str, str], Rule] = {
    # The OpenAPI document and its viewers.
    ("GET", "/openapi.json"): Rule(EVERYONE, _get("/openapi.json")),
    ("GET", "/docs"): Rule(EVERYONE, _get("/docs")),
    ("GET", "/docs/oauth2-redirect"): Rule(EVERYONE, _get("/docs/oauth2-redirect")),
    ("GET", "/redoc"): Rule(EVERYONE, _get("/redoc")),
    ("MOUNT", "/static-docs"): Rule(EVERYONE, _get("/static-docs/swagger-ui.css")),
    # System.
    ("GET", "/health"): Rule(EVERYONE, _get("/health")),
    ("GET", "/ready"): Rule(EVERYONE, _get("/ready")),
    ("GET", "/me"): Rule(EVERYONE, _get("/me")),
    # The catalog: public.
    ("GET", "/catalog"): Rule(EVERYONE, _get("/catalog")),
    ("GET", "/catalog/departments"): Rule(EVERYONE, _get("/catalog/departments")),
    ("GET", "/catalog/matters"): Rule(EVERYONE, _get("/catalog/matters")),
    ("GET", "/catalog/list-types"): Rule(EVERYONE, _get("/catalog/list-types")),
    ("GET", "/catalog/measures"): Rule(EVERYONE, _get("/catalog/measures")),
    ("GET", "/catalog/measures/{measure_id:path}"): Rule(
        EVERYONE, _get("/catalog/measures/mou-2016-141/01")
    ),
    # The file formats' JSON Schemas: public.
    ("GET", "/schemas"): Rule(EVERYONE, _get("/schemas")),
    ("GET", "/schemas/{name}"): Rule(EVERYONE, _get("/schemas/penalties-2016")),
    # Upward files: every department's publishable records, persons in full.
    ("GET", "/exports/{kind}"): Rule(
        frozenset({"supervisor"}), _get("/exports/licensing", since="2000-01-01")
    ),
    # Subjects and records: public data without a key, shared data with any key.
    ("GET", "/search"): Rule(EVERYONE, _get("/search", q="有限公司")),
    ("GET", "/subjects/{identifier}"): Rule(EVERYONE, _get(f"/subjects/{COMPANY}")),
    ("GET", "/subjects/{identifier}/records"): Rule(EVERYONE, _get(f"/subjects/{COMPANY}/records")),
    ("GET", "/subjects/{identifier}/grade"): Rule(ANY_KEY, _get(f"/subjects/{COMPANY}/grade")),
    ("GET", "/inspections/{code}"): Rule(EVERYONE, _get("/inspections/20261129-0001")),
    # A row id: the shared view for keys; the public finds records by reference only (404).
    ("GET", "/records/{record:record}"): Rule(
        EVERYONE, lambda w: {"method": "GET", "url": f"/records/{w.record}"}
    ),
    # Submissions: an initiator, for its own department.
    ("POST", "/records/licensing"): Rule(frozenset({"initiator"}), _licensing, own_only=True),
    ("POST", "/records/penalties"): Rule(frozenset({"initiator"}), _penalty, own_only=True),
    ("POST", "/list-entries"): Rule(
        frozenset({"initiator"}),
        lambda _w: {"method": "POST", "url": "/list-entries", "json": _list_entry_body()},
        own_only=True,
        own="SPC",
    ),
    # Any initiator may send a file; its rows must be its own department's (see `then`).
    ("POST", "/imports/{kind}"): Rule(
        frozenset({"initiator"}), _import, own="SPC", then=_imported_only_by_its_department
    ),
    # The check and screening: an implementer, for its own department.
    ("GET", "/check"): Rule(
        frozenset({"implementer"}),
        _get("/check", subject=COMPANY, matter="air-travel", department="NDRC"),
        own_only=True,
    ),
    ("GET", "/receipts/key"): Rule(EVERYONE, _get("/receipts/key")),
    ("POST", "/screen"): Rule(
        frozenset({"implementer"}),
        lambda _w: {
            "method": "POST",
            "url": "/screen",
            "params": {"matter": "air-travel", "department": "NDRC"},
            "files": {"file": ("ids.txt", f"{COMPANY}\n".encode(), "text/plain")},
        },
        own_only=True,
    ),
    # Reports: anyone reports; a reviewer reads its own department's.
    ("POST", "/reports"): Rule(
        EVERYONE, lambda _w: {"method": "POST", "url": "/reports", "json": _report_body()}
    ),
    ("GET", "/reports"): Rule(frozenset({"reviewer"}), _get("/reports")),
    ("GET", "/reports/{report_id}/reporter"): Rule(
        frozenset({"reviewer"}),
        lambda w: {"method": "GET", "url": f"/reports/{w.report}/reporter"},
        own_only=True,
    ),
    # The openings of the key's own department's reporters: its supervisors.
    ("GET", "/reports/openings"): Rule(frozenset({"supervisor"}), _get("/reports/openings")),
    # Reports as cases: its department's reviewers read and handle them; the reporter follows
    # one with its receipt code, no key needed (an unknown code: 404).
    ("POST", "/reports/follow"): Rule(
        EVERYONE,
        lambda _w: {
            "method": "POST",
            "url": "/reports/follow",
            "json": {"receipt": "AAAA-BBBB-CCCC-DDDD"},
        },
    ),
    ("GET", "/reports/{report_id}"): Rule(
        frozenset({"reviewer"}),
        lambda w: {"method": "GET", "url": f"/reports/{w.report}"},
        own_only=True,
    ),
    ("POST", "/reports/{report_id}/notes"): Rule(
        frozenset({"reviewer"}),
        _post(lambda w: f"/reports/{w.report}/notes", {"note": "矩阵"}),
        own_only=True,
    ),
    ("POST", "/reports/{report_id}/attachments"): Rule(
        frozenset({"reviewer"}),
        _attach(lambda w: f"/reports/{w.report}/attachments"),
        own_only=True,
    ),
    ("GET", "/reports/{report_id}/attachments/{attachment_id}"): Rule(
        frozenset({"reviewer"}),
        lambda w: {"method": "GET", "url": f"/reports/{w.report}/attachments/1"},
        own_only=True,
    ),
    ("POST", "/reports/{report_id}/assign"): Rule(
        frozenset({"reviewer"}),
        _post(lambda w: f"/reports/{w.report}/assign", {"handler": "matrix"}),
        own_only=True,
    ),
    ("POST", "/reports/{report_id}/investigate"): Rule(
        frozenset({"reviewer"}), _post(lambda w: f"/reports/{w.report}/investigate"), own_only=True
    ),
    ("POST", "/reports/{report_id}/close"): Rule(
        frozenset({"reviewer"}),
        _post(
            lambda w: f"/reports/{w.report}/close", {"outcome": "unsubstantiated", "note": "矩阵"}
        ),
        own_only=True,
    ),
    # Audit and statistics: supervisors and admins.
    ("GET", "/audit"): Rule(frozenset({"supervisor", "admin"}), _get("/audit", limit=5)),
    ("GET", "/audit/verify"): Rule(frozenset({"supervisor", "admin"}), _get("/audit/verify")),
    ("GET", "/subjects/{identifier}/checks"): Rule(
        frozenset({"supervisor", "admin"}), _get(f"/subjects/{COMPANY}/checks")
    ),
    ("GET", "/statistics"): Rule(frozenset({"supervisor", "admin"}), _get("/statistics")),
    # Keys: admins, for their own department's keys only.
    ("GET", "/keys"): Rule(frozenset({"admin"}), _get("/keys")),
    ("POST", "/keys"): Rule(
        frozenset({"admin"}),
        lambda _w: {
            "method": "POST",
            "url": "/keys",
            "json": {"department": "SPC", "role": "implementer", "name": "matrix"},
        },
        own_only=True,
        own="SPC",
    ),
    ("POST", "/keys/{key_id}/rotate"): Rule(
        frozenset({"admin"}),
        lambda w: {"method": "POST", "url": f"/keys/{w.victim_key()}/rotate"},
        own_only=True,
        own="SPC",
    ),
    ("DELETE", "/keys/{key_id}"): Rule(
        frozenset({"admin"}),
        lambda w: {"method": "DELETE", "url": f"/keys/{w.victim_key()}"},
        own_only=True,
        own="SPC",
    ),
    # Proposals: initiators propose, reviewers of the department review (docs/review.md).
    ("POST", "/proposals"): Rule(
        frozenset({"initiator"}),
        lambda _w: {
            "method": "POST",
            "url": "/proposals",
            "json": {"action": "create", "entry": entry(411, department="NDRC")},
        },
        own_only=True,
    ),
    ("GET", "/proposals"): Rule(
        frozenset({"initiator", "reviewer", "supervisor", "admin"}), _get("/proposals")
    ),
    # Another department's proposal is 404 (not shown), which counts as allowed here.
    ("GET", "/proposals/{proposal_id}"): Rule(
        frozenset({"initiator", "reviewer", "supervisor", "admin"}),
        lambda w: {"method": "GET", "url": f"/proposals/{w.proposal}"},
    ),
    ("POST", "/proposals/{proposal_id}/approve"): Rule(
        frozenset({"reviewer"}),
        lambda w: {"method": "POST", "url": f"/proposals/{w.proposal}/approve"},
        own_only=True,
    ),
    ("POST", "/proposals/{proposal_id}/return"): Rule(
        frozenset({"reviewer"}),
        lambda w: {
            "method": "POST",
            "url": f"/proposals/{w.proposal}/return",
            "json": {"note": "matrix"},
        },
        own_only=True,
    ),
    # Notes: the reviewers; documents: the department that proposes (another department's
    # proposal is not found, as its page is).
    ("POST", "/proposals/{proposal_id}/notes"): Rule(
        frozenset({"reviewer"}),
        _post(lambda w: f"/proposals/{w.proposal}/notes", {"note": "矩阵"}),
        own_only=True,
    ),
    ("POST", "/proposals/{proposal_id}/attachments"): Rule(
        frozenset({"initiator", "reviewer", "supervisor", "admin"}),
        _attach(lambda w: f"/proposals/{w.proposal}/attachments"),
        own_only=True,
        # Another department's initiators and reviewers do not see the proposal (404);
        # its overseers see it but add nothing to it (403).
        any_department=frozenset({"initiator", "reviewer"}),
    ),
    ("GET", "/proposals/{proposal_id}/attachments/{attachment_id}"): Rule(
        frozenset({"initiator", "reviewer", "supervisor", "admin"}),
        lambda w: {"method": "GET", "url": f"/proposals/{w.proposal}/attachments/1"},
    ),
    ("POST", "/proposals/{proposal_id}/resubmit"): Rule(
        frozenset({"initiator"}),
        lambda w: {"method": "POST", "url": f"/proposals/{w.proposal}/resubmit"},
        own_only=True,
    ),
    ("POST", "/proposals/{proposal_id}/withdraw"): Rule(
        frozenset({"initiator"}),
        lambda w: {"method": "POST", "url": f"/proposals/{w.proposal}/withdraw"},
        own_only=True,
    ),
    # Objections: any key opens and lists (its department's); the verifying department's
    # reviewer resolves; the opening department withdraws; supervisors and admins read all.
    ("POST", "/objections"): Rule(
        ANY_KEY,
        lambda w: {
            "method": "POST",
            "url": "/objections",
            "json": {"record_id": w.record, "reason": "矩阵"},
        },
    ),
    ("GET", "/objections"): Rule(ANY_KEY, _get("/objections", overdue="true")),
    ("GET", "/objections/{objection_id}"): Rule(
        ANY_KEY,
        lambda w: {"method": "GET", "url": f"/objections/{_SHOWN_OBJECTION(w)}"},
        own_only=True,
        own="SPC",
        overseers=True,
    ),
    ("POST", "/objections/{objection_id}/resolve"): Rule(
        frozenset({"reviewer"}),
        _post(
            lambda w: f"/objections/{_RESOLVED_OBJECTION(w)}/resolve",
            {"outcome": "rejected", "note": "矩阵"},
        ),
        own_only=True,
        own="SPC",
    ),
    ("POST", "/objections/{objection_id}/withdraw"): Rule(
        ANY_KEY,
        _post(lambda w: f"/objections/{_WITHDRAWN_OBJECTION(w)}/withdraw", {}),
        own_only=True,
        own="NDRC",
    ),
    # Notes on a case: the staff of its handling department who may take its steps.
    ("POST", "/objections/{objection_id}/notes"): Rule(
        frozenset({"reviewer"}),
        _post(lambda w: f"/objections/{_SHOWN_OBJECTION(w)}/notes", {"note": "矩阵"}),
        own_only=True,
        own="SPC",
    ),
    # Documents of a case: its handling department (and its opener) attach them; whoever
    # reads the case reads them.
    ("POST", "/objections/{objection_id}/attachments"): Rule(
        frozenset({"reviewer"}),
        _attach(lambda w: f"/objections/{_SHOWN_OBJECTION(w)}/attachments"),
        own_only=True,
        own="SPC",
    ),
    ("GET", "/objections/{objection_id}/attachments/{attachment_id}"): Rule(
        ANY_KEY,
        lambda w: {"method": "GET", "url": f"/objections/{_SHOWN_OBJECTION(w)}/attachments/1"},
        own_only=True,
        own="SPC",
        overseers=True,
    ),
    ("POST", "/repairs/{repair_id}/attachments"): Rule(
        frozenset({"reviewer"}),
        _attach(lambda w: f"/repairs/{_SHOWN_REPAIR(w)}/attachments"),
        own_only=True,
        own="SAT",
    ),
    ("GET", "/repairs/{repair_id}/attachments/{attachment_id}"): Rule(
        ANY_KEY,
        lambda w: {"method": "GET", "url": f"/repairs/{_SHOWN_REPAIR(w)}/attachments/1"},
        own_only=True,
        own="SAT",
        overseers=True,
    ),
    # Credit repair: initiators and reviewers apply (for the subject); the providing
    # department's reviewer accepts and decides; any key lists its department's.
    ("POST", "/repairs"): Rule(
        frozenset({"initiator", "reviewer"}),
        lambda w: {
            "method": "POST",
            "url": "/repairs",
            # A court entry: refused (422) once authorised.
            "json": {"record_id": w.record, "commitment": "承诺", "obligations_met": True},
        },
    ),
    ("GET", "/repairs"): Rule(ANY_KEY, _get("/repairs")),
    ("GET", "/repairs/{repair_id}"): Rule(
        ANY_KEY,
        lambda w: {"method": "GET", "url": f"/repairs/{_SHOWN_REPAIR(w)}"},
        own_only=True,
        own="SAT",
        overseers=True,
    ),
    ("POST", "/repairs/{repair_id}/accept"): Rule(
        frozenset({"reviewer"}),
        _post(lambda w: f"/repairs/{_ACCEPTED_REPAIR(w)}/accept", {"accept": True}),
        own_only=True,
        own="SAT",
    ),
    ("POST", "/repairs/{repair_id}/decide"): Rule(
        frozenset({"reviewer"}),
        _post(
            lambda w: f"/repairs/{_DECIDED_REPAIR(w)}/decide",
            {"approve": False, "note": "矩阵"},
        ),
        own_only=True,
        own="SAT",
    ),
    ("POST", "/repairs/{repair_id}/notes"): Rule(
        frozenset({"reviewer"}),
        _post(lambda w: f"/repairs/{_SHOWN_REPAIR(w)}/notes", {"note": "矩阵"}),
        own_only=True,
        own="SAT",
    ),
    # Push: the feed, delivery state, webhook subscriptions.
    ("GET", "/feed"): Rule(frozenset({"implementer"}), _get("/feed", limit=5)),
    ("GET", "/deliveries"): Rule(
        frozenset({"implementer", "supervisor", "admin"}), _get("/deliveries")
    ),
    ("PUT", "/subscriptions/{department}"): Rule(
        frozenset({"implementer", "admin"}),
        lambda _w: {
            "method": "PUT",
            "url": "/subscriptions/NDRC",
            "json": {"url": "https://hooks.example.cn/matrix"},
        },
        own_only=True,
    ),
    ("GET", "/subscriptions/{department}"): Rule(
        frozenset({"implementer", "admin"}),
        _get("/subscriptions/NDRC"),
        own_only=True,
    ),
    ("DELETE", "/subscriptions/{department}"): Rule(
        frozenset({"implementer", "admin"}),
        lambda _w: {"method": "DELETE", "url": "/subscriptions/NDRC"},
        own_only=True,
    ),
    # Enforcement feedback: implementers report for their own department; overseers read all.
    ("POST", "/feedback"): Rule(
        frozenset({"implementer"}),
        lambda w: {
            "method": "POST",
            "url": "/feedback",
            "json": {
                "department": "NDRC",
                "record_id": w.record,
                "measure": "mou-2016-141/01",
                "applied": True,
                "matter": "enterprise-bond-issuance",
            },
        },
        own_only=True,
    ),
    ("GET", "/feedback"): Rule(
        frozenset({"implementer", "supervisor", "admin"}), _get("/feedback")
    ),
    ("GET", "/feedback/overdue"): Rule(
        frozenset({"implementer", "supervisor", "admin"}), _get("/feedback/overdue")
    ),
    # Publication deadlines.
    ("GET", "/deadlines/publication"): Rule(
        frozenset({"initiator", "reviewer", "supervisor", "admin"}), _get("/deadlines/publication")
    ),
    ("GET", "/deadlines/publication/summary"): Rule(
        frozenset({"initiator", "reviewer", "supervisor", "admin"}),
        _get("/deadlines/publication/summary"),
    ),
    # The public portal (web/): public pages; a key changes nothing there.
    ("GET", "web:/"): Rule(EVERYONE, _page("/")),
    ("GET", "web:/about"): Rule(EVERYONE, _page("/about")),
    ("GET", "web:/search"): Rule(EVERYONE, _page("/search?q=测试")),
    ("GET", "web:/subjects/{identifier}"): Rule(EVERYONE, _page(f"/subjects/{COMPANY}")),
    ("GET", "web:/lists/{kind}"): Rule(EVERYONE, _page("/lists/black")),
    ("GET", "web:/static/{name}"): Rule(EVERYONE, _page("/static/site.css")),
    ("GET", "/stats/departments"): Rule(
        frozenset({"supervisor", "admin"}), _get("/stats/departments")
    ),
    # The department console and self-service: sessions of people, never API keys.
    **{
        ("GET", "web:" + path): _signed_in(concrete)
        for path, concrete in {
            "/console": "/console",
            "/console/sign-in": "/console/sign-in",
            "/console/dashboard": "/console/dashboard",
            "/console/dashboard/charts/{name}.svg": "/console/dashboard/charts/ranking.svg",
            "/console/dashboard/departments.csv": "/console/dashboard/departments.csv",
            "/console/objections": "/console/objections",
            "/console/objections/{objection_id}": "/console/objections/1",
            "/console/pushed": "/console/pushed",
            "/console/pushed/{message_id}": "/console/pushed/1",
            "/console/repairs": "/console/repairs",
            "/console/repairs/{repair_id}": "/console/repairs/1",
            "/console/reports": "/console/reports",
            "/console/reports/{report_id}": "/console/reports/1",
            "/console/openings": "/console/openings",
            "/console/review": "/console/review",
            "/console/review/{proposal_id}": "/console/review/1",
            "/console/review/{proposal_id}/resubmit": "/console/review/1/resubmit",
            "/console/submit": "/console/submit",
            "/console/submit/upload": "/console/submit/upload",
            "/me": "/me",
            "/me/record": "/me/record",
            "/me/objections/{objection_id}": "/me/objections/1",
            "/me/repairs/{repair_id}": "/me/repairs/1",
            "/console/objections/{objection_id}/attachments/{attachment_id}": (
                "/console/objections/1/attachments/1"
            ),
            "/console/repairs/{repair_id}/attachments/{attachment_id}": (
                "/console/repairs/1/attachments/1"
            ),
            "/console/reports/{report_id}/attachments/{attachment_id}": (
                "/console/reports/1/attachments/1"
            ),
            "/me/{kinds}/{case_id}/attachments/{attachment_id}": "/me/repairs/1/attachments/1",
            "/console/review/{proposal_id}/attachments/{attachment_id}": (
                "/console/review/1/attachments/1"
            ),
        }.items()
    },
    **{
        ("POST", "web:" + path): _signed_in(concrete, "POST")
        for path, concrete in {
            "/console/sign-in": "/console/sign-in",
            "/console/sign-out": "/console/sign-out",
            "/console/objections": "/console/objections",
            "/console/objections/{objection_id}/resolve": "/console/objections/1/resolve",
            "/console/objections/{objection_id}/withdraw": "/console/objections/1/withdraw",
            "/console/pushed/{message_id}/feedback": "/console/pushed/1/feedback",
            "/console/repairs/{repair_id}/accept": "/console/repairs/1/accept",
            "/console/repairs/{repair_id}/decide": "/console/repairs/1/decide",
            "/console/reports/{report_id}/reporter": "/console/reports/1/reporter",
            "/console/reports/{report_id}/assign": "/console/reports/1/assign",
            "/console/reports/{report_id}/investigate": "/console/reports/1/investigate",
            "/console/reports/{report_id}/close": "/console/reports/1/close",
            "/console/reports/{report_id}/note": "/console/reports/1/note",
            "/console/objections/{objection_id}/note": "/console/objections/1/note",
            "/console/repairs/{repair_id}/note": "/console/repairs/1/note",
            "/console/review/{proposal_id}/{step}": "/console/review/1/approve",
            "/console/submit": "/console/submit",
            "/console/submit/upload": "/console/submit/upload",
            "/console/submit/upload/rejects.csv": "/console/submit/upload/rejects.csv",
            "/me/sign-in": "/me/sign-in",
            "/me/sign-out": "/me/sign-out",
            "/me/objections": "/me/objections",
            "/me/objections/{objection_id}/withdraw": "/me/objections/1/withdraw",
            "/me/repairs": "/me/repairs",
            "/console/objections/{objection_id}/attachments": "/console/objections/1/attachments",
            "/console/repairs/{repair_id}/attachments": "/console/repairs/1/attachments",
            "/console/reports/{report_id}/attachments": "/console/reports/1/attachments",
            "/me/{kinds}/{case_id}/attachments": "/me/objections/1/attachments",
            "/console/review/{proposal_id}/attachments": "/console/review/1/attachments",
        }.items()
    },
}


def app_routes() -> set[tuple[str, str]]:
    """(method, path below the API prefix) of every route the app serves (HEAD aside)."""
    found = set()
    for route in iter_route_contexts(create_app().routes):
        # The public portal's pages live outside the API: "web:" keeps them apart from API
        # paths that read the same (/subjects/{identifier}).
        path = (
            route.path.removeprefix(PREFIX)
            if route.path.startswith(PREFIX)
            else "web:" + route.path
        )
        methods = set(route.methods or ()) - {"HEAD"}
        for method in methods or {"MOUNT"}:
            found.add((method, path))
    return found


def test_every_route_is_in_the_matrix() -> None:
    routes = app_routes()
    missing = sorted(routes - MATRIX.keys())
    assert not missing, f"routes without an entry in MATRIX (decide who may call them): {missing}"
    stale = sorted(MATRIX.keys() - routes)
    assert not stale, f"entries in MATRIX for routes the app no longer has: {stale}"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    directory: Path = tmp_path_factory.mktemp("matrix")
    url = f"sqlite:///{directory}/registry.sqlite3"
    engine = open_registry(url)
    path = write_entries(directory / "entries.jsonl", [entry(301, persons=[REP])])
    assert import_file(engine, "list-entry", path).accepted == 1
    report = tipoffs.submit(
        engine,
        by=OPERATOR,
        department="NDRC",
        subject=COMPANY,
        description="涉嫌虚构交易。",
        reporter=tipoffs.Reporter("测试举报人", "13800000000"),
    )
    proposal = proposals.submit(
        engine,
        proposals.Request("create", entry=entry(412, department="NDRC")),
        by=Principal("operator", name="matrix"),
    )["id"]
    engine.dispose()
    with live_server(url) as server:
        made = World(server, report["id"], record=1, proposal=proposal)
        try:
            yield made
        finally:
            for client in made.clients.values():
                client.close()


CELLS = [
    pytest.param(
        route, role, own, id=f"{route[0]} {route[1]} | {role} | {'own' if own else 'other'}"
    )
    for route in MATRIX
    for role in ROLES
    for own in ((True,) if role == "public" else (True, False))
]


@pytest.mark.parametrize(("route", "role", "own"), CELLS)
def test_matrix(world: World, route: tuple[str, str], role: str, own: bool) -> None:
    rule = MATRIX[route]
    other = next(d for d in DEPARTMENTS if d != rule.own)
    r = world.client(role, rule.own if own else other).request(**rule.request(world))
    if rule.session:
        _no_session(r)
        return
    expected = rule.expected(role, own)
    if expected == "allowed":
        assert r.status_code not in (401, 403), r.text
        assert r.status_code < 500, r.text
        if rule.then is not None:
            rule.then(r, own)
    else:
        assert r.status_code == int(expected), r.text
        assert r.json()["error"]["code"] == (
            "unauthenticated" if expected == "401" else "forbidden"
        )


def test_a_bad_key_is_refused_never_downgraded_to_public(world: World) -> None:
    url = world.server.url + PREFIX
    for header in ("Bearer jc_nope_nope", "Bearer", "Basic abc", "jc_x_y", "Bearer jc_a_b_c"):
        r = httpx.get(url + "/me", headers={"Authorization": header})
        assert r.status_code == 401, header
        assert r.headers["www-authenticate"] == "Bearer"
    issued = keys.create(world.server.engine, department="NDRC", role="admin", by=OPERATOR)
    headers = {"Authorization": f"Bearer {issued.key}"}
    assert httpx.get(url + "/keys", headers=headers).status_code == 200
    keys.revoke(world.server.engine, issued.id, by=OPERATOR)
    assert httpx.get(url + "/keys", headers=headers).status_code == 401
