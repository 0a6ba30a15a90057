"""GraphQL types and fields of model ratings."""
from __future__ import annotations

from datetime import datetime
from typing import cast

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from resolvers import rating as ratings
from schema.errors import payload
from schema.types import UserError
from scoring import rating as scoring


@strawberry.type
class MetricScore:
    score: float = strawberry.field(description="In [0, 1]; reviewedness is -1 when no code repository is linked.")
    latency_seconds: float
    explanation: str = strawberry.field(description="The inputs used and the rule applied.")
    applicable: bool = strawberry.field(description="False where the gate ignores the metric.")

    @classmethod
    def from_domain(cls, m: scoring.MetricScore) -> "MetricScore":
        return cls(score=m.score, latency_seconds=m.latency_seconds, explanation=m.explanation,
                   applicable=m.applicable)


@strawberry.type
class SizeScore:
    raspberry_pi: float
    jetson_nano: float
    desktop_pc: float
    aws_server: float
    latency_seconds: float
    explanation: str


@strawberry.type
class Rating:
    name: str
    model_id: str
    category: str
    net_score: float
    net_score_latency: float
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
    weights: JSON
    evidence_time: datetime = strawberry.field(description="When the evidence was gathered.")

    @classmethod
    def from_domain(cls, r: scoring.Rating) -> "Rating":
        metrics = {name: MetricScore.from_domain(m) for name, m in r.scalar_metrics().items()}
        size = r.size_score
        return cls(name=r.name, model_id=r.model_id, category=r.category, net_score=r.net_score,
                   net_score_latency=r.net_score_latency, net_score_explanation=r.net_score_explanation,
                   size_score=SizeScore(raspberry_pi=size.raspberry_pi, jetson_nano=size.jetson_nano,
                                        desktop_pc=size.desktop_pc, aws_server=size.aws_server,
                                        latency_seconds=size.latency_seconds, explanation=size.explanation),
                   weights=cast(JSON, r.weights.model_dump()), evidence_time=r.evidence_time, **metrics)


@strawberry.type
class RatingPayload:
    rating: Rating | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class RateArtifactInput:
    artifact_id: str


@strawberry.type
class RatingQuery:
    @strawberry.field(description="A model's rating as computed at ingest (or at its last re-rating).")
    async def rating(self, info: Info, artifact_id: str) -> Rating:
        return Rating.from_domain(await ratings.stored(info.context.scope, artifact_id))


@strawberry.type
class RatingMutation:
    @strawberry.mutation(description="Gather fresh evidence and store a new rating for a model.")
    async def rate_artifact(self, info: Info, input: RateArtifactInput) -> RatingPayload:
        async def work() -> dict[str, object]:
            return {"rating": Rating.from_domain(await ratings.rerate(info.context.scope, input.artifact_id))}
        return await payload(info, RatingPayload, work)
