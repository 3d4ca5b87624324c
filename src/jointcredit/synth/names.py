"""Compact name tables for synthetic persons and organisations, and the functions that use them.

Surname weights follow the rough shares of the most common Chinese surnames (per mille, 2020
census order); two-character surnames are rare, as in life. Given names take one or two
characters from a male-leaning or a female-leaning table, matching the sex digit of the
person's resident identity number. Company names combine a region, a two-character trade name
(字号) from :data:`TRADE_CHARS`, an industry word and a legal form. Any resemblance to a real
name is chance: the identifiers, not the names, mark records as synthetic (see
:mod:`jointcredit.synth`).
"""

from __future__ import annotations

import random
from itertools import accumulate

from jointcredit.synth.places import County

_SURNAME_WEIGHTS = (
    ("王", 71), ("李", 70), ("张", 68), ("刘", 54), ("陈", 46), ("杨", 31), ("黄", 25), ("赵", 23),
    ("吴", 20), ("周", 19), ("徐", 15), ("孙", 15), ("马", 13), ("朱", 13), ("胡", 12), ("郭", 11),
    ("何", 11), ("林", 10), ("罗", 10), ("高", 10), ("郑", 9), ("梁", 9), ("谢", 8), ("宋", 7),
    ("唐", 7), ("许", 7), ("韩", 7), ("冯", 7), ("邓", 7), ("曹", 6), ("彭", 6), ("曾", 6),
    ("肖", 6), ("田", 6), ("董", 5), ("袁", 5), ("潘", 5), ("于", 5), ("蒋", 5), ("蔡", 5),
    ("余", 5), ("杜", 5), ("叶", 4), ("程", 4), ("苏", 4), ("魏", 4), ("吕", 4), ("丁", 4),
    ("任", 4), ("沈", 4), ("姚", 3), ("卢", 3), ("姜", 3), ("崔", 3), ("钟", 3), ("谭", 3),
    ("陆", 3), ("汪", 3), ("范", 3), ("金", 3), ("石", 3), ("廖", 3), ("贾", 3), ("夏", 3),
    ("韦", 3), ("付", 3), ("方", 3), ("白", 2), ("邹", 2), ("孟", 2), ("熊", 2), ("秦", 2),
    ("邱", 2), ("江", 2), ("尹", 2), ("薛", 2), ("闫", 2), ("段", 2), ("雷", 2), ("侯", 2),
    ("龙", 2), ("史", 2), ("陶", 2), ("黎", 2), ("贺", 2), ("顾", 2), ("毛", 2), ("郝", 2),
    ("龚", 2), ("邵", 2), ("万", 2), ("钱", 2), ("严", 1), ("覃", 1), ("武", 1), ("戴", 1),
    ("莫", 1), ("孔", 1), ("向", 1), ("汤", 1), ("欧阳", 0.5), ("司马", 0.1), ("上官", 0.1),
    ("诸葛", 0.1), ("皇甫", 0.1), ("令狐", 0.05), ("慕容", 0.05),
)  # fmt: skip
SURNAMES = tuple(s for s, _ in _SURNAME_WEIGHTS)
_SURNAME_CUM = tuple(accumulate(w for _, w in _SURNAME_WEIGHTS))

GIVEN_MALE = (
    "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林阳建国"
    "志文海东峰亮成晨博轩睿泽然天一德忠新荣永毅锋彬"
)
GIVEN_FEMALE = (
    "芳娜敏静丽艳娟霞燕玲婷雪慧琳倩颖洁萍红梅莉蕾欣怡佳琪梦雨瑶婧悦璐岚晓淑秀兰英凤桂妍涵诗可馨"
)

#: Characters of trade names (字号): auspicious, neutral, common in real names.
TRADE_CHARS = (
    "华泰鑫盛恒达源创联信腾宏瑞丰宇锦嘉博新顺隆兴通安康德汇诚美佳天海"
    "金星辰和合元正泽昊卓越鼎益润晟祥凯荣峰晨智远航云尚优中亿万豪旺富"
    "利昌捷迅澜启聚力"
)

