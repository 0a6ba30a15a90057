"""Every branch of every rubric, on hand-built evidence."""
from __future__ import annotations

import pytest

from scoring.evidence import SourceFailure
from scoring.metrics import SCALAR_METRICS, size_score
from scoring.metrics.claims import performance_claims
from scoring.metrics.code import code_quality, reviewedness
from scoring.metrics.maintenance import bus_factor, key_people
from scoring.metrics.data import dataset_and_code_score, dataset_quality
from scoring.metrics.licensing import license_metric
from scoring.metrics.lineage import tree_score
from scoring.metrics.ramp_up import ramp_up_time
from scoring.metrics.reproducibility import reproducibility
from scoring.sources.types import GitHubContributor, HubNamespace, RepoFile
from tests.scoring.builders import (RICH_CARD, code, commits, contributors, dataset, evidence, github_repo, hub_commits,
                                    linked, model, organization, pr)

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


LOADABLE = [RepoFile(path="config.json", size=2), RepoFile(path="model.safetensors", size=10)]


def test_ramp_up_credits_a_models_standard_loading_when_its_card_has_no_snippet() -> None:
    card = "# Tuned\n\nThis model is a fine-tuned version of a base model.\n"
    result = ramp_up_time(evidence(model(card=card, library_name="transformers", files=LOADABLE)))
    assert result.score == pytest.approx(0.25 + 0.35 / 6)  # the snippet the hub shows, and library_name
    assert "none in the card; transformers.pipeline" in result.explanation
    assert ramp_up_time(evidence(model(card=card, library_name="transformers"))).score == pytest.approx(0.35 / 6)


def test_ramp_up_reads_javascript_usage_and_npm() -> None:
    card = "## Usage\n\n```bash\nnpm i @huggingface/transformers\n```\n\n```js\nimport { pipeline } from 'x';\n```\n"
    result = ramp_up_time(evidence(model(card=card)))
    assert result.score == pytest.approx(0.25 + 0.25 + 0.15)


# --- bus_factor -----------------------------------------------------------------------------------------------

def test_key_people_are_the_fewest_covering_half() -> None:
    from collections import Counter
    assert key_people(Counter({"a": 6, "b": 2, "c": 2})) == ["a"]
    assert key_people(Counter({"a": 3, "b": 3, "c": 3, "d": 3})) == ["a", "b"]
    assert key_people(Counter()) == []


def team(*logins: str, each: int = 10) -> list[GitHubContributor]:
    return [GitHubContributor(login=login, contributions=each) for login in logins]


def test_bus_factor_counts_the_model_authors_the_organization_and_the_code_people() -> None:
    result = bus_factor(evidence(
        model_commits=hub_commits("system", "ann", "Bob", "ann+cyd", "SFconvertbot"), namespace=organization(),
        code_evidence=code(github_repo(), contributors=contributors(Ann=50, dan=30, eve=20, bob=5))))
    # k = {ann, bob, cyd} + 2 other organization members + dan (ann already counted, bob below the 50% cover)
    assert result.score == pytest.approx(1 - 0.5 ** 3)
    for part in ("5 commits by 3 people", "organization acme (10 members): +2", "(ann, dan) cover 50%", "k = 6"):
        assert part in result.explanation


def test_a_single_person_repo_with_one_commit_stays_low() -> None:
    result = bus_factor(evidence(model_commits=hub_commits("solo"), namespace=HubNamespace(name="solo", kind="user")))
    assert result.score == pytest.approx(1 - 0.5 ** 0.5)  # k = 1: 0.29
    assert "owned by the user solo" in result.explanation


def test_the_library_that_runs_the_model_counts_as_at_most_one_person() -> None:
    library = code(github_repo(), origin="library", contributors=team("a", "b", "c", "d", "e", "f"))
    result = bus_factor(evidence(model_commits=hub_commits("solo"), code_evidence=library))
    assert result.score == pytest.approx(0.5)  # k = 1 author + 1 for the library
    assert "library code" in result.explanation and "at most 1 more person" in result.explanation


