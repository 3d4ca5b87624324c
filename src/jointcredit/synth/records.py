"""Licensing and penalty rows in the national double-publicity formats, streamed.

:class:`Generator` makes the subjects once and then streams rows: memory stays flat however
many rows are asked for (only per-authority document counters grow, with the number of
authorities). Rows are plain ``dict[str, str]`` with every field of
:data:`jointcredit.importing.formats.LICENSING` or ``PENALTIES`` as a key, in file order; empty
fields are "". :meth:`Generator.licensing_values` / :meth:`Generator.penalty_values` yield the
same rows as tuples in field order, which writers take without building a dict per row.

Each call of :meth:`Generator.licensing_rows` / :meth:`Generator.penalty_rows` has its own
random stream derived from the seed, so a file's content does not depend on which other files
were generated first, and two calls with the same arguments yield the same rows.
"""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import accumulate

from jointcredit.identifiers.checkchars import USCC_ALPHABET
from jointcredit.importing.formats import LICENSING, PENALTIES, PENALTY_CATEGORIES
from jointcredit.synth import catalog
from jointcredit.synth.catalog import AuthorityKind, LicenceKind, Violation
from jointcredit.synth.places import County
from jointcredit.synth.subjects import (
    Subject,
    authority_org_code,
    home_counties,
    make_subjects,
    make_uscc,
)

LICENSING_FIELDS: tuple[str, ...] = tuple(LICENSING)
PENALTY_FIELDS: tuple[str, ...] = tuple(PENALTIES)

#: Publication period per severity tier, in months (信用修复管理办法, NDRC Order 36).
PUBLICATION_MONTHS = {"minor": 3, "general": 12, "severe": 36}
_TIER_RANK = {"minor": 0, "general": 1, "severe": 2}
#: Long-term validity, as departments record it.
LONG_TERM = "2099-12-31"
#: Records span this many years before ``today``.
YEARS_BACK = 5
#: Subjects are drawn in batches: ``random.choices`` with ``k`` is much faster than one by one.
_BATCH = 4096
#: Licence states and weights (当前状态).
_STATES = ("有效", "注销", "撤销")
_STATE_CUM = (92.0, 98.0, 100.0)

#: Kinds of deliberately invalid penalty rows (``--bad-rows``).
BAD_KINDS = ("check_char", "future_date", "negative_amount", "non_numeric_amount",
             "missing_identifier", "impossible_date")  # fmt: skip


@dataclass(frozen=True, slots=True)
class Authority:
    """A county-level authority that decides licences and penalties, and publishes them."""

    kind: AuthorityKind
    county: County
    name: str
    uscc: str  # category 11 机关
    #: "京东市监罚" as in "京东市监罚〔2024〕1234号".
    penalty_prefix: str
    #: "东市监许字" as in "东市监许字〔2023〕第0456号".
    licence_prefix: str


@dataclass(slots=True)
class BadRow:
    """A penalty row made invalid on purpose; ``row`` counts data rows from 1."""

    row: int
    kind: str
    field: str = ""
    value: str = ""
    why: str = ""

    def to_dict(self) -> dict[str, object]:
        """The sidecar form: row, field, value and why."""
        return {"row": self.row, "field": self.field, "value": self.value, "why": self.why}


@dataclass(frozen=True, slots=True)
class _Combo:
    """A 处罚类别 combination with what it implies for the row."""

    text: str  # "罚款;没收违法所得"
    fine: bool
    gains: bool  # 没收违法所得
    goods: bool  # 没收非法财物
    licence: str  # "吊销" / "暂扣" / ""
    closure: bool  # 责令停产停业
    warning: bool
    criticism: bool
    months: int  # publication period


