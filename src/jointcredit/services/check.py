"""The joint check and bulk screening: the use cases shared by CLI, API and web."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine
from stdnum.exceptions import InvalidChecksum, ValidationError

from jointcredit import clock
from jointcredit.access import Principal, require
from jointcredit.errors import (
    AuthenticationError,
    InvalidInputError,
    JointCreditError,
    PermissionDeniedError,
)
from jointcredit.identifiers import divisions, ric, uscc
from jointcredit.identifiers.classify import check as classify
from jointcredit.importing import values
from jointcredit.rules.check import CatalogLike, CheckResult, Facts, RuleBook, decide
from jointcredit.security.digest import digest_of
from jointcredit.services import audit, metrics, receipts
from jointcredit.store.check_facts import load_facts


class CheckInputError(JointCreditError):
    """A check asked with an invalid identifier, or a department or matter the catalog lacks."""

    code = "check-input"


#: The first day a check may answer for: the founding of the People's Republic, before which
#: no decision of any department of the catalog was made.
EARLIEST_AS_OF = dt.date(1949, 10, 1)


def answer_day(as_of: dt.date | None) -> dt.date:
    """The day a check given to a caller answers for: ``as_of``, by default today in China.

    A day after today (in China) is refused, and one before 1949-10-01: an answer, signed and
    audited, says what the registry held on its day, and for a future day no one can know
    that — entries will be made, ended and disputed before it comes. (:func:`check` and
    :func:`screen`, which answer no caller, take any day: simulations and tests.)
    """
    today = clock.today()
    if as_of is None:
        return today
    if as_of > today:
        why = f"{as_of.isoformat()} is after today ({today.isoformat()} in China)"
    elif as_of < EARLIEST_AS_OF:
        why = f"{as_of.isoformat()} is before {EARLIEST_AS_OF.isoformat()}"
    else:
        return as_of
    raise InvalidInputError(
        f"as_of: {why}: a check answers for a day from {EARLIEST_AS_OF.isoformat()} to today",
        problems=[{"field": "as_of", "error": why}],
    )


_default_rules: RuleBook | None = None


def rule_book(catalog: CatalogLike | None = None) -> RuleBook:
    """The rules of ``catalog``, or of the configured catalog, loaded and checked once."""
    global _default_rules
    if catalog is not None:
        return RuleBook(catalog)
    from jointcredit.catalog import load_catalog

    current = load_catalog()  # cached per configured paths: the same object while they hold
    if _default_rules is None or _default_rules.catalog is not current:
        _default_rules = RuleBook(current)
    return _default_rules


def region_of(rules: RuleBook, department: str) -> str | None:
    """The checking department's jurisdiction (None: national): regional measures apply to
    the departments inside their region only."""
    known = rules.catalog.departments.get(department)
    return getattr(known, "region", None)


def _checked_codes(catalog: Any, department: str, matter: str) -> None:
    if department not in catalog.departments:
        raise CheckInputError(f"department {department!r} is not in the catalog")
    if matter not in catalog.matters:
        raise CheckInputError(f"matter {matter!r} is not in the catalog")


def _identifier(raw: str) -> str:
    """The normalised identifier, if it is a valid USCC or resident identity number.

    The look-up goes by value whatever the type, so the fast validators decide; the slower
    classification only words the error.
    """
    for validate in (uscc.validate, ric.validate):
        try:
            return validate(raw)
        except ValidationError:
            continue
    result = classify(raw)
    reason = result.error or f"a {result.type} is not a subject identifier of the check"
    raise CheckInputError(f"{raw!r} is not a valid USCC or resident identity number: {reason}")


def _mistyped_resident_id(code: str, facts: Facts) -> CheckInputError | None:
    """An unknown 18-digit code that passes the USCC check but reads as a resident identity
    number with a wrong check digit (about 1 typo in 31 does): refuse it rather than answer
    "no measures" for what is most likely a person's number mistyped."""
    if facts.subject is not None or not code.isdigit() or not divisions.is_known(code[:6]):
        return None
    try:
        ric.validate(code)
    except InvalidChecksum as exc:
        try:
            values.parse_any_date(code[6:14])
        except ValueError:
            return None
        return CheckInputError(
            f"{code!r} is unknown as a USCC and reads as a resident identity number whose "
            f"check digit is wrong ({exc}); check the number"
        )
    except ValidationError:
        return None
    return None


