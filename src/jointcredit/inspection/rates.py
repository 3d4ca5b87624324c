"""Sampling rates by credit-risk class: YAML in, a frozen dataclass out.

A rates file (``data/inspection/default.yaml``, or the operator's own with ``--rates FILE``)
is checked when loaded, every error naming the file and the field
(``default.yaml: rates.D: …``), all errors at once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from jointcredit.errors import FileProblemsError

DEFAULT_FILE = Path(__file__).resolve().parent.parent / "data" / "inspection" / "default.yaml"
#: The class of organisations without a credit grade yet.
UNGRADED = "ungraded"
_TOP = {"version", "name", "rates"}


class RatesError(FileProblemsError):
    """The rates file has errors: no plan is drawn with it."""

    code = "inspection-rates"

    what = "the rates file"


@dataclass(frozen=True, slots=True)
class Rates:
    version: str
    name_zh: str
    name_en: str
    #: Class (a grade, or ``ungraded``) → share drawn, exact.
    rates: dict[str, Decimal]
    #: The file's SHA-256 (first 16 hex digits).
    digest: str
    file: str

    def as_json(self) -> dict[str, Any]:
        """What a plan stores: the rates as decimal text (exact), version and digest."""
        return {
            "version": self.version,
            "digest": self.digest,
            "file": self.file,
            "rates": {k: str(v) for k, v in self.rates.items()},
        }


def rates_from_json(data: dict[str, Any]) -> dict[str, Decimal]:
    return {str(k): Decimal(str(v)) for k, v in data["rates"].items()}


def parse(text: str, file: Path) -> Rates:
    """The rates in ``text`` (read from ``file``); :class:`RatesError` lists every error."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RatesError(file, [f"not valid YAML: {exc}"]) from None
    if not isinstance(data, dict):
        raise RatesError(file, ["the file must hold a mapping (version, name, rates)"])
    problems: list[str] = []
    for key in sorted(set(data) - _TOP, key=str):
        problems.append(f"{key}: unknown field (known: {', '.join(sorted(_TOP))})")
    version = data.get("version")
    if isinstance(version, int | float) and not isinstance(version, bool):
        version = str(version)
    if not isinstance(version, str) or not version.strip():
        problems.append(f"version: must be text such as '2026.1', not {version!r}")
        version = ""
    names = data.get("name")
    zh = en = ""
    if not isinstance(names, dict):
        problems.append("name: must be a mapping with zh and en")
    else:
        for key in sorted(set(names) - {"zh", "en"}, key=str):
            problems.append(f"name.{key}: unknown field (known: en, zh)")
        for key in ("zh", "en"):
            value = names.get(key)
            if not isinstance(value, str) or not value.strip():
                problems.append(f"name.{key}: must be non-empty text, not {value!r}")
        zh, en = str(names.get("zh") or "").strip(), str(names.get("en") or "").strip()
    raw = data.get("rates")
    rates: dict[str, Decimal] = {}
    if not isinstance(raw, dict) or not raw:
        problems.append("rates: must be a mapping of grade to a fraction between 0 and 1")
    else:
        for key, value in raw.items():
            where = f"rates.{key}"
            if not isinstance(key, str) or not key.strip() or len(key) > 16:
                problems.append(f"{where}: a class must be a grade such as A, or {UNGRADED}")
                continue
            if isinstance(value, bool) or not isinstance(value, int | float | str):
                problems.append(f"{where}: must be a number between 0 and 1, not {value!r}")
                continue
            try:
                rate = Decimal(str(value).strip())
            except InvalidOperation:
                problems.append(f"{where}: must be a number between 0 and 1, not {value!r}")
                continue
            if not rate.is_finite() or not Decimal(0) <= rate <= Decimal(1):
                problems.append(f"{where}: must be a number between 0 and 1, not {value!r}")
                continue
            if rate != rate.quantize(Decimal("0.000001")):
                problems.append(f"{where}: must have at most 6 decimals, not {value!r}")
                continue
            rates[key] = rate.normalize() if rate else Decimal(0)
        if UNGRADED not in raw:
            problems.append(
                f"rates.{UNGRADED}: missing (the share of organisations without a grade yet)"
            )
    if problems:
        raise RatesError(file, problems)
    return Rates(
        version=str(version).strip(),
        name_zh=zh,
        name_en=en,
        rates=rates,
        digest=hashlib.sha256(text.encode()).hexdigest()[:16],
        file=file.name,
    )


def load_rates(path: Path | None = None) -> Rates:
    """The rates in ``path``, or the shipped default, checked."""
    path = Path(path or DEFAULT_FILE).resolve()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RatesError(path, [f"cannot be read: {exc.strerror or exc}"]) from None
    except UnicodeDecodeError:
        raise RatesError(path, ["is not UTF-8 text"]) from None
    return parse(text, path)