def test_staleness_trims_the_margin_above_half_but_never_crosses_it() -> None:
    widely = evidence(model_commits=hub_commits("a", "b", "c", "d", "e", "f", days_ago=3 * 365),
                      namespace=organization())
    assert bus_factor(widely).score == pytest.approx(0.5 + (1 - 0.5 ** 4 - 0.5) * 0.8)  # k = 8, 3 years idle
    assert "last activity 1095 days ago" in bus_factor(widely).explanation
    pair = evidence(model_commits=hub_commits("a", "b", days_ago=3 * 365))
    assert bus_factor(pair).score == pytest.approx(0.5)
    recent = evidence(model_commits=hub_commits("a", "b", "c", "d", "e", "f", days_ago=500), namespace=organization())
    assert bus_factor(recent).score == pytest.approx(0.5 + (1 - 0.5 ** 4 - 0.5) * 0.9)


def test_logins_are_one_person_across_the_hub_and_github() -> None:
    result = bus_factor(evidence(model_commits=hub_commits("Xenova"),
                                 code_evidence=code(github_repo(), contributors=contributors(xenova=90, tim=10))))
    assert result.score == pytest.approx(1 - 0.5 ** 0.5)


def test_a_package_is_scored_from_its_own_code_or_not_applicable() -> None:
    package = evidence(origin="package")
    result = bus_factor(package)
    assert not result.applicable and "uploaded package" in result.explanation
    library_only = evidence(origin="package", code_evidence=code(github_repo(), origin="library",
                                                                 contributors=team("a", "b")))
    assert not bus_factor(library_only).applicable
    own_code = code(github_repo(), origin="card", contributors=team("a", "b", "c", "d"))
    own = bus_factor(evidence(origin="package", code_evidence=own_code))
    assert own.applicable and own.score == pytest.approx(0.5) and "no hub history" in own.explanation


def test_bus_factor_zero_with_the_reasons_when_nothing_is_known() -> None:
    failures = [SourceFailure(source="hub.commits", kind="timeout", reason="no answer within 30 s"),
                SourceFailure(source="hub.namespace", kind="unavailable", reason="hub error 503"),
                SourceFailure(source="github.contributors", kind="rate_limited", reason="403 rate limit")]
    result = bus_factor(evidence(code_evidence=code(None), failures=failures))
    assert result.score == 0.0
    assert all(reason in result.explanation for reason in ("no answer within 30 s", "503", "403 rate limit"))


def test_bus_factor_falls_back_to_recent_commits_without_contributors() -> None:
    authors = ["ann", "bob", "cyd", "dan", "eve", "dependabot[bot]", "dependabot[bot]", None]
    result = bus_factor(evidence(model_commits=[], code_evidence=code(github_repo(), commits=commits(*authors))))
    assert result.score == pytest.approx(1 - 0.5 ** 1.5)  # 3 of 5 humans cover half the recent commits
    assert "recent commits" in result.explanation


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


def test_performance_claims_a_table_of_benchmark_scores_is_a_result_table() -> None:
    glue = "| Task | MNLI | QQP | SST-2 |\n|---|---|---|---|\n| | 84.6 | 71.2 | 93.5 |\n"
    assert performance_claims(evidence(model(card=glue))).score == 0.5
    datasets_table = "| Dataset | Tuples |\n|---|---|\n| MS MARCO | 9 |\n| COCO | 8 |\n"
    assert performance_claims(evidence(model(card=datasets_table))).score == 0.0  # benchmarks in rows: data sizes


def test_a_conversion_without_claims_has_the_claims_of_the_model_it_converts() -> None:
    base = model("acme/base", card=RICH_CARD)
    result = performance_claims(evidence(model("acme/base-onnx", card="ONNX weights of acme/base."), base_model=base))
    assert result.score == 0.75 and "no claims of its own" in result.explanation and "converts acme/base" in \
        result.explanation
    own = model("acme/base-onnx", card="| Split | Accuracy |\n|---|---|\n| glue | 0.9 |\n")
    assert "converts" not in performance_claims(evidence(own, base_model=base)).explanation


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


def test_a_conversion_without_a_license_carries_the_license_of_the_model_it_converts() -> None:
    base = model("acme/base", card_data={"license": "apache-2.0"})
    result = license_metric(evidence(model("acme/base-onnx"), base_model=base))
    assert result.score == 1.0 and "no license of its own; it converts acme/base" in result.explanation
    own = license_metric(evidence(model("acme/base-onnx", card_data={"license": "cc-by-nc-4.0"}), base_model=base))
    assert own.score == 0.1  # its own declaration wins


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


