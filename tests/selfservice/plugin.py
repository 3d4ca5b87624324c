"""A stand-in for a real identity provider, loaded by its import path as operators' own would be."""

from __future__ import annotations

from collections.abc import Mapping

from jointcredit.errors import AuthenticationError
from jointcredit.services.selfservice import Question


class Trusting:
    """Accepts any subject whose answer is its identifier reversed (a test's idea of a check)."""

    name = "test-provider"

    def questions(self) -> list[Question]:
        return [Question("identifier", "代码", "Code"), Question("proof", "证明", "Proof", True)]

    def authenticate(self, answers: Mapping[str, str]) -> str:
        identifier = answers.get("identifier", "")
        if answers.get("proof") != identifier[::-1]:
            raise AuthenticationError("proof does not match")
        return identifier


def make() -> Trusting:
    return Trusting()


def not_one() -> object:
    return object()
