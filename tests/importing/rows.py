"""Hand-made synthetic rows for import tests: each test states the fields it is about.

Identifiers are computed, never real: organisation codes carry the synthetic marker "JC".
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping
from pathlib import Path

from jointcredit.identifiers.checkchars import org_check_char, ric_check_char, uscc_check_char
from jointcredit.importing.formats import LICENSING, PENALTIES


def org_code(serial: int) -> str:
    body = f"JC{serial:06d}"
    return body + org_check_char(body)


def uscc(serial: int, region: str = "110101", prefix: str = "91") -> str:
    body = prefix + region + org_code(serial)
    return body + uscc_check_char(body)


def resident_id(serial: int, birth: str = "19800101", region: str = "110101") -> str:
    body = region + birth + f"{serial % 1000:03d}"
    return body + ric_check_char(body)


AUTHORITY = uscc(900001, prefix="11")
SOURCE = uscc(900002, prefix="11")


def penalty_row(serial: int = 1, **fields: str) -> dict[str, str]:
    row = dict.fromkeys(PENALTIES, "")
    row.update(
        CF_XDR_MC=f"北京测试{serial}科技有限公司",
        CF_XDR_LB="法人及非法人组织",
        CF_XDR_SHXYM=uscc(serial),
        CF_FRDB="王测试",
        CF_FR_ZJLX="身份证",
        CF_FR_ZJHM=resident_id(serial),
        CF_WSH=f"京东市监罚〔2024〕{serial}号",
        CF_WFXW="虚假宣传",
        CF_SY="在网店发布虚假广告",
        CF_YJ="《中华人民共和国广告法》第五十五条",
        CF_CFLB="罚款",
        CF_NR="罚款人民币伍万元",
        CF_NR_FK="5",
        CF_JDRQ="2024-03-05",
        CF_CFJG="北京市东城区市场监督管理局",
        CF_CFJGDM=AUTHORITY,
        CF_SJLY="北京市东城区市场监督管理局",
        CF_SJLYDM=SOURCE,
    )
    row.update(fields)
    return row


def licensing_row(serial: int = 1, **fields: str) -> dict[str, str]:
    row = dict.fromkeys(LICENSING, "")
    row.update(
        XK_XDR_MC=f"北京测试{serial}餐饮管理有限公司",
        XK_XDR_LB="法人及非法人组织",
        XK_XDR_SHXYM=uscc(serial),
        XK_FRDB="李测试",
        XK_FR_ZJLX="身份证",
        XK_FR_ZJHM=resident_id(serial, birth="19750505"),
        XK_XKWS="食品经营许可决定书",
        XK_WSH=f"东市监许字〔2023〕第{serial:04d}号",
        XK_XKLB="普通",
        XK_XKZS="食品经营许可证",
        XK_XKBH=f"JY1110101{serial:07d}",
        XK_NR="预包装食品销售",
        XK_JDRQ="2023-06-01",
        XK_YXQZ="2023-06-01",
        XK_YXQZI="2028-05-31",
        XK_XKJG="北京市东城区市场监督管理局",
        XK_XKJGDM=AUTHORITY,
        XK_ZT="有效",
        XK_LYDW="北京市东城区市场监督管理局",
        XK_LYDWDM=SOURCE,
    )
    row.update(fields)
    return row


def write_csv(
    path: Path, rows: Iterable[Mapping[str, str]], fields: Iterable[str], encoding: str = "utf-8"
) -> Path:
    with path.open("w", encoding=encoding, newline="") as f:
        writer = csv.DictWriter(f, list(fields), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_jsonl(path: Path, rows: Iterable[Mapping[str, str]]) -> Path:
    with path.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path
