"""Every branch of every rubric, on hand-built evidence."""
from __future__ import annotations

from datetime import timedelta

import pytest

from scoring.evidence import SourceFailure
from scoring.metrics import SCALAR_METRICS, size_score
from scoring.metrics.claims import performance_claims
from scoring.metrics.code import absence_factor, bus_factor, code_quality, reviewedness
from scoring.metrics.data import dataset_and_code_score, dataset_quality
from scoring.metrics.licensing import license_metric
from scoring.metrics.lineage import tree_score
from scoring.metrics.ramp_up import ramp_up_time
from scoring.metrics.reproducibility import reproducibility
from scoring.sources.types import RepoFile
from tests.scoring.builders import (NOW, RICH_CARD, code, commits, contributors, dataset, evidence, github_repo, linked,
                                    model, pr)

MB = 1_000_000


# --- ramp_up_time ---------------------------------------------------------------------------------------------

def test_ramp_up_full_marks_for_a_complete_card() -> None:
    data = {"license": "mit", "language": "en", "datasets": ["acme/data"], "pipeline_tag": "text-classification",
            "library_name": "transformers"}
    result = ramp_up_time(evidence(model(card=RICH_CARD, card_data=data)))
    assert result.score == pytest.approx(1.0)
    assert "usage section: yes" in result.explanation and "6/6" in result.explanation


def test_ramp_up_zero_without_card() -> None:
    result = ramp_up_time(evidence(model(card="   ")))
    assert result.score == 0.0 and "no model card" in result.explanation


def test_ramp_up_counts_only_what_is_there() -> None:
    result = ramp_up_time(evidence(model(card="# Title\nJust a sentence.\n", library_name="transformers")))
    assert result.score == pytest.approx(0.35 / 6)  # only library_name (from hub metadata)
    assert "usage section: no" in result.explanation


def test_ramp_up_mentions_malformed_yaml() -> None:
    result = ramp_up_time(evidence(model(card="# Usage\n", card_error="malformed YAML front matter: x")))
    assert result.score == pytest.approx(0.25)
    assert "malformed YAML" in result.explanation


# --- bus_factor -----------------------------------------------------------------------------------------------

def test_absence_factor_is_the_fewest_authors_covering_half() -> None:
    from collections import Counter
    assert absence_factor(Counter({"a": 6, "b": 2, "c": 2})) == 1
    assert absence_factor(Counter({"a": 3, "b": 3, "c": 3, "d": 3})) == 2
    assert absence_factor(Counter()) == 0


def test_bus_factor_from_recent_commits_excludes_bots() -> None:
    authors = ["ann", "bob", "cyd", "dan", "eve", "dependabot[bot]", "dependabot[bot]", None]
    result = bus_factor(evidence(code_evidence=code(github_repo(), commits=commits(*authors))))
    assert result.score == pytest.approx(0.875)  # k=3 of 5 humans, recent activity
    assert "k=3" in result.explanation and "recent commits" in result.explanation


def test_bus_factor_falls_back_to_contributors_and_weights_recency() -> None:
    repo = github_repo(pushed_at=NOW - timedelta(days=400))
    team = contributors(a=5, b=5, c=5, d=5, e=5)
    result = bus_factor(evidence(code_evidence=code(repo, commits=[], contributors=team)))
    assert result.score == pytest.approx(0.875 * 0.5)  # k=3, last push 400 days ago
    assert "all-time contributions" in result.explanation


def test_bus_factor_unknown_recency_and_one_maintainer() -> None:
    result = bus_factor(evidence(code_evidence=code(None, contributors=contributors(solo=100))))
    assert result.score == pytest.approx(0.5 * 0.5)  # k=1, recency unknown


@pytest.mark.parametrize("code_evidence", [None, code(None)])
def test_bus_factor_zero_when_nothing_is_known(code_evidence) -> None:  # type: ignore[no-untyped-def]
    failure = SourceFailure(source="github.commits", kind="rate_limited", reason="403 rate limit")
    result = bus_factor(evidence(code_evidence=code_evidence, failures=[failure]))
    assert result.score == 0.0
    assert ("rate limit" in result.explanation) == (code_evidence is not None)


# --- performance_claims ---------------------------------------------------------------------------------------

