"""What synthetic records are made of: authority kinds, licence kinds and violations.

Each violation cites the article that real decisions of its kind cite; fines stay within a
plausible range for it (the range is a sampling aid, not legal advice). Weights are relative
frequencies: market regulators and tax offices decide most cases.
"""

from __future__ import annotations

from dataclasses import dataclass

ORG = "organisation"
SHOP = "individual_business"
PERSON = "natural_person"
ALL_KINDS = (ORG, SHOP, PERSON)
FIRMS = (ORG, SHOP)


@dataclass(frozen=True, slots=True)
class AuthorityKind:
    """A kind of county-level authority."""

    #: One USCC character, distinct per kind: it keeps authorities' organisation codes unique.
    code: str
    #: Name after the county prefix ("市场监督管理局"); tax offices get "国家税务总局" in front.
    suffix: str
    #: Abbreviation inside document numbers ("市监" in "京东市监罚〔2024〕12号").
    abbr: str


MARKET = AuthorityKind("1", "市场监督管理局", "市监")
TAX = AuthorityKind("2", "税务局", "税")
ENVIRONMENT = AuthorityKind("3", "生态环境局", "环")
EMERGENCY = AuthorityKind("4", "应急管理局", "应急")
HEALTH = AuthorityKind("5", "卫生健康局", "卫健")
TRANSPORT = AuthorityKind("6", "交通运输局", "交")
HOUSING = AuthorityKind("7", "住房和城乡建设局", "建")
CULTURE = AuthorityKind("8", "文化和旅游局", "文旅")
AUTHORITY_KINDS = (MARKET, TAX, ENVIRONMENT, EMERGENCY, HEALTH, TRANSPORT, HOUSING, CULTURE)


@dataclass(frozen=True, slots=True)
class LicenceKind:
    """A kind of administrative licence and how its records look."""

    key: str
    authority: AuthorityKind
    document: str  # 许可决定文书名称
    category: str  # 许可类别
    certificate: str  # 许可证书名称 ("" when the decision issues none)
    #: Licence number, str.format fields: abbr, doc (doc prefix), county, year, month, serial,
    #: uscc, ric (subject's id). "" when none.
    number: str
    contents: tuple[str, ...]
    #: Validity in years; 0 means long-term, which departments record as 2099-12-31.
    years: int
    subjects: tuple[str, ...]
    weight: float


