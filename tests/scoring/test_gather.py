"""Concurrent evidence gathering against in-process fake sources."""
from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest

from scoring.errors import SourceError, SourceNotFound, SourceRateLimited, SourceUnavailable
from scoring.gather import GatherLimits, gather_evidence
from scoring.sources.types import RepoFile, SourceRef
from tests.scoring.builders import (NOW, commits, contributors, dataset, github_repo, hub_commits, model, organization,
                                    pr)
from tests.scoring.fakes import FakeGitHub, FakeHub

MODEL_REF = SourceRef(kind="hf_model", owner="acme", name="tiny-model")
CODE_URL = "https://github.com/acme/code"
DATA_URL = "https://huggingface.co/datasets/acme/data"
SAFETY = 10  # seconds a fake waits for its peers before giving up (only reached when the code is wrong)


def full_github(**overrides: object) -> FakeGitHub:
    answers = {"repo": github_repo(), "contributors": contributors(ann=3), "commits": commits("ann"),
               "pull_requests": [pr(1, approved=True)]}
    return FakeGitHub(**(answers | overrides))  # type: ignore[arg-type]


def test_gathers_model_datasets_and_code_from_the_caller() -> None:
    hub = FakeHub({"acme/tiny-model": model(), "acme/data": dataset()})
    github = full_github()
    evidence = gather_evidence(MODEL_REF, hub, github, code_url=CODE_URL, dataset_urls=[DATA_URL, " "],
                               parent_scores=[0.7], now=NOW)
    assert evidence.failures == []
    assert [d.repo.ref.repo_id for d in evidence.datasets if d.repo] == ["acme/data"]
    assert evidence.code is not None and evidence.code.origin == "caller"
    assert evidence.code.repo is not None and evidence.code.pull_requests == [pr(1, approved=True)]
    assert evidence.parent_scores == [0.7] and evidence.gathered_at == NOW
    assert dict(github.calls)["commits"] == {"ref": SourceRef(kind="github", owner="acme", name="code"),
                                             "since": NOW - timedelta(days=365), "limit": 300}


def test_caller_links_are_read_while_the_model_is_being_fetched() -> None:
    started = {"dataset": threading.Event(), "github": threading.Event()}

    def model_waits_for_the_others() -> object:
        both = started["dataset"].wait(SAFETY) and started["github"].wait(SAFETY)
        return model() if both else SourceUnavailable("the other reads did not start in parallel")

    def dataset_starts() -> object:
        started["dataset"].set()
        return dataset()

    hub = FakeHub({"acme/tiny-model": model_waits_for_the_others, "acme/data": dataset_starts})
    github = full_github(hook=lambda name: started["github"].set())
    evidence = gather_evidence(MODEL_REF, hub, github, code_url=CODE_URL, dataset_urls=[DATA_URL], now=NOW)
    assert evidence.model.ref.repo_id == "acme/tiny-model"


def test_the_four_github_reads_run_at_the_same_time() -> None:
    barrier = threading.Barrier(4, timeout=SAFETY)
    github = full_github(hook=lambda name: barrier.wait())
    evidence = gather_evidence(MODEL_REF, FakeHub({"acme/tiny-model": model()}), github, code_url=CODE_URL, now=NOW)
    assert evidence.failures == []  # a broken barrier (reads one after another) would be recorded here


def test_links_found_in_the_card_are_followed() -> None:
    card = ("# Tiny\nCode: https://github.com/someone/unrelated and https://github.com/acme/tiny-model-code.\n"
            "Data: https://huggingface.co/datasets/acme/extra\n")
    hub_model = model(card=card, card_data={"datasets": ["acme/data", "legacy"]})
    hub = FakeHub({"acme/tiny-model": hub_model, "acme/data": dataset(), "legacy": dataset("legacy"),
                   "acme/extra": dataset("acme/extra")})
    github = full_github()
    evidence = gather_evidence(MODEL_REF, hub, github, now=NOW)
    assert evidence.code is not None and evidence.code.url == "https://github.com/acme/tiny-model-code"
    assert evidence.code.origin == "card"
    assert sorted(hub.calls[1:]) == ["acme/data", "acme/extra", "legacy"]
    assert {d.origin for d in evidence.datasets} == {"card"}


def test_datasets_are_deduplicated_and_capped() -> None:
    urls = [f"https://huggingface.co/datasets/acme/d{i}" for i in range(8)]
    hub = FakeHub({"acme/tiny-model": model()} | {f"acme/d{i}": dataset(f"acme/d{i}") for i in range(8)})
    evidence = gather_evidence(MODEL_REF, hub, full_github(), dataset_urls=[urls[0], urls[0]] + urls,
                               limits=GatherLimits(max_datasets=3), now=NOW)
    assert sorted(call for call in hub.calls if call != "acme/tiny-model") == ["acme/d0", "acme/d1", "acme/d2"]
    assert len(evidence.datasets) == 3


