"""A model's rating: every metric computed from the evidence, the weighted net score, and the ingest gate.

`rate(evidence)` is pure (no I/O): recomputing it from stored evidence gives the same scores and
explanations; only the measured latencies differ. A metric's latency is the time a person waiting for it would
see: the wait until the evidence it reads was in hand (recorded by gathering in `Evidence.waits`) plus its own
computation. `gate(rating, policy)` applies a `GatePolicy` (by default the spec's rule).
"""
from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from scoring.evidence import Evidence
from scoring.metrics import DEVICES, METRIC_SOURCES, SCALAR_METRICS, MetricResult, SizeResult, size_score

INGEST_THRESHOLD = 0.5
T = TypeVar("T")


class Weights(BaseModel):
    """Weights of the net score (any non-negative numbers; they are normalized over applicable metrics)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    ramp_up_time: float = Field(default=0.10, ge=0)
    bus_factor: float = Field(default=0.10, ge=0)
    performance_claims: float = Field(default=0.10, ge=0)
    license: float = Field(default=0.15, ge=0)
    size_score: float = Field(default=0.05, ge=0)
    dataset_and_code_score: float = Field(default=0.10, ge=0)
    dataset_quality: float = Field(default=0.08, ge=0)
    code_quality: float = Field(default=0.08, ge=0)
    reproducibility: float = Field(default=0.08, ge=0)
    reviewedness: float = Field(default=0.08, ge=0)
    tree_score: float = Field(default=0.08, ge=0)

    @model_validator(mode="after")
    def _some_weight(self) -> "Weights":
        if sum(self.model_dump().values()) <= 0:
            raise ValueError("at least one weight must be positive")
        return self


DEFAULT_WEIGHTS = Weights()
GATED_METRICS = (*SCALAR_METRICS, "size_score")  # every non-latency metric; net_score is gated separately


class MetricScore(BaseModel):
    """One metric of a rating: score, the seconds it took to compute, and why."""

    score: float
    latency_seconds: float
    explanation: str
    applicable: bool = True


class SizeScore(BaseModel):
    """size_score: one score per device; `summary` (mean) enters the net score, `best` the gate."""

    raspberry_pi: float
    jetson_nano: float
    desktop_pc: float
    aws_server: float
    latency_seconds: float
    explanation: str

    def device_scores(self) -> dict[str, float]:
        return {device: getattr(self, device) for device in DEVICES}

    @property
    def summary(self) -> float:
        return sum(self.device_scores().values()) / len(DEVICES)

    @property
    def best(self) -> float:
        return max(self.device_scores().values())


class Rating(BaseModel):
    """Every metric of a model, the net score and the time of the evidence it was computed from."""

    model_config = ConfigDict(protected_namespaces=())

    name: str
    model_id: str
    category: Literal["MODEL"] = "MODEL"
    net_score: float
    net_score_latency: float  # seconds to compute the whole rating (all metrics and the aggregate)
    net_score_explanation: str
    ramp_up_time: MetricScore
    bus_factor: MetricScore
    performance_claims: MetricScore
    license: MetricScore
    dataset_and_code_score: MetricScore
    dataset_quality: MetricScore
    code_quality: MetricScore
    reproducibility: MetricScore
    reviewedness: MetricScore
    tree_score: MetricScore
    size_score: SizeScore
    weights: Weights
    evidence_time: datetime

    def scalar_metrics(self) -> dict[str, MetricScore]:
        """The metrics with one score each, by name (all but size_score)."""
        return {name: getattr(self, name) for name in SCALAR_METRICS}

    def entries(self) -> dict[str, tuple[float | dict[str, float], float]]:
        """Every metric by name: (its score — per device for size_score —, its latency in seconds). The doors
        lay these out in their own formats (REST ModelRating, Phase-1 NDJSON)."""
        entries: dict[str, tuple[float | dict[str, float], float]] = {
            name: (metric.score, metric.latency_seconds) for name, metric in self.scalar_metrics().items()}
        entries["size_score"] = (self.size_score.device_scores(), self.size_score.latency_seconds)
        return entries


class GatePolicy(BaseModel):
    """The ingest gate's rule: the least score each metric needs, and whether (and at what) net_score is gated.

    The default is the spec's rule: every applicable non-latency metric >= 0.5 and net_score >= 0.5. A metric
    left out of `thresholds` keeps the default 0.5; a threshold of 0 means the metric never refuses.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    thresholds: dict[str, float] = Field(default_factory=dict, validate_default=True)  # metric -> least score
    net_score_gated: bool = True
    net_score_threshold: float = Field(default=INGEST_THRESHOLD, ge=0, le=1)

    @field_validator("thresholds")
    @classmethod
    def _every_metric(cls, thresholds: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(thresholds) - set(GATED_METRICS))
        if unknown:
            raise ValueError(f"no such metric: {', '.join(unknown)} (metrics: {', '.join(GATED_METRICS)})")
        if any(not 0 <= value <= 1 for value in thresholds.values()):
            raise ValueError("thresholds must be in [0, 1]")
        return {name: thresholds.get(name, INGEST_THRESHOLD) for name in GATED_METRICS}

    def threshold(self, metric: str) -> float:
        return self.thresholds.get(metric, INGEST_THRESHOLD)


