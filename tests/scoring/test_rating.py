"""The aggregate: net score, weights, output shapes, the ingest gate, and recompute from stored evidence."""
from __future__ import annotations

import pytest
from pydantic import ValidationError

from scoring.evidence import Evidence
from scoring.rating import DEFAULT_POLICY, DEFAULT_WEIGHTS, GATED_METRICS, GatePolicy, Rating, Weights, gate, rate
from scoring.sources.types import RepoFile
from tests.scoring.builders import (RICH_CARD, code, commits, contributors, dataset, evidence, github_repo, hub_commits,
                                    linked, model, organization, pr)

DATASET_CARD = "# Data\n\n" + "A corpus of short English product reviews. " * 10 + "\n\n## Uses\n\nTraining.\n"


def rich_evidence(parent_scores: list[float] | None = None) -> Evidence:
    hub = model(card=RICH_CARD, card_data={"license": "mit", "language": "en", "datasets": ["acme/data"],
                                           "pipeline_tag": "text-classification", "library_name": "transformers"},
                files=[RepoFile(path="model.safetensors", size=50_000_000)], tags=["license:mit"])
    data = dataset(card=DATASET_CARD, card_data={"license": "cc-by-4.0", "size_categories": ["1K<n<10K"]})
    repo = github_repo(tree=["tests/test_a.py", ".github/workflows/ci.yml", ".flake8", "pyproject.toml"],
                       readme="r" * 600)
    code_evidence = code(repo, commits=commits("ann", "bob", "cyd", "dan", "ann", "bob", "cyd", "dan"),
                         contributors=contributors(ann=2, bob=2, cyd=2, dan=2),
                         pull_requests=[pr(1, additions=50, approved=True), pr(2, additions=50, approved=True)])
    return evidence(hub, datasets=[linked(data)], code_evidence=code_evidence, parent_scores=parent_scores,
                    model_commits=hub_commits("ann", "bob"), namespace=organization())


def test_a_well_documented_model_passes_the_gate() -> None:
    rating = rate(rich_evidence(parent_scores=[0.9]))
    # all 1.0 but bus_factor 0.75 (k=4: ann and bob, who also cover half the code, and two other organization
    # members), performance_claims 0.75 (no model-index), tree_score 0.9
    assert rating.net_score == pytest.approx(1.0 - 0.10 * 0.25 - 0.10 * 0.25 - 0.08 * 0.1)
    assert gate(rating) == []


def test_the_gate_lists_every_failing_applicable_metric() -> None:
    rating = rate(evidence(model(card="# Bare\n")))
    failures = {failure.metric: failure for failure in gate(rating)}
    assert {"ramp_up_time", "bus_factor", "license", "net_score", "size_score", "reproducibility"} <= set(failures)
    assert "reviewedness" not in failures and "tree_score" not in failures  # -1 and root: not applicable
    assert failures["license"].value == 0.0 and "no recognisable license" in failures["license"].reason


def test_the_gate_applies_tree_score_when_there_are_parents() -> None:
    failures = {failure.metric for failure in gate(rate(rich_evidence(parent_scores=[0.2, 0.4])))}
    assert failures == {"tree_score"}


def test_net_score_leaves_out_not_applicable_metrics_and_follows_weights() -> None:
    rating = rate(evidence(model(card_data={"license": "mit"})))
    assert rating.net_score == pytest.approx(0.15 / 0.76)
    assert "not applicable: dataset_quality, reviewedness, tree_score" in rating.net_score_explanation
    only_license = Weights(**{name: 0.0 for name in Weights.model_fields} | {"license": 1.0})
    assert rate(evidence(model(card_data={"license": "mit"})), only_license).net_score == pytest.approx(1.0)


def test_weights_must_be_non_negative_with_one_positive() -> None:
    with pytest.raises(ValidationError):
        Weights(license=-1)
    with pytest.raises(ValidationError):
        Weights(**{name: 0.0 for name in Weights.model_fields})
    assert sum(DEFAULT_WEIGHTS.model_dump().values()) == pytest.approx(1.0)


def test_entries_list_every_metric_with_its_score_and_latency() -> None:
    rating = rate(rich_evidence())
    entries = rating.entries()
    assert set(entries) == {*rating.scalar_metrics(), "size_score"}
    assert entries["reviewedness"] == (rating.reviewedness.score, rating.reviewedness.latency_seconds)
    assert entries["size_score"] == (rating.size_score.device_scores(), rating.size_score.latency_seconds)