def _combo(text: str) -> _Combo:
    parts = text.split(";")
    tier = max((PENALTY_CATEGORIES[p] for p in parts), key=_TIER_RANK.__getitem__)
    licence = "吊销" if "吊销许可证件" in parts else "暂扣" if "暂扣许可证件" in parts else ""
    return _Combo(text, "罚款" in parts, "没收违法所得" in parts, "没收非法财物" in parts, licence,
                  "责令停产停业" in parts, "警告" in parts, "通报批评" in parts,
                  PUBLICATION_MONTHS[tier])  # fmt: skip


@dataclass(frozen=True, slots=True)
class _PenaltyPlan:
    """A violation as one kind of subject commits it: combos resolved, licence chosen."""

    violation: Violation
    combos: tuple[tuple[_Combo, LicenceKind | None], ...]
    cum: tuple[float, ...]
    #: Round fines in range, as (万元 amount, yuan text): most decisions impose one of these.
    round_fines: tuple[tuple[str, str], ...]


def _plans(kind: str) -> tuple[tuple[_PenaltyPlan, ...], tuple[float, ...]]:
    licences = {lk.key: lk for lk in catalog.LICENCES}
    plans = []
    for v in catalog.VIOLATIONS:
        if kind not in v.subjects:
            continue
        combos: list[tuple[_Combo, LicenceKind | None]] = []
        for text, _ in catalog.PROFILES[v.profile]:
            combo, licence = _combo(text), None
            if combo.licence:
                # Revoking needs a licence to revoke: the violation's own, else the business
                # licence; a natural person without one is fined instead.
                key = (
                    v.licence
                    if v.licence and kind in licences[v.licence].subjects
                    else ("business" if kind != catalog.PERSON else "")
                )
                licence = licences[key] if key else None
                if licence is None:
                    combo = _combo("罚款")
            if combo.closure and kind == catalog.PERSON:
                combo = _combo("罚款")
            combos.append((combo, licence))
        weights = [w for _, w in catalog.PROFILES[v.profile]]
        lo, hi = v.fine
        rounds = tuple(f for f in catalog.ROUND_FINES if lo <= f <= hi) or (lo,)
        fines = tuple((_wan(f * 100), _yuan(f * 100)) for f in rounds)
        plans.append(_PenaltyPlan(v, tuple(combos), tuple(accumulate(weights)), fines))
    return tuple(plans), tuple(accumulate(p.violation.weight for p in plans))


def _licence_kinds(kind: str) -> tuple[tuple[LicenceKind, ...], tuple[float, ...]]:
    kinds = tuple(lk for lk in catalog.LICENCES if kind in lk.subjects)
    return kinds, tuple(accumulate(lk.weight for lk in kinds))


def _wan(cents: int) -> str:
    """Cents as 万元 with up to 6 decimals: 500000 → "0.5", 12345 → "0.012345".

    >>> _wan(500000), _wan(12345), _wan(10**8)
    ('0.5', '0.012345', '100')
    """
    q, r = divmod(cents, 1_000_000)
    return f"{q}.{r:06d}".rstrip("0") if r else str(q)


def _yuan(cents: int) -> str:
    """Cents as yuan for text: 500000 → "5000", 123456 → "1234.56"."""
    q, r = divmod(cents, 100)
    return f"{q}.{r:02d}" if r else str(q)


