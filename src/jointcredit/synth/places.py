"""Counties as synthetic data needs them: names for companies, authorities and document numbers.

Built once from :mod:`jointcredit.identifiers.divisions` (the shipped 2023 GB/T 2260 tables).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from jointcredit.identifiers import divisions

#: One-character province abbreviations (简称), as document numbers and licence numbers use them.
PROVINCE_ABBR = {
    "11": "京", "12": "津", "13": "冀", "14": "晋", "15": "蒙", "21": "辽", "22": "吉", "23": "黑",
    "31": "沪", "32": "苏", "33": "浙", "34": "皖", "35": "闽", "36": "赣", "37": "鲁", "41": "豫",
    "42": "鄂", "43": "湘", "44": "粤", "45": "桂", "46": "琼", "50": "渝", "51": "川", "52": "黔",
    "53": "滇", "54": "藏", "61": "陕", "62": "甘", "63": "青", "64": "宁", "65": "新",
}  # fmt: skip

# Ethnic names inside autonomous prefecture / region names: the short name ends before them
# ("延边朝鲜族自治州" → "延边", "广西壮族自治区" → "广西").
_ETHNIC = ("朝鲜", "蒙古", "哈萨克", "柯尔克孜", "维吾尔", "土家", "布依", "哈尼", "傈僳", "景颇",
           "藏", "羌", "彝", "苗", "侗", "傣", "白", "回", "壮", "黎")  # fmt: skip

# City rows that are not cities: municipalities' districts and directly administered counties.
_NOT_A_CITY = ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划")


def short_name(full: str) -> str:
    """The short form of a province or prefecture name, as company names use it.

    >>> short_name('北京市'), short_name('内蒙古自治区'), short_name('延边朝鲜族自治州')
    ('北京', '内蒙古', '延边')
    >>> short_name('阿勒泰地区'), short_name('阿拉善盟'), short_name('黔东南苗族侗族自治州')
    ('阿勒泰', '阿拉善', '黔东南')
    """
    if "自治" in full:
        cuts = [i for i in (full.find(e, 2) for e in _ETHNIC) if i >= 2]
        if cuts:
            return full[: min(cuts)]
        return full[: full.index("自治")]
    for suffix in ("地区", "省", "市", "盟"):
        if full.endswith(suffix) and len(full) > len(suffix) + 1:
            return full[: -len(suffix)]
    return full


@dataclass(frozen=True, slots=True)
class County:
    """A county-level division and the names derived from it."""

    code: str
    name: str
    #: Short name of the city (or, for municipalities, the province): "北京", "石家庄".
    city_short: str
    #: Province abbreviation: "京".
    province_abbr: str
    #: Prefix of its authorities' names: "北京市东城区", "石家庄市长安区", "济源市".
    authority_prefix: str
    #: Prefix of penalty document numbers: "京东" (municipality), "石长" (city + county).
    doc_prefix: str


@cache
def counties() -> tuple[County, ...]:
    """Every current county-level division, in table order."""
    names = divisions.current()
    result = []
    for code in divisions.county_codes():
        county = names[code]
        province = names[code[:2] + "0000"]
        city = names.get(code[:4] + "00", "")
        abbr = PROVINCE_ABBR[code[:2]]
        if city in _NOT_A_CITY or not city:
            if code[:2] in ("11", "12", "31", "50"):
                # Municipalities: "北京市东城区市场监督管理局", "京东市监罚〔2024〕1号".
                prefix, city_short, doc = province + county, short_name(province), abbr + county[0]
            else:
                # Directly administered county-level cities: "济源市市场监督管理局".
                prefix, city_short, doc = county, short_name(county), abbr + county[0]
        elif county == city:
            prefix, city_short, doc = county, short_name(city), abbr + county[0]
        else:
            prefix, city_short, doc = city + county, short_name(city), city[0] + county[0]
        result.append(County(code, county, city_short, abbr, prefix, doc))
    return tuple(result)
