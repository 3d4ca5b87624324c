"""Public credit comprehensive evaluation: grade one organisation, or every one that changed.

A grade is :func:`jointcredit.grading.evaluate` applied to all of a subject's records under the
configured scorecard, stored with its explanation (``credit_grades``); a change of score or
grade appends a row to ``credit_grade_history`` with before and after.

Incremental recompute (docs/grading.md): every change to a record — a new record or version,
a status change (objection opened or closed, repair, withdrawal) — appends a ``record_history``
row, and time alone changes a grade only on the day an evaluation names in advance
(``stale_on``: an entry begins or expires, a penalty leaves its age window). A run therefore
recomputes the subjects of the ``record_history`` rows above the previous run's high-water mark,
the grades whose ``stale_on`` has come, and the organisations without a grade. On PostgreSQL
ids are drawn before commit, so ids below the mark that were not yet visible are remembered
(``gaps``) and looked at again by the following runs, until they appear or are an hour old
(a rolled-back insert never appears). A new scorecard, or ``full``, recomputes everything.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, RowMapping

from jointcredit.access import Principal, require
from jointcredit.clock import today as china_today
from jointcredit.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from jointcredit.grading.evaluate import Evaluation, evaluate, number_text
from jointcredit.grading.scorecard import Scorecard, load_scorecard
from jointcredit.identifiers.normalize import normalize
from jointcredit.rules.check import Entry
from jointcredit.security.digest import digest_of
from jointcredit.services import audit
from jointcredit.store import grading as store
from jointcredit.store.db import write_transaction

#: Ids not yet visible are looked for again by later runs for this long, then given up (a
#: rolled-back insert leaves a gap that is never filled).
GAP_SECONDS = 3600
#: A changed run with more candidates than this grades everything instead (bounded memory).
FULL_SWITCH = 1_000_000
BATCH = 2000


def _today() -> dt.date:
    return china_today()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _grade_names(card: Scorecard, grade: str) -> dict[str, str]:
    for g in card.grades:
        if g.grade == grade:
            return {"zh": g.name_zh, "en": g.name_en}
    return {"zh": "", "en": ""}


def _reason(old: RowMapping | None, card: Scorecard, fp: str) -> str:
    if old is None:
        return "first"
    if old["scorecard"] != card.label:
        return "scorecard"
    if old["fingerprint"] != fp:
        return "records"
    return "time"


def _apply(
    conn: Connection,
    subject_ids: Sequence[int],
    card: Scorecard,
    day: dt.date,
    now: dt.datetime,
) -> tuple[int, int, dict[int, tuple[Evaluation, list[Entry]]]]:
    """Grade ``subject_ids`` in ``conn``'s transaction; (rows written, score or grade
    changes, each subject's evaluation and records)."""
    loaded = store.load_records(conn, subject_ids)
    old_rows = store.current(conn, subject_ids)
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    history: list[dict[str, Any]] = []
    results: dict[int, tuple[Evaluation, list[Entry]]] = {}
    for sid in subject_ids:
        entries, fp = loaded[sid]
        ev = evaluate(entries, card, day)
        results[sid] = (ev, entries)
        score = float(ev.score)
        old = old_rows.get(sid)
        row = {
            "subject_id": sid,
            "score": score,
            "grade": ev.grade,
            "scorecard": card.label,
            "explanation": ev.explanation(),
            "as_of": day,
            "stale_on": ev.stale_on,
            "fingerprint": fp,
            "computed_at": now,
        }
        if old is None:
            inserts.append(row)
        else:
            # Same records, same scorecard, and the day time alone changes it not reached:
            # the same explanation (evaluate is a pure function).
            same = (
                old["score"] == score
                and old["grade"] == ev.grade
                and old["scorecard"] == card.label
                and old["stale_on"] == ev.stale_on
                and old["fingerprint"] == fp
            )
            if same:
                continue
            updates.append(row)
        if old is None or old["score"] != score or old["grade"] != ev.grade:
            history.append(
                {
                    "subject_id": sid,
                    "grade_before": old["grade"] if old is not None else None,
                    "grade_after": ev.grade,
                    "score_before": old["score"] if old is not None else None,
                    "score_after": score,
                    "scorecard": card.label,
                    "reason": _reason(old, card, fp),
                    "as_of": day,
                    "changed_at": now,
                }
            )
    store.save(conn, inserts, updates, history)
    return len(inserts) + len(updates), len(history), results


