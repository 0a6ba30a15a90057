"""What a metric function returns: a score and the explanation of how it was reached."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Device = Literal["raspberry_pi", "jetson_nano", "desktop_pc", "aws_server"]
DEVICES: tuple[Device, ...] = ("raspberry_pi", "jetson_nano", "desktop_pc", "aws_server")


@dataclass(frozen=True)
class MetricResult:
    """A metric's score (in [0, 1]; reviewedness may be -1) and why.

    `applicable` is False when the metric has nothing to measure (reviewedness without a linked repository,
    tree_score of a root model): the net score and the ingest gate then leave it out.
    """

    score: float
    explanation: str
    applicable: bool = True


@dataclass(frozen=True)
class SizeResult:
    """size_score: one score in [0, 1] per deployment device."""

    scores: dict[Device, float]
    explanation: str


def clamp(value: float) -> float:
    """Limit a score to [0, 1] (guards rounding in weighted sums)."""
    return min(1.0, max(0.0, value))


def points(label: str, earned: bool, weight: float, detail: str = "") -> tuple[float, str]:
    """One rubric item: its points and a line "label: yes/no (detail) +w" for the explanation."""
    suffix = f" ({detail})" if detail else ""
    if earned:
        return weight, f"{label}: yes{suffix} +{weight:g}"
    return 0.0, f"{label}: no{suffix} +0 of {weight:g}"


def summed(items: list[tuple[float, str]]) -> MetricResult:
    """A rubric's result: the sum of its items' points, explained item by item."""
    total = clamp(sum(score for score, _ in items))
    return MetricResult(score=total, explanation="; ".join(line for _, line in items) + f" = {total:.2f}")
