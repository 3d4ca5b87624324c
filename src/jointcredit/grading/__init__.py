"""Public credit comprehensive evaluation (公共信用综合评价, GB/T 45255-2025 in spirit): a
scorecard defined in YAML (:mod:`.scorecard`) applied to a subject's records by a pure function
(:mod:`.evaluate`). Storage and incremental recompute are in ``store.grading`` and
``services.grading``; docs/grading.md describes the whole."""

from jointcredit.grading.evaluate import Evaluation, IndicatorResult, evaluate
from jointcredit.grading.scorecard import Scorecard, ScorecardError, load_scorecard

__all__ = [
    "Evaluation",
    "IndicatorResult",
    "Scorecard",
    "ScorecardError",
    "evaluate",
    "load_scorecard",
]