def test_recompute_from_stored_evidence_gives_identical_scores_and_explanations() -> None:
    original = rich_evidence(parent_scores=[0.7])
    stored = Evidence.model_validate_json(original.model_dump_json())
    assert stored == original
    first, second = rate(original), rate(stored)
    strip = {"latency_seconds", "net_score_latency"}

    def scores(rating: Rating) -> dict[str, object]:
        data = rating.model_dump(exclude={"net_score_latency"})
        for value in data.values():
            if isinstance(value, dict):
                value.pop("latency_seconds", None)
        return {key: value for key, value in data.items() if key not in strip}

    assert scores(first) == scores(second)
    assert Rating.model_validate_json(first.model_dump_json()) == first


def test_non_finite_values_survive_the_json_round_trip() -> None:
    original = evidence(model(card_data={"model-index": [{"results": [{"metrics": [{"value": float("inf")}]}]}]}),
                        parent_scores=[float("nan"), 0.5])
    stored = Evidence.model_validate_json(original.model_dump_json())
    assert stored.parent_scores[1] == 0.5 and stored.parent_scores[0] != stored.parent_scores[0]  # NaN
    first, second = rate(original).performance_claims, rate(stored).performance_claims
    assert (first.score, first.explanation) == (second.score, second.explanation)
    assert "1 model-index metric values" in first.explanation


def test_a_metric_that_breaks_scores_zero_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    import scoring.rating

    def broken(_: Evidence) -> None:
        raise KeyError("surprise")

    monkeypatch.setitem(scoring.rating.SCALAR_METRICS, "bus_factor", broken)
    monkeypatch.setattr(scoring.rating, "size_score", broken)
    rating = rate(evidence())
    assert rating.bus_factor.score == 0.0 and "could not be computed (KeyError" in rating.bus_factor.explanation
    assert rating.size_score.best == 0.0 and "size_score could not be computed" in rating.size_score.explanation


def test_a_metrics_latency_counts_the_wait_for_its_evidence() -> None:
    waits = {"model": 0.4, "github.repo": 0.9, "github.contributors": 1.2, "github.pull_requests": 1.5}
    rating = rate(rich_evidence().model_copy(update={"waits": waits}))
    assert rating.ramp_up_time.latency_seconds >= 0.4 and rating.license.latency_seconds >= 0.4
    assert rating.code_quality.latency_seconds >= 0.9 and rating.bus_factor.latency_seconds >= 1.2
    assert rating.reviewedness.latency_seconds >= 1.5 and rating.net_score_latency >= 1.5
    assert rating.bus_factor.latency_seconds * 1000 >= 1200  # milliseconds a person could time
    assert rate(rich_evidence()).bus_factor.latency_seconds < rating.bus_factor.latency_seconds


def test_the_default_policy_is_the_specs_rule() -> None:
    assert DEFAULT_POLICY.thresholds == {name: 0.5 for name in GATED_METRICS}
    assert len(GATED_METRICS) == 11 and DEFAULT_POLICY.net_score_gated and DEFAULT_POLICY.net_score_threshold == 0.5
    assert gate(rate(rich_evidence(parent_scores=[0.2, 0.4])), DEFAULT_POLICY)[0].threshold == 0.5


def test_a_policy_sets_each_threshold_and_whether_net_score_is_gated() -> None:
    rating = rate(rich_evidence(parent_scores=[0.2, 0.4]))  # tree_score 0.3
    assert [f.metric for f in gate(rating, GatePolicy(thresholds={"tree_score": 0.25}))] == []
    strict = GatePolicy(thresholds={"bus_factor": 0.8, "size_score": 1.0}, net_score_threshold=0.99)
    assert {f.metric: f.threshold for f in gate(rating, strict)} == {
        "bus_factor": 0.8, "tree_score": 0.5, "net_score": 0.99}
    bare = rate(evidence(model(card="# Bare\n")))
    assert "net_score" not in {f.metric for f in gate(bare, GatePolicy(net_score_gated=False))}
    assert GatePolicy.model_validate_json(strict.model_dump_json()) == strict


@pytest.mark.parametrize("policy", [{"thresholds": {"speed": 0.5}}, {"thresholds": {"license": 1.5}},
                                    {"net_score_threshold": -0.1}, {"net_score_gated": True, "extra": 1}])
def test_a_policy_is_validated(policy: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        GatePolicy.model_validate(policy)