def _add_months(d: date, months: int) -> date:
    """``d`` plus ``months`` calendar months, clamped to the month's end (Jan 31 + 1 → Feb 28)."""
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    for day in (d.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


class Generator:
    """Synthetic subjects and double-publicity rows, deterministic for ``seed``.

    >>> g = Generator(seed=1, today=date(2025, 6, 30), subjects=50)
    >>> row = next(g.penalty_rows(1))
    >>> list(row) == list(PENALTIES) and row["CF_JDRQ"] <= "2025-06-30"
    True
    """

    #: Violations happen up to this many days before the decision (违法事实 cites the date).
    FACT_LEAD = (15, 135)

    def __init__(
        self,
        seed: int = 0,
        today: date | None = None,
        subjects: int = 1000,
        *,
        home: Sequence[str] = (),
        home_share: float = 0.0,
    ) -> None:
        if subjects < 1:
            raise ValueError("at least one subject is needed")
        if not 0.0 <= home_share <= 1.0:
            raise ValueError(f"home_share must lie between 0 and 1, not {home_share}")
        self.seed = seed
        #: County codes where about ``home_share`` of the subjects are registered, so that a
        #: sample province's authorities issue some of the records (see make_subjects).
        self.home, self.home_share = tuple(home), home_share
        home_counties(self.home)  # an unknown code fails here, not at the first row
        self.today = today or date.today()
        self.n_subjects = subjects
        self._subjects: list[Subject] | None = None
        self._subject_cum: list[float] = []
        self._authorities: dict[tuple[str, str], Authority] = {}
        try:
            start = self.today.replace(year=self.today.year - YEARS_BACK)
        except ValueError:  # 29 February
            start = self.today.replace(year=self.today.year - YEARS_BACK, day=28)
        #: First possible decision date (the day after the one ``YEARS_BACK`` years ago).
        self.first_day = start + timedelta(days=1)
        self._span = self.today.toordinal() - self.first_day.toordinal() + 1
        # Per-day values are computed once: formatting dates per row would dominate the cost.
        self._days = [self.first_day + timedelta(days=i) for i in range(self._span)]
        self._iso = [d.isoformat() for d in self._days]
        lead = self.FACT_LEAD[1]
        self._cn = [
            f"{d.year}年{d.month}月{d.day}日"
            for d in (self.first_day + timedelta(days=i - lead) for i in range(self._span + lead))
        ]
        self._ends: dict[tuple[int, bool], list[str]] = {}

    # -- subjects and authorities ----------------------------------------------------------------

    def subjects(self) -> list[Subject]:
        """The subjects, made on first use. Their order is their popularity: records pick
        subject ``i`` with weight 1/(i + 10), so the first ones recur often (Zipf-like)."""
        if self._subjects is None:
            self._subjects = make_subjects(
                self.seed, self.n_subjects, home=self.home, home_share=self.home_share
            )
            self._subject_cum = list(accumulate(1 / (i + 10) for i in range(self.n_subjects)))
        return self._subjects

    def authority(self, kind: AuthorityKind, county: County) -> Authority:
        """The authority of ``kind`` in ``county`` (made on first use, always the same)."""
        key = (kind.code, county.code)
        found = self._authorities.get(key)
        if found is None:
            org = authority_org_code(kind, county)
            uscc = make_uscc("11", county.code, org)
            if kind is catalog.TAX:
                name = f"国家税务总局{county.authority_prefix}{kind.suffix}"
            else:
                name = county.authority_prefix + kind.suffix
            found = Authority(kind, county, name, uscc, f"{county.doc_prefix}{kind.abbr}罚",
                              f"{county.name[0]}{kind.abbr}许字")  # fmt: skip
            self._authorities[key] = found
        return found

    def _ends_after(self, months: int, minus_day: bool = False) -> list[str]:
        """For each day of the window, the ISO date ``months`` later (one day less with
        ``minus_day``), computed once per period."""
        key = (months, minus_day)
        found = self._ends.get(key)
        if found is None:
            one = timedelta(days=1 if minus_day else 0)
            found = [(_add_months(d, months) - one).isoformat() for d in self._days]
            self._ends[key] = found
        return found

    # -- rows ------------------------------------------------------------------------------------

    def _subject_batches(self, rng: random.Random, n: int) -> Iterator[list[Subject]]:
        subjects = self.subjects()
        for start in range(0, n, _BATCH):
            yield rng.choices(subjects, cum_weights=self._subject_cum, k=min(_BATCH, n - start))

    def licensing_rows(self, n: int) -> Iterator[dict[str, str]]:
        """``n`` licensing rows (28 fields each, in :data:`LICENSING_FIELDS` order)."""
        fields = LICENSING_FIELDS
        for values in self.licensing_values(n):
            yield dict(zip(fields, values, strict=True))

    def licensing_values(self, n: int) -> Iterator[tuple[str, ...]]:
        """The rows of :meth:`licensing_rows` as tuples in field order: the fast path for
        writing files (no dict per row)."""
        rng = random.Random(f"{self.seed}/licensing")
        rand = rng.random
        by_kind: dict[str, tuple[tuple[tuple[LicenceKind, list[str] | None], ...],
                                 tuple[float, ...], int]] = {}  # fmt: skip
        for kind in catalog.ALL_KINDS:
            kinds, cum = _licence_kinds(kind)
            # Validity ends per decision day, for each kind of licence with a fixed term.
            kind_ends = [self._ends_after(12 * lk.years, True) if lk.years else None
                         for lk in kinds]  # fmt: skip
            by_kind[kind] = (tuple(zip(kinds, kind_ends, strict=True)), cum, len(kinds) - 1)
        counters: dict[tuple[str, int], int] = {}
        # Licence numbers mostly lack the year, so they count per authority, not per year.
        numbers: dict[str, int] = {}
        iso, span, days = self._iso, self._span, self._days
        authorities, authority = self._authorities, self.authority
        for batch in self._subject_batches(rng, n):
            for s in batch:
                choices, cum, last = by_kind[s.kind]
                lk, ends = choices[bisect(cum, rand() * cum[-1], 0, last)]
                county = s.county
                auth = authorities.get((lk.authority.code, county.code)) or authority(
                    lk.authority, county
                )
                i = int(rand() * span)
                year = days[i].year
                key = (auth.uscc, year)
                serial = counters.get(key, 0) + 1 + int(rand() * 3)  # gaps, as in real registers
                counters[key] = serial
                pattern = lk.number
                if not pattern:
                    number = ""
                elif pattern == "{uscc}":
                    number = s.uscc
                elif pattern == "{ric}":
                    number = s.person.ric
                else:
                    numbers[auth.uscc] = count = numbers.get(auth.uscc, 0) + 1
                    number = self._licence_number(lk, s, days[i], count)
                state = _STATES[bisect(_STATE_CUM, rand() * 100.0, 0, 2)]
                # Old subjects' legacy identifiers appear in about half their records.
                f = s.fields
                if s.legacy_fields is not f and rand() < 0.5:
                    f = s.legacy_fields
                contents = lk.contents
                # Concatenation, not unpacking: measurably faster for the hot loop.
                yield f + (  # noqa: RUF005
                    lk.document,  # XK_XKWS
                    f"{auth.licence_prefix}〔{year}〕第{serial:04d}号",  # XK_WSH
                    lk.category,  # XK_XKLB
                    lk.certificate,  # XK_XKZS
                    number,  # XK_XKBH
                    contents[int(rand() * len(contents))],  # XK_NR
                    iso[i],
                    iso[i],  # XK_JDRQ, XK_YXQZ
                    ends[i] if ends is not None else LONG_TERM,  # XK_YXQZI
                    auth.name,
                    auth.uscc,  # XK_XKJG, XK_XKJGDM
                    state,  # XK_ZT
                    auth.name,
                    auth.uscc,  # XK_LYDW, XK_LYDWDM
                    "",  # BZ
                )

    @staticmethod
    def _licence_number(lk: LicenceKind, s: Subject, day: date, serial: int) -> str:
        c = s.county
        return lk.number.format(abbr=c.province_abbr, doc=c.doc_prefix, county=c.code,
                                year=day.year, month=day.month, yy=f"{day.year % 100:02d}",
                                serial=serial, uscc=s.uscc, ric=s.person.ric)  # fmt: skip

    def plan_bad_rows(self, n: int, k: int) -> list[BadRow]:
        """Choose ``k`` of ``n`` penalty rows to spoil and how (the kinds in turn, shuffled);
        pass the plan to :meth:`penalty_rows`, which fills in each entry's field, value and
        reason as it makes the row."""
        if not 0 <= k <= n:
            raise ValueError(f"cannot spoil {k} of {n} rows")
        rng = random.Random(f"{self.seed}/bad")
        rows = sorted(rng.sample(range(1, n + 1), k))
        return [BadRow(row, BAD_KINDS[j % len(BAD_KINDS)]) for j, row in
                zip(rng.sample(range(k), k), rows, strict=True)]  # fmt: skip

    def penalty_rows(self, n: int, bad: Sequence[BadRow] = ()) -> Iterator[dict[str, str]]:
        """``n`` penalty rows (30 fields each, in :data:`PENALTY_FIELDS` order).

        Rows named in ``bad`` (from :meth:`plan_bad_rows`) are spoiled as planned; their
        entries are completed as the rows are made.
        """
        fields = PENALTY_FIELDS
        for values in self.penalty_values(n, bad):
            yield dict(zip(fields, values, strict=True))

    def penalty_values(self, n: int, bad: Sequence[BadRow] = ()) -> Iterator[tuple[str, ...]]:
        """The rows of :meth:`penalty_rows` as tuples in field order."""
        rng = random.Random(f"{self.seed}/penalties")
        rand = rng.random
        by_kind = {}
        for kind in catalog.ALL_KINDS:
            plans, cum = _plans(kind)
            by_kind[kind] = (plans, cum, len(plans) - 1)
        ends = {m: self._ends_after(m) for m in PUBLICATION_MONTHS.values()}
        counters: dict[tuple[str, int], int] = {}
        iso, span, days, cn = self._iso, self._span, self._days, self._cn
        lead_lo, lead_hi = self.FACT_LEAD
        lead_base, lead_span = self.FACT_LEAD[1] - lead_lo, lead_hi - lead_lo
        authorities, authority = self._authorities, self.authority
        pending = sorted(bad, key=lambda b: b.row)
        pending.reverse()  # popped from the end
        next_bad = pending[-1].row if pending else 0
        row_no = 0
        for batch in self._subject_batches(rng, n):
            for s in batch:
                row_no += 1
                plans, cum, last = by_kind[s.kind]
                plan = plans[bisect(cum, rand() * cum[-1], 0, last)]
                v = plan.violation
                pcum = plan.cum
                combo, licence = plan.combos[bisect(pcum, rand() * pcum[-1], 0, len(pcum) - 1)]
                county = s.county
                auth = authorities.get((v.authority.code, county.code)) or authority(
                    v.authority, county
                )
                i = int(rand() * span)
                year = days[i].year
                key = (auth.uscc, year)
                serial = counters.get(key, 0) + 1 + int(rand() * 3)
                counters[key] = serial

                # The decision text and amounts follow the categories.
                content: list[str] = []
                fine = wfff = zkdx = ""
                if combo.warning:
                    content.append("警告")
                if combo.criticism:
                    content.append("通报批评")
                if combo.fine:
                    if rand() < 0.7:
                        fine, text = plan.round_fines[int(rand() * len(plan.round_fines))]
                    else:
                        lo, hi = v.fine
                        cents = (lo + int(rand() * (hi - lo))) * 100
                        if rand() < 0.2:
                            cents += int(rand() * 100)
                        fine, text = _wan(cents), _yuan(cents)
                    content.append(f"罚款人民币{text}元")
                if combo.gains or combo.goods:
                    taken = 0
                    if combo.gains:
                        gains = 5000 + int(rand() * 5_000_000)
                        taken += gains
                        content.append(f"没收违法所得人民币{_yuan(gains)}元")
                    if combo.goods:
                        goods = 10000 + int(rand() * 2_000_000)
                        taken += goods
                        content.append(f"没收非法财物（涉案物品，价值人民币{_yuan(goods)}元）")
                    wfff = _wan(taken)
                if licence is not None:
                    if not licence.number or licence.number == "{uscc}":
                        number = s.uscc
                    else:
                        number = self._licence_number(licence, s, days[i], 1 + int(rand() * 9999))
                    zkdx = f"{licence.certificate or licence.document}（{number}）"
                    if combo.licence == "吊销":
                        content.append(f"吊销{zkdx}")
                    else:
                        content.append(f"暂扣{zkdx}{1 + int(rand() * 6)}个月")
                if combo.closure:
                    content.append(f"责令停产停业{(1 + int(rand() * 6)) * 5}日")
                fact = v.fact.format(
                    d=cn[i + lead_base - int(rand() * lead_span)],
                    q=1 + int(rand() * 60),
                    v=100 + int(rand() * 200_000),
                )
                until = ends[combo.months][i]
                f = s.fields
                if s.legacy_fields is not f and rand() < 0.5:
                    f = s.legacy_fields
                row = f + (  # noqa: RUF005 (faster than unpacking)
                    f"{auth.penalty_prefix}〔{year}〕{serial}号",  # CF_WSH
                    v.act,  # CF_WFXW
                    fact,  # CF_SY
                    v.basis,  # CF_YJ
                    combo.text,  # CF_CFLB
                    "；".join(content),  # CF_NR
                    fine,
                    wfff,
                    zkdx,  # CF_NR_FK, CF_NR_WFFF, CF_NR_ZKDX
                    iso[i],
                    until,
                    until,  # CF_JDRQ, CF_YXQ, CF_GSJZQ
                    auth.name,
                    auth.uscc,  # CF_CFJG, CF_CFJGDM
                    auth.name,
                    auth.uscc,  # CF_SJLY, CF_SJLYDM
                    "",  # BZ
                )
                if row_no == next_bad:
                    row = self._spoil(row, pending.pop(), rng)
                    next_bad = pending[-1].row if pending else 0
                yield row

    def _spoil(self, values: tuple[str, ...], entry: BadRow,
               rng: random.Random) -> tuple[str, ...]:  # fmt: skip
        """``values`` made invalid the way ``entry.kind`` says; records how in ``entry``."""
        row = dict(zip(PENALTY_FIELDS, values, strict=True))
        kind = entry.kind
        if kind == "check_char":
            field = "CF_XDR_SHXYM" if row["CF_XDR_SHXYM"] else "CF_XDR_ZJHM"
            old = row[field]
            alphabet = USCC_ALPHABET if field == "CF_XDR_SHXYM" else "0123456789X"
            new_char = rng.choice([c for c in alphabet if c != old[-1]])
            value, why = old[:-1] + new_char, f"check character {new_char}, expected {old[-1]}"
        elif kind == "future_date":
            field = "CF_JDRQ"
            value = (self.today + timedelta(days=rng.randint(1, 400))).isoformat()
            why = "decision date after today"
        elif kind == "negative_amount":
            field = "CF_NR_FK"
            value = "-" + (row[field] or "0.5")
            why = "negative amount"
        elif kind == "non_numeric_amount":
            field = "CF_NR_FK"
            value = rng.choice(("五千元", "0.5万", "1,000", "约2", "n/a"))
            why = "amount is not a decimal number"
        elif kind == "missing_identifier":
            field = "CF_XDR_SHXYM" if row["CF_XDR_SHXYM"] else "CF_XDR_ZJHM"
            for name in ("CF_XDR_SHXYM", "CF_XDR_GSZC", "CF_XDR_ZZJG", "CF_XDR_SWDJ",
                         "CF_XDR_SYDW", "CF_XDR_SHZZ", "CF_XDR_ZJHM"):  # fmt: skip
                row[name] = ""
            value, why = "", "no identifier of the counterpart"
        elif kind == "impossible_date":
            field = "CF_JDRQ"
            year = row[field][:4]
            value = rng.choice((f"{year}-02-30", f"{year}-13-01", f"{year}-04-31"))
            why = "not a calendar date"
        else:
            raise ValueError(f"unknown kind of bad row: {kind}")
        row[field] = value
        entry.field, entry.value, entry.why = field, value, why
        return tuple(row.values())