def check(
    engine: Engine,
    identifier: str,
    *,
    department: str,
    matter: str,
    as_of: dt.date | None = None,
    catalog: CatalogLike | None = None,
) -> CheckResult:
    """Every measure that applies to the subject for ``matter`` on ``as_of`` (default today)."""
    with engine.connect() as conn:
        return _checked(conn, identifier, department, matter, as_of, catalog)[1]


def _checked(
    conn: Connection,
    identifier: str,
    department: str,
    matter: str,
    as_of: dt.date | None,
    catalog: CatalogLike | None,
) -> tuple[str, CheckResult]:
    """The normalised identifier and the check's result, read on ``conn``."""
    day = as_of or clock.today()
    rules = rule_book(catalog)
    _checked_codes(rules.catalog, department, matter)
    code = _identifier(identifier)
    facts = load_facts(conn, [code])[code]
    mistyped = _mistyped_resident_id(code, facts)
    if mistyped is not None:
        raise mistyped
    result = decide(
        facts, rules, department=department, matter=matter, as_of=day,
        region=region_of(rules, department),
    )  # fmt: skip
    return code, result


@dataclass(frozen=True, slots=True)
class PreparedAnswer:
    """A check answered but not yet recorded: the answer, its unsigned receipt, the audit
    event to write. :meth:`finish` completes it once the event's row id is known."""

    answer: dict[str, Any]
    receipt: dict[str, Any]
    event: audit.Event

    def finish(self, entry: int) -> dict[str, Any]:
        return self.answer | {"receipt": receipts.signed(self.receipt, audit_entry=entry)}


def prepare_answer(
    engine: Engine,
    identifier: str,
    *,
    by: Principal,
    department: str,
    matter: str,
    as_of: dt.date | None = None,
    catalog: CatalogLike | None = None,
) -> PreparedAnswer:
    started = time.perf_counter()
    try:
        require(by, "check", department)
        as_of = answer_day(as_of)  # a signed answer only for a day that has come
        with engine.connect() as conn:
            code, result = _checked(conn, identifier, department, matter, as_of, catalog)
            version = receipts.registry_version(conn)
    except Exception as exc:
        metrics.record_check(_matter_label(matter, catalog), _refusal(exc))
        raise
    out = result.to_dict()
    receipt = receipts.draft(out, subject=code, registry_version=version)
    applied = sum(d["status"] == "applied" for d in out["decisions"])
    event = audit.Event(
        "check",
        subject=code,
        matter=matter,
        result_digest=receipt["answer_digest"],
        detail={
            "receipt": receipt["id"],
            "as_of": out["as_of"],
            "decisions": len(out["decisions"]),
            "applied": applied,
        },
    )
    metrics.record_check(matter, "measures" if applied else "clear", time.perf_counter() - started)
    return PreparedAnswer(out, receipt, event)


def _matter_label(matter: str, catalog: CatalogLike | None) -> str:
    """The matter as the metrics name it: a code the catalog lacks is not a new label."""
    try:
        known_matters: Any = rule_book(catalog).catalog  # the catalog (CatalogLike omits them)
        known = matter in known_matters.matters
    except Exception:  # the catalog itself failed to load: that error is being raised
        known = False
    return matter if known else metrics.UNKNOWN


def _refusal(exc: Exception) -> str:
    if isinstance(exc, (AuthenticationError, PermissionDeniedError)):
        return "denied"
    if isinstance(exc, (CheckInputError, InvalidInputError)):
        return "invalid"
    return "error"


def answer(
    engine: Engine,
    identifier: str,
    *,
    by: Principal,
    department: str,
    matter: str,
    as_of: dt.date | None = None,
    catalog: CatalogLike | None = None,
    recorder: audit.Recorder | None = None,
) -> dict[str, Any]:
    """The check as a department receives it: the answer, a signed receipt, an audit row.

    The audit row and the receipt name each other (the row holds the receipt's id and the
    answer's digest, the signed receipt the row's id); the answer is handed out only after
    the row is committed: if the look-up cannot be recorded, it is not answered.
    """
    prepared = prepare_answer(
        engine,
        identifier,
        by=by,
        department=department,
        matter=matter,
        as_of=as_of,
        catalog=catalog,
    )
    [entry] = (recorder or audit.direct(engine))(by, [prepared.event])
    return prepared.finish(entry)


