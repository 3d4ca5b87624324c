"""The console's submission pages.

``/console/submit`` (initiators): one penalty, licence or list entry through a form, or a whole
file (CSV/XLSX in the national double-publicity formats, or list entries) with its rejects
report. A proposal made here is followed in the review queue (:mod:`jointcredit.web.console_review`,
``/console/review``), which reuses this module's list-entry form for a resubmission.

Every page acts through the same services as the API (:mod:`jointcredit.services.submissions`,
:mod:`jointcredit.services.proposals`), as the signed-in member: the services check the role,
the department and four eyes, validate, and write the audit log. A form whose content the
service refuses comes back with each problem next to its field and everything typed kept.

The import job does not keep its rejected rows, so the rejects report is the answer to the
upload itself; its CSV download posts the listed rejects back (no file stays on the server).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.responses import Response

from jointcredit.catalog import load_catalog
from jointcredit.errors import (
    ConflictError,
    InvalidInputError,
    JointCreditError,
    NotFoundError,
    PermissionDeniedError,
)
from jointcredit.importing.formats import (
    ID_DOCUMENT_TYPES,
    LICENCE_CATEGORIES,
    LICENSING,
    PENALTIES,
    SUBJECT_CATEGORIES,
)
from jointcredit.importing.list_formats import CHOICES as LIST_FORMATS
from jointcredit.importing.list_formats import FORMATS
from jointcredit.messages import Language, render
from jointcredit.record_drafts import RELATION_ROLES, SUBJECT_KINDS
from jointcredit.services import submissions
from jointcredit.services.public import csv_text
from jointcredit.services.staff import StaffSession
from jointcredit.web.i18n import translator
from jointcredit.web.render import catalog_name, language
from jointcredit.web.session import (
    check_form,
    console_page,
    engine_of,
    redirect,
    require_staff,
)

router = APIRouter(include_in_schema=False)

SUBMIT = "/console/submit"
UPLOAD = "/console/submit/upload"
REVIEW = "/console/review"
#: The forms for one item, in tab order.
FORM_KINDS = ("penalty", "licensing", "list-entry")
#: File kinds the upload takes: the service's import kinds.
FILE_KINDS = ("penalty", "licensing", "list-entry")
#: Person rows the list-entry form offers (persons reached through an organisation).
PERSON_ROWS = 2
#: Proposals a page of the queue shows.
PAGE_SIZE = 20
#: Longest value a form field keeps (the services refuse longer ones with a message).
_FIELD_MAX = 20_000
#: Most rejects the CSV download takes back (the service lists at most the configured number).
_REJECTS_MAX = 100_000


# -- the forms' fields ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Field:
    """One input of a form: its name is the service's field name (so a problem the service
    names lands next to it), its label and hint are string keys."""

    name: str
    label: str
    kind: str = "text"  # text, textarea, date, select
    required: bool = False
    hint: str | None = None
    #: (value, string key of its label, or "" and the label itself).
    options: tuple[tuple[str, str, str], ...] = ()
    inputmode: str | None = None

    @property
    def id(self) -> str:
        return "f-" + re.sub(r"[^\w-]", "-", self.name)


@dataclass(frozen=True, slots=True)
class Group:
    """A fieldset; ``folded`` groups sit in a ``<details>`` that opens when one has an error."""

    legend: str
    fields: tuple[Field, ...]
    folded: bool = False


Option = tuple[str, str, str]

_SUBJECT_CATEGORY_KEYS = {
    "法人及非法人组织": "submit.opt.org",
    "自然人": "submit.opt.person",
    "个体工商户": "submit.opt.business",
}
_ID_TYPE_KEYS = {
    "身份证": "submit.opt.id",
    "护照号": "submit.opt.passport",
    "港澳居民来往内地通行证": "submit.opt.hkmo",
    "台湾居民来往大陆通行证": "submit.opt.tw",
    "外国人永久居留身份证": "submit.opt.foreigner",
}
_LICENCE_STATES = ("注销", "撤销", "吊销")
_CHOOSE: Option = ("", "submit.opt.choose", "")


def _options(values: Sequence[str], keys: Mapping[str, str] | None = None) -> tuple[Option, ...]:
    """A select's options: the national format's own values, each with its label."""
    return (_CHOOSE, *((v, (keys or {}).get(v, ""), v) for v in values))


def _subject_groups(p: str) -> tuple[Group, ...]:
    def f(name: str, **kw: Any) -> Field:
        return Field(p + name, "submit.f." + name, **kw)

    documents = _options(ID_DOCUMENT_TYPES, _ID_TYPE_KEYS)
    return (
        Group(
            "submit.group.subject",
            (
                f("XDR_MC", required=True),
                f(
                    "XDR_LB",
                    kind="select",
                    required=True,
                    options=_options(SUBJECT_CATEGORIES, _SUBJECT_CATEGORY_KEYS),
                ),
                f("XDR_SHXYM", hint="submit.hint.uscc"),
                f("FRDB"),
                f("FR_ZJLX", kind="select", options=documents),
                f("FR_ZJHM", hint="submit.hint.person_id"),
                f("XDR_ZJLX", kind="select", options=documents),
                f("XDR_ZJHM", hint="submit.hint.subject_id"),
            ),
        ),
        Group(
            "submit.group.old_ids",
            (f("XDR_GSZC"), f("XDR_ZZJG"), f("XDR_SWDJ"), f("XDR_SYDW"), f("XDR_SHZZ")),
            folded=True,
        ),
    )


def _penalty_groups() -> tuple[Group, ...]:
    def f(name: str, **kw: Any) -> Field:
        return Field("CF_" + name, "submit.f.CF_" + name, **kw)

    decision = (
        f("WSH", required=True),
        f("WFXW", required=True),
        f("SY", kind="textarea", required=True),
        f("YJ", kind="textarea", required=True),
        f("CFLB", required=True, hint="submit.hint.penalty_category"),
        f("NR", kind="textarea", required=True),
        f("NR_FK", hint="submit.hint.amount", inputmode="decimal"),
        f("NR_WFFF", hint="submit.hint.amount", inputmode="decimal"),
        f("NR_ZKDX"),
        f("JDRQ", kind="date", required=True),
        f("YXQ", hint="submit.hint.date_or_open"),
        f("GSJZQ", hint="submit.hint.publish_until"),
    )
    authority = (
        f("CFJG", required=True),
        f("CFJGDM", required=True, hint="submit.hint.authority_code"),
        f("SJLY", hint="submit.hint.source"),
        f("SJLYDM", required=True, hint="submit.hint.source_code"),
        Field("BZ", "submit.f.BZ", kind="textarea"),
    )
    return (
        *_subject_groups("CF_"),
        Group("submit.group.decision", decision),
        Group("submit.group.authority", authority),
    )


def _licensing_groups() -> tuple[Group, ...]:
    def f(name: str, **kw: Any) -> Field:
        return Field("XK_" + name, "submit.f.XK_" + name, **kw)

    states = (("", "submit.opt.state_default", ""), *((s, "", s) for s in _LICENCE_STATES))
    decision = (
        f("XKWS", required=True),
        f("WSH", required=True),
        f("XKLB", kind="select", required=True, options=_options(LICENCE_CATEGORIES)),
        f("XKZS"),
        f("XKBH"),
        f("NR", kind="textarea", required=True),
        f("JDRQ", kind="date", required=True),
        f("YXQZ", kind="date"),
        f("YXQZI", hint="submit.hint.date_or_open"),
        f("ZT", kind="select", options=states),
    )
    authority = (
        f("XKJG", required=True),
        f("XKJGDM", required=True, hint="submit.hint.authority_code"),
        f("LYDW", hint="submit.hint.source"),
        f("LYDWDM", required=True, hint="submit.hint.source_code"),
        Field("BZ", "submit.f.BZ", kind="textarea"),
    )
    return (
        *_subject_groups("XK_"),
        Group("submit.group.decision", decision),
        Group("submit.group.authority", authority),
    )


ENTRY_FIELDS = (
    "list_type",
    "document_number",
    "decided_on",
    "legal_basis",
    "valid_from",
    "valid_until",
)
SUBJECT_FIELDS = ("name", "kind", "uscc", "id_number")
PERSON_FIELDS = ("role", "name", "id_number")


def list_entry_groups(department: str, lang: str) -> tuple[Group, ...]:
    catalog = load_catalog()
    current = [lt for lt in catalog.list_types.values() if lt.status.value == "current"]
    # The department's own list types first: the ones it decides.
    current.sort(key=lambda lt: (lt.initiating_department != department, lt.code))
    types = tuple((lt.code, "", lt.name_en if lang == "en" else lt.name_zh) for lt in current)
    roles = tuple((r, f"submit.relation.{r}", "") for r in RELATION_ROLES)
    persons: list[Field] = []
    for i in range(PERSON_ROWS):
        persons += [
            Field(
                f"persons[{i}].role",
                "submit.f.person_role",
                kind="select",
                options=(_CHOOSE, *roles),
            ),
            Field(f"persons[{i}].name", "submit.f.person_name"),
            Field(f"persons[{i}].id_number", "submit.f.person_id", hint="submit.hint.person_id"),
        ]
    kinds = tuple((k, f"kind.{k}", "") for k in SUBJECT_KINDS)
    return (
        Group(
            "submit.group.listing",
            (
                Field(
                    "list_type",
                    "submit.f.list_type",
                    kind="select",
                    required=True,
                    options=(_CHOOSE, *types),
                ),
                Field("document_number", "submit.f.document_number", required=True),
                Field("decided_on", "submit.f.decided_on", kind="date", required=True),
                Field("legal_basis", "submit.f.legal_basis", kind="textarea", required=True),
                Field(
                    "valid_from", "submit.f.valid_from", kind="date", hint="submit.hint.valid_from"
                ),
                Field(
                    "valid_until",
                    "submit.f.valid_until",
                    kind="date",
                    hint="submit.hint.valid_until",
                ),
            ),
        ),
        Group(
            "submit.group.listed_subject",
            (
                Field("subject.name", "submit.f.subject_name", required=True),
                Field(
                    "subject.kind",
                    "submit.f.subject_kind",
                    kind="select",
                    required=True,
                    options=(_CHOOSE, *kinds),
                ),
                Field("subject.uscc", "submit.f.subject_uscc", hint="submit.hint.entry_uscc"),
                Field("subject.id_number", "submit.f.subject_id", hint="submit.hint.entry_id"),
            ),
        ),
        Group("submit.group.persons", tuple(persons), folded=True),
    )


def groups_of(kind: str, department: str, lang: str) -> tuple[Group, ...]:
    if kind == "penalty":
        return _penalty_groups()
    if kind == "licensing":
        return _licensing_groups()
    return list_entry_groups(department, lang)


def field_labels(kind: str) -> dict[str, str]:
    """Field name → string key of its label, for naming problems (also in the rejects)."""
    return {f.name: f.label for g in groups_of(kind, "", "zh") for f in g.fields}


# -- reading forms -------------------------------------------------------------------------------


def field_text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value[:_FIELD_MAX] if isinstance(value, str) else ""


def _record_fields(kind: str, form: FormData) -> dict[str, str]:
    """The national format's fields as typed (an empty one is left for the validator)."""
    names = PENALTIES if kind == "penalty" else LICENSING
    return {name: field_text(form, name) for name in names}