#: Industry words of enterprise names.
INDUSTRIES = (
    "科技", "信息技术", "网络科技", "贸易", "商贸", "建筑工程", "建材", "餐饮管理", "物流",
    "医药", "食品", "机械设备", "电子", "文化传媒", "广告", "房地产开发", "物业管理",
    "汽车销售", "环保科技", "新能源", "农业开发", "服装", "印刷", "化工", "教育咨询",
    "企业管理咨询", "劳务", "装饰工程", "家具", "酒店管理", "旅游", "健康管理", "生物技术",
    "供应链管理", "人力资源", "运输", "医疗器械",
)  # fmt: skip
#: Legal forms of enterprises, weighted: most are limited liability companies.
ENTERPRISE_FORMS = ("有限公司", "有限责任公司", "股份有限公司")
_ENTERPRISE_FORM_CUM = (70, 92, 100)

#: Lines of business of farmers' cooperatives (农民专业合作社).
COOPERATIVE_LINES = ("蔬菜种植", "果蔬", "畜禽养殖", "生猪养殖", "茶叶", "中药材种植", "食用菌",
                     "粮食种植", "农机服务", "花卉苗木", "水产养殖", "葡萄种植")  # fmt: skip
#: Shop types of individual businesses (个体工商户).
SHOPS = ("便利店", "小吃店", "饭店", "面馆", "烧烤店", "理发店", "美容美发店", "五金店", "超市",
         "水果店", "服装店", "烟酒店", "汽车修理部", "建材经营部", "日用百货店", "药店", "快餐店",
         "粮油店", "手机维修店", "洗车店", "干洗店", "茶叶店", "早餐店", "蔬菜店")  # fmt: skip
#: Private non-enterprise units (民办非企业单位, category 52).
NON_ENTERPRISE = ("培训学校", "幼儿园", "养老院", "职业技能培训学校", "社会工作服务中心",
                  "康复中心")  # fmt: skip
#: Public institutions (事业单位, category 12); the trade name keeps them off real institutions.
INSTITUTIONS = ("文化服务中心", "农业技术服务站", "社区卫生服务站", "职业技术培训中心", "信息中心")
#: Other subjects (category Y1).
OTHERS = ("社区服务站", "老年活动中心", "志愿服务站")


def surname(rng: random.Random) -> str:
    """A surname, drawn by frequency."""
    return rng.choices(SURNAMES, cum_weights=_SURNAME_CUM)[0]


def person_name(rng: random.Random, male: bool) -> str:
    """A full name: surname and one or two given-name characters."""
    chars = GIVEN_MALE if male else GIVEN_FEMALE
    given = rng.choice(chars) if rng.random() < 0.3 else rng.choice(chars) + rng.choice(chars)
    return surname(rng) + given


def trade_name(rng: random.Random) -> str:
    """A two-character trade name (字号)."""
    return rng.choice(TRADE_CHARS) + rng.choice(TRADE_CHARS)


def enterprise_name(rng: random.Random, county: County) -> str:
    """An enterprise name: "北京鑫泰科技有限公司", "东城区华瑞贸易有限公司" or
    "恒达(北京)物流有限公司"."""
    trade, industry = trade_name(rng), rng.choice(INDUSTRIES)
    form = rng.choices(ENTERPRISE_FORMS, cum_weights=_ENTERPRISE_FORM_CUM)[0]
    r = rng.random()
    if r < 0.65:
        return f"{county.city_short}{trade}{industry}{form}"
    if r < 0.9:
        return f"{county.name}{trade}{industry}{form}"
    return f"{trade}({county.city_short}){industry}{form}"


def cooperative_name(rng: random.Random, county: County) -> str:
    """A farmers' cooperative: "正定县丰收蔬菜种植农民专业合作社"."""
    return f"{county.name}{trade_name(rng)}{rng.choice(COOPERATIVE_LINES)}农民专业合作社"


def shop_name(rng: random.Random, county: County, owner_surname: str) -> str:
    """An individual business: "东城区星辰便利店", "东城区王记小吃店"."""
    trade = owner_surname + "记" if rng.random() < 0.25 else trade_name(rng)
    return f"{county.name}{trade}{rng.choice(SHOPS)}"


def unit_name(rng: random.Random, county: County, kinds: tuple[str, ...]) -> str:
    """A non-enterprise unit or institution: "东城区华泰培训学校"."""
    return f"{county.name}{trade_name(rng)}{rng.choice(kinds)}"