def test_secondary_failures_are_recorded_not_raised() -> None:
    hub = FakeHub({"acme/tiny-model": model(), "acme/data": SourceUnavailable("hub error 503")})
    github = full_github(contributors=RuntimeError("boom"), commits=SourceRateLimited("403 rate limit"),
                         pull_requests=SourceNotFound("gone"))
    evidence = gather_evidence(MODEL_REF, hub, github, code_url=CODE_URL,
                               dataset_urls=[DATA_URL, "https://example.com/x", "https://github.com/a/b"], now=NOW)
    kinds = {(f.source, f.kind) for f in evidence.failures}
    assert kinds == {
        (f"dataset:{DATA_URL}", "unavailable"), ("dataset:https://example.com/x", "invalid_url"),
        ("dataset:https://github.com/a/b", "invalid_url"), ("github.contributors", "error"),
        ("github.commits", "rate_limited"), ("github.pull_requests", "not_found"),
    }
    assert evidence.code is not None and evidence.code.repo is not None and evidence.code.commits is None


@pytest.mark.parametrize("code_url", ["https://gitlab.com/a/b", "https://huggingface.co/acme/other"])
def test_a_bad_code_url_is_a_failure_and_no_code(code_url: str) -> None:
    evidence = gather_evidence(MODEL_REF, FakeHub({"acme/tiny-model": model()}), full_github(),
                               code_url=code_url, now=NOW)
    assert evidence.code is None and [f.kind for f in evidence.failures] == ["invalid_url"]


def test_a_source_that_never_answers_times_out() -> None:
    release = threading.Event()
    github = full_github(repo=lambda: github_repo() if release.wait(SAFETY) else None)
    try:
        evidence = gather_evidence(MODEL_REF, FakeHub({"acme/tiny-model": model()}), github, code_url=CODE_URL,
                                   timeout=0.2, now=NOW)
    finally:
        release.set()
    assert [(f.source, f.kind) for f in evidence.failures] == [("github.repo", "timeout")]
    assert evidence.code is not None and evidence.code.commits == commits("ann")


@pytest.mark.parametrize(("answer", "raised"), [
    (SourceNotFound("no such model"), SourceNotFound),
    (SourceUnavailable("hub error 502"), SourceUnavailable),
    (SourceError("unexpected hub response"), SourceUnavailable),
])
def test_the_model_itself_must_be_read(answer: Exception, raised: type[Exception]) -> None:
    with pytest.raises(raised):
        gather_evidence(MODEL_REF, FakeHub({"acme/tiny-model": answer}), full_github(), now=NOW)


def test_a_model_that_never_answers_is_unavailable() -> None:
    release = threading.Event()
    hub = FakeHub({"acme/tiny-model": lambda: model() if release.wait(SAFETY) else None})
    try:
        with pytest.raises(SourceUnavailable, match="no answer"):
            gather_evidence(MODEL_REF, hub, full_github(), timeout=0.2, now=NOW)
    finally:
        release.set()


def test_who_made_the_model_is_read_while_the_model_is_being_fetched() -> None:
    commits_started = threading.Event()

    def model_waits_for_the_commits() -> object:
        return model() if commits_started.wait(SAFETY) else SourceUnavailable("the commits did not start at once")

    def commits_start() -> object:
        commits_started.set()
        return hub_commits("ann")

    team = organization("acme", members=4)
    hub = FakeHub({"acme/tiny-model": model_waits_for_the_commits}, commits={"acme/tiny-model": commits_start},
                  namespaces={"acme": team})
    evidence = gather_evidence(MODEL_REF, hub, full_github(), now=NOW)
    assert evidence.model_commits == hub_commits("ann") and evidence.namespace == team
    assert evidence.origin == "hub" and evidence.failures == []


def test_an_alias_is_rated_with_the_people_of_the_canonical_repository() -> None:
    canonical = model("google-bert/bert-base-uncased")
    hub = FakeHub({"bert-base-uncased": canonical}, commits={"google-bert/bert-base-uncased": hub_commits("ann")},
                  namespaces={"google-bert": organization("google-bert")})
    evidence = gather_evidence(SourceRef(kind="hf_model", owner="", name="bert-base-uncased"), hub, full_github(),
                               now=NOW)
    assert evidence.model.ref.repo_id == "google-bert/bert-base-uncased"
    assert evidence.model_commits == hub_commits("ann") and evidence.namespace == organization("google-bert")
    assert "commits:google-bert/bert-base-uncased" in hub.people_calls