def _code(identifier: str) -> str:
    code = normalize(identifier)
    if not code or len(code) > 64 or "\x00" in code:
        raise NotFoundError("no subject with this identifier")
    return code


def _view(
    subject: RowMapping,
    ev: Evaluation,
    entries: Sequence[Entry],
    card: Scorecard,
    history: Iterable[RowMapping],
    computed_at: dt.datetime,
) -> dict[str, Any]:
    by_id = {e.id: e for e in entries}
    indicators = []
    for result in ev.indicators:
        shown = result.to_dict()
        shown["records"] = [
            {
                "id": rid,
                "kind": by_id[rid].kind,
                "document_number": by_id[rid].document_number,
                "decision_date": by_id[rid].decision_date.isoformat(),
                "severity": by_id[rid].severity,
                "list_type": by_id[rid].list_type,
            }
            for rid in result.records
        ]
        indicators.append(shown)
    return {
        "identifier": subject["identifier"],
        "name": subject["name"],
        "kind": subject["kind"],
        "score": str(ev.score),
        "grade": ev.grade,
        "grade_name": _grade_names(card, ev.grade),
        "scorecard": card.label,
        "scorecard_version": card.version,
        "base": number_text(ev.base),
        "as_of": ev.as_of.isoformat(),
        "valid_until": (ev.stale_on - dt.timedelta(days=1)).isoformat() if ev.stale_on else None,
        "computed_at": computed_at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
        "indicators": indicators,
        "history": [
            {
                "grade_before": h["grade_before"],
                "grade_after": h["grade_after"],
                "score_before": h["score_before"],
                "score_after": h["score_after"],
                "reason": h["reason"],
                "as_of": h["as_of"].isoformat()
                if isinstance(h["as_of"], dt.date)
                else str(h["as_of"]),
            }
            for h in history
        ],
    }


def grade_one(
    engine: Engine,
    identifier: str,
    *,
    by: Principal,
    day: dt.date | None = None,
    card: Scorecard | None = None,
) -> dict[str, Any]:
    """The organisation's grade, computed now from its records (and stored, with a history row
    if it changed): score, grade, every indicator's points and the records behind them, and
    the grade's history. Audited (``grade``)."""
    require(by, "read-shared")
    card = card or load_scorecard()
    day = day or _today()
    code = _code(identifier)
    now = _now()
    with write_transaction(engine) as conn:
        subject = store.organisation(conn, code)
        if subject is None:
            raise NotFoundError("no subject with this identifier")
        if subject["kind"] not in store.ORGANISATION_KINDS:
            raise InvalidInputError(
                f"{identifier!r} is a natural person: the evaluation grades organisations only"
            )
        _, _, results = _apply(conn, [subject["id"]], card, day, now)
        ev, entries = results[subject["id"]]
        audit.append(
            conn,
            by,
            "grade",
            subject=subject["identifier"],
            result_digest=digest_of(ev.explanation(), audit.chain_algorithm()),
            detail={"grade": ev.grade, "score": str(ev.score), "scorecard": card.label},
        )
        history = store.history_of(conn, subject["id"])
    return _view(subject, ev, entries, card, history, now)