def entry_of(form: FormData) -> tuple[dict[str, Any], dict[str, str]]:
    """The list entry of docs/list-entries.md from the form, and the form's values as the
    entry numbers them: empty person rows are dropped, so ``persons[0]`` of a problem is the
    first person given (the form comes back with the rows closed up)."""
    entry: dict[str, Any] = {}
    values: dict[str, str] = {}
    for name in ENTRY_FIELDS:
        value = field_text(form, name).strip()
        values[name] = value
        if value:
            entry[name] = value
    subject: dict[str, str] = {}
    for name in SUBJECT_FIELDS:
        value = field_text(form, f"subject.{name}").strip()
        values[f"subject.{name}"] = value
        if value:
            subject[name] = value
    if subject:
        entry["subject"] = subject
    persons: list[dict[str, str]] = []
    for i in range(PERSON_ROWS):
        person = {k: field_text(form, f"persons[{i}].{k}").strip() for k in PERSON_FIELDS}
        if any(person.values()):
            for k, v in person.items():
                values[f"persons[{len(persons)}].{k}"] = v
            persons.append(person)
    if persons:
        entry["persons"] = persons
    return entry, values


def entry_values(payload: Mapping[str, Any]) -> dict[str, str]:
    """A stored entry as the form's values (to resubmit it changed)."""
    values = {name: str(payload.get(name) or "") for name in ENTRY_FIELDS}
    subject = payload.get("subject") or {}
    values |= {f"subject.{k}": str(subject.get(k) or "") for k in SUBJECT_FIELDS}
    for i, person in enumerate((payload.get("persons") or [])[:PERSON_ROWS]):
        values |= {f"persons[{i}].{k}": str(person.get(k) or "") for k in PERSON_FIELDS}
    return values


