"""The one form in which names are indexed and queries are asked, so that what people type finds
what departments wrote.

A name and a query match when their search keys do: Unicode NFKC (full-width letters, digits and
brackets become half-width), traditional characters become simplified (OpenCC's ``t2s``
table), letters are case-folded, and every space and punctuation mark goes — "远新（南京）广告"
is found by "远新南京广告" as by "遠新(南京)廣告".

>>> search_key("杭州雲帆科技有限公司")
'杭州云帆科技有限公司'
>>> search_key(" 云帆 科技 ")
'云帆科技'
>>> search_key("远新（南京）广告有限公司")
'远新南京广告有限公司'
>>> search_key("ＡＢＣ貿易")
'abc贸易'
>>> search_key("——")
''
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import opencc

#: The longest query the search takes: longer text is not a name (names hold at most 200).
MAX_QUERY = 100


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def _kept(char: str) -> bool:
    # Letters (Chinese included), digits and marks stay; separators, punctuation and symbols
    # are what people type differently from how departments wrote them.
    return unicodedata.category(char)[0] in "LNM"


def search_key(text: str) -> str:
    """The search key of a name or a query (see the module's examples)."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    kept = "".join(c for c in _t2s().convert(folded) if _kept(c))
    # Case folding can decompose a character, and removing a mark between a letter and its
    # accent leaves them to combine: compose once more, so that a key is its own key.
    return unicodedata.normalize("NFKC", kept)


def search_grams(key: str) -> str:
    """The one- and two-character substrings of a search key, each once, separated by spaces:
    what the short-key index holds (a key of one or two characters is found anywhere in a name
    by looking its gram up).

    >>> search_grams('华为技术')
    '华 为 技 术 华为 为技 技术'
    >>> search_grams('aa')
    'a aa'
    """
    units = list(dict.fromkeys(key))
    pairs = list(dict.fromkeys(key[i : i + 2] for i in range(len(key) - 1)))
    return " ".join(units + pairs)


#: Endings of division names that company names often leave out (深圳市 → 深圳).
_DIVISION_ENDINGS = (
    "特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "自治州", "自治县",
    "地区", "新区", "林区", "省", "市", "区", "县", "盟", "旗",
)  # fmt: skip


@lru_cache(maxsize=1)
def _region_names() -> frozenset[str]:
    """Search keys of every division's name, in full and without its ending (two characters
    or more), and 中国: what may open a name before its brand."""
    from jointcredit.identifiers import divisions

    names = {"中国", "中华人民共和国"}
    for full in divisions.current().values():
        if full in ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"):
            continue
        names.add(search_key(full))
        for ending in _DIVISION_ENDINGS:
            if full.endswith(ending) and len(full) - len(ending) >= 2:
                names.add(search_key(full[: -len(ending)]))
                break
    return frozenset(names)


@lru_cache(maxsize=1)
def _longest_region() -> int:
    return max(map(len, _region_names()))


@lru_cache(maxsize=65_536)
def is_region(text: str) -> bool:
    """Whether ``text`` (a search key's opening) is one to three region names: what stands
    before the brand in 深圳市华为…, 广东省深圳市华为…, 深圳华为….

    >>> is_region('深圳市'), is_region('广东省深圳市'), is_region('中'), is_region('')
    (True, True, False, False)
    """
    names = _region_names()

    def split(rest: str, parts: int) -> bool:
        if not rest:
            return True
        if parts == 0:
            return False
        return any(
            rest[:size] in names and split(rest[size:], parts - 1)
            for size in range(min(len(rest), _longest_region()), 1, -1)
        )

    return bool(text) and len(text) <= 3 * _longest_region() and split(text, 3)
