"""Validation of double-publicity rows into record drafts ready for the registry.

A row either becomes a :class:`RecordDraft` or yields every problem found in it, each naming the
field: a department fixes a rejected row once, not once per error.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from stdnum.exceptions import ValidationError

from jointcredit.identifiers import orgcode, regnum, ric, uscc
from jointcredit.identifiers.normalize import normalize
from jointcredit.importing import codes, formats, values
from jointcredit.importing.text import CONTROL, control_problem, strip_invisible
from jointcredit.jsontext import dumps
from jointcredit.messages.language import Language
from jointcredit.messages.reasons import Reason, reason_of, render
from jointcredit.record_drafts import PersonRef, RecordDraft, RecordKind, SubjectRef
from jointcredit.rules.periods import SEVERITY_ORDER, publication_window


class FieldError(NamedTuple):
    """One problem of one row. ``error`` is English text, a
    :class:`~jointcredit.messages.Reason` where the validator gave one: :meth:`text` writes it
    in the language a person reads."""

    row: int
    field: str
    error: str

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "error": self.error}

    def text(self, lang: Language | None = None) -> str:
        """The reason in ``lang`` (default: the language chosen for the process)."""
        return render(self.error, lang)


_ORG = "法人及非法人组织"
_PERSON = "自然人"
_BUSINESS = "个体工商户"
_RESIDENT_ID = "身份证"
_KEPT_2016 = formats.KEPT_2016


def _decoded(
    tab: codes.CodeTable, value: str, *, multiple: bool, also: codes.CodeTable | None = None
) -> str | ValueError:
    """``value`` with its codes replaced by their labels, or the error naming what is
    accepted. Labels and known spellings stay as sent; ``also`` is a table read second."""
    parts = values.split_categories(value) if multiple else [value]
    out: list[str] = []
    for part in parts:
        label = tab.get(part)
        if label is None and also is not None:
            label = also.get(part)
        if label is None:
            return ValueError(Reason("code.not-accepted", value=part, accepted=tab.accepted()))
        out.append(label if tab.is_code(part) else part)
    if out == parts:
        return value
    return ";".join(out)


#: Required fields beyond the subject's (national standard, 2019), without the prefix.
_REQUIRED = {
    "licensing": ("XKWS", "WSH", "XKLB", "NR", "JDRQ", "XKJG", "XKJGDM", "LYDW", "LYDWDM"),
    "penalty": (
        "WSH",
        "WFXW",
        "SY",
        "YJ",
        "CFLB",
        "NR",
        "JDRQ",
        "CFJG",
        "CFJGDM",
        "SJLY",
        "SJLYDM",
    ),
}
_MAX_LENGTH = 4000


def required_fields(kind: str) -> tuple[str, ...]:
    """The fields every row of the current format fills, beyond the subject's."""
    prefix = "XK_" if kind == "licensing" else "CF_"
    return tuple(prefix + name for name in _REQUIRED[kind])


_NAME_LENGTH = 200


class _Row:
    """Accessor over one row that collects problems instead of stopping at the first."""

    __slots__ = ("errors", "number", "values")

    def __init__(self, number: int, values: Mapping[str, str]):
        self.number = number
        # Stripped once, empty fields dropped: every check below reads the cleaned text.
        self.values = {k: t for k, v in values.items() if v and (t := v.strip())}
        self.errors: list[FieldError] = []

    def text(self, name: str) -> str:
        return self.values.get(name, "")

    def fail(self, name: str, message: str) -> None:
        self.errors.append(FieldError(self.number, name, message))

    def required(self, name: str) -> str:
        value = self.text(name)
        if not value:
            self.fail(name, Reason("row.required"))
        return value

    def parsed(self, name: str, parse: Callable[[str], Any], *, required: bool = False) -> Any:
        value = self.required(name) if required else self.values.get(name)
        if not value:
            return None
        try:
            return parse(value)
        except (ValueError, ValidationError) as exc:
            self.fail(name, reason_of(exc))
            return None


