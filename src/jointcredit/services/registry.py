"""Opening the registry and reading from it: the use cases shared by CLI, API and web."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from jointcredit.access import Principal, require
from jointcredit.errors import DatabaseNotReadyError, NotFoundError
from jointcredit.identifiers.mask import mask_identifier, mask_name, mask_resident_id
from jointcredit.identifiers.normalize import normalize
from jointcredit.importing.list_formats import own_columns, public_columns
from jointcredit.security.digest import digest_of
from jointcredit.services import audit, holidays
from jointcredit.settings import get_settings
from jointcredit.store import migrate, records, subjects
from jointcredit.store.db import make_engine


def open_registry(url: str | None = None, *, upgrade: bool | None = None) -> Engine:
    """An engine on the registry at ``url`` (default: the configured one), migrated to head.

    With ``upgrade`` false (or JOINTCREDIT_AUTO_MIGRATE=false) a database behind the code's
    schema is an error instead, for production sites that migrate in a deliberate step.
    """
    settings = get_settings()
    # Before the database: a faulty holiday file stops the start with its errors, and no
    # deadline is counted without the years it adds.
    holidays.install()
    engine = make_engine(url or settings.resolved_database_url())
    if upgrade is None:
        upgrade = settings.auto_migrate
    current = migrate.current_revision(engine)
    if current != migrate.head_revision():
        if not upgrade:
            raise DatabaseNotReadyError(
                f"the database is at schema revision {current or 'none'}, the code needs "
                f"{migrate.head_revision()}: run `jointcredit db upgrade`"
            )
        migrate.upgrade(engine)
    _sync_departments(engine)
    return engine


def _sync_departments(engine: Engine) -> None:
    """The departments table as the catalog says (services.departments); a broken catalog is
    left to the command that reads it, which names its errors."""
    from jointcredit.catalog import CatalogError
    from jointcredit.services import departments

    try:
        departments.sync(engine)
    except CatalogError:
        return


@dataclass(frozen=True, slots=True)
class SubjectReport:
    subject: dict[str, Any]
    identifiers: list[dict[str, Any]]
    relations: list[dict[str, Any]]
    records: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "identifiers": self.identifiers,
            "relations": self.relations,
            "records": self.records,
        }


def _jsonable(row: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in dict(row).items():
        out[key] = value.isoformat() if hasattr(value, "isoformat") else value
    return out


#: Payload fields that hold a person's identity document number or a person's name.
_PERSON_NUMBER_FIELDS = frozenset(f"{p}_{f}" for p in ("XK", "CF") for f in ("FR_ZJHM", "XDR_ZJHM"))
_PERSON_NAME_FIELDS = frozenset({"XK_FRDB", "CF_FRDB"})


def mask_payload(payload: Any) -> Any:
    """A record's payload as public pages show it: persons' numbers and names masked.

    >>> mask_payload({'CF_FRDB': '王测试', 'CF_FR_ZJHM': '110101198001010010', 'CF_WSH': 'A1'})
    {'CF_FRDB': '王**', 'CF_FR_ZJHM': '110101********0010', 'CF_WSH': 'A1'}
    >>> mask_payload({'subject': {'kind': 'natural-person', 'name': '李四',
    ...   'id_number': '110101198001010010'}, 'persons': []})['subject']
    {'kind': 'natural-person', 'name': '李*', 'id_number': '110101********0010'}
    """
    if not isinstance(payload, dict):
        return payload
    out: dict[str, Any] = {}
    natural = payload.get("CF_XDR_LB") == "自然人" or payload.get("XK_XDR_LB") == "自然人"
    for key, value in payload.items():
        if key in _PERSON_NUMBER_FIELDS and isinstance(value, str):
            out[key] = mask_resident_id(value) if len(value) == 18 else "*" * len(value)
        elif (key in _PERSON_NAME_FIELDS or (natural and key.endswith("XDR_MC"))) and isinstance(
            value, str
        ):
            out[key] = mask_name(value)
        elif key == "subject" and isinstance(value, dict):
            subject = dict(value)
            if "id_number" in subject:
                subject["id_number"] = mask_resident_id(str(subject["id_number"]))
                subject["name"] = mask_name(str(subject.get("name", "")))
            out[key] = subject
        elif key == "persons" and isinstance(value, list):
            out[key] = [
                {
                    **p,
                    "name": mask_name(str(p.get("name", ""))),
                    "id_number": mask_resident_id(str(p.get("id_number", ""))),
                }
                if isinstance(p, dict)
                else p
                for p in value
            ]
        else:
            out[key] = value
    # A national list's own columns (court, tax …) name persons in columns of their own.
    if own := public_columns(payload):
        for label, _ in own_columns(payload):
            out.pop(label, None)
        out.update(own)
    return out


def subject_report(
    engine: Engine, identifier: str, *, by: Principal, masked: bool = False
) -> SubjectReport:
    """Everything the registry holds on the subject with ``identifier`` (any identifier kind).

    A read of shared data like the API's, and audited like it: one ``read-subject`` row for
    ``by`` (the CLI's operator), committed before the report is handed out, masked or not —
    the records and relations are shared data either way.
    """
    require(by, "read-shared")
    code = normalize(identifier)
    with engine.connect() as conn:
        subject = subjects.find_subject(conn, code)
        if subject is None:
            raise NotFoundError(f"no subject with identifier {code}")
        subject_id = subject["id"]
        ids = [dict(r) for r in subjects.subject_identifiers_of(conn, subject_id)]
        rels = [_jsonable(r) for r in subjects.relations_of(conn, subject_id)]
        recs = [_jsonable(r) for r in records.records_of_subject(conn, subject_id)]
    subj = _jsonable(subject)
    if masked:
        subj["identifier"] = mask_identifier(subj["identifier"], subj["identifier_type"])
        for item in ids:
            item["value"] = mask_identifier(item["value"], item["type"])
        for rel in rels:
            if rel["other_kind"] == "natural-person":
                rel["other_identifier"] = mask_identifier(rel["other_identifier"], "resident-id")
                rel["other_name"] = mask_name(rel["other_name"])
        if subj["kind"] == "natural-person":
            subj["name"] = mask_name(subj["name"])
        for rec in recs:
            rec["payload"] = mask_payload(rec["payload"])
    for rec in recs:
        rec.pop("natural_key", None)
    report = SubjectReport(subj, ids, rels, recs)
    audit.direct(engine)(
        by,
        [
            audit.Event(
                "read-subject",
                subject=subject["identifier"],
                result_digest=digest_of(report.to_dict(), audit.chain_algorithm()),
                detail={"records": len(recs), "masked": masked},
            )
        ],
    )
    return report


def summary(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return records.counts(conn)
