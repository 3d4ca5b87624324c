"""Both languages say everything: the same keys, and every key a template uses exists."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

from jointcredit.web import i18n


def test_catalogs_have_the_same_keys() -> None:
    assert set(i18n.ZH) == set(i18n.EN)
    assert all(v.strip() for v in (*i18n.ZH.values(), *i18n.EN.values()))


def test_placeholders_agree() -> None:
    for key, zh in i18n.ZH.items():
        assert set(re.findall(r"{(\w+)}", zh)) == set(re.findall(r"{(\w+)}", i18n.EN[key])), key


def test_every_literal_key_in_templates_exists() -> None:
    folder = Path(str(resources.files("jointcredit.web").joinpath("templates")))
    used: set[str] = set()
    for item in folder.rglob("*.html"):
        used |= set(re.findall(r"""\bt\(\s*["']([\w.-]+)["']\s*[,)]""", item.read_text("utf-8")))
    assert used, "no t() calls found"
    assert used <= set(i18n.ZH), sorted(used - set(i18n.ZH))


def test_language_choice() -> None:
    assert i18n.choose(None, None) == "zh"
    assert i18n.choose("en", "zh") == "en"
    assert i18n.choose(None, "en") == "en"
    assert i18n.choose("fr", "xx") == "zh"


def test_keys_made_from_values_exist() -> None:
    """Templates build some keys from data: every value they can take has its text."""
    from jointcredit.record_drafts import SUBJECT_KINDS
    from jointcredit.services.public import PAYLOAD_SHOWN
    from jointcredit.services.search import _REASONS
    from jointcredit.store.tables import RECORD_KINDS, SEVERITIES

    wanted = {f"kind.{k}" for k in SUBJECT_KINDS}
    wanted |= {f"record.{k}" for k in RECORD_KINDS}
    wanted |= {f"severity.{s}" for s in SEVERITIES}
    wanted |= {f"search.reason.{r}" for r in _REASONS}
    wanted |= {f"field.{f}" for fields in PAYLOAD_SHOWN.values() for f in fields}
    wanted |= {f"error.{s}.{part}" for s in (404, 405, 422, 500) for part in ("title", "text")}
    wanted |= {f"list.{k}.{part}" for k in ("red", "black") for part in ("title", "intro")}
    assert wanted <= set(i18n.ZH), sorted(wanted - set(i18n.ZH))