def digest(*parts: str) -> str:
    """128-bit hex digest of ``parts``: natural keys and content hashes of records."""
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).hexdigest()


class RowValidator:
    """Validates the rows of one file of one format against ``today``."""

    def __init__(
        self,
        kind: RecordKind,
        *,
        today: dt.date,
        source_system: str = "file-import",
        departments: Mapping[str, str] | None = None,
    ):
        self.kind = kind
        #: Authority USCC → catalog department: a record of that authority belongs to it.
        self.departments: Mapping[str, str] = departments or {}
        self.today = today
        self.source_system = source_system
        self.prefix = "XK_" if kind == "licensing" else "CF_"
        self.required = tuple(self.prefix + name for name in _REQUIRED[kind])
        #: Told by the header (:meth:`check_header`); rows before it are read as current.
        self.generation: formats.Generation = "current"
        #: The fields of the current format, in file order (what a record's completeness is
        #: counted against); headers of either generation are read through :attr:`labels`.
        self.spec: dict[str, str] = formats.spec(kind, "current")
        #: Label → field name for headers of labels: both generations' labels, the current
        #: field's name where a label is shared.
        self.labels: dict[str, str] = formats.header_labels(kind)
        self._current = formats.spec(kind, "current")
        self._coded = formats.CODED["current"]
        self._authority_codes: dict[str, str | ValidationError] = {}
        self._legacy_fields = frozenset(
            self.prefix + name
            for name in ("XDR_GSZC", "XDR_ZZJG", "XDR_SWDJ", "XDR_SYDW", "XDR_SHZZ")
        )

    def check_header(self, fields: list[str]) -> tuple[list[str], list[str]]:
        """Missing and unknown column names; missing ones make the file unreadable. The
        header tells the file's generation, which the rows are then read in."""
        present = set(fields)
        self.generation = formats.generation_of(self.kind, fields)
        if self.generation == "2016":
            known = formats.labels(self.kind, "2016")
            # A 2016 field counts as present under its current name too (a header of labels
            # shared by both generations is mapped onto the current names).
            have = present | {
                old
                for name in present
                for old, new in formats.FROM_2016.items()
                if new == name and new not in formats.spec(self.kind, "2016")
            }
            have |= {formats.canonical_2016(name) for name in present}
            missing = [name for name in formats.REQUIRED_2016[self.kind] if name not in have]
            unknown = [n for n in fields if n not in known and n not in self._current]
            return missing, unknown
        missing = [name for name in self._current if name not in present]
        unknown = [name for name in fields if name not in self._current]
        return missing, unknown

    def validate(self, number: int, raw: Mapping[str, str]) -> RecordDraft | list[FieldError]:
        # Invisible characters go before anything reads the row (the import warns of them).
        row = _Row(number, strip_invisible(raw)[0])
        p = self.prefix
        cells = row.values
        # One scan of the whole row; field by field only when something is wrong.
        if cells and (
            "\ufffd" in (joined := "".join(cells.values()))
            or CONTROL.search(joined)
            or max(map(len, cells.values())) > _MAX_LENGTH
        ):
            for name, value in cells.items():
                if "\ufffd" in value:
                    row.fail(name, Reason("row.bad-bytes"))
                elif (problem := control_problem(value)) is not None:
                    row.fail(name, problem)
                elif len(value) > _MAX_LENGTH:
                    row.fail(name, Reason("row.too-long", limit=_MAX_LENGTH))
        if self.generation == "2016":
            self._from_2016(row)
            cells = row.values
        else:
            for name in self.required:
                if name not in cells:
                    row.fail(name, Reason("row.required"))
        self._decode(row)
        subject = self._subject(row)
        person = self._legal_representative(row)
        decided = row.parsed(p + "JDRQ", self._past_date)
        authority = row.text(p + ("XKJG" if self.kind == "licensing" else "CFJG"))
        authority_code = row.parsed(
            p + ("XKJGDM" if self.kind == "licensing" else "CFJGDM"), self._authority_code
        )
        source_name = row.text(p + ("LYDW" if self.kind == "licensing" else "SJLY"))
        source_code = row.parsed(
            p + ("LYDWDM" if self.kind == "licensing" else "SJLYDM"), self._authority_code
        )
        document_number = row.text(p + "WSH")
        for name in (p + "WSH", p + ("XKJG" if self.kind == "licensing" else "CFJG"),
                     p + ("LYDW" if self.kind == "licensing" else "SJLY")):  # fmt: skip
            if len(row.text(name)) > _NAME_LENGTH:
                row.fail(name, Reason("row.too-long", limit=_NAME_LENGTH))

        if self.kind == "licensing":
            details = self._licensing(row, decided)
        else:
            details = self._penalty(row, decided)

        if row.errors or subject is None or decided is None:
            if not row.errors:  # pragma: no cover - every None above records an error
                row.fail("-", Reason("row.unvalidated"))
            return row.errors

        payload = {name: cells[name] for name in self._current if name in cells}
        if self.generation == "2016":
            payload.update((name, cells[name]) for name in _KEPT_2016 if name in cells)
            payload["_format"] = "2016"
        return RecordDraft(
            row=number,
            kind=self.kind,
            subject=subject,
            persons=(("legal-representative", person),) if person else (),
            natural_key=digest(
                self.kind, authority_code or authority, document_number, subject.identifier
            ),
            content_hash=digest(*map("=".join, payload.items())),
            issuing_authority=authority,
            issuing_authority_code=authority_code,
            source_department=source_name or None,
            source_department_code=source_code,
            department=self.departments.get(authority_code) if authority_code else None,
            document_number=document_number,
            decision_date=decided,
            payload=dumps(payload),
            fields=sum(1 for key in payload if not key.startswith("_")),
            **details,
        )

    # -- parts -------------------------------------------------------------------------------

    def _decode(self, row: _Row) -> None:
        """Coded values given as codes become their labels; an unknown value is the field's
        error naming the accepted ones. Labels and other known spellings stay as sent."""
        cells = row.values
        for name, tab in self._coded.items():
            value = cells.get(name)
            if value is None or name.endswith("_ZT"):  # 当前状态: read by kind, below
                continue
            decoded = _decoded(tab, value, multiple=name in formats.MULTIPLE)
            if isinstance(decoded, ValueError):
                row.fail(name, reason_of(decoded))
            elif decoded != value:
                cells[name] = decoded

    def _from_2016(self, row: _Row) -> None:
        """A row of the 2016 templates, mapped onto the current fields in place: coded
        values read by the 2016 tables, 相对人类别 told by the identifiers given."""
        p = self.prefix
        sent = row.values
        canonical = {formats.canonical_2016(name): name for name in sent}
        for name in formats.REQUIRED_2016[self.kind]:
            if name not in canonical and formats.FROM_2016.get(name, "") not in sent:
                row.fail(name, Reason("row.required"))
        cells: dict[str, str] = {}
        categories: list[str] = []
        for key, name in canonical.items():
            value = sent[name]
            tab = formats.CODED["2016"].get(key)
            if tab is not None:
                decoded = _decoded(
                    tab, value, multiple=key in formats.MULTIPLE, also=formats.LATER_2016.get(key)
                )
                if isinstance(decoded, ValueError):
                    row.fail(name, reason_of(decoded))
                    continue
                value = decoded
            if key in ("CF_CFLB1", "CF_CFLB2"):
                categories.append(value)
            elif key in _KEPT_2016:
                cells[key] = value
            else:
                cells[formats.FROM_2016.get(key, key)] = value
        if categories:
            cells["CF_CFLB"] = ";".join(categories)
        # The 2016 templates do not say what kind of subject a row is about: the identifiers
        # do. Its one identity number is a person's own, or an organisation's operator's.
        resident = cells.pop(p + "XDR_ZJHM", None)
        organisation = any(
            cells.get(p + name) for name in ("XDR_SHXYM", "XDR_ZZJG", "XDR_GSZC", "XDR_SWDJ")
        )
        if not organisation and resident:
            cells[p + "XDR_LB"] = _PERSON
            cells[p + "XDR_ZJLX"], cells[p + "XDR_ZJHM"] = _RESIDENT_ID, resident
        else:
            code = cells.get(p + "XDR_SHXYM", "")
            cells[p + "XDR_LB"] = _BUSINESS if code.startswith("92") else _ORG
            if resident:
                cells[p + "FR_ZJLX"], cells[p + "FR_ZJHM"] = _RESIDENT_ID, resident
        row.values = cells

    def _authority_code(self, text: str) -> str:
        """USCC of an authority: a file names few authorities, each on many rows."""
        known = self._authority_codes.get(text)
        if known is None:
            try:
                known = uscc.validate(text)
            except ValidationError as exc:
                known = exc
            if len(self._authority_codes) < 10_000:
                self._authority_codes[text] = known
        if isinstance(known, ValidationError):
            raise known
        return known

    def _past_date(self, text: str) -> dt.date:
        return values.parse_date(text, self.today)

    def _subject(self, row: _Row) -> SubjectRef | None:
        p = self.prefix
        name = row.required(p + "XDR_MC")
        if len(name) > _NAME_LENGTH:
            row.fail(p + "XDR_MC", Reason("row.too-long", limit=_NAME_LENGTH))
        category_text = row.required(p + "XDR_LB")
        category = codes.SUBJECT_CATEGORY.get(category_text)
        if category_text and category is None:
            return None  # the field's error is recorded (_decode)
        ids: list[tuple[str, str]] = []
        code = row.parsed(p + "XDR_SHXYM", uscc.validate)
        if code:
            ids.append(("uscc", code))
        legacy = (
            ("XDR_GSZC", "registration-number", regnum.validate),
            ("XDR_ZZJG", "org-code", orgcode.validate),
            ("XDR_SWDJ", "tax-number", normalize),
            ("XDR_SYDW", "institution-certificate", normalize),
            ("XDR_SHZZ", "social-organization-certificate", normalize),
        )
        if category != _PERSON and not self._legacy_fields.isdisjoint(row.values):
            for column, id_type, check in legacy:
                value = row.parsed(p + column, check)
                if value:
                    ids.append((id_type, value))
        document = self._document(row, p + "XDR_ZJLX", p + "XDR_ZJHM")
        if category == _PERSON:
            if document is None:
                if not row.text(p + "XDR_ZJHM"):
                    row.fail(p + "XDR_ZJHM", Reason("subject.person-needs-document"))
                return None
            ids = [document]
            kind = "natural-person"
        elif category == _BUSINESS:
            kind = "individual-business"
            if not ids and not row.errors:
                row.fail(p + "XDR_SHXYM", Reason("subject.business-needs-id"))
        else:
            kind = "other-organization" if category_text == "非法人组织" else "legal-person"
            if not ids and not row.errors:
                row.fail(p + "XDR_SHXYM", Reason("subject.organisation-needs-id"))
        if not ids or category is None:
            return None
        return SubjectRef(
            kind=kind, name=name, identifier=ids[0][1], identifier_type=ids[0][0], identifiers=ids
        )

    def _document(self, row: _Row, type_field: str, number_field: str) -> tuple[str, str] | None:
        number = row.text(number_field)
        if not number:
            return None
        doc_type = row.text(type_field)
        if not doc_type or codes.ID_DOCUMENT.get(doc_type) == _RESIDENT_ID:
            value = row.parsed(number_field, self._resident_id)
            return ("resident-id", value) if value else None
        return ("other-document", f"{doc_type}:{normalize(number)}")

    def _resident_id(self, text: str) -> str:
        return ric.validate(text, today=self.today)

    def _legal_representative(self, row: _Row) -> PersonRef | None:
        p = self.prefix
        name = row.text(p + "FRDB")
        document = self._document(row, p + "FR_ZJLX", p + "FR_ZJHM")
        if document is None or not name:
            return None
        return PersonRef(
            name=name[:_NAME_LENGTH], identifier=document[1], identifier_type=document[0]
        )

    def _licensing(self, row: _Row, decided: dt.date | None) -> dict[str, Any]:
        category = row.text("XK_XKLB")
        valid_from = row.parsed("XK_YXQZ", values.parse_any_date)
        until_text = row.text("XK_YXQZI")
        valid_until = None
        if until_text and until_text not in values.OPEN_ENDED:
            valid_until = row.parsed("XK_YXQZI", values.parse_any_date)
        if valid_from and valid_until and valid_until < valid_from:
            row.fail(
                "XK_YXQZI", Reason("period.ends-before-start", until=valid_until, start=valid_from)
            )
        elif decided and valid_until and valid_until < decided:
            row.fail(
                "XK_YXQZI",
                Reason("period.ends-before-decision", until=valid_until, decided=decided),
            )
        state = row.text("XK_ZT")
        if state and state not in codes.STATUS_WORDS:
            label = codes.STATUS_CURRENT.get(state)
            if label is None:
                row.fail(
                    "XK_ZT",
                    Reason(
                        "status.not-accepted", value=state, accepted=codes.STATUS_CURRENT.accepted()
                    ),
                )
            else:
                row.values["XK_ZT"] = state = label
        status = codes.STATUS_WORDS.get(state, "active") if state else "active"
        return {
            "legal_basis": None,
            "category": category or None,
            "severity": None,
            "fine_fen": None,
            "confiscated_fen": None,
            "valid_from": valid_from,
            "valid_until": valid_until,
            "publish_from": decided,
            "publish_until": valid_until,
            "status": status,
        }

    def _penalty(self, row: _Row, decided: dt.date | None) -> dict[str, Any]:
        categories = [
            label
            for part in values.split_categories(row.text("CF_CFLB"))
            if (label := codes.PENALTY_CATEGORY.get(part))
        ]
        categories = list(dict.fromkeys(categories))
        tiers = [codes.PENALTY_TIERS[c] for c in categories]
        severity = max(tiers, key=SEVERITY_ORDER.index) if tiers else None
        fine = row.parsed("CF_NR_FK", values.parse_fen)
        # The 2016 template has no amount field: its 处罚结果 says the amount in words.
        if (
            fine is None
            and "罚款" in categories
            and not row.text("CF_NR_FK")
            and self.generation == "current"
        ):
            row.fail("CF_NR_FK", Reason("penalty.fine-needed"))
        confiscated = row.parsed("CF_NR_WFFF", values.parse_fen)
        valid_until = row.parsed("CF_YXQ", values.parse_any_date)
        publish_until = row.parsed("CF_GSJZQ", values.parse_any_date)
        publish_from = decided
        if decided is not None:
            if valid_until and valid_until < decided:
                row.fail("CF_YXQ", Reason("date.before-decision", day=valid_until, decided=decided))
            if publish_until and publish_until < decided:
                row.fail(
                    "CF_GSJZQ", Reason("date.before-decision", day=publish_until, decided=decided)
                )
            if publish_until is None and severity:
                publish_from, publish_until = publication_window(severity, decided)
        return {
            "legal_basis": row.text("CF_YJ") or None,
            "category": ";".join(categories) or None,
            "severity": severity,
            "fine_fen": fine,
            "confiscated_fen": confiscated,
            "valid_from": decided,
            "valid_until": valid_until,
            "publish_from": publish_from,
            "publish_until": publish_until,
            # Only the 2016 template says a penalty's state (CF_ZT); 撤销: the decision revoked.
            "status": codes.STATUS_WORDS.get(row.text("CF_ZT"), "active"),
        }