def _candidates(
    conn: Connection, previous: RowMapping, top: int, day: dt.date, now: dt.datetime
) -> tuple[set[int], list[list[Any]]]:
    """Subjects to recompute since ``previous`` run, and the gaps to remember: ranges
    ``[first id, last id, first seen]`` of record_history ids not yet visible."""
    wanted: set[int] = set()
    gaps: list[list[Any]] = []
    pg = conn.dialect.name == "postgresql"
    for first, last, seen in previous["gaps"] or []:
        if (now - dt.datetime.fromisoformat(str(seen))).total_seconds() >= GAP_SECONDS:
            continue  # a rolled-back insert: never coming
        for low, high, rows in store.history_between(conn, int(first) - 1, int(last)):
            wanted.update(sid for _, sid in rows)
            gaps.extend([a, b, seen] for a, b in store.missing(low, high, [h for h, _ in rows]))
    stamp = now.isoformat()
    for low, high, rows in store.history_between(conn, int(previous["mark"]), top):
        wanted.update(sid for _, sid in rows)
        # Ids not visible now: rows of transactions still open (PostgreSQL draws ids before
        # commit) — or rolled back, which the age limit above gives up on.
        if pg and high - low > len(rows):
            gaps.extend([a, b, stamp] for a, b in store.missing(low, high, [h for h, _ in rows]))
    wanted.update(store.stale(conn, day))
    wanted.update(store.ungraded(conn))
    return wanted, gaps


def grade_all(
    engine: Engine,
    *,
    by: Principal,
    changed_only: bool = True,
    day: dt.date | None = None,
    card: Scorecard | None = None,
    batch_size: int = BATCH,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Recompute the grades that may have changed (or, ``changed_only=False``, every
    organisation's), batch by batch, each in a transaction of its own; memory stays bounded by
    the batch. Returns what was done: subjects recomputed, grades written, score or grade
    changes, counts by grade, seconds. The run is recorded (``credit_grade_runs``) and audited
    (``grade-run``). Only the operator runs it."""
    if by.role != "operator":
        raise PermissionDeniedError(f"the role {by.role} may not grade every subject")
    card = card or load_scorecard()
    day = day or _today()
    started = time.perf_counter()
    started_at = _now()
    with engine.connect() as conn:
        previous = store.last_run(conn)
        top = store.history_top(conn)
        full = (
            not changed_only
            or previous is None
            or previous["scorecard"] != card.label
            or store.other_scorecard(conn, card.label)
        )
        gaps: list[list[Any]] = []
        wanted: set[int] = set()
        if not full and previous is not None:
            wanted, gaps = _candidates(conn, previous, top, day, started_at)
            if len(wanted) > FULL_SWITCH:
                full, wanted = True, set()
    recomputed = written = changed = 0

    def run(batch: Sequence[int]) -> None:
        nonlocal recomputed, written, changed
        with write_transaction(engine) as conn:
            ids = batch if full else store.only_organisations(conn, batch)
            w, c, _ = _apply(conn, ids, card, day, _now())
        recomputed += len(ids)
        written += w
        changed += c
        if progress is not None:
            progress(recomputed)

    if full:
        after = 0
        while True:
            with engine.connect() as conn:
                batch = store.organisations_after(conn, after, batch_size)
            if not batch:
                break
            run(batch)
            after = batch[-1]
    else:
        ordered = sorted(wanted)
        for first in range(0, len(ordered), batch_size):
            run(ordered[first : first + batch_size])
    seconds = time.perf_counter() - started
    with write_transaction(engine) as conn:
        counts = store.counts_by_grade(conn)
        store.add_run(
            conn,
            {
                "scorecard": card.label,
                "full": full,
                "mark": top,
                "gaps": gaps,
                "subjects": recomputed,
                "changed": changed,
                "actor": by.actor,
                "started_at": started_at,
                "finished_at": _now(),
            },
        )
        audit.append(
            conn,
            by,
            "grade-run",
            detail={
                "full": full,
                "subjects": recomputed,
                "written": written,
                "changed": changed,
                "scorecard": card.label,
            },
        )
    return {
        "full": full,
        "scorecard": card.label,
        "as_of": day.isoformat(),
        "subjects": recomputed,
        "written": written,
        "changed": changed,
        "counts": counts,
        "seconds": round(seconds, 3),
    }
