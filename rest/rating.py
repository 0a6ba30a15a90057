"""A rating as the spec's ModelRating: 26 keys in the spec's order, latencies in seconds."""
from __future__ import annotations

from typing import Any

from rest.models import ModelRating
from scoring.rating import Rating

SPEC_ORDER = (
    "ramp_up_time", "bus_factor", "performance_claims", "license", "dataset_and_code_score", "dataset_quality",
    "code_quality", "reproducibility", "reviewedness", "tree_score", "size_score",
)


def model_rating(rating: Rating) -> ModelRating:
    values: dict[str, Any] = {"name": rating.name, "category": rating.category, "net_score": rating.net_score,
                              "net_score_latency": rating.net_score_latency}
    entries = rating.entries()
    for name in SPEC_ORDER:
        values[name], values[f"{name}_latency"] = entries[name]
    return ModelRating.model_validate(values)