def test_performance_claims_full_marks() -> None:
    index = [{"name": "m", "results": [{"dataset": {"name": "SST-2"}, "metrics": [{"type": "accuracy",
                                                                                   "value": 0.9}]}]}]
    result = performance_claims(evidence(model(card=RICH_CARD, card_data={"model-index": index})))
    assert result.score == 1.0 and "3 of 3 kinds" in result.explanation


def test_performance_claims_table_and_citation_without_model_index() -> None:
    result = performance_claims(evidence(model(card=RICH_CARD)))
    assert result.score == 0.75
    assert "structured results: no" in result.explanation and "sst-2" in result.explanation


def test_performance_claims_a_table_needs_a_metric_and_a_dataset() -> None:
    card = "| Dataset | Rows |\n|---|---|\n| glue | 1 |\n\n| Split | Accuracy |\n|---|---|\n| dev | 0.9 |\n"
    result = performance_claims(evidence(model(card=card, card_data={"model-index": [{"results": "x"}, 3]},
                                               tags=["arxiv:2101.00001"])))
    assert result.score == 0.75  # the arxiv tag, and a table naming accuracy with glue elsewhere in the tables
    result = performance_claims(evidence(model(card="| Split | Accuracy |\n|---|---|\n| dev | 0.9 |\n")))
    assert result.score == 0.0 and "datasets none" in result.explanation


def test_performance_claims_zero_without_card() -> None:
    assert performance_claims(evidence(model())).score == 0.0


# --- license --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("hub", "score", "where"), [
    (model(card_data={"license": "apache-2.0"}), 1.0, "card YAML"),
    (model(card_data={"license": ["mit", "cc-by-nc-4.0"]}), 0.1, "card YAML"),
    (model(card_data={"license": "other", "license_link": "LICENSE.md"}), 0.3, "card YAML"),
    (model(tags=["license:openrail"]), 0.6, "hub tags"),
    (model(card="# Model\n\n## License\n\nReleased under the Apache 2.0 license.\n"), 1.0, "License section"),
    (model(files=[RepoFile(path="LICENSE", size=100)]), 0.3, "LICENSE file"),
    (model(card_data={"license": "other"}), 0.1, "card YAML"),
])
def test_license_sources_in_priority_order(hub, score: float, where: str) -> None:  # type: ignore[no-untyped-def]
    result = license_metric(evidence(hub))
    assert result.score == pytest.approx(score)
    assert where in result.explanation


def test_license_zero_when_unknown_and_says_why() -> None:
    result = license_metric(evidence(model(card="no yaml", card_error="malformed YAML front matter")))
    assert result.score == 0.0 and "malformed YAML" in result.explanation


# --- size_score -----------------------------------------------------------------------------------------------

def files(**sizes: int) -> list[RepoFile]:
    return [RepoFile(path=path.replace("__", "/").replace("_DOT_", "."), size=size) for path, size in sizes.items()]


def test_size_counts_one_copy_of_the_weights() -> None:
    repo = model(files=[RepoFile(path=p, size=s) for p, s in [
        ("model.safetensors", 100 * MB), ("pytorch_model.bin", 100 * MB), ("tf_model.h5", 100 * MB),
        ("onnx/model.onnx", 100 * MB), ("onnx/model_qint8.onnx", 25 * MB), ("openvino/openvino_model.bin", 99 * MB),
        ("config.json", 1000),
    ]])
    result = size_score(evidence(repo))
    assert result.scores == {"raspberry_pi": 1.0, "jetson_nano": 1.0, "desktop_pc": 1.0, "aws_server": 1.0}
    assert "100.0 MB of safetensors" in result.explanation


def test_size_adds_shards_and_takes_the_largest_variant() -> None:
    repo = model(files=[RepoFile(path=p, size=s) for p, s in [
        ("model-00001-of-00002.safetensors", 400 * MB), ("model-00002-of-00002.safetensors", 200 * MB),
        ("model.fp16.safetensors", 300 * MB), ("optimizer.pt", 5000 * MB),
    ]])
    result = size_score(evidence(repo))
    assert result.scores["raspberry_pi"] == pytest.approx((1000 - 600) / 800)
    assert result.scores["jetson_nano"] == pytest.approx(1400 / 1500)