LICENCES = (
    LicenceKind("food", MARKET, "食品经营许可决定书", "普通", "食品经营许可证",
                "JY2{county}{serial:07d}",
                ("预包装食品（含冷藏冷冻食品）销售",
                 "散装食品（不含冷藏冷冻食品）销售；预包装食品销售", "热食类食品制售",
                 "热食类食品制售；冷食类食品制售", "预包装食品销售；保健食品销售"),
                5, FIRMS, 30),
    LicenceKind("business", MARKET, "准予登记通知书", "登记", "营业执照", "{uscc}",
                ("设立登记", "变更登记（住所）", "变更登记（法定代表人）", "变更登记（经营范围）"),
                0, FIRMS, 25),
    LicenceKind("food_production", MARKET, "食品生产许可决定书", "普通", "食品生产许可证",
                "SC1{county}{serial:07d}", ("糕点", "饮料", "调味品", "粮食加工品", "肉制品"),
                5, (ORG,), 3),
    LicenceKind("drugs", MARKET, "药品经营许可决定书", "普通", "药品经营许可证",
                "{abbr}DB{county}{serial:04d}", ("中成药、化学药制剂、抗生素制剂、生化药品",),
                5, FIRMS, 3),
    LicenceKind("lift", MARKET, "特种设备使用登记决定书", "登记", "特种设备使用登记证",
                "梯{doc}{serial:05d}({yy})", ("电梯使用登记", "压力容器使用登记", "叉车使用登记"),
                0, (ORG,), 4),
    LicenceKind("operator", MARKET, "特种设备作业人员资格认定决定书", "认可",
                "特种设备安全管理和作业人员证", "{ric}", ("叉车司机", "电梯安全管理", "锅炉操作"),
                4, (PERSON,), 6),
    LicenceKind("invoice", TAX, "准予税务行政许可决定书", "核准", "", "",
                ("增值税防伪税控系统最高开票限额十万元", "增值税防伪税控系统最高开票限额一百万元"),
                0, FIRMS, 8),
    LicenceKind("emission", ENVIRONMENT, "排污许可决定书", "普通", "排污许可证", "{uscc}001P",
                ("排放大气污染物：颗粒物、二氧化硫、氮氧化物", "排放水污染物：化学需氧量、氨氮"),
                5, (ORG,), 5),
    LicenceKind("eia", ENVIRONMENT, "建设项目环境影响报告表审批意见", "核准", "", "",
                ("同意该建设项目环境影响报告表", "同意该建设项目按环境影响报告表所列内容建设"),
                0, (ORG,), 3),
    LicenceKind("hazchem", EMERGENCY, "危险化学品经营许可决定书", "普通", "危险化学品经营许可证",
                "{doc}危化经字〔{year}〕{serial:06d}",
                ("汽油、柴油（不带储存设施经营）", "盐酸、硫酸、氢氧化钠（不带储存设施经营）"),
                3, (ORG,), 3),
    LicenceKind("fireworks", EMERGENCY, "烟花爆竹经营（零售）许可决定书", "普通",
                "烟花爆竹经营（零售）许可证", "{doc}烟零许〔{year}〕{serial:05d}号",
                ("烟花爆竹零售",), 1, FIRMS, 2),
    LicenceKind("hygiene", HEALTH, "公共场所卫生许可决定书", "普通", "卫生许可证",
                "{abbr}卫公字〔{year}〕第{county}{serial:06d}号",
                ("住宿", "美容美发", "沐浴", "游泳场所"), 4, FIRMS, 6),
    LicenceKind("clinic", HEALTH, "医疗机构执业许可决定书", "普通", "医疗机构执业许可证",
                "PDY{serial:05d}-{county}17A1002", ("诊所", "口腔诊所", "中医诊所"), 5, (ORG,), 2),
    LicenceKind("doctor", HEALTH, "医师执业注册决定书", "认可", "医师执业证书",
                "1{county}{year}{serial:06d}", ("临床类别 内科专业", "口腔类别 口腔专业"),
                0, (PERSON,), 4),
    LicenceKind("road", TRANSPORT, "道路运输经营许可决定书", "普通", "道路运输经营许可证",
                "{abbr}交运管许可{doc}字{county}{serial:06d}号",
                ("道路普通货物运输", "道路旅客运输"),
                4, FIRMS, 5),
    LicenceKind("taxi", TRANSPORT, "出租汽车经营许可决定书", "特许", "出租汽车经营许可证",
                "{abbr}出租{county}{serial:05d}", ("巡游出租汽车客运经营",), 6, (ORG,), 1),
    LicenceKind("driver", TRANSPORT, "从业资格认定决定书", "认可", "道路运输从业人员从业资格证",
                "{ric}", ("经营性道路货物运输驾驶员", "经营性道路旅客运输驾驶员"), 6, (PERSON,), 8),
    LicenceKind("construction", HOUSING, "建筑工程施工许可决定书", "普通", "建筑工程施工许可证",
                "{county}{year}{month:02d}{serial:04d}0101",
                ("新建厂房工程", "住宅楼工程", "办公楼工程"),
                0, (ORG,), 4),
    LicenceKind("road_dig", HOUSING, "临时占用、挖掘城市道路许可决定书", "其他", "", "",
                ("临时占用城市道路堆放建筑材料", "挖掘城市道路敷设管线"), 1, FIRMS, 1),
    LicenceKind("entertainment", CULTURE, "娱乐经营许可决定书", "普通", "娱乐经营许可证",
                "{county}{serial:06d}", ("歌舞娱乐场所", "游艺娱乐场所"), 2, FIRMS, 2),
    LicenceKind("travel", CULTURE, "旅行社业务经营许可决定书", "普通", "旅行社业务经营许可证",
                "L-{abbr}-{serial:05d}", ("国内旅游业务和入境旅游业务",), 0, (ORG,), 1),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Violation:
    """A kind of violation and the penalties it draws."""

    authority: AuthorityKind
    act: str  # 违法行为类型
    basis: str  # 处罚依据
    #: 违法事实, str.format fields: d (date, 2023年5月12日), q (a quantity), v (value in yuan).
    fact: str
    fine: tuple[int, int]  # fine range in yuan
    #: Penalty mix (see ``PROFILES``): "minor", "common" or "serious".
    profile: str
    #: Licence kind a revocation or suspension names ("" when none applies).
    licence: str
    subjects: tuple[str, ...]
    weight: float


_FS = "《中华人民共和国食品安全法》"
_TAX = "《中华人民共和国税收征收管理法》"
_SAFETY = "《中华人民共和国安全生产法》"
_AIR = "《中华人民共和国大气污染防治法》"

VIOLATIONS = (
    Violation(MARKET, "经营超过保质期的食品", _FS + "第一百二十四条第一款第（五）项",
              "经查，当事人于{d}在其经营场所销售超过保质期的预包装食品{q}件，货值金额{v}元。",
              (5000, 100000), "common", "food", FIRMS, 12),
    Violation(MARKET, "未按规定查验记录进货信息", _FS + "第一百二十六条第一款第（三）项",
              "经查，当事人自{d}起采购食品未查验供货者许可证和产品合格证明文件，未建立进货查验记录。",
              (5000, 50000), "minor", "food", FIRMS, 8),
    Violation(MARKET, "未取得食品经营许可从事食品经营活动", _FS + "第一百二十二条第一款",
              "经查，当事人于{d}起未取得食品经营许可在其经营场所从事热食类食品制售，货值金额{v}元。",
              (50000, 150000), "serious", "", ALL_KINDS, 4),
    Violation(MARKET, "发布虚假广告", "《中华人民共和国广告法》第五十五条第一款",
              "经查，当事人于{d}通过网络平台发布含有虚假内容的广告，广告费用{v}元。",
              (20000, 500000), "common", "", (ORG,), 5),
    Violation(MARKET, "销售不合格产品", "《中华人民共和国产品质量法》第四十九条",
              "经查，当事人于{d}销售经抽样检验不合格的产品{q}件，货值金额{v}元。",
              (3000, 200000), "serious", "", FIRMS, 5),
    Violation(MARKET, "不按规定明码标价", "《明码标价和禁止价格欺诈规定》第二十一条",
              "经查，当事人于{d}在其经营场所销售的{q}种商品未按规定明码标价。",
              (500, 5000), "minor", "", FIRMS, 6),
    Violation(MARKET, "虚假宣传", "《中华人民共和国反不正当竞争法》第二十条第一款",
              "经查，当事人于{d}在其宣传材料中对商品的功能作虚假宣传。",
              (100000, 1000000), "common", "", (ORG,), 3),
    Violation(MARKET, "销售侵犯注册商标专用权的商品", "《中华人民共和国商标法》第六十条第二款",
              "经查，当事人于{d}销售侵犯他人注册商标专用权的商品{q}件，经营额{v}元。",
              (2000, 250000), "common", "", ALL_KINDS, 4),
    Violation(MARKET, "使用未经定期检验的特种设备",
              "《中华人民共和国特种设备安全法》第八十四条第一项",
              "经查，当事人自{d}起使用未经定期检验的电梯{q}台。",
              (30000, 300000), "serious", "lift", (ORG,), 2),
    Violation(TAX, "未按照规定期限办理纳税申报和报送纳税资料", _TAX + "第六十二条",
              "经查，当事人未按照规定期限办理{d}所属期的增值税纳税申报。",
              (50, 2000), "minor", "", FIRMS, 18),
    Violation(TAX, "丢失发票", "《中华人民共和国发票管理办法》第三十六条",
              "经查，当事人于{d}丢失已开具的增值税普通发票{q}份。",
              (100, 10000), "minor", "", FIRMS, 5),
    Violation(TAX, "偷税", _TAX + "第六十三条第一款",
              "经查，当事人于{d}前通过在账簿上多列支出方式少缴增值税{v}元。",
              (10000, 2000000), "common", "", FIRMS, 3),
    Violation(TAX, "虚开发票", "《中华人民共和国发票管理办法》第三十五条",
              "经查，当事人于{d}为他人开具与实际经营业务情况不符的发票{q}份，金额{v}元。",
              (50000, 500000), "serious", "", FIRMS, 1),
    Violation(ENVIRONMENT, "超标排放大气污染物", _AIR + "第九十九条第二项",
              "经查，{d}监测显示当事人废气排放口颗粒物排放浓度超过排放标准{q}%。",
              (100000, 1000000), "serious", "emission", (ORG,), 4),
    Violation(ENVIRONMENT, "建设项目未依法报批环境影响评价文件擅自开工建设",
              "《中华人民共和国环境影响评价法》第三十一条第一款",
              "经查，当事人于{d}未依法报批建设项目环境影响报告表即开工建设，项目总投资{v}元。",
              (50000, 500000), "common", "", (ORG,), 3),
    Violation(ENVIRONMENT, "未按规定贮存危险废物",
              "《中华人民共和国固体废物污染环境防治法》第一百一十二条第一款第（六）项",
              "经查，当事人于{d}将废机油等危险废物露天堆放，未设置危险废物识别标志。",
              (100000, 1000000), "common", "", (ORG,), 2),
    Violation(ENVIRONMENT, "露天焚烧秸秆、落叶等产生烟尘污染的物质", _AIR + "第一百一十九条第一款",
              "经查，当事人于{d}在露天焚烧秸秆约{q}平方米。",
              (50, 200), "minor", "", (PERSON,), 2),
    Violation(EMERGENCY, "未按照规定对从业人员进行安全生产教育和培训", _SAFETY + "第九十七条第三项",
              "经查，当事人于{d}检查时有{q}名从业人员未经安全生产教育和培训上岗作业。",
              (10000, 100000), "common", "", (ORG,), 4),
    Violation(EMERGENCY, "未建立事故隐患排查治理制度", _SAFETY + "第一百零一条第五项",
              "经查，当事人于{d}检查时未建立事故隐患排查治理制度。",
              (10000, 100000), "common", "", (ORG,), 3),
    Violation(EMERGENCY, "未经许可经营危险化学品", "《危险化学品安全管理条例》第七十七条第三款",
              "经查，当事人于{d}未取得危险化学品经营许可证销售柴油{q}吨，违法所得{v}元。",
              (100000, 200000), "serious", "hazchem", (ORG,), 1),
    Violation(HEALTH, "未取得公共场所卫生许可证擅自营业",
              "《公共场所卫生管理条例实施细则》第三十五条",
              "经查，当事人于{d}未取得公共场所卫生许可证从事美容美发经营活动。",
              (500, 30000), "minor", "hygiene", FIRMS, 4),
    Violation(HEALTH, "安排未获得有效健康合格证明的从业人员从事直接为顾客服务的工作",
              "《公共场所卫生管理条例实施细则》第三十八条",
              "经查，当事人于{d}安排{q}名未取得有效健康合格证明的从业人员从事直接为顾客服务的工作。",
              (500, 5000), "minor", "", FIRMS, 3),
    Violation(HEALTH, "使用非卫生技术人员从事医疗卫生技术工作", "《医疗机构管理条例》第四十七条",
              "经查，当事人于{d}使用{q}名非卫生技术人员从事医疗卫生技术工作。",
              (10000, 100000), "serious", "clinic", (ORG,), 1),
    Violation(TRANSPORT, "未取得道路运输经营许可擅自从事道路运输经营",
              "《中华人民共和国道路运输条例》第六十三条",
              "经查，当事人于{d}未取得道路运输经营许可驾驶车辆从事道路旅客运输经营，违法所得{v}元。",
              (10000, 100000), "common", "", (PERSON, SHOP), 6),
    Violation(TRANSPORT, "车辆超限运输", "《中华人民共和国公路法》第七十六条第（五）项",
              "经查，当事人于{d}驾驶货车超限运输，车货总质量超过限定标准{q}%。",
              (500, 30000), "minor", "", ALL_KINDS, 4),
    Violation(HOUSING, "未取得施工许可证擅自施工", "《中华人民共和国建筑法》第六十四条",
              "经查，当事人于{d}未取得施工许可证擅自开工建设，工程合同价款{v}元。",
              (10000, 200000), "common", "", (ORG,), 3),
    Violation(HOUSING, "施工工地未采取有效防尘降尘措施", _AIR + "第一百一十五条第一款第（一）项",
              "经查，当事人于{d}在施工工地未采取覆盖、洒水等有效防尘降尘措施。",
              (10000, 100000), "common", "", (ORG,), 3),
    Violation(CULTURE, "接纳未成年人进入营业性网吧",
              "《互联网上网服务营业场所管理条例》第三十一条第（二）项",
              "经查，当事人于{d}接纳{q}名未成年人进入其经营的互联网上网服务营业场所。",
              (5000, 15000), "serious", "entertainment", FIRMS, 2),
    Violation(CULTURE, "旅行社未与旅游者签订旅游合同", "《中华人民共和国旅游法》第一百条第（一）项",
              "经查，当事人于{d}组织{q}名旅游者出游时未与旅游者签订书面旅游合同。",
              (5000, 50000), "common", "", (ORG,), 1),
)  # fmt: skip

#: Penalty category combinations (处罚类别, joined by ";") per profile, with weights.
PROFILES: dict[str, tuple[tuple[str, float], ...]] = {
    "minor": (("罚款", 60), ("警告", 32), ("警告;罚款", 5), ("通报批评", 3)),
    "common": (("罚款", 72), ("警告", 6), ("警告;罚款", 5), ("罚款;没收违法所得", 10),
               ("没收违法所得", 2), ("没收非法财物;罚款", 2), ("罚款;责令停产停业", 3)),
    "serious": (("罚款", 38), ("罚款;没收违法所得", 22), ("吊销许可证件", 6),
                ("罚款;吊销许可证件", 8), ("责令停产停业", 6), ("罚款;责令停产停业", 10),
                ("没收违法所得;没收非法财物;罚款", 5), ("暂扣许可证件", 5)),
}  # fmt: skip

#: Round fines (yuan) that decisions favour over exact sums.
ROUND_FINES = (50, 100, 200, 500, 1000, 2000, 3000, 5000, 8000, 10000, 20000, 30000, 50000,
               80000, 100000, 150000, 200000, 300000, 500000, 1000000, 2000000)  # fmt: skip