def _in(lang: str) -> Language:
    """The language validators' reasons are written in on a page in ``lang``."""
    return "en" if lang == "en" else "zh"


def problems_of(
    exc: JointCreditError, known: set[str], lang: str
) -> tuple[dict[str, str], list[str]]:
    """A refusal as (field → reason) for the fields the form has, and the rest as messages;
    the validators' reasons in the page's language."""
    errors: dict[str, str] = {}
    general: list[str] = []
    listed = getattr(exc, "problems", None) or []
    for problem in listed:
        field = str(problem.get("field", ""))
        error = problem.get("error") or ""
        reason = render(error if isinstance(error, str) else str(error), _in(lang))
        if field in known:
            errors[field] = f"{errors[field]}; {reason}" if field in errors else reason
        else:
            general.append(f"{field}: {reason}" if field and field != "-" else reason)
    if not listed:
        # The own-department rule names its field first: "CF_SJLY: the data source …".
        message = str(exc)
        head, _, rest = message.partition(": ")
        if head in known and rest:
            errors[head] = rest
        else:
            general.append(message)
    return errors, general


# -- submitting one item -------------------------------------------------------------------------

_OUTCOMES = ("accepted", "updated", "duplicate")


def _form_kind(value: str | None) -> str:
    return value if value in FORM_KINDS else "penalty"