def test_size_adds_component_folders_without_root_weights() -> None:
    repo = model(files=[RepoFile(path=p, size=s) for p, s in [
        ("unet/diffusion_pytorch_model.safetensors", 1500 * MB),
        ("vae/diffusion_pytorch_model.safetensors", 500 * MB),
    ]])
    result = size_score(evidence(repo))
    assert result.scores["jetson_nano"] == 0.0 and result.scores["desktop_pc"] == 1.0


def test_size_falls_back_to_other_formats_and_linear_budget() -> None:
    repo = model(files=[RepoFile(path="model.gguf", size=72_000 * MB)])
    result = size_score(evidence(repo))
    assert result.scores["aws_server"] == pytest.approx(0.5)
    assert result.scores["desktop_pc"] == 0.0


def test_size_zero_without_weights() -> None:
    result = size_score(evidence(model(files=[RepoFile(path="README.md", size=10)])))
    assert set(result.scores.values()) == {0.0} and "no weight files" in result.explanation


# --- dataset_and_code_score / dataset_quality -----------------------------------------------------------------

GOOD_DATASET_CARD = "# Data\n\n" + "A well described corpus of reviews. " * 12 + "\n\n## Uses\n\nload_dataset(...)\n"


def test_dataset_and_code_full_marks() -> None:
    result = dataset_and_code_score(evidence(model(card_data={"datasets": ["acme/data"]}),
                                             datasets=[linked(dataset())], code_evidence=code(github_repo())))
    assert result.score == pytest.approx(1.0)


def test_dataset_and_code_partial_credit_and_failures() -> None:
    failure = SourceFailure(source="dataset:https://huggingface.co/datasets/acme/data", kind="unavailable",
                            reason="hub error 503")
    hub = model(card="## Training data\n\nReviews.\n", files=[RepoFile(path="train.py", size=10)])
    result = dataset_and_code_score(evidence(hub, datasets=[linked(None)], failures=[failure]))
    assert result.score == pytest.approx(0.5)  # documented + training script
    assert "503" in result.explanation


def test_dataset_and_code_zero_when_nothing_is_documented() -> None:
    assert dataset_and_code_score(evidence(model(card="# Model"))).score == 0.0


def test_dataset_quality_averages_read_datasets() -> None:
    good = dataset("acme/good", card=GOOD_DATASET_CARD, card_data={"license": "cc-by-4.0",
                                                                   "size_categories": ["10K<n<100K"]})
    bare = dataset("acme/bare")
    result = dataset_quality(evidence(datasets=[linked(good), linked(bare), linked(None)]))
    assert result.score == pytest.approx(0.5)
    assert "mean of 2 dataset(s)" in result.explanation


def test_dataset_quality_zero_without_readable_dataset() -> None:
    failure = SourceFailure(source="dataset:x", kind="timeout", reason="no answer within 30 s")
    result = dataset_quality(evidence(datasets=[linked(None)], failures=[failure]))
    assert result.score == 0.0 and "timeout" in result.explanation
    assert dataset_quality(evidence()).explanation.startswith("no linked dataset")


# --- code_quality ---------------------------------------------------------------------------------------------

def test_code_quality_full_marks() -> None:
    repo = github_repo(tree=["tests/test_model.py", ".github/workflows/ci.yml", ".flake8", "pyproject.toml",
                             "src/model.py"], readme="x" * 600)
    assert code_quality(evidence(code_evidence=code(repo))).score == pytest.approx(1.0)


def test_code_quality_partial_and_archived() -> None:
    repo = github_repo(tree=["model_test.go", "go.mod"], readme="short", archived=True)
    result = code_quality(evidence(code_evidence=code(repo)))
    assert result.score == pytest.approx((0.25 + 0.2 + 0.1) / 2)
    assert "archived" in result.explanation


def test_code_quality_zero_without_repository() -> None:
    assert code_quality(evidence()).score == 0.0
    failure = SourceFailure(source="github.repo", kind="unavailable", reason="GitHub error 502")
    result = code_quality(evidence(code_evidence=code(None), failures=[failure]))
    assert result.score == 0.0 and "502" in result.explanation


# --- reviewedness ---------------------------------------------------------------------------------------------

def test_reviewedness_not_applicable_without_repository() -> None:
    result = reviewedness(evidence())
    assert result.score == -1.0 and not result.applicable


def test_reviewedness_weights_by_lines_added() -> None:
    prs = [pr(1, additions=30, approved=True), pr(2, additions=10), pr(3, merged=False, additions=1000)]
    result = reviewedness(evidence(code_evidence=code(github_repo(), pull_requests=prs)))
    assert result.score == pytest.approx(0.75)