def test_a_failing_people_read_is_recorded_not_raised() -> None:
    hub = FakeHub({"acme/tiny-model": model()}, commits={"acme/tiny-model": SourceUnavailable("hub error 503")},
                  namespaces={"acme": SourceRateLimited("429")})
    evidence = gather_evidence(MODEL_REF, hub, full_github(), now=NOW)
    assert {(f.source, f.kind) for f in evidence.failures} == {("hub.commits", "unavailable"),
                                                               ("hub.namespace", "rate_limited")}
    assert evidence.model_commits is None and evidence.namespace is None


def test_a_package_is_rated_from_its_own_contents_with_what_its_card_links() -> None:
    package = model("acme/packaged", card="Data: https://huggingface.co/datasets/acme/data\n",
                    library_name="transformers")
    hub = FakeHub({"acme/data": dataset()})
    github = full_github()
    evidence = gather_evidence(package, hub, github, now=NOW)
    assert evidence.origin == "package" and evidence.model == package
    assert hub.calls == ["acme/data"] and hub.people_calls == []  # no hub history is asked for
    assert evidence.model_commits is None and evidence.namespace is None
    assert evidence.code is not None and evidence.code.origin == "library"
    assert evidence.code.url == "https://github.com/huggingface/transformers"


OWN = "Code: https://github.com/acme/tiny-model-train."
ORIGINAL = "Original release: https://github.com/KaimingHe/resnets."
DATA_TABLE = "| Dataset | Rows |\n|---|---|\n| [reddit](https://github.com/PolyAI-LDN/conversational-datasets) | 7 |\n"


@pytest.mark.parametrize(("card", "library", "expected"), [
    (OWN, "transformers", ("https://github.com/acme/tiny-model-train", "card")),
    (ORIGINAL, "transformers", ("https://github.com/huggingface/transformers", "library")),
    (ORIGINAL, None, ("https://github.com/KaimingHe/resnets", "card")),
    (DATA_TABLE, None, None),
])
def test_the_models_code_is_its_own_link_then_its_library_then_any_other_link(
        card: str, library: str | None, expected: tuple[str, str] | None) -> None:
    github = full_github()
    evidence = gather_evidence(MODEL_REF, FakeHub({"acme/tiny-model": model(card=card, library_name=library)}),
                               github, now=NOW)
    assert (evidence.code.url, evidence.code.origin) == expected if evidence.code else expected is None


def test_every_source_records_when_its_answer_was_in_hand() -> None:
    hub = FakeHub({"acme/tiny-model": model(), "acme/data": dataset()}, commits={"acme/tiny-model": hub_commits("a")})
    evidence = gather_evidence(MODEL_REF, hub, full_github(), code_url=CODE_URL, dataset_urls=[DATA_URL], now=NOW)
    assert set(evidence.waits) == {"model", "hub.commits", "hub.namespace", f"dataset:{DATA_URL}", "github.repo",
                                   "github.contributors", "github.commits", "github.pull_requests"}
    assert all(seconds >= 0 for seconds in evidence.waits.values())


def test_the_wait_for_a_slow_source_is_measured() -> None:
    github = full_github(hook=lambda name: time.sleep(0.3) if name == "pull_requests" else None)
    evidence = gather_evidence(MODEL_REF, FakeHub({"acme/tiny-model": model()}), github, code_url=CODE_URL, now=NOW)
    assert evidence.waits["github.pull_requests"] >= 0.3
    assert evidence.wait_for("github.pull_requests", "model") == evidence.waits["github.pull_requests"]


def test_a_conversion_reads_the_model_it_converts() -> None:
    onnx = model("acme/tiny-model", card_data={"base_model": "acme/base"},
                 files=[RepoFile(path="onnx/model.onnx", size=10), RepoFile(path="config.json", size=2)])
    hub = FakeHub({"acme/tiny-model": onnx, "acme/base": model("acme/base", card_data={"license": "mit"})})
    evidence = gather_evidence(MODEL_REF, hub, full_github(), now=NOW)
    assert evidence.base_model is not None and evidence.base_model.ref.repo_id == "acme/base"
    trained = onnx.model_copy(update={"files": [*onnx.files, RepoFile(path="model.safetensors", size=10)]})
    again = gather_evidence(MODEL_REF, FakeHub({"acme/tiny-model": trained}), full_github(), now=NOW)
    assert again.base_model is None  # weights of its own: a fine-tune, not a conversion


def test_library_code_is_read_for_its_metadata_and_contributors_only() -> None:
    github = full_github()
    evidence = gather_evidence(MODEL_REF, FakeHub({"acme/tiny-model": model(library_name="transformers")}), github,
                               now=NOW)
    assert sorted(name for name, _ in github.calls) == ["contributors", "repo"]
    assert evidence.code is not None and evidence.code.commits is None and evidence.code.pull_requests is None