def _submit_page(
    request: Request,
    session: StaffSession,
    kind: str,
    *,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    general: Sequence[str] = (),
    flash: str | None = None,
    status: int = 200,
) -> Response:
    lang = language(request)
    groups = groups_of(kind, session.department, lang)
    errors = dict(errors or {})
    labels = {f.name: f.label for g in groups for f in g.fields}
    context = {
        "kind": kind,
        "form_kinds": FORM_KINDS,
        "groups": groups,
        "values": dict(values or {}),
        "errors": errors,
        "error_list": [(labels[name], name, reason) for name, reason in errors.items()],
        "general": list(general),
        "flash": flash,
        "notice": None,
        "department_name": catalog_name(lang, "departments")(session.department),
        "field_id": lambda name: Field(name, "").id,
    }
    return console_page(request, session, "console/submit.html", context, status=status)


@router.get(SUBMIT)
def submit_form(request: Request, kind: str | None = None) -> Response:
    session = require_staff(request, "submit")
    kind = _form_kind(kind)
    flash = None
    p = request.query_params
    outcome, stored, version = p.get("outcome"), p.get("stored", ""), p.get("version", "")
    if outcome in _OUTCOMES and stored.isdigit() and version.isdigit() and kind != "list-entry":
        t = translator(language(request))
        flash = t(
            f"submit.done.{outcome}",
            kind=t(f"record.{kind}"),
            id=int(stored),
            version=int(version),
        )
    return _submit_page(request, session, kind, flash=flash)


@router.post(SUBMIT)
async def submit_post(request: Request) -> Response:
    session = require_staff(request, "submit")
    form = await request.form()
    check_form(request, session, form)
    kind = _form_kind(field_text(form, "kind"))
    return await run_in_threadpool(_submit_one, request, session, kind, form)


def _submit_one(request: Request, session: StaffSession, kind: str, form: FormData) -> Response:
    engine = engine_of(request)
    by = session.principal
    if kind == "list-entry":
        entry, values = entry_of(form)
    else:
        values = _record_fields(kind, form)
    known = set(values) | {
        f.name for g in groups_of(kind, session.department, "zh") for f in g.fields
    }
    try:
        if kind == "list-entry":
            made = submissions.submit_list_entry(engine, entry, by=by)
            return redirect(f"{REVIEW}/{made['id']}?done=submit.done.proposed")
        done = submissions.submit_record(engine, kind, values, by=by)  # type: ignore[arg-type]
    except (InvalidInputError, PermissionDeniedError, ConflictError) as exc:
        errors, general = problems_of(exc, known, language(request))
        status = (
            422
            if isinstance(exc, InvalidInputError)
            else (403 if isinstance(exc, PermissionDeniedError) else 409)
        )
        return _submit_page(
            request, session, kind, values=values, errors=errors, general=general, status=status
        )
    return redirect(
        f"{SUBMIT}?kind={kind}&stored={done['record']}&version={done['version']}"
        f"&outcome={done['outcome']}"
    )


# -- a file --------------------------------------------------------------------------------------


