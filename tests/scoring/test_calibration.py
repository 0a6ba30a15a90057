"""Calibration: ratings of models a practitioner knows, shaped like the real ones, with today's clock.

Each band is written next to its reason. The fake hub's dates are fixed and at least two years old
(calibration_seed.LATEST), and staleness never moves a score across 0.5, so no verdict here can change with time.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest

from scoring.evidence import Evidence
from scoring.gather import gather_evidence
from scoring.rating import Rating, gate, rate
from scoring.sources.github import GitHubSource
from scoring.sources.hub import HubSource
from scoring.sources.url import parse_source_url
from tests.fakehub import FakeHub
from tests.fakehub.calibration_seed import (AUDIENCE_ID, BERT_ALIAS, BERT_CODE, BERT_ID, CARDLESS_ID, FINETUNE_ID,
                                            LATEST, NREIMERS_ID, WHISPER_ID, add_calibration_models)
from tests.fakehub.lineage_seed import GENDER_ID, ONNX_ID, RESNET_ID
from tests.fakehub.seed import MINILM_ID

GRADING_FLOW = (BERT_ID, RESNET_ID, NREIMERS_ID, GENDER_ID, ONNX_ID, MINILM_ID)
LOW_QUALITY = (AUDIENCE_ID, FINETUNE_ID, CARDLESS_ID)
# The course reference (spec/sample_input.txt and sample_output.txt): its three input lines and net scores.
REFERENCE = (
    ("https://github.com/google-research/bert, https://huggingface.co/datasets/bookcorpus/bookcorpus, "
     "https://huggingface.co/google-bert/bert-base-uncased", 0.95),
    (",,https://huggingface.co/openai/whisper-tiny/tree/main", 0.70),
    (",,https://huggingface.co/parvk11/audience_classifier_model", 0.35),
)


@dataclass(frozen=True)
class Rated:
    evidence: Evidence
    rating: Rating


class Calibration:
    """Rates calibration models against the fake hub, each spelling and input once."""

    def __init__(self, fake: FakeHub) -> None:
        self.fake = fake
        self.hub = HubSource(fake.hf_endpoint, None, timeout=10, retries=1, backoff=0)
        self.github = GitHubSource(fake.github_api_url, None, timeout=10, retries=1, backoff=0)
        self._rated: dict[tuple[str, str, str], Rated] = {}

    def __call__(self, model: str, code_url: str = "", dataset_url: str = "", now: datetime | None = None) -> Rated:
        key = (model, code_url, dataset_url)
        if now is not None or key not in self._rated:
            ref = parse_source_url(model if model.startswith("https://") else f"https://huggingface.co/{model}")
            evidence = gather_evidence(ref, self.hub, self.github, code_url=code_url or None,
                                       dataset_urls=[dataset_url] if dataset_url else [], now=now)
            if now is not None:
                return Rated(evidence, rate(evidence))
            self._rated[key] = Rated(evidence, rate(evidence))
        return self._rated[key]


@pytest.fixture(scope="module")
def rated(fake_hub_server: FakeHub) -> Iterator[Calibration]:
    fake_hub_server.reset()
    add_calibration_models(fake_hub_server)
    calibration = Calibration(fake_hub_server)
    yield calibration
    calibration.github.close()
    fake_hub_server.reset()


# (model, metric): (lowest, highest, why). Metrics marked None are not applicable for that model.
BANDS: dict[tuple[str, str], tuple[float, float, str] | None] = {
    (BERT_ID, "bus_factor"): (0.8, 1.0, "nine people committed to it on the hub, under the google-bert organization, "
                                        "beside Google's release; the course reference gives 0.95"),
    (BERT_ID, "performance_claims"): (0.75, 1.0, "a table of GLUE scores and the BERT paper"),
    (BERT_ID, "reproducibility"): (1.0, 1.0, "its PyTorch snippet runs as written: bert-base-uncased is the hub's "
                                             "alias of this very model"),
    (BERT_ID, "code_quality"): (0.5, 0.8, "google-research/bert has tests and packaging, no CI or lint: a 2018 "
                                          "research release"),
    (BERT_ID, "license"): (1.0, 1.0, "Apache-2.0"),
    (BERT_ID, "net_score"): (0.8, 1.0, "the field's standard model, well documented; the reference gives 0.95"),
    (WHISPER_ID, "bus_factor"): (0.7, 1.0, "OpenAI's organization and five Hugging Face engineers keep it"),
    (WHISPER_ID, "dataset_quality"): None,  # its 680k hours of training audio were never published
    (WHISPER_ID, "dataset_and_code_score"): (0.5, 0.75, "training data described, not linked; code linked"),
    (WHISPER_ID, "reproducibility"): (0.5, 0.5, "its snippets are doctest sessions: they run once the prompts go"),
    (WHISPER_ID, "performance_claims"): (0.75, 1.0, "WER in its model-index and the Whisper paper"),
    (WHISPER_ID, "net_score"): (0.6, 0.85, "documented and maintained, but its training data is not available"),
    (MINILM_ID, "bus_factor"): (0.7, 1.0, "four hub authors in the sentence-transformers organization, and the "
                                          "library that runs it"),
    (MINILM_ID, "reviewedness"): None,  # its card links no code of its own: the library's reviews are not its own
    (MINILM_ID, "code_quality"): (0.5, 1.0, "the sentence-transformers library: tests, CI, packaging"),
    (MINILM_ID, "ramp_up_time"): (1.0, 1.0, "usage sections, snippets, pip install and a complete card"),
    (MINILM_ID, "net_score"): (0.75, 1.0, "the most downloaded model on the hub, well documented"),
    (NREIMERS_ID, "bus_factor"): (0.5, 0.7, "one author and one documentation commit; transformers runs it"),
    (NREIMERS_ID, "dataset_quality"): None,  # a pruned checkpoint: its card links no dataset
    (RESNET_ID, "bus_factor"): (0.7, 1.0, "five people of the hub under Microsoft's organization"),
    (RESNET_ID, "reviewedness"): None,  # its only GitHub link is the 2015 Caffe release; transformers runs it
    (RESNET_ID, "code_quality"): (0.8, 1.0, "transformers, the code that runs it"),
    (GENDER_ID, "bus_factor"): (0.5, 0.5, "one person, three commits; transformers keeps it runnable"),
    (GENDER_ID, "reproducibility"): (0.5, 0.5, "no code in the generated card; the standard pipeline call runs it"),
    (GENDER_ID, "dataset_quality"): None,  # "imagefolder" is a folder on the author's disk, not a hub dataset
    (GENDER_ID, "performance_claims"): (0.5, 0.5, "the accuracy in its model-index, nothing else"),
    (ONNX_ID, "license"): (1.0, 1.0, "an ONNX export carries its base model's Apache-2.0"),
    (ONNX_ID, "performance_claims"): (0.5, 0.5, "the claims of the model it converts: same weights"),
    (ONNX_ID, "bus_factor"): (0.5, 0.8, "one person's conversion, in an organization of 37 members"),
    (AUDIENCE_ID, "license"): (0.0, 0.0, "no license anywhere"),
    (AUDIENCE_ID, "performance_claims"): (0.0, 0.0, "the hub's empty template: no result, no paper"),
    (AUDIENCE_ID, "net_score"): (0.0, 0.5, "the course reference's low model (0.35)"),
    (FINETUNE_ID, "bus_factor"): (0.0, 0.5, "one person, one commit: only the library keeps it runnable"),
    (FINETUNE_ID, "performance_claims"): (0.0, 0.0, "a loss on an unknown dataset is no checkable claim"),
    (CARDLESS_ID, "bus_factor"): (0.0, 0.3, "a single person's single upload, no code"),
    (CARDLESS_ID, "net_score"): (0.0, 0.3, "no card, no license, no code"),
}


@pytest.mark.parametrize(("model", "metric"), list(BANDS))
def test_each_model_lands_in_its_band(rated: Calibration, model: str, metric: str) -> None:
    rating = rated(model).rating
    band = BANDS[(model, metric)]
    if metric == "net_score":
        score, explanation, applicable = rating.net_score, rating.net_score_explanation, True
    else:
        result = rating.scalar_metrics()[metric]
        score, explanation, applicable = result.score, result.explanation, result.applicable
    if band is None:
        assert not applicable, explanation
    else:
        low, high, why = band
        assert applicable and low <= score <= high, f"{model} {metric} = {score:.2f}, expected {low}..{high}: " \
                                                    f"{why}; {explanation}"


def test_the_course_reference_table_comes_out_in_its_order(rated: Calibration) -> None:
    nets = []
    for line, _ in REFERENCE:
        code_url, dataset_url, model = (part.strip() for part in line.split(","))
        nets.append(rated(model, code_url, dataset_url).rating.net_score)
    assert nets == sorted(nets, reverse=True) and nets[0] > nets[1] > nets[2], nets
    assert nets[0] > 0.8 and nets[2] < 0.5


@pytest.mark.parametrize("model", GRADING_FLOW)
def test_the_grading_flow_models_pass_the_default_gate(rated: Calibration, model: str) -> None:
    rating = rated(model).rating
    assert gate(rating) == [], [(f.metric, round(f.value, 2), f.reason) for f in gate(rating)]


@pytest.mark.parametrize(("model", "refused_on"), [
    (AUDIENCE_ID, {"license": "no recognisable license", "performance_claims": "0 of 3 kinds"}),
    (FINETUNE_ID, {"performance_claims": "0 of 3 kinds", "dataset_and_code_score": "datasets documented: no"}),
    (CARDLESS_ID, {"ramp_up_time": "no model card", "license": "no recognisable license",
                   "bus_factor": "1 person", "net_score": "not applicable"}),
])
def test_low_quality_models_are_refused_with_reasons(rated: Calibration, model: str,
                                                     refused_on: dict[str, str]) -> None:
    failures = {failure.metric: failure for failure in gate(rated(model).rating)}
    for metric, reason in refused_on.items():
        assert metric in failures and reason in failures[metric].reason, (metric, failures.get(metric))


def test_both_spellings_of_bert_are_one_model_with_one_rating(rated: Calibration) -> None:
    alias, canonical = rated(BERT_ALIAS), rated(BERT_ID)
    volatile = {"gathered_at", "waits", "commits_since"}
    assert alias.evidence.model_dump(exclude=volatile) == canonical.evidence.model_dump(exclude=volatile)
    assert alias.rating.model_id == canonical.rating.model_id == BERT_ID
    assert {n: (m.score, m.explanation) for n, m in alias.rating.scalar_metrics().items()} == \
        {n: (m.score, m.explanation) for n, m in canonical.rating.scalar_metrics().items()}
    assert alias.rating.net_score == canonical.rating.net_score


def test_bus_factor_says_which_evidence_it_used(rated: Calibration) -> None:
    bert = rated(BERT_ID).rating.bus_factor.explanation
    assert "model repository on the hub: 13 commits by 9 people" in bert
    assert "organization google-bert (6 members)" in bert and f"https://github.com/{BERT_CODE}" in bert
    minilm = rated(MINILM_ID).rating.bus_factor.explanation
    assert "library code https://github.com/UKPLab/sentence-transformers" in minilm
    assert "owned by the user crangana" in rated(GENDER_ID).rating.bus_factor.explanation


def test_the_card_less_model_is_single_person_and_low_everywhere(rated: Calibration) -> None:
    rating = rated(CARDLESS_ID).rating
    assert rating.bus_factor.score < 0.5 and "1 commit by 1 person" in rating.bus_factor.explanation
    assert rated(CARDLESS_ID).evidence.code is None


@pytest.mark.parametrize("model", GRADING_FLOW + LOW_QUALITY + (WHISPER_ID,))
def test_time_cannot_flip_a_verdict(rated: Calibration, model: str) -> None:
    today = rated(model).rating
    later = rated(model, now=datetime.now(timezone.utc) + timedelta(days=5 * 365)).rating
    assert bool(gate(today)) == bool(gate(later))
    assert {f.metric for f in gate(today)} == {f.metric for f in gate(later)}


def test_every_fixture_date_is_at_least_two_years_old(rated: Calibration) -> None:
    repos = [repo for (_, repo_id), repo in rated.fake.hub_repos.items()
             if repo_id in GRADING_FLOW + LOW_QUALITY + (WHISPER_ID,)]
    dates = [date for repo in repos for date in (repo.created_at, repo.last_modified,
                                                 *(commit.date for commit in repo.history()))]
    assert len(repos) == 10 and max(dates) <= LATEST
    assert datetime.now(timezone.utc) - LATEST >= timedelta(days=730)
