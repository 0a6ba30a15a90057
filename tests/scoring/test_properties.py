"""Property tests: every metric stays in range, whatever the evidence."""
from __future__ import annotations

from datetime import datetime, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring.evidence import CodeEvidence, DatasetEvidence, Evidence, SourceFailure
from scoring.metrics import SCALAR_METRICS, size_score
from scoring.rating import gate, rate
from scoring.sources.types import (GitHubCommit, GitHubContributor, GitHubPullRequest, GitHubRepo, HubCommit,
                                   HubNamespace, HubRepo, RepoFile, SourceRef)

FRAGMENTS = [
    "# Usage\n", "## License\n", "MIT\n", "```python\n", "```\n", "import torch\n", "from transformers import x\n",
    "AutoModel.from_pretrained('o/n')\n", "'o/n'\n", "| a | accuracy |\n", "|---|---|\n", "| glue | 0.9 |\n",
    "pip install x\n", "arxiv.org/abs/1234.56789\n", "https://github.com/a/b\n", ">>> x = 1\n", "!pip install y\n",
    "def f(:\n", "    indented\n", "---\n", "license: mit\n", "https://huggingface.co/datasets/a/b\n", "(" * 50,
]
card_text = st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=40), max_size=25).map("".join)
json_leaf = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20)
json_value = st.recursive(json_leaf, lambda inner: st.lists(inner, max_size=4)
                          | st.dictionaries(st.text(max_size=10), inner, max_size=4), max_leaves=12)
card_keys = st.sampled_from(["license", "license_link", "datasets", "model-index", "language", "library_name",
                             "pipeline_tag", "size_categories", "other"])
card_data = st.dictionaries(card_keys, json_value, max_size=6)
names = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,12}", fullmatch=True)
paths = st.builds(lambda stem, ext: stem + ext, st.text(max_size=20),
                  st.sampled_from(["", ".safetensors", ".bin", ".h5", ".onnx", ".gguf", ".py", ".yml", "/x.pt"]))
files = st.lists(st.builds(RepoFile, path=paths, size=st.integers(min_value=-10, max_value=10**12)), max_size=8)
dates = st.none() | st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2030, 1, 1),
                                 timezones=st.none() | st.just(timezone.utc))


def hub_repos(kind: str) -> st.SearchStrategy[HubRepo]:
    return st.builds(
        HubRepo,
        ref=st.builds(SourceRef, kind=st.just(kind), owner=names | st.just(""), name=names),
        card_text=card_text, card_data=card_data, files=files,
        tags=st.lists(st.sampled_from(["license:mit", "license:other", "arxiv:2101.00001"]) | st.text(max_size=15),
                      max_size=4),
        library_name=st.none() | st.text(max_size=15), card_error=st.none() | st.text(max_size=15),
    )


github_repos = st.builds(
    GitHubRepo, ref=st.builds(SourceRef, kind=st.just("github"), owner=names, name=names), full_name=names,
    readme=st.text(max_size=700), archived=st.booleans(), pushed_at=dates,
    tree=st.lists(st.builds(RepoFile, path=st.sampled_from(["tests/a.py", ".flake8", "setup.py", "a/b.c",
                                                            ".github/workflows/x.yml"]) | st.text(max_size=20)),
                  max_size=6),
)
code_evidence = st.builds(
    CodeEvidence, url=st.just("https://github.com/a/b"), origin=st.sampled_from(["caller", "card", "library"]),
    repo=st.none() | github_repos,
    contributors=st.none() | st.lists(st.builds(GitHubContributor, login=names, contributions=st.integers()),
                                      max_size=6),
    commits=st.none() | st.lists(st.builds(GitHubCommit, sha=names, author=st.none() | names, date=dates),
                                 max_size=10),
    pull_requests=st.none() | st.lists(st.builds(GitHubPullRequest, number=st.integers(), author=st.none() | names,
                                                 merged=st.booleans(), additions=st.integers(min_value=-5),
                                                 approved_by_other=st.booleans()), max_size=6),
)
hub_commits = st.lists(st.builds(HubCommit, id=names, authors=st.lists(names | st.just("system"), max_size=3),
                                 date=dates), max_size=8)
namespaces = st.builds(HubNamespace, name=names, kind=st.sampled_from(["organization", "user"]),
                       members=st.none() | st.integers(min_value=0, max_value=10_000))
evidences = st.builds(
    Evidence,
    origin=st.sampled_from(["hub", "package"]),
    model=hub_repos("hf_model"),
    model_commits=st.none() | hub_commits,
    namespace=st.none() | namespaces,
    base_model=st.none() | hub_repos("hf_model"),
    waits=st.dictionaries(st.sampled_from(["model", "hub.commits", "github.repo", "dataset:x"]),
                          st.floats(min_value=0, max_value=60), max_size=4),
    datasets=st.lists(st.builds(DatasetEvidence, url=st.text(max_size=20), origin=st.just("card"),
                                repo=st.none() | hub_repos("hf_dataset")), max_size=3),
    code=st.none() | code_evidence,
    parent_scores=st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=4),
    failures=st.lists(st.builds(SourceFailure, source=st.sampled_from(["github.repo", "dataset:x", "model"]),
                                kind=st.sampled_from(["timeout", "rate_limited"]), reason=st.text(max_size=20)),
                      max_size=3),
    gathered_at=st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1),
                             timezones=st.just(timezone.utc)),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(evidences)
def test_every_metric_stays_in_range(evidence: Evidence) -> None:
    for name, metric in SCALAR_METRICS.items():
        result = metric(evidence)  # called directly: an exception fails the test
        if name == "reviewedness" and not result.applicable:
            assert result.score == -1.0
        else:
            assert 0.0 <= result.score <= 1.0, (name, result)
        assert result.explanation
    assert all(0.0 <= value <= 1.0 for value in size_score(evidence).scores.values())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(evidences)
def test_rating_is_in_range_and_survives_a_json_round_trip(evidence: Evidence) -> None:
    rating = rate(evidence)
    assert 0.0 <= rating.net_score <= 1.0
    assert "could not be computed" not in rating.model_dump_json()
    stored = Evidence.model_validate_json(evidence.model_dump_json())
    again = rate(stored)
    assert {n: (m.score, m.explanation) for n, m in again.scalar_metrics().items()} == \
        {n: (m.score, m.explanation) for n, m in rating.scalar_metrics().items()}
    assert all(failure.metric for failure in gate(rating))
