"""Ratings: the stored snapshot, and a fresh re-rating."""
from __future__ import annotations

from datetime import datetime

from registry.errors import InvalidInput
from registry.rating import Assessment, Links
from resolvers.scope import RequestScope, as_caller, as_caller_upstream
from scoring.rating import GatePolicy, Rating


async def stored(scope: RequestScope, artifact_id: str) -> Rating:
    return await as_caller(scope, scope.registry.artifacts.rating, artifact_id)


async def rerate(scope: RequestScope, artifact_id: str) -> Rating:
    return await as_caller_upstream(scope, scope.registry.artifacts.rerate, artifact_id)


async def preview(scope: RequestScope, url: str | None, links: Links, upload_id: str | None,
                  sha256: str | None) -> Assessment:
    """A URL, or an uploaded package not yet finalized (upload id and sha256): one of the two."""
    if (url is None) == (upload_id is None):
        raise InvalidInput("preview a model URL or an upload (uploadId and sha256), one of the two")
    if url is not None:
        return await as_caller_upstream(scope, scope.registry.artifacts.preview, url, links)
    return await as_caller_upstream(scope, scope.registry.packages.preview_upload, upload_id, sha256 or "")


async def policy(scope: RequestScope) -> tuple[GatePolicy, str | None, datetime | None]:
    found, by, at = await as_caller(scope, scope.registry.ratings.read_policy)
    return found, by, datetime.fromisoformat(at) if at else None


async def change_policy(scope: RequestScope, thresholds: dict[str, float], net_score_gated: bool,
                        net_score_threshold: float) -> GatePolicy:
    return await as_caller(scope, scope.registry.ratings.change_policy, thresholds, net_score_gated,
                           net_score_threshold)


async def recorded(scope: RequestScope, artifact_id: str) -> Rating | None:
    """The rating stored with a model just ingested (not an audited read: the caller made it)."""
    return await as_caller(scope, scope.registry.artifacts.recorded_rating, artifact_id)
