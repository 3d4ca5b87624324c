"""Public credit comprehensive evaluation (公共信用综合评价, GB/T 45255-2025 in spirit): a
scorecard defined in YAML (:mod:`.scorecard`) applied to a subject's records by a pure function
(:mod:`.evaluate`). Storage and incremental recompute are in ``store.grades`` and
``services.grading``; docs/grading.md describes the whole."""

from jointcredit.scoring.evaluate import Evaluation, IndicatorResult, evaluate
from jointcredit.scoring.scorecard import Scorecard, ScorecardError, load_scorecard

__all__ = [
    "Evaluation",
    "IndicatorResult",
    "Scorecard",
    "ScorecardError",
    "evaluate",
    "load_scorecard",
]
