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