def test_library_code_is_available_code_but_not_a_link() -> None:
    library = code(github_repo(), origin="library")
    result = dataset_and_code_score(evidence(model(card="# Model"), code_evidence=library))
    assert result.score == pytest.approx(0.25)
    assert "code linked: no" in result.explanation and "library code" in result.explanation
    linked_in_card = model(card="First released in [this repository](https://github.com/orig/release).")
    assert dataset_and_code_score(evidence(linked_in_card, code_evidence=library)).score == pytest.approx(0.5)


def test_a_conversion_is_documented_by_the_model_it_converts() -> None:
    base = model("acme/base", card="## Training data\n\nReviews.\n", card_data={"datasets": ["acme/data"]})
    result = dataset_and_code_score(evidence(model("acme/base-onnx"), base_model=base))
    assert result.score == pytest.approx(0.25) and "of acme/base, which it converts" in result.explanation


def test_dataset_quality_averages_read_datasets() -> None:
    good = dataset("acme/good", card=GOOD_DATASET_CARD, card_data={"license": "cc-by-4.0",
                                                                   "size_categories": ["10K<n<100K"]})
    bare = dataset("acme/bare")
    result = dataset_quality(evidence(datasets=[linked(good), linked(bare), linked(None)]))
    assert result.score == pytest.approx(0.5)
    assert "mean of 2 dataset(s)" in result.explanation


def test_dataset_quality_zero_when_a_linked_dataset_cannot_be_read_now() -> None:
    failure = SourceFailure(source="dataset:x", kind="timeout", reason="no answer within 30 s")
    result = dataset_quality(evidence(datasets=[linked(None)], failures=[failure]))
    assert result.score == 0.0 and result.applicable and "timeout" in result.explanation


def test_dataset_quality_not_applicable_without_a_dataset_on_the_hub() -> None:
    assert not dataset_quality(evidence()).applicable
    missing = SourceFailure(source="dataset:https://huggingface.co/datasets/imagefolder", kind="not_found",
                            reason="not found on the hub")
    result = dataset_quality(evidence(datasets=[linked(None)], failures=[missing]))
    assert not result.applicable and "imagefolder" in result.explanation
    assert "dataset_and_code_score" in result.explanation


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


def test_code_quality_rates_library_code_and_says_so() -> None:
    repo = github_repo(tree=["tests/test_model.py", "pyproject.toml"], readme="x" * 600)
    result = code_quality(evidence(code_evidence=code(repo, origin="library")))
    assert result.score == pytest.approx(0.65) and result.explanation.startswith("library code")


def test_code_quality_zero_without_repository() -> None:
    assert code_quality(evidence()).score == 0.0
    failure = SourceFailure(source="github.repo", kind="unavailable", reason="GitHub error 502")
    result = code_quality(evidence(code_evidence=code(None), failures=[failure]))
    assert result.score == 0.0 and "502" in result.explanation


# --- reviewedness ---------------------------------------------------------------------------------------------

def test_reviewedness_not_applicable_without_repository() -> None:
    result = reviewedness(evidence())
    assert result.score == -1.0 and not result.applicable


def test_reviewedness_not_applicable_for_library_code() -> None:
    library = code(github_repo(), origin="library", pull_requests=[pr(1, approved=True)])
    result = reviewedness(evidence(code_evidence=library))
    assert result.score == -1.0 and not result.applicable and "library code" in result.explanation


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


def test_reproducibility_half_when_only_the_libraries_standard_call_is_missing() -> None:
    result = reproducibility(evidence(model(card="# Tuned\n", library_name="transformers", files=LOADABLE)))
    assert result.score == 0.5 and "standard call" in result.explanation
    runs = card_with('from transformers import pipeline\np = pipeline("fill-mask", model="acme/tiny-model")')
    assert reproducibility(evidence(model(card=runs, library_name="transformers", files=LOADABLE))).score == 1.0


def test_reproducibility_accepts_the_models_legacy_alias() -> None:
    snippet = card_with('from transformers import BertModel\nm = BertModel.from_pretrained("bert-base-uncased")')
    bert = model("google-bert/bert-base-uncased", card=snippet, aliases=["bert-base-uncased"])
    assert reproducibility(evidence(bert)).score == 1.0
    assert reproducibility(evidence(bert.model_copy(update={"aliases": []}))).score == 0.5


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
