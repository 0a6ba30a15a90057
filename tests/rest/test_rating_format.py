"""A rating as the spec's ModelRating (rest/rating.py)."""
from __future__ import annotations

from rest.rating import model_rating
from scoring.rating import rate
from tests.scoring.test_rating import rich_evidence

SPEC_KEYS = {
    "name", "category", "net_score", "net_score_latency", "ramp_up_time", "ramp_up_time_latency", "bus_factor",
    "bus_factor_latency", "performance_claims", "performance_claims_latency", "license", "license_latency",
    "dataset_and_code_score", "dataset_and_code_score_latency", "dataset_quality", "dataset_quality_latency",
    "code_quality", "code_quality_latency", "reproducibility", "reproducibility_latency", "reviewedness",
    "reviewedness_latency", "tree_score", "tree_score_latency", "size_score", "size_score_latency",
}


def test_the_spec_model_rating_has_every_key_in_seconds() -> None:
    rating = rate(rich_evidence())
    spec = model_rating(rating).model_dump()
    assert set(spec) == SPEC_KEYS
    assert spec["size_score_latency"] == rating.size_score.latency_seconds
    assert spec["reviewedness"] == rating.reviewedness.score
    assert spec["size_score"]["raspberry_pi"] == rating.size_score.raspberry_pi
