"""GraphQL types and fields of model ratings."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import cast

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from registry.rating import Assessment, Links
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
class GateFailure:
    metric: str
    value: float
    threshold: float = strawberry.field(description="The least score the policy asks of this metric.")
    reason: str = strawberry.field(description="The metric's explanation.")

    @classmethod
    def from_domain(cls, f: scoring.GateFailure) -> "GateFailure":
        return cls(metric=f.metric, value=f.value, threshold=f.threshold, reason=f.reason)


@strawberry.type
class RatingPreview:
    rating: Rating
    admitted: bool = strawberry.field(description="Whether the gate policy in force would let the model in.")
    failures: list[GateFailure]

    @classmethod
    def from_domain(cls, a: Assessment) -> "RatingPreview":
        return cls(rating=Rating.from_domain(a.rating), admitted=a.admitted,
                   failures=[GateFailure.from_domain(f) for f in a.failures])


@strawberry.type
class MetricThreshold:
    metric: str
    threshold: float


@strawberry.type
class GatePolicy:
    """The ingest gate's rule: what each metric must reach, and whether net_score is gated."""

    thresholds: list[MetricThreshold]
    net_score_gated: bool
    net_score_threshold: float
    updated_by: str | None = strawberry.field(description="Who last changed it (null: the default rule).")
    updated_at: datetime | None

    @classmethod
    def from_domain(cls, policy: scoring.GatePolicy, updated_by: str | None = None,
                    updated_at: datetime | None = None) -> "GatePolicy":
        return cls(thresholds=[MetricThreshold(metric=m, threshold=t) for m, t in policy.thresholds.items()],
                   net_score_gated=policy.net_score_gated, net_score_threshold=policy.net_score_threshold,
                   updated_by=updated_by, updated_at=updated_at)


@strawberry.type
class GatePolicyPayload:
    policy: GatePolicy | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class MetricThresholdInput:
    metric: str
    threshold: float


@strawberry.input
class UpdateGatePolicyInput:
    thresholds: list[MetricThresholdInput] = strawberry.field(
        default_factory=list, description="Metrics left out keep the default 0.5; 0 means never refuse.")
    net_score_gated: bool = True
    net_score_threshold: float = 0.5


@strawberry.input
class PreviewRatingInput:
    url: str | None = strawberry.field(default=None, description="A Hugging Face model URL to rate ...")
    code_url: str | None = None
    dataset_urls: list[str] | None = None
    upload_id: str | None = strawberry.field(default=None, description="... or an uploaded, not yet finalized "
                                                                       "package (with its sha256).")
    sha256: str | None = None


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

    @strawberry.field(description="Rate a model URL, or an uploaded package before finalizing, as ingest would, "
                                  "and say whether the gate lets it in. Nothing is stored.")
    async def preview_rating(self, info: Info, input: PreviewRatingInput) -> RatingPreview:
        links = Links(input.code_url, tuple(input.dataset_urls or ()))
        assessment = await ratings.preview(info.context.scope, input.url, links, input.upload_id, input.sha256)
        return RatingPreview.from_domain(assessment)

    @strawberry.field(description="The gate policy in force: the rule that decides which models get in.")
    async def gate_policy(self, info: Info) -> GatePolicy:
        policy, by, at = await ratings.policy(info.context.scope)
        return GatePolicy.from_domain(policy, by, at)


@strawberry.type
class RatingMutation:
    @strawberry.mutation(description="Change the gate policy (admins). Stored ratings are not rewritten: the policy "
                                     "decides what the next ingest lets in.")
    async def update_gate_policy(self, info: Info, input: UpdateGatePolicyInput) -> GatePolicyPayload:
        async def work() -> dict[str, object]:
            thresholds = {t.metric: t.threshold for t in input.thresholds}
            policy = await ratings.change_policy(info.context.scope, thresholds, input.net_score_gated,
                                                 input.net_score_threshold)
            by = info.context.scope.caller.username
            return {"policy": GatePolicy.from_domain(policy, by, datetime.now(timezone.utc))}
        return await payload(info, GatePolicyPayload, work)

    @strawberry.mutation(description="Gather fresh evidence and store a new rating for a model.")
    async def rate_artifact(self, info: Info, input: RateArtifactInput) -> RatingPayload:
        async def work() -> dict[str, object]:
            return {"rating": Rating.from_domain(await ratings.rerate(info.context.scope, input.artifact_id))}
        return await payload(info, RatingPayload, work)