DEFAULT_POLICY = GatePolicy()


class GateFailure(BaseModel):
    """Why a rating does not allow ingest: which metric, its value, the least it needed, and its explanation."""

    metric: str
    value: float
    threshold: float
    reason: str


def rate(evidence: Evidence, weights: Weights = DEFAULT_WEIGHTS) -> Rating:
    """Compute every metric from `evidence` (pure), timing each, then the weighted net score.

    Latencies: each metric's wait for its sources (`METRIC_SOURCES`, from `Evidence.waits`) plus its own
    computation; net_score_latency is the wait for all the evidence plus the computation of the whole rating.
    """
    started = time.perf_counter()
    scalars = {name: _timed(name, metric, evidence) for name, metric in SCALAR_METRICS.items()}
    size = _timed_size(evidence)
    net, explanation = net_score(scalars, size, weights)
    return Rating.model_validate({
        "name": evidence.model.ref.name,
        "model_id": evidence.model.ref.repo_id,
        "net_score": net,
        "net_score_latency": max(evidence.waits.values(), default=0.0) + time.perf_counter() - started,
        "net_score_explanation": explanation,
        "size_score": size,
        "weights": weights,
        "evidence_time": evidence.gathered_at,
        **scalars,
    })


def net_score(scalars: dict[str, MetricScore], size: SizeScore, weights: Weights) -> tuple[float, str]:
    """Net score = sum(w_i * s_i) / sum(w_i) over the applicable metrics, size_score counted as the mean
    of its devices; not-applicable metrics (reviewedness -1, a root's tree_score) are left out. In [0, 1]."""
    values = {name: metric.score for name, metric in scalars.items() if metric.applicable}
    values["size_score"] = size.summary
    weight_of = weights.model_dump()
    total_weight = sum(weight_of[name] for name in values)
    if total_weight <= 0:
        return 0.0, "no applicable metric has a positive weight = 0.00"
    score = min(1.0, max(0.0, sum(weight_of[name] * value for name, value in values.items()) / total_weight))
    terms = " + ".join(f"{weight_of[name]:g}*{value:.2f}" for name, value in values.items())
    skipped = sorted(set(scalars) - set(values))
    note = f"; not applicable: {', '.join(skipped)}" if skipped else ""
    return score, f"({terms}) / {total_weight:g}{note} = {score:.2f}"


def gate(rating: Rating, policy: GatePolicy = DEFAULT_POLICY) -> list[GateFailure]:
    """Ingest gate (pure): the failures that forbid ingest under `policy`; [] means the model may be ingested.

    A metric fails when it is applicable and scores below its threshold; reviewedness -1 and other metrics
    marked not applicable never fail. size_score passes when at least one device reaches its threshold (the
    model is usable somewhere). net_score fails below its threshold when the policy gates it.
    """
    failures = [
        GateFailure(metric=name, value=metric.score, threshold=policy.threshold(name), reason=metric.explanation)
        for name, metric in rating.scalar_metrics().items()
        if metric.applicable and metric.score < policy.threshold(name)
    ]
    size_threshold = policy.threshold("size_score")
    if rating.size_score.best < size_threshold:
        failures.append(GateFailure(metric="size_score", value=rating.size_score.best, threshold=size_threshold,
                                    reason=f"no device scores {size_threshold:g} or more: "
                                           f"{rating.size_score.explanation}"))
    if policy.net_score_gated and rating.net_score < policy.net_score_threshold:
        failures.append(GateFailure(metric="net_score", value=rating.net_score, threshold=policy.net_score_threshold,
                                    reason=rating.net_score_explanation))
    return failures


def _timed(name: str, metric: Callable[[Evidence], MetricResult], evidence: Evidence) -> MetricScore:
    started = time.perf_counter()
    result = _guarded(name, metric, evidence, lambda error: MetricResult(0.0, error))
    return MetricScore(score=result.score, latency_seconds=_latency(name, evidence, started),
                       explanation=result.explanation, applicable=result.applicable)


def _timed_size(evidence: Evidence) -> SizeScore:
    started = time.perf_counter()
    result = _guarded("size_score", size_score, evidence,
                      lambda error: SizeResult({device: 0.0 for device in DEVICES}, error))
    return SizeScore(latency_seconds=_latency("size_score", evidence, started), explanation=result.explanation,
                     **result.scores)


def _latency(name: str, evidence: Evidence, started: float) -> float:
    """The wait for the metric's sources, then its computation since `started` (time.perf_counter)."""
    return evidence.wait_for(*METRIC_SOURCES[name]) + time.perf_counter() - started if METRIC_SOURCES[name] \
        else time.perf_counter() - started


def _guarded(name: str, metric: Callable[[Evidence], T], evidence: Evidence, fallback: Callable[[str], T]) -> T:
    """A metric that fails on unforeseen evidence scores 0 and says so, instead of failing the whole rating."""
    try:
        return metric(evidence)
    except Exception as exc:  # noqa: BLE001 - one broken metric must not lose the other ten
        return fallback(f"{name} could not be computed ({type(exc).__name__}: {exc}) = 0")
