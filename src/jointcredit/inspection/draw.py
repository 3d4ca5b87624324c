"""The verifiable draw of 双随机、一公开: random subjects, then random inspectors.

Everything here depends only on its arguments — no clock, no ``random`` module — so that
anyone holding the published seed can repeat it (docs/inspection.md states the algorithm):

* The seed is 128 bits or more, written in hex; the key is its bytes.
* A subject's **draw value** is the first 8 bytes of HMAC-SHA256(key, ``"subject:" +
  identifier``) read as a big-endian unsigned integer ``n``; the subject is drawn when
  ``n / 2**64 < rate`` of its class (compared exactly, in integers). Each subject is drawn
  independently of the others (a Bernoulli sample): the share drawn is the rate in
  expectation, and the order of the population does not matter.
* The drawn subjects are taken in ascending order of identifier; for each, the inspectors
  without a conflict of interest are ranked by (assignments so far, HMAC-SHA256(key,
  ``"inspector:" + identifier + "|" + inspector id``) as above, inspector id) and the first
  ``team`` of them are assigned. A subject with fewer than ``team`` eligible inspectors gets
  none and is reported.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from jointcredit.errors import InvalidInputError

SCALE = 2**64
_HEX = re.compile(r"[0-9a-f]{32,128}")


def new_seed() -> str:
    """A fresh random 128-bit seed, in hex."""
    return secrets.token_hex(16)


def seed_from(value: str) -> str:
    """A seed derived from a public value the operator names (e.g. a lottery result, a
    newspaper headline): the first 128 bits of SHA-256 of its UTF-8 text, in hex."""
    if not value.strip():
        raise InvalidInputError("--seed-from needs a non-empty public value")
    return hashlib.sha256(value.encode()).hexdigest()[:32]


def check_seed(seed: str) -> str:
    """``seed`` in lower case, or InvalidInputError: 32 to 128 hex digits (128–512 bits)."""
    text = seed.strip().lower()
    if not _HEX.fullmatch(text) or len(text) % 2:
        raise InvalidInputError(
            f"--seed {seed!r} must be an even number of 32 to 128 hex digits (128 bits or more)"
        )
    return text


def _number(seed: str, message: str) -> int:
    digest = hmac.new(bytes.fromhex(seed), message.encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big")


def draw_number(seed: str, identifier: str) -> int:
    """The subject's draw value as an integer in [0, 2**64)."""
    return _number(seed, "subject:" + identifier)


def rank_number(seed: str, identifier: str, inspector: str) -> int:
    """An inspector's rank for one subject, an integer in [0, 2**64)."""
    return _number(seed, f"inspector:{identifier}|{inspector}")


def threshold(rate: Decimal) -> int:
    """The draw values below which a subject of this rate is drawn: ⌈rate × 2**64⌉, so that
    ``n < threshold`` exactly when ``n / 2**64 < rate``."""
    exact = Fraction(rate) * SCALE
    return -((-exact.numerator) // exact.denominator)


def value_text(n: int) -> str:
    """A draw value as published: 16 hex digits."""
    return f"{n:016x}"


def value_fraction(n: int) -> float:
    return n / SCALE


def select(
    seed: str, population: Iterable[tuple[str, str]], rates: Mapping[str, Decimal]
) -> list[tuple[str, str, int]]:
    """The drawn members of ``population`` ((identifier, class) pairs, any order) as
    (identifier, class, draw value), in ascending order of identifier. A class without a rate
    is an error (the caller checks first)."""
    limits = {cls: threshold(rate) for cls, rate in rates.items()}
    out = []
    for identifier, cls in sorted(population):
        n = draw_number(seed, identifier)
        if n < limits[cls]:
            out.append((identifier, cls, n))
    return out


@dataclass(frozen=True, slots=True)
class Inspector:
    id: str
    name: str
    department: str
    #: Identifiers of subjects the inspector must not inspect (kin, former employer, …).
    subjects: frozenset[str] = field(default_factory=frozenset)
    #: Division-code prefixes the inspector must not inspect in (e.g. the home county).
    regions: tuple[str, ...] = ()

    def conflicts_with(self, identifier: str, region: str | None) -> bool:
        if identifier in self.subjects:
            return True
        return region is not None and any(region.startswith(p) for p in self.regions)

    def public(self) -> dict[str, str]:
        return {"id": self.id, "name": self.name, "department": self.department}


@dataclass(frozen=True, slots=True)
class Target:
    identifier: str
    region: str | None = None


def assign(
    seed: str, targets: Sequence[Target], inspectors: Sequence[Inspector], team: int
) -> dict[str, list[str]]:
    """Inspector ids for each target (identifier → ids; an empty list when fewer than
    ``team`` inspectors are free of conflict), targets taken in ascending identifier order."""
    if team < 1:
        raise InvalidInputError(f"--team must be at least 1, not {team}")
    load = {i.id: 0 for i in inspectors}
    out: dict[str, list[str]] = {}
    for target in sorted(targets, key=lambda t: t.identifier):
        eligible = [i for i in inspectors if not i.conflicts_with(target.identifier, target.region)]
        if len(eligible) < team:
            out[target.identifier] = []
            continue
        ranked = sorted(
            eligible,
            key=lambda i: (load[i.id], rank_number(seed, target.identifier, i.id), i.id),
        )
        chosen = [i.id for i in ranked[:team]]
        for ident in chosen:
            load[ident] += 1
        out[target.identifier] = chosen
    return out
