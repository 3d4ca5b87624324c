"""The words of casework: the kinds of case, each kind's statuses and outcomes, and the steps.

Labels are the staff's words; ``*_public`` ones are what the subject (self-service) or the
reporter (the receipt look-up) reads instead.
"""

from __future__ import annotations

from jointcredit.choices.base import Choice, ChoiceSet

OBJECTION = "objection"
REPAIR = "repair"
PROPOSAL = "proposal"
TIPOFF = "tipoff"

#: The kinds of case. The value is also the kind's name in the workflow history.
CASE_KINDS = ChoiceSet(
    "case-kind",
    Choice(OBJECTION, "异议", "Objection"),
    Choice(REPAIR, "信用修复申请", "Credit-repair application"),
    Choice(PROPOSAL, "名单审核", "List-entry proposal"),
    Choice(TIPOFF, "举报", "Report (tip-off)"),
)

OBJECTION_STATUSES = ChoiceSet(
    "objection-status",
    Choice("open", "待核查", "Open", "核查中", "Being verified", open=True),
    Choice("upheld", "异议成立", "Upheld"),
    Choice("rejected", "不予支持", "Rejected", "异议不成立", "Rejected"),
    Choice("withdrawn", "已撤回", "Withdrawn"),
)
#: What the verifying department finds.
OBJECTION_OUTCOMES = ChoiceSet(
    "objection-outcome",
    Choice("upheld", "异议成立", "Upheld"),
    Choice("rejected", "不予支持", "Rejected"),
)

REPAIR_STATUSES = ChoiceSet(
    "repair-status",
    Choice(
        "applied", "待受理", "Awaiting acceptance", "待受理", "Waiting for acceptance", open=True
    ),
    Choice(
        "accepted",
        "已受理待决定",
        "Accepted, awaiting decision",
        "已受理，待决定",
        "Accepted, waiting for decision",
        open=True,
    ),
    Choice("approved", "准予修复", "Repaired", "已修复", "Repaired"),
    Choice("rejected", "不予修复", "Not repaired", "未通过", "Not granted"),
)

PROPOSAL_STATUSES = ChoiceSet(
    "proposal-status",
    Choice("submitted", "待审核", "Awaiting review", open=True),
    Choice("returned", "已退回", "Returned"),
    Choice("approved", "已通过", "Approved"),
    Choice("withdrawn", "已撤回", "Withdrawn"),
)
#: What a proposal asks of the registry.
PROPOSAL_ACTIONS = ChoiceSet(
    "proposal-action",
    Choice("create", "列入名单", "List an entry"),
    Choice("change", "变更名单信息", "Change an entry"),
    Choice("end", "提前移出名单", "End an entry early"),
)

TIPOFF_STATUSES = ChoiceSet(
    "tipoff-status",
    Choice("received", "待分派", "Received", "已收到", "Received", open=True),
    Choice("assigned", "已分派", "Assigned", "办理中", "Being handled", open=True),
    Choice(
        "investigating", "调查核实中", "Under investigation", "办理中", "Being handled", open=True
    ),
    Choice("closed", "已办结", "Closed"),
)
#: How a report ends.
TIPOFF_OUTCOMES = ChoiceSet(
    "tipoff-outcome",
    Choice("substantiated", "举报属实", "Substantiated"),
    Choice("unsubstantiated", "举报不实", "Unsubstantiated"),
    Choice(
        "referred", "已移交", "Referred", "已移交有关部门办理", "Referred to another department"
    ),
)

#: Every step of every kind of case, as its history names it.
CASE_STEPS = ChoiceSet(
    "case-step",
    # opening
    Choice("open", "提出异议", "Objection opened", "提出异议", "Objection made"),
    Choice("apply", "提出申请", "Applied", "申请修复", "Applied"),
    Choice("submit", "提出", "Submitted"),
    Choice("receive", "收到举报", "Received"),
    # objections
    Choice("uphold", "核查：异议成立", "Upheld", "核查：异议成立", "Verified: upheld"),
    Choice("reject", "不予支持", "Rejected", "不予通过", "Rejected"),
    Choice("withdraw", "撤回", "Withdrawn"),
    # repairs
    Choice("accept", "受理", "Accepted"),
    Choice("refuse", "不予受理", "Refused at acceptance"),
    Choice("approve", "准予", "Approved", "准予修复", "Repair granted"),
    # proposals
    Choice("return", "退回", "Returned"),
    Choice("resubmit", "重新提交", "Resubmitted"),
    # reports
    Choice("assign", "分派", "Assigned"),
    Choice("investigate", "开始调查核实", "Investigation started"),
    Choice("close", "办结", "Closed"),
    # any kind: a note or a document that changes nothing else
    Choice("note", "办理意见", "Note"),
    Choice("attach", "添加附件", "Document attached"),
    # the worker: the time limit passed (once per case)
    Choice("overdue", "已逾期", "Overdue"),
)

#: Where a kind names a step in its own words: an approval grants a repair and passes a review.
KIND_STEPS: dict[str, ChoiceSet] = {
    REPAIR: ChoiceSet(
        "repair-step",
        Choice("approve", "准予修复", "Approved", "准予修复", "Repair granted"),
        Choice("reject", "不予修复", "Rejected", "不予通过", "Rejected"),
    ),
    PROPOSAL: ChoiceSet(
        "proposal-step",
        Choice("submit", "提出", "Proposed"),
        Choice("approve", "审核通过", "Approved"),
    ),
}


def step_label(kind: str | None, step: str, lang: str, *, public: bool = False) -> str:
    """A step of a case's history in ``lang``: in the kind's own words where it has them.

    >>> step_label("repair", "approve", "zh"), step_label("proposal", "approve", "zh")
    ('准予修复', '审核通过')
    >>> step_label("objection", "uphold", "en", public=True)
    'Verified: upheld'
    """
    own = KIND_STEPS.get(kind or "")
    if own is not None and step in own:
        return own.label(step, lang, public=public)
    return CASE_STEPS.label(step, lang, public=public)


#: The steps that open a case of each kind (the first row of its history).
OPENING_STEPS = CASE_STEPS.subset("open", "apply", "submit", "receive")

#: Statuses of each kind, by kind.
STATUSES: dict[str, ChoiceSet] = {
    OBJECTION: OBJECTION_STATUSES,
    REPAIR: REPAIR_STATUSES,
    PROPOSAL: PROPOSAL_STATUSES,
    TIPOFF: TIPOFF_STATUSES,
}

__all__ = [
    "CASE_KINDS",
    "CASE_STEPS",
    "KIND_STEPS",
    "OBJECTION",
    "OBJECTION_OUTCOMES",
    "OBJECTION_STATUSES",
    "OPENING_STEPS",
    "PROPOSAL",
    "PROPOSAL_ACTIONS",
    "PROPOSAL_STATUSES",
    "REPAIR",
    "REPAIR_STATUSES",
    "STATUSES",
    "TIPOFF",
    "TIPOFF_OUTCOMES",
    "TIPOFF_STATUSES",
    "step_label",
]
