"""Work waiting in the department console after ``jointcredit demo`` (issue 18): proposals to
review and one returned for rework, an open objection, a repair application, enforcement
feedback past its due day and confidential reports in each state of their life.

Everything is made the way the console and the API make it: through the services, as the demo's
console accounts (or as the subject in self-service, or the public for the report), so the
four-eyes rule, the working-day deadlines, the push and the audit log all apply. What lies in
the past (a review gone overdue, feedback whose quarter has closed) is done with the ``now``
those services take, never by editing stored times.

Each kind of item is made once per registry: a second demo finds the first one's (by the demo
account that made it, or by its text) and adds nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from jointcredit import clock
from jointcredit.access import OPERATOR, PUBLIC, Principal, subject_principal
from jointcredit.catalog import load_catalog
from jointcredit.choices.cases import TIPOFF_STATUSES
from jointcredit.errors import ConflictError, InvalidInputError
from jointcredit.rules import feedback as feedback_rules
from jointcredit.rules.workdays import is_workday
from jointcredit.services import feedback, objections, proposals, repairs, tipoffs
from jointcredit.services.registry import subject_report
from jointcredit.settings import get_settings
from jointcredit.synth import catalog as kinds
from jointcredit.synth.records import Generator
from jointcredit.synth.subjects import Subject

#: The court lists judgment defaulters: its initiator proposes, its reviewers review.
COURT_LIST = "judgment-defaulters"
#: A black list whose entries may be repaired (a court's may not: the court removes them).
REPAIRABLE_LIST = "major-tax-violation-parties"
#: The department the demo's report goes to: the one whose passphrase the demo prints.
REPORTED_TO = "SPC"
#: Enough for any list the demo reads: its own items are a handful.
_LIMIT = 1000

OBJECTION_REASON = (
    "该案被执行人为同名的另一家公司，本公司统一社会信用代码与执行裁定书所载不符，请核查并更正。"
)
RETURN_NOTE = "请补充执行裁定书的生效日期，并核对法定代表人的身份证号码。"
REPAIR_COMMITMENT = (
    "本公司已依法补缴全部税款、滞纳金和罚款，承诺今后依法诚信纳税，自愿接受社会监督。"
)
REPAIR_EVIDENCE = "完税证明及罚款缴纳凭证（税务机关出具）"
REPORT_TEXT = "该公司在案件执行期间将名下车辆和银行存款转至关联公司，疑似规避执行。"


@dataclass(frozen=True, slots=True)
class Waiting:
    """How much work each console queue holds, as the services list it."""

    to_review: int
    returned: int
    objections: int
    repairs: int
    feedback_overdue: int
    reports: int


@dataclass(frozen=True, slots=True)
class People:
    """The demo's console accounts, as the console's sessions act (``Principal(role,
    department, name=username)``)."""

    initiator: Principal
    reviewer: Principal
    reviewer2: Principal
    implementer: Principal
    supervisor: Principal

    @classmethod
    def of(cls, accounts: Iterable[tuple[str, str, str]]) -> People:
        found = {
            username: Principal(role, department, name=username)
            for username, role, department in accounts
        }
        return cls(*(found[f"demo.{f.name}"] for f in dataclasses.fields(cls)))


def populate(
    engine: Engine,
    gen: Generator,
    listed: Sequence[dict[str, Any]],
    *,
    people: People,
    seed: int,
    today: dt.date,
    spare: Sequence[str] = (),
) -> None:
    """Leave work in every queue the demo's accounts see; ``listed``: the list entries the demo
    imported (on ``today``); ``spare``: subjects (identifiers) the demo shows elsewhere, which
    stay as they are."""
    rng = random.Random(f"{seed}/queues")
    taken = {_identifier(e["subject"]) for e in listed} | set(spare)
    # Companies on no list yet: the new entries and the report are about them alone.
    fresh = [s for s in gen.subjects() if s.kind == kinds.ORG and s.uscc not in taken]
    chosen = rng.sample(fresh, min(len(fresh), 7))
    _proposals(engine, people, chosen[:6])
    court = _candidates(listed, COURT_LIST, spare, rng, today=today, months=(0, 10))
    _objection(engine, court)
    tax = _candidates(listed, REPAIRABLE_LIST, spare, rng, today=today, months=(13, 34))
    _repair(engine, tax)
    reporters = [s for s in gen.subjects() if s.kind == kinds.PERSON]
    _report(engine, people, chosen[6:], reporters[:1])


def waiting(engine: Engine, people: People) -> Waiting:
    """What the queues hold now (whoever made it), read as the accounts that work them."""

    def count(listing: Callable[..., list[dict[str, Any]]], by: Principal, **kw: Any) -> int:
        return len(listing(engine, by=by, limit=_LIMIT, **kw))

    return Waiting(
        to_review=count(proposals.listed, people.reviewer, status="submitted"),
        returned=count(proposals.listed, people.initiator, status="returned"),
        objections=count(objections.listed, people.reviewer, status="open"),
        repairs=sum(
            count(repairs.listed, people.supervisor, status=s) for s in ("applied", "accepted")
        ),
        feedback_overdue=count(feedback.outstanding, people.implementer),
        reports=sum(
            count(tipoffs.listed, people.reviewer, status=s) for s in TIPOFF_STATUSES.open_values
        ),
    )


# -- choosing subjects ---------------------------------------------------------------------------


def _identifier(subject: dict[str, str]) -> str:
    return subject.get("uscc") or subject.get("id_number") or ""


def _candidates(
    listed: Sequence[dict[str, Any]],
    list_type: str,
    spare: Sequence[str],
    rng: random.Random,
    *,
    today: dt.date,
    months: tuple[int, int],
) -> list[dict[str, Any]]:
    """Imported entries of companies on ``list_type`` decided between ``months`` ago (still in
    force: the list's default period, no end day of their own), in a seeded order."""
    newest, oldest = (today - dt.timedelta(days=30 * m) for m in months)
    found = [
        e
        for e in listed
        if e["list_type"] == list_type
        and e["subject"]["kind"] == "legal-person"
        and e["subject"]["uscc"] not in spare
        and "valid_until" not in e
        and oldest <= dt.date.fromisoformat(e["decided_on"]) <= newest
    ]
    rng.shuffle(found)
    return found


def _record_id(engine: Engine, entry: dict[str, Any]) -> int | None:
    report = subject_report(engine, entry["subject"]["uscc"], by=OPERATOR)
    return next(
        (
            int(r["id"])
            for r in report.records
            if r["list_type"] == entry["list_type"]
            and r["document_number"] == entry["document_number"]
            and r["status"] == "active"
        ),
        None,
    )


# -- proposals -----------------------------------------------------------------------------------


def _at(day: dt.date, hour: int) -> dt.datetime:
    """``hour`` o'clock on ``day`` in China: office hours, for steps taken on a past day."""
    return clock.day_start(day) + dt.timedelta(hours=hour)


def _workdays_back(day: dt.date, n: int) -> dt.date:
    """The ``n``-th working day before ``day`` (the working day on or before it for 0)."""
    while not is_workday(day):
        day -= dt.timedelta(days=1)
    for _ in range(n):
        day -= dt.timedelta(days=1)
        while not is_workday(day):
            day -= dt.timedelta(days=1)
    return day


def _entry(subject: Subject, decided: dt.date, serial: int) -> dict[str, Any]:
    """A judgment-defaulter entry for a company and its legal representative, as the court's
    initiator would type it in the console."""
    listed = load_catalog().list_types[COURT_LIST]
    return {
        "list_type": COURT_LIST,
        "subject": {"name": subject.name, "kind": "legal-person", "uscc": subject.uscc},
        "persons": [
            {
                "role": "legal-representative",
                "name": subject.person.name,
                "id_number": subject.person.ric,
            }
        ],
        # Serials above the imported entries' (at most six digits from 1): never the same case.
        "document_number": f"（{decided.year}）{subject.county.doc_prefix}执{900000 + serial}号",
        "decided_on": decided.isoformat(),
        "department": listed.initiating_department,
        "legal_basis": listed.legal_basis,
    }


def _propose(
    engine: Engine, by: Principal, subject: Subject, serial: int, when: dt.datetime
) -> int:
    decided = clock.china_day(when) - dt.timedelta(days=7 + serial)
    request = proposals.Request("create", entry=_entry(subject, decided, serial))
    return int(proposals.submit(engine, request, by=by, now=when)["id"])


def _proposals(engine: Engine, people: People, subjects: Sequence[Subject]) -> None:
    """Three new entries awaiting review (one of them past its review deadline), one returned
    for rework, and two approved a quarter ago whose feedback is now overdue."""
    mine = proposals.listed(engine, by=people.initiator, limit=_LIMIT)
    if any(p["submitted_by"] == people.initiator.actor for p in mine) or len(subjects) < 6:
        return
    now = clock.now()
    today = clock.china_day(now)
    by = people.initiator
    late = _workdays_back(today, get_settings().review_days + 2)
    for serial, when in enumerate((now, _at(_workdays_back(today, 1), 10), _at(late, 10))):
        _propose(engine, by, subjects[serial], serial, when)
    returned = _propose(engine, by, subjects[3], 3, _at(_workdays_back(today, 3), 10))
    proposals.return_(
        engine,
        returned,
        by=people.reviewer2,
        note=RETURN_NOTE,
        now=_at(_workdays_back(today, 1), 15),
    )
    # Approved on the last day whose pushes are now overdue: the implementers had until the
    # feedback rule's due day (by default ten working days after that quarter) to answer.
    last = feedback_rules.last_overdue_message_day(today, feedback.due_rule())
    if last is None:
        return
    approved = _workdays_back(last, 0)
    for serial in (4, 5):
        done = _propose(engine, by, subjects[serial], serial, _at(_workdays_back(approved, 2), 10))
        proposals.approve(engine, done, by=people.reviewer, now=_at(approved, 11))


# -- objection, repair, report -------------------------------------------------------------------


def _objection(engine: Engine, entries: Sequence[dict[str, Any]]) -> None:
    """A company disputes its listing in self-service: its measures are suspended until the
    court verifies (the demo's reviewers)."""
    made = objections.listed(engine, by=OPERATOR, limit=_LIMIT)
    if any(o["reason"] == OBJECTION_REASON for o in made):
        return
    for entry in entries:
        record = _record_id(engine, entry)
        if record is None:
            continue
        company = subject_principal(entry["subject"]["uscc"])
        objections.open_objection(engine, record, reason=OBJECTION_REASON, by=company)
        return


def _repair(engine: Engine, entries: Sequence[dict[str, Any]]) -> None:
    """A company on the tax black list for over a year applies for repair in self-service;
    the tax administration accepts and decides (the demo's supervisor sees it waiting)."""
    made = repairs.listed(engine, by=OPERATOR, limit=_LIMIT)
    if any(r["commitment"] == REPAIR_COMMITMENT for r in made):
        return
    for entry in entries:
        record = _record_id(engine, entry)
        if record is None:
            continue
        try:
            repairs.apply(
                engine,
                record,
                commitment=REPAIR_COMMITMENT,
                obligations_met=True,
                evidence=REPAIR_EVIDENCE,
                by=subject_principal(entry["subject"]["uscc"]),
            )
        except (InvalidInputError, ConflictError):
            continue  # not eligible (yet, or any more): the next candidate
        return


#: The demo's other reports, each left in another state of its life (docs/tipoffs.md).
REPORT_ASSIGNED = "该公司在招投标中串通报价，疑似与其他投标人事先约定中标人。"
REPORT_LATE = "该公司以虚假合同骗取银行贷款后停止还款，疑似恶意逃废债务。"
REPORT_REFERRED = "该公司销售的食品标签虚假标注生产日期。"
#: Where the demo refers the report that is another department's matter.
REFERRED_TO = "SAMR"
#: How long ago the overdue report arrived: past its time limit in any month.
_LATE_BY = dt.timedelta(days=40)


def _report(
    engine: Engine, people: People, companies: Sequence[Subject], persons: Sequence[Subject]
) -> None:
    """Members of the public report a company to the court, sealed to the court's key (the
    demo's reviewer opens a reporter with the passphrase the demo prints): one just received,
    one assigned to the second reviewer, one under investigation and past its time limit, and
    one closed, referred to the market regulator."""
    if not companies or not persons:
        return
    made = tipoffs.listed(engine, by=people.reviewer, limit=_LIMIT)
    if any(r["description"] == REPORT_TEXT for r in made):
        return
    company = companies[0]

    def report(description: str, now: dt.datetime | None = None) -> int:
        done = tipoffs.submit(
            engine,
            by=PUBLIC,
            department=REPORTED_TO,
            subject=company.uscc,
            subject_name=company.name,
            description=description,
            # A synthetic person; example.com is reserved (RFC 2606): nobody's address.
            reporter=tipoffs.Reporter(name=persons[0].name, contact="reporter@example.com"),
            now=now,
        )
        return int(done["id"])

    reviewer, second = people.reviewer, people.reviewer2
    assert reviewer.name is not None and second.name is not None
    earlier = clock.now() - _LATE_BY
    late = report(REPORT_LATE, earlier)
    tipoffs.assign(engine, late, handler=reviewer.name, by=reviewer, now=earlier)
    tipoffs.investigate(engine, late, by=reviewer, note="已调取借款合同和还款记录。", now=earlier)
    referred = report(REPORT_REFERRED)
    tipoffs.close(
        engine,
        referred,
        outcome="referred",
        referred_to=REFERRED_TO,
        note="食品标签问题属市场监管部门职责，移交办理。",
        by=reviewer,
    )
    assigned = report(REPORT_ASSIGNED)
    tipoffs.assign(engine, assigned, handler=second.name, by=reviewer)
    report(REPORT_TEXT)


__all__ = ["People", "Waiting", "populate", "waiting"]