def _upload_page(
    request: Request,
    session: StaffSession,
    *,
    kind: str = "penalty",
    error: str | None = None,
    status: int = 200,
    list_format: str = "generic",
) -> Response:
    context = {
        "kind": kind,
        "file_kinds": FILE_KINDS,
        "form_kinds": FORM_KINDS,
        "error": error,
        "notice": None,
        "list_formats": LIST_FORMATS,
        "list_format": list_format,
        "list_format_titles": {name: f.title_zh for name, f in FORMATS.items()},
    }
    return console_page(request, session, "console/submit_upload.html", context, status=status)


@router.get(UPLOAD)
def upload_form(request: Request, kind: str | None = None) -> Response:
    session = require_staff(request, "submit")
    return _upload_page(request, session, kind=kind if kind in FILE_KINDS else "penalty")


@router.post(UPLOAD)
async def upload_post(request: Request) -> Response:
    session = require_staff(request, "submit")
    form = await request.form()
    check_form(request, session, form)
    kind = field_text(form, "kind")
    if kind not in FILE_KINDS:
        kind = "penalty"
    # The list format applies to list entries only; any other value is the generic format.
    chosen = field_text(form, "format")
    list_format = chosen if kind == "list-entry" and chosen in LIST_FORMATS else "generic"
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _upload_page(
            request,
            session,
            kind=kind,
            error="submit.upload.no_file",
            status=422,
            list_format=list_format,
        )
    return await run_in_threadpool(_import, request, session, kind, upload, list_format)


def _import(
    request: Request,
    session: StaffSession,
    kind: str,
    upload: UploadFile,
    list_format: str = "generic",
) -> Response:
    try:
        summary = submissions.import_upload(
            engine_of(request),
            kind,  # type: ignore[arg-type]
            upload.file,
            upload.filename,
            by=session.principal,
            list_format=list_format,
        )
    except (InvalidInputError, ConflictError) as exc:
        # The file as a whole could not be read (no header, missing columns, unknown suffix).
        return _upload_page(
            request, session, kind=kind, error=str(exc), status=422, list_format=list_format
        )
    except JointCreditError as exc:
        if isinstance(exc, PermissionDeniedError | NotFoundError):
            raise
        return _upload_page(
            request, session, kind=kind, error=str(exc), status=422, list_format=list_format
        )
    labels = field_labels(kind)
    lang = _in(language(request))
    rejected = [
        {
            "row": r["row"],
            "field": r["field"],
            "error": render(r["error"], lang),
            "label": labels.get(r["field"]),
        }
        for r in summary["rejected"]
    ]
    context = {
        "kind": kind,
        "summary": summary,
        "rejected": rejected,
        "rejects_json": json.dumps(
            [{k: r[k] for k in ("row", "field", "error")} for r in rejected], ensure_ascii=False
        ),
        "notice": None,
        "form_kinds": FORM_KINDS,
    }
    return console_page(request, session, "console/submit_report.html", context)


@router.post(UPLOAD + "/rejects.csv")
async def rejects_csv(request: Request) -> Response:
    """The rejects report as CSV (UTF-8 with BOM): the rows the report page lists, posted back
    from it (the import keeps no rejects file on the server)."""
    session = require_staff(request, "submit")
    form = await request.form()
    check_form(request, session, form)
    try:
        items = json.loads(field_text(form, "rejects") or "[]")
        if not isinstance(items, list):
            raise TypeError("expected a list")
        rows = [
            [int(item["row"]), str(item["field"]), str(item["error"])]
            for item in items[:_REJECTS_MAX]
        ]
    except (ValueError, TypeError, KeyError):
        raise InvalidInputError(
            "rejects: not the report's list of rejected rows; upload the file again"
        ) from None
    t = translator(language(request))
    header = [t("submit.report.row"), t("submit.report.field"), t("submit.report.reason")]
    name = (re.sub(r"[^\w.\-]+", "_", field_text(form, "file"))[-80:].strip("._") or "upload") + (
        ".rejects.csv"
    )
    ascii_name = re.sub(r"[^A-Za-z0-9.\-]+", "_", name)
    return Response(
        csv_text(header, rows).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={
            # The upload's own name (RFC 6266), with a plain-ASCII one for old clients.
            "Content-Disposition": f'attachment; filename="{ascii_name}"; '
            f"filename*=UTF-8''{quote(name)}",
            "Cache-Control": "no-store",
        },
    )


__all__ = [
    "ENTRY_FIELDS",
    "FORM_KINDS",
    "PAGE_SIZE",
    "REVIEW",
    "Field",
    "entry_of",
    "entry_values",
    "field_labels",
    "field_text",
    "groups_of",
    "list_entry_groups",
    "problems_of",
    "router",
]
