"""Which persons a Chinese measure text reaches, for the ``person-reach-without-target`` rule.

国发〔2016〕33号 §14 lets a measure reach the legal representative, the principal responsible
person and the directly responsible persons of a listed organisation, but only where the
measure says so: a role named in the text but missing from ``targets`` is a measure that the
check would apply to fewer people than its text does (or a text that says more than the
transcriber meant). Rules, per clause (text between ，；。：):

* a clause that speaks of holding a position (担任, 任职, 出任, 聘任, 任命) restricts the
  subject from *becoming* an officer; the roles it names are not reached;
* ``以…为<roles>…的单位`` reaches the organisations the subject is an officer of
  (``related-entity``);
* otherwise each role word names a reached role; 董事、监事、高级管理人员 counts only as the
  full triple, since ``director-supervisor-senior-manager`` would over-reach a text that names
  only one of them (reported as partial instead).

Only Chinese is read: it is the authoritative text, and the English is a translation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from jointcredit.catalog.model import Target

_CLAUSE = re.compile(r"[，,；;。：:！？!?\n]")
_POSITION = re.compile(r"担任|任职|出任|聘任|任命")
_ROLE_WORD = r"法定代表人|实际控制人|主要负责人|负责人|董事|监事|高级管理人员|高管"
_RELATED = re.compile(
    rf"以.{{0,30}}?为(?:[^，；。]*?)(?:{_ROLE_WORD})[^，；。]*?的(?:单位|企业|机构|组织|法人)"
)
_ROLES: tuple[tuple[re.Pattern[str], Target], ...] = (
    (re.compile(r"法定代表人"), Target.LEGAL_REPRESENTATIVE),
    # 负责人 alone (33号 §10 says 负责人) is the same role as 主要负责人.
    (re.compile(r"负责人"), Target.PRINCIPAL_RESPONSIBLE_PERSON),
    (re.compile(r"直接责任|直接负责的主管人员"), Target.DIRECTLY_RESPONSIBLE_PERSON),
    (re.compile(r"实际控制人"), Target.ACTUAL_CONTROLLER),
    (
        re.compile(r"董事[、，,]?\s*监事[、，,]?\s*(?:及|和|以及|、)?\s*(?:高级管理人员|高管)"),
        Target.DIRECTOR_SUPERVISOR_SENIOR_MANAGER,
    ),
)
_PARTIAL_DSS = re.compile(r"高级管理人员|高管|董事|监事")


@dataclass(frozen=True, slots=True)
class Reach:
    roles: frozenset[Target]
    #: Words naming only part of director/supervisor/senior manager, e.g. 高级管理人员 alone.
    partial: tuple[str, ...]


def reached(text: str | None) -> Reach:
    """Roles that ``text`` reaches.

    >>> sorted(map(str, reached("限制失信被执行人及失信被执行人的法定代表人、主要负责人、"
    ...                         "实际控制人、影响债务履行的直接责任人员乘坐飞机。").roles))
    ['actual-controller', 'directly-responsible-person', 'legal-representative', \
'principal-responsible-person']
    >>> reached("限制其担任企业的法定代表人、董事、监事及经理。").roles
    frozenset()
    >>> [str(r) for r in reached("将以失信被执行人为法定代表人、董事的单位作为重点监管对象").roles]
    ['related-entity']
    >>> reached("撤销企业及其法定代表人、高级管理人员的荣誉称号").partial
    ('高级管理人员',)
    """
    roles: set[Target] = set()
    partial: list[str] = []
    for clause in _CLAUSE.split(text or ""):
        if _RELATED.search(clause):
            roles.add(Target.RELATED_ENTITY)
            continue
        if _POSITION.search(clause):
            continue
        found = {role for pattern, role in _ROLES if pattern.search(clause)}
        roles |= found
        if Target.DIRECTOR_SUPERVISOR_SENIOR_MANAGER not in found:
            # 负有直接责任的董事 names a directly responsible person, not the board at large.
            rest = re.sub(r"直接责任的(?:董事|监事|高级管理人员)", "", clause)
            partial.extend(w for w in _PARTIAL_DSS.findall(rest) if w not in partial)
    return Reach(frozenset(roles), tuple(partial))