def test_reviewedness_counts_prs_when_lines_are_unknown() -> None:
    prs = [pr(1, additions=0, approved=True), pr(2, additions=0), pr(3, additions=0), pr(4, additions=0)]
    assert reviewedness(evidence(code_evidence=code(github_repo(), pull_requests=prs))).score == pytest.approx(0.25)


def test_reviewedness_zero_without_merged_prs_or_pr_data() -> None:
    assert reviewedness(evidence(code_evidence=code(github_repo(), pull_requests=[pr(1, merged=False)]))).score == 0
    result = reviewedness(evidence(code_evidence=code(github_repo())))
    assert result.score == 0.0 and result.applicable


# --- reproducibility ------------------------------------------------------------------------------------------

def card_with(code_text: str, language: str = "python") -> str:
    return f"# Model\n\n```{language}\n{code_text}\n```\n"


@pytest.mark.parametrize(("snippet", "score", "why"), [
    ("from transformers import pipeline\np = pipeline('x', model='acme/tiny-model')\nprint(p('hi'))", 1.0,
     "runs unchanged"),
    (">>> from transformers import pipeline\n>>> p = pipeline('x', model='acme/tiny-model')", 0.5, "doctest"),
    ("!pip install transformers\nfrom transformers import AutoModel\nm = AutoModel.from_pretrained('acme/tiny-model')",
     0.5, "notebook"),
    ("from transformers import AutoModel\nm = AutoModel.from_pretrained('path/to/model')", 0.5, "substitute"),
    ("from transformers import AutoModel\nm = AutoModel.from_pretrained('acme/tiny-model')\nm(inputs)", 0.5,
     "define inputs"),
    ("from transformers import AutoModel\nm = AutoModel.from_pretrained('acme/tiny-model')\nm(a, b, c, d)", 0.0,
     "4 undefined"),
    ("import secret_sauce\nm = secret_sauce.load('acme/tiny-model')", 0.0, "unknown libraries"),
    ("import torch\nx = torch.zeros(3)", 0.0, "never loads"),
    ("def broken(:\n  pass", 0.0, "does not parse"),
])
def test_reproducibility_rubric(snippet: str, score: float, why: str) -> None:
    result = reproducibility(evidence(model(card=card_with(snippet))))
    assert result.score == score
    assert why in result.explanation


def test_reproducibility_joins_blocks_and_uses_library_name() -> None:
    card = card_with("from acme_lib import Loader") + card_with("m = Loader('acme/tiny-model')\nprint(m)")
    result = reproducibility(evidence(model(card=card, library_name="acme-lib")))
    assert result.score == 1.0 and "all 2 blocks" in result.explanation


def test_reproducibility_zero_without_python_code() -> None:
    result = reproducibility(evidence(model(card=card_with("pip install x", "bash"))))
    assert result.score == 0.0 and "no Python" in result.explanation


def test_reproducibility_scope_analysis_knows_python_binders() -> None:
    snippet = """import json
from transformers import AutoModel as AM
model = AM.from_pretrained("acme/tiny-model")
def run(text, *args, k=1, **kw):
    global counter
    return [t for t in text]
class Box: pass
with open(__file__) as fh:
    data = json.load(fh)
for i, j in enumerate([1]):
    pass
try:
    run(data)
except ValueError as err:
    print(err, Box, i, j, counter)
if (n := 3):
    print(n)
"""
    assert reproducibility(evidence(model(card=card_with(snippet)))).score == 1.0


# --- tree_score -----------------------------------------------------------------------------------------------

def test_tree_score_is_the_parents_mean() -> None:
    assert tree_score(evidence(parent_scores=[0.4, 0.8])).score == pytest.approx(0.6)


def test_tree_score_root_is_not_applicable() -> None:
    result = tree_score(evidence(parent_scores=[float("nan")]))
    assert result.score == 1.0 and not result.applicable and "ignored" in result.explanation


def test_every_metric_is_registered() -> None:
    assert set(SCALAR_METRICS) == {"ramp_up_time", "bus_factor", "performance_claims", "license",
                                   "dataset_and_code_score", "dataset_quality", "code_quality", "reproducibility",
                                   "reviewedness", "tree_score"}
