"""gather + rate against the fake hub and GitHub over real HTTP: the real all-MiniLM-L6-v2, and faults."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli.phase1 import phase1_line
from scoring.errors import SourceNotFound, SourceUnavailable
from scoring.evidence import Evidence
from scoring.gather import gather_evidence
from scoring.rating import gate, rate
from scoring.sources.github import GitHubSource
from scoring.sources.hub import HubSource, parse_front_matter
from scoring.sources.types import HubRepo, RepoFile, SourceRef
from scoring.sources.url import parse_source_url
from tests.fakehub.seed import (BAD_CONFIG_ID, BAD_YAML_ID, DATASET_ID, MINILM_GITHUB, MINILM_ID, MISSING_ID,
                                MULTI_FORMAT_ID, NO_CARD_ID, minilm_files)

CODE_URL = f"https://github.com/{MINILM_GITHUB}"
DATASET_URL = f"https://huggingface.co/datasets/{DATASET_ID}"


def sources(fake_hub) -> tuple[HubSource, GitHubSource]:  # type: ignore[no-untyped-def]
    return (HubSource(fake_hub.hf_endpoint, None, timeout=5, retries=1, backoff=0),
            GitHubSource(fake_hub.github_api_url, None, timeout=5, retries=1, backoff=0))


def gather(fake_hub, model_id: str, **kwargs) -> Evidence:  # type: ignore[no-untyped-def]
    hub, github = sources(fake_hub)
    return gather_evidence(parse_source_url(f"https://huggingface.co/{model_id}"), hub, github, **kwargs)


def test_the_real_minilm_with_its_code_is_rated_and_ingestible(fake_hub) -> None:  # type: ignore[no-untyped-def]
    evidence = gather(fake_hub, MINILM_ID, code_url=CODE_URL, dataset_urls=[DATASET_URL])
    assert evidence.code is not None and evidence.code.repo is not None
    assert evidence.datasets[0].repo is not None  # the caller's dataset comes first
    rating = rate(evidence)
    assert rating.license.score == 1.0 and rating.reproducibility.score == 1.0 and rating.ramp_up_time.score == 1.0
    assert rating.size_score.device_scores() == {"raspberry_pi": 1.0, "jetson_nano": 1.0, "desktop_pc": 1.0,
                                                 "aws_server": 1.0}
    assert "90.9 MB of safetensors" in rating.size_score.explanation
    # PR #3100 adds 900000 lines of weights: they are not code, so they do not count
    assert rating.reviewedness.score == pytest.approx(193 / 296)
    assert rating.tree_score.applicable is False
    assert gate(rating) == []


def test_a_stored_rating_recomputes_identically_offline(fake_hub) -> None:  # type: ignore[no-untyped-def]
    evidence = gather(fake_hub, MINILM_ID, code_url=CODE_URL, dataset_urls=[DATASET_URL], parent_scores=[0.8])
    stored = Evidence.model_validate_json(evidence.model_dump_json())
    fake_hub.clear_log()
    first, second = rate(evidence), rate(stored)
    assert fake_hub.requests == []  # rating does no I/O
    assert {n: (m.score, m.explanation) for n, m in first.scalar_metrics().items()} == \
        {n: (m.score, m.explanation) for n, m in second.scalar_metrics().items()}
    assert first.size_score.explanation == second.size_score.explanation
    assert first.net_score == second.net_score


def test_one_copy_of_multi_format_weights(fake_hub) -> None:  # type: ignore[no-untyped-def]
    rating = rate(gather(fake_hub, MULTI_FORMAT_ID))
    assert "437.0 MB of safetensors" in rating.size_score.explanation
    assert rating.size_score.raspberry_pi == pytest.approx((1000 - 437) / 800)


def test_a_failing_dataset_scores_zero_and_says_why(fake_hub) -> None:  # type: ignore[no-untyped-def]
    fake_hub.inject(f"^/api/datasets/{DATASET_ID}", status=503)
    rating = rate(gather(fake_hub, NO_CARD_ID, dataset_urls=[DATASET_URL]))
    assert rating.dataset_quality.score == 0.0
    assert "503" in rating.dataset_quality.explanation


def test_a_github_rate_limit_zeroes_the_code_metrics_with_a_reason(fake_hub) -> None:  # type: ignore[no-untyped-def]
    fake_hub.rate_limit_github()
    evidence = gather(fake_hub, MINILM_ID, code_url=CODE_URL)
    assert {f.kind for f in evidence.failures_of("github.")} == {"rate_limited"}
    rating = rate(evidence)
    for metric in (rating.code_quality, rating.reviewedness):
        assert metric.score == 0.0 and "rate_limited" in metric.explanation
    # the people behind the model are still known from the hub; the code's are not, and it says why
    assert rating.bus_factor.score > 0.5 and "rate_limited" in rating.bus_factor.explanation


def test_a_github_source_that_hangs_times_out(fake_hub) -> None:  # type: ignore[no-untyped-def]
    fake_hub.inject(f"^/github-api/repos/{MINILM_GITHUB}/contributors", delay=6)
    evidence = gather(fake_hub, MINILM_ID, code_url=CODE_URL, timeout=2)
    assert [(f.source, f.kind) for f in evidence.failures_of("github.")] == [("github.contributors", "timeout")]
    assert rate(evidence).bus_factor.score > 0  # recent commits still arrived


def test_a_missing_model_raises_not_found(fake_hub) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SourceNotFound):
        gather(fake_hub, MISSING_ID)


def test_a_hub_that_keeps_failing_raises_unavailable(fake_hub) -> None:  # type: ignore[no-untyped-def]
    fake_hub.inject(f"^/api/models/{NO_CARD_ID}", status=502)
    with pytest.raises(SourceUnavailable):
        gather(fake_hub, NO_CARD_ID)


@pytest.mark.parametrize(("model_id", "metric", "phrase"), [
    (NO_CARD_ID, "ramp_up_time", "no model card"),
    (BAD_YAML_ID, "license", "malformed YAML"),
    (BAD_CONFIG_ID, "license", "Apache-2.0"),
])
def test_bad_cards_are_explained_not_crashed(fake_hub, model_id: str, metric: str,  # type: ignore[no-untyped-def]
                                             phrase: str) -> None:
    rating = rate(gather(fake_hub, model_id))
    assert phrase in getattr(rating, metric).explanation


def test_an_uploaded_package_is_rated_from_its_own_contents(fake_hub) -> None:  # type: ignore[no-untyped-def]
    """What a caller builds from a zip of MiniLM's files: card, config, file list; no hub history."""
    files = minilm_files()
    card = files["README.md"].decode()  # type: ignore[union-attr]
    card_data, _ = parse_front_matter(card)
    package = HubRepo(ref=SourceRef(kind="hf_model", owner="", name="acme-embedder"), card_text=card,
                      card_data=card_data, config=json.loads(files["config.json"]),  # type: ignore[arg-type]
                      files=[RepoFile(path=path, size=value.stat().st_size if isinstance(value, Path) else len(value))
                             for path, value in files.items() if not isinstance(value, int)])
    hub, github = sources(fake_hub)
    evidence = gather_evidence(package, hub, github)
    assert evidence.origin == "package" and fake_hub.count("^/api/.*/commits/|/organizations/") == 0
    rating = rate(evidence)
    assert not rating.bus_factor.applicable and "uploaded package" in rating.bus_factor.explanation
    assert not rating.reviewedness.applicable and rating.license.score == 1.0
    assert rating.code_quality.explanation.startswith("library code https://github.com/UKPLab/sentence-transformers")
    assert rating.size_score.best == 1.0
    assert rating.reproducibility.score == 0.5  # its card's snippet loads the hub's MiniLM: substitute the package


def test_phase1_latencies_are_the_wait_for_the_evidence(fake_hub) -> None:  # type: ignore[no-untyped-def]
    fake_hub.latency = 0.05
    line = phase1_line(rate(gather(fake_hub, MINILM_ID, code_url=CODE_URL)))
    for key in ("ramp_up_time_latency", "bus_factor_latency", "license_latency", "code_quality_latency",
                "size_score_latency", "net_score_latency"):
        assert line[key] >= 100, (key, line[key])  # every one waited for at least two requests of 50 ms
