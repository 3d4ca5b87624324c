"""Generated subjects and rows: valid identifiers, the national formats, plausible values."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import date, timedelta

import pytest

from jointcredit import synth
from jointcredit.importing import formats

TODAY = date(2025, 6, 30)
Problems = dict[str, Callable[[str], str | None]]
AMOUNT = re.compile(r"^\d+(\.\d{1,6})?$")
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _prefixed(row: dict[str, str], name: str) -> str:
    """Value of the subject field ``name`` (XDR_MC, FR_ZJHM, …) whichever the format."""
    return row.get("XK_" + name, row.get("CF_" + name, ""))


def test_field_names_match_the_formats(licensing: list[dict[str, str]],
                                       penalties: list[dict[str, str]]) -> None:  # fmt: skip
    assert tuple(formats.LICENSING) == synth.LICENSING_FIELDS
    assert tuple(formats.PENALTIES) == synth.PENALTY_FIELDS
    assert all(list(row) == list(formats.LICENSING) for row in licensing)
    assert all(list(row) == list(formats.PENALTIES) for row in penalties)
    assert all(isinstance(v, str) for row in licensing + penalties for v in row.values())


def test_every_uscc_is_valid_and_marked(licensing: list[dict[str, str]],
                                        penalties: list[dict[str, str]],
                                        problems: Problems) -> None:  # fmt: skip
    codes: Counter[str] = Counter()
    for row in licensing:
        for name in ("XK_XDR_SHXYM", "XK_XKJGDM", "XK_LYDWDM"):
            if row[name]:
                codes[row[name]] += 1
    for row in penalties:
        for name in ("CF_XDR_SHXYM", "CF_CFJGDM", "CF_SJLYDM"):
            if row[name]:
                codes[row[name]] += 1
    assert len(codes) > 300
    bad = {code: problems["uscc"](code) for code in codes if problems["uscc"](code)}
    assert bad == {}
    prefixes = Counter(code[:2] for code in codes)
    assert {"91", "92", "11"} <= set(prefixes)
    assert set(prefixes) <= {"91", "92", "93", "52", "12", "Y1", "11"}


def test_authorities_are_organs_with_their_own_code(
    licensing: list[dict[str, str]], penalties: list[dict[str, str]]
) -> None:
    for row in licensing:
        assert row["XK_XKJGDM"].startswith("11") and row["XK_XKJGDM"][8:11] == "JCG"
        assert row["XK_LYDW"] == row["XK_XKJG"] and row["XK_LYDWDM"] == row["XK_XKJGDM"]
        assert row["XK_XKJG"].endswith("局")
    names_by_code: dict[str, set[str]] = defaultdict(set)
    for row in penalties:
        names_by_code[row["CF_CFJGDM"]].add(row["CF_CFJG"])
        assert row["CF_SJLY"] == row["CF_CFJG"] and row["CF_SJLYDM"] == row["CF_CFJGDM"]
    assert all(len(names) == 1 for names in names_by_code.values())
    assert any(name.startswith("国家税务总局") for row in penalties for name in [row["CF_CFJG"]])


def test_subjects_and_their_identifiers(gen: synth.Generator, problems: Problems) -> None:
    subjects = gen.subjects()
    kinds = Counter(s.kind for s in subjects)
    assert set(kinds) == {"organisation", "individual_business", "natural_person"}
    for s in subjects:
        assert problems["ric"](s.person.ric) is None, s
        if s.kind == "natural_person":
            assert s.uscc == "" and s.fields[1] == "自然人" and s.fields[12] == s.person.ric
            continue
        assert problems["uscc"](s.uscc) is None, s
        assert s.org_code == s.uscc[8:17] and s.org_code.startswith("JC")
        if s.kind == "individual_business":
            assert s.uscc.startswith("92") and s.fields[1] == "个体工商户"
            assert s.fields[11] == "身份证" and s.fields[12] == s.person.ric
        else:
            assert s.uscc[:2] in {"91", "93", "52", "12", "Y1"}
            assert s.fields[1] == "法人及非法人组织" and s.fields[10] == s.person.ric
        if s.registration_number:
            assert problems["regnum"](s.registration_number) is None
    assert len({s.uscc for s in subjects if s.uscc}) == sum(1 for s in subjects if s.uscc)


def test_legal_representatives_are_shared() -> None:
    subjects = synth.Generator(seed=2, today=TODAY, subjects=600).subjects()
    reps = Counter(s.person.ric for s in subjects if s.kind == "organisation")
    assert max(reps.values()) >= 2


def test_person_ids_in_rows_are_valid(licensing: list[dict[str, str]],
                                      penalties: list[dict[str, str]],
                                      problems: Problems) -> None:  # fmt: skip
    seen = 0
    for row in licensing + penalties:
        for kind, number in (("FR_ZJLX", "FR_ZJHM"), ("XDR_ZJLX", "XDR_ZJHM")):
            if _prefixed(row, number):
                assert _prefixed(row, kind) == "身份证"
                assert problems["ric"](_prefixed(row, number)) is None
                seen += 1
    assert seen > 1000


def test_subject_categories(licensing: list[dict[str, str]],
                            penalties: list[dict[str, str]]) -> None:  # fmt: skip
    for row in licensing + penalties:
        category, code = _prefixed(row, "XDR_LB"), _prefixed(row, "XDR_SHXYM")
        assert category in formats.SUBJECT_CATEGORIES
        if category == "自然人":
            assert code == "" and _prefixed(row, "XDR_ZJHM")
        elif category == "个体工商户":
            assert code.startswith("92") and _prefixed(row, "XDR_ZJHM")
        else:
            assert code[:2] != "92" and _prefixed(row, "FRDB") and _prefixed(row, "FR_ZJHM")


def test_legacy_identifiers(licensing: list[dict[str, str]], penalties: list[dict[str, str]],
                            problems: Problems) -> None:  # fmt: skip
    with_legacy = 0
    for row in licensing + penalties:
        reg, org, tax = (_prefixed(row, n) for n in ("XDR_GSZC", "XDR_ZZJG", "XDR_SWDJ"))
        code = _prefixed(row, "XDR_SHXYM")
        if reg:
            assert problems["regnum"](reg) is None
            assert reg[:6] == code[2:8]
            with_legacy += 1
        if org:
            assert org == code[8:17] and org.startswith("JC")
            assert tax == code[2:8] + org
    assert with_legacy > 50


def test_value_sets(licensing: list[dict[str, str]], penalties: list[dict[str, str]]) -> None:
    assert {row["XK_XKLB"] for row in licensing} <= set(formats.LICENCE_CATEGORIES)
    assert {row["XK_ZT"] for row in licensing} <= {"有效", "注销", "撤销"}
    states = Counter(row["XK_ZT"] for row in licensing)
    assert states["有效"] > 0.85 * len(licensing)
    mix: Counter[str] = Counter()
    for row in penalties:
        parts = row["CF_CFLB"].split(";")
        assert set(parts) <= set(formats.PENALTY_CATEGORIES)
        mix.update(parts)
    assert mix["罚款"] > 0.6 * len(penalties)
    assert {"警告", "没收违法所得", "吊销许可证件", "责令停产停业"} <= set(mix)
    assert any(";" in row["CF_CFLB"] for row in penalties)
    assert all(row["CF_YJ"].startswith("《") for row in penalties)


def test_dates(licensing: list[dict[str, str]], penalties: list[dict[str, str]]) -> None:
    first = date(2020, 7, 1)
    for row in licensing:
        decided = date.fromisoformat(row["XK_JDRQ"])
        assert first <= decided <= TODAY
        assert row["XK_YXQZ"] == row["XK_JDRQ"]
        assert date.fromisoformat(row["XK_YXQZI"]) > decided
    months = {"minor": 3, "general": 12, "severe": 36}
    rank = {"minor": 0, "general": 1, "severe": 2}
    for row in penalties:
        decided = date.fromisoformat(row["CF_JDRQ"])
        assert first <= decided <= TODAY
        tier = max((formats.PENALTY_CATEGORIES[p] for p in row["CF_CFLB"].split(";")),
                   key=rank.__getitem__)  # fmt: skip
        until = date.fromisoformat(row["CF_GSJZQ"])
        expected = months[tier]
        got = (until.year - decided.year) * 12 + until.month - decided.month
        assert got == expected and until.day <= decided.day
        assert row["CF_YXQ"] == row["CF_GSJZQ"]
        assert all(ISO.match(row[n]) for n in ("CF_JDRQ", "CF_YXQ", "CF_GSJZQ"))


def test_amounts(penalties: list[dict[str, str]]) -> None:
    fines = 0
    for row in penalties:
        categories = row["CF_CFLB"].split(";")
        fine, taken = row["CF_NR_FK"], row["CF_NR_WFFF"]
        assert bool(fine) == ("罚款" in categories)
        assert bool(taken) == bool({"没收违法所得", "没收非法财物"} & set(categories))
        for amount in (fine, taken):
            if amount:
                assert AMOUNT.match(amount), amount
                assert not amount.endswith("0") or "." not in amount
                fines += 1
        if fine:
            assert "罚款人民币" in row["CF_NR"]
        if {"吊销许可证件", "暂扣许可证件"} & set(categories):
            assert row["CF_NR_ZKDX"]
    assert fines > 1500


def test_document_numbers_are_unique_per_authority(
    licensing: list[dict[str, str]], penalties: list[dict[str, str]]
) -> None:
    lic = Counter((row["XK_XKJGDM"], row["XK_WSH"]) for row in licensing)
    pen = Counter((row["CF_CFJGDM"], row["CF_WSH"]) for row in penalties)
    assert max(lic.values()) == 1 and max(pen.values()) == 1
    assert all(re.fullmatch(r".+许字〔20\d\d〕第\d{4,}号", row["XK_WSH"]) for row in licensing)
    assert all(re.fullmatch(r".+罚〔20\d\d〕\d+号", row["CF_WSH"]) for row in penalties)
    year = {row["CF_WSH"]: row["CF_JDRQ"][:4] for row in penalties}
    assert all(f"〔{y}〕" in wsh for wsh, y in year.items())


def test_subjects_recur_zipf_like(penalties: list[dict[str, str]]) -> None:
    per_subject = Counter(row["CF_XDR_MC"] for row in penalties)
    assert max(per_subject.values()) >= 30
    assert sum(1 for n in per_subject.values() if n == 1) >= 20


def test_same_seed_same_rows() -> None:
    def rows(seed: int) -> list[dict[str, str]]:
        g = synth.Generator(seed=seed, today=TODAY, subjects=50)
        return list(g.penalty_rows(200)) + list(g.licensing_rows(200))

    assert rows(5) == rows(5)
    assert rows(5) != rows(6)


def test_files_do_not_depend_on_order() -> None:
    a = synth.Generator(seed=5, today=TODAY, subjects=50)
    b = synth.Generator(seed=5, today=TODAY, subjects=50)
    lic_first = list(a.licensing_rows(100)), list(a.penalty_rows(100))
    pen_first = list(b.penalty_rows(100))
    assert pen_first == lic_first[1]
    assert list(b.licensing_rows(100)) == lic_first[0]
    assert list(a.licensing_rows(100)) == lic_first[0]  # a second call repeats itself


def test_values_match_rows(gen: synth.Generator) -> None:
    rows = list(gen.penalty_rows(50))
    assert [tuple(r.values()) for r in rows] == list(gen.penalty_values(50))


@pytest.mark.parametrize("today", [date(2024, 2, 29), date(2025, 1, 1)])
def test_no_date_after_today(today: date) -> None:
    g = synth.Generator(seed=1, today=today, subjects=30)
    assert max(r["XK_JDRQ"] for r in g.licensing_rows(500)) <= today.isoformat()
    assert max(r["CF_JDRQ"] for r in g.penalty_rows(500)) <= today.isoformat()
    assert 1824 <= (today - g.first_day).days <= 1826  # five years, the earliest day excluded


def test_bad_rows_are_where_the_plan_says(problems: Problems) -> None:
    g = synth.Generator(seed=4, today=TODAY, subjects=80)
    plan = g.plan_bad_rows(300, 30)
    assert len({b.row for b in plan}) == 30 and {b.kind for b in plan} == set(synth.BAD_KINDS)
    rows = list(g.penalty_rows(300, plan))
    by_row = {b.row: b for b in plan}
    for n, row in enumerate(rows, start=1):
        entry = by_row.get(n)
        code, ric = row["CF_XDR_SHXYM"], row["CF_XDR_ZJHM"]
        decided, fine = row["CF_JDRQ"], row["CF_NR_FK"]
        if entry is None:
            assert (code or ric) and (not code or problems["uscc"](code) is None)
            assert not ric or problems["ric"](ric) is None
            assert date.fromisoformat(decided) <= TODAY
            assert not fine or AMOUNT.match(fine)
            continue
        assert entry.field and entry.why and row[entry.field] == entry.value
        if entry.kind == "check_char":
            check = problems["uscc"] if entry.field == "CF_XDR_SHXYM" else problems["ric"]
            assert check(row[entry.field]) == "check character"
        elif entry.kind == "future_date":
            assert date.fromisoformat(decided) > TODAY
        elif entry.kind == "impossible_date":
            with pytest.raises(ValueError):
                date.fromisoformat(decided)
        elif entry.kind == "negative_amount":
            assert fine.startswith("-") and AMOUNT.match(fine[1:])
        elif entry.kind == "non_numeric_amount":
            assert not AMOUNT.match(fine)
        else:
            assert entry.kind == "missing_identifier" and not code and not ric


def test_bad_rows_plan_limits(gen: synth.Generator) -> None:
    assert gen.plan_bad_rows(10, 0) == []
    assert len(gen.plan_bad_rows(10, 10)) == 10
    with pytest.raises(ValueError):
        gen.plan_bad_rows(10, 11)


def test_classify_agrees_when_available(licensing: list[dict[str, str]]) -> None:
    classify = pytest.importorskip("jointcredit.identifiers.classify")
    for row in licensing[:300]:
        for name in ("XK_XDR_SHXYM", "XK_FR_ZJHM", "XK_XDR_ZJHM", "XK_XKJGDM", "XK_XDR_GSZC"):
            if row[name]:
                result = classify.check(row[name], today=TODAY)
                assert result.valid, (row[name], result.error)


def test_first_day_is_five_years_back() -> None:
    g = synth.Generator(seed=0, today=TODAY, subjects=1)
    assert g.first_day == date(2020, 7, 1)
    assert g.first_day - timedelta(days=1) == TODAY.replace(year=2020)
