"""Pydantic models of the course OpenAPI spec (3.4.7), field for field: names, required fields, enum strings.

Request models are strict (a JSON string is not a boolean, a number is not a string) so that malformed input
is refused with 400 instead of being coerced.  Optional response fields are left out when unset
(`exclude_none`), because the spec types them without `nullable`.
"""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from registry.model import ArtifactType

ARTIFACT_ID_PATTERN = r"^[a-zA-Z0-9\-]+$"
ArtifactID = Annotated[str, StringConstraints(pattern=ARTIFACT_ID_PATTERN)]
# FastAPI validates decoded JSON in Python mode, where a strict enum wants an instance: enums accept their strings.
ArtifactTypeName = Annotated[ArtifactType, Field(strict=False)]
HealthStatus = Literal["ok", "degraded", "critical", "unknown"]
AuditAction = Literal["CREATE", "UPDATE", "DOWNLOAD", "RATE", "AUDIT"]
Track = Literal["Performance track", "Access control track", "High assurance track", "Other Security track"]


class SpecModel(BaseModel):
    model_config = ConfigDict(strict=True)


class ArtifactMetadata(SpecModel):
    name: str
    id: ArtifactID
    type: ArtifactTypeName


class ArtifactData(SpecModel):
    url: str
    download_url: str | None = None  # readOnly: present in responses, ignored in requests


class ArtifactDataRequest(ArtifactData):
    """ArtifactData as clients send it: the spec has no `name`, but clients send one and it is honoured."""

    name: str | None = None


class Artifact(SpecModel):
    metadata: ArtifactMetadata
    data: ArtifactData


class ArtifactUpdate(SpecModel):
    """The PUT body: an Artifact whose data may carry the `name` quirk like ArtifactData."""

    metadata: ArtifactMetadata
    data: ArtifactDataRequest


class ArtifactQuery(SpecModel):
    name: str
    types: list[ArtifactTypeName] | None = None


class ArtifactRegEx(SpecModel):
    regex: str


class SimpleLicenseCheckRequest(SpecModel):
    github_url: str


class User(SpecModel):
    name: str
    is_admin: bool


class UserAuthenticationInfo(SpecModel):
    password: str


class AuthenticationRequest(SpecModel):
    user: User
    secret: UserAuthenticationInfo


class SizeScore(SpecModel):
    raspberry_pi: float
    jetson_nano: float
    desktop_pc: float
    aws_server: float


class ModelRating(SpecModel):
    name: str
    category: str
    net_score: float
    net_score_latency: float
    ramp_up_time: float
    ramp_up_time_latency: float
    bus_factor: float
    bus_factor_latency: float
    performance_claims: float
    performance_claims_latency: float
    license: float
    license_latency: float
    dataset_and_code_score: float
    dataset_and_code_score_latency: float
    dataset_quality: float
    dataset_quality_latency: float
    code_quality: float
    code_quality_latency: float
    reproducibility: float
    reproducibility_latency: float
    reviewedness: float
    reviewedness_latency: float
    tree_score: float
    tree_score_latency: float
    size_score: SizeScore
    size_score_latency: float


class ArtifactCostEntry(SpecModel):
    standalone_cost: float | None = None  # present exactly when the request asked for dependencies
    total_cost: float


class ArtifactLineageNode(SpecModel):
    artifact_id: ArtifactID
    name: str
    source: str
    metadata: dict[str, Any] | None = None


class ArtifactLineageEdge(SpecModel):
    from_node_artifact_id: ArtifactID
    to_node_artifact_id: ArtifactID
    relationship: str


class ArtifactLineageGraph(SpecModel):
    nodes: list[ArtifactLineageNode]
    edges: list[ArtifactLineageEdge]


class ArtifactAuditEntry(SpecModel):
    user: User
    date: datetime
    artifact: ArtifactMetadata
    action: AuditAction


class HealthIssue(SpecModel):
    code: str
    severity: Literal["info", "warning", "error"]
    summary: str
    details: str | None = None


class HealthTimelineEntry(SpecModel):
    bucket: datetime
    value: float
    unit: str | None = None


class HealthComponentDetail(SpecModel):
    id: str
    display_name: str | None = None
    status: HealthStatus
    observed_at: datetime
    description: str | None = None
    # The spec's HealthMetricValue is oneOf integer/number/string/boolean: an integer matches two branches and
    # fails oneOf, so counts are sent as floats (2.0 is a number only, under OpenAPI 3.0's JSON Schema draft).
    metrics: dict[str, float | str | bool] | None = None
    issues: list[HealthIssue] | None = None
    timeline: list[HealthTimelineEntry] | None = None


class HealthComponentCollection(SpecModel):
    components: list[HealthComponentDetail]
    generated_at: datetime
    window_minutes: int = Field(ge=5)


class Tracks(SpecModel):
    plannedTracks: list[Track]  # noqa: N815 (the spec's field name)