@dataclass(frozen=True, slots=True)
class ScreenLine:
    """One input line's answer: a check result, or why the input is not an identifier."""

    line: int
    input: str
    result: CheckResult | None
    error: str | None

    def to_dict(self) -> dict[str, Any]:
        base: dict[str, Any] = {"line": self.line, "input": self.input, "error": self.error}
        if self.result is None:
            return base | {"subject": None, "decisions": []}
        out = self.result.to_dict()
        return base | {
            "identifier": out["subject"]["identifier"] if out["subject"] else None,
            "subject": out["subject"],
            "as_of": out["as_of"],
            "catalog_version": out["catalog_version"],
            "decisions": out["decisions"],
        }


def screen(
    engine: Engine,
    inputs: Iterable[tuple[int, str]],
    *,
    department: str,
    matter: str,
    as_of: dt.date | None = None,
    catalog: CatalogLike | None = None,
    batch_size: int = 2000,
) -> Iterator[ScreenLine]:
    """Check every (line number, identifier) of ``inputs``, in order, batch by batch.

    Invalid identifiers are answered with an error, never dropped. Memory is bounded by the
    batch size, whatever the number of inputs.
    """
    day = as_of or clock.today()
    rules = rule_book(catalog)
    _checked_codes(rules.catalog, department, matter)
    batch: list[tuple[int, str]] = []
    for item in inputs:
        batch.append(item)
        if len(batch) >= batch_size:
            yield from _screen_batch(engine, batch, rules, department, matter, day)
            batch = []
    if batch:
        yield from _screen_batch(engine, batch, rules, department, matter, day)


def _screen_batch(
    engine: Engine,
    batch: Sequence[tuple[int, str]],
    rules: RuleBook,
    department: str,
    matter: str,
    day: dt.date,
) -> Iterator[ScreenLine]:
    codes: dict[int, str | CheckInputError] = {}
    for line, raw in batch:
        try:
            codes[line] = _identifier(raw)
        except CheckInputError as exc:
            codes[line] = exc
    valid = [c for c in codes.values() if isinstance(c, str)]
    with engine.connect() as conn:
        facts = load_facts(conn, valid)
    for line, raw in batch:
        code = codes[line]
        if isinstance(code, str) and (mistyped := _mistyped_resident_id(code, facts[code])):
            code = mistyped
        if isinstance(code, CheckInputError):
            yield ScreenLine(line, raw, None, str(code))
        else:
            result = decide(
                facts[code], rules, department=department, matter=matter, as_of=day,
                region=region_of(rules, department),
            )  # fmt: skip
            yield ScreenLine(line, raw, result, None)


def screen_audited(
    engine: Engine,
    inputs: Iterable[tuple[int, str]],
    *,
    by: Principal,
    department: str,
    matter: str,
    as_of: dt.date | None = None,
    catalog: CatalogLike | None = None,
    batch_size: int = 2000,
    recorder: audit.Recorder | None = None,
) -> Iterator[ScreenLine]:
    """:func:`screen` for a caller: each batch is recorded in the audit log (one row per
    subject looked up, so every subject can see the screening in its query history) before
    any of its lines is handed out."""
    require(by, "screen", department)
    as_of = answer_day(as_of)
    pending: list[ScreenLine] = []
    algorithm = audit.chain_algorithm()
    record = recorder or audit.direct(engine)
    for line in screen(
        engine,
        inputs,
        department=department,
        matter=matter,
        as_of=as_of,
        catalog=catalog,
        batch_size=batch_size,
    ):
        pending.append(line)
        if len(pending) >= batch_size:
            _record_screen(record, by, matter, pending, algorithm)
            yield from pending
            pending = []
    if pending:
        _record_screen(record, by, matter, pending, algorithm)
        yield from pending


def _record_screen(
    record: audit.Recorder, by: Principal, matter: str, lines: Sequence[ScreenLine], algorithm: str
) -> None:
    events = [
        audit.Event(
            "screen",
            subject=line.result.subject.identifier if line.result.subject else None,
            matter=matter,
            result_digest=digest_of([d.to_dict() for d in line.result.decisions], algorithm),
            detail={"line": line.line, "as_of": line.result.as_of.isoformat()},
        )
        for line in lines
        if line.result is not None
    ]
    if events:
        record(by, events)
    metrics.record_screen(matter, len(events), len(lines) - len(events))
