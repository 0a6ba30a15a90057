"""HubSource's reads of who made a model (its commits, its namespace) and of aliases, against the fake hub."""
from __future__ import annotations

from datetime import timedelta

import pytest

from scoring.errors import InvalidSourceURL, SourceNotFound, SourceUnavailable
from scoring.sources.hub import HubSource
from scoring.sources.types import SourceRef
from scoring.sources.url import parse_source_url
from tests.fakehub import FakeHub, FakeHubCommit, utc
from tests.fakehub.calibration_seed import BERT_ALIAS, BERT_ID, BOOKCORPUS_ID, add_calibration_models
from tests.fakehub.seed import MINILM_HISTORY, MINILM_ID, NO_CARD_ID


@pytest.fixture
def hub(fake_hub: FakeHub) -> HubSource:
    return HubSource(fake_hub.hf_endpoint, None, timeout=5, retries=1, backoff=0)


def ref(repo_id: str, kind: str = "") -> SourceRef:
    return parse_source_url(f"https://huggingface.co/{kind}{repo_id}")


def test_commits_are_the_hub_history_newest_first(hub: HubSource) -> None:
    commits = hub.commits(ref(MINILM_ID))
    assert [c.authors for c in commits] == [c.authors for c in reversed(MINILM_HISTORY)]
    assert commits[0].date == utc(2024, 11, 1) and commits[-1].title == "initial commit"
    assert len({c.id for c in commits}) == len(commits)


def test_a_repository_with_no_commit_of_its_own_shows_the_hubs_default(hub: HubSource) -> None:
    assert [c.authors for c in hub.commits(ref(NO_CARD_ID))] == [["fakehub"], ["system"]]


def test_commit_pages_are_followed_up_to_the_limit(hub: HubSource, fake_hub: FakeHub) -> None:
    history = [FakeHubCommit([f"dev{i % 7}"], utc(2023, 1, 1) + timedelta(hours=i), f"c{i}") for i in range(120)]
    fake_hub.add_model("acme/busy", {"config.json": b"{}"}, commits=history)
    assert len(hub.commits(ref("acme/busy"))) == 120
    assert fake_hub.count("^/api/models/acme/busy/commits/main$") == 3  # pages of 50
    fake_hub.clear_log()
    assert [c.title for c in hub.commits(ref("acme/busy"), limit=60)][:2] == ["c119", "c118"]
    assert fake_hub.count("^/api/models/acme/busy/commits/main$") == 2


def test_a_next_page_on_another_host_is_not_followed(hub: HubSource, fake_hub: FakeHub) -> None:
    fake_hub.inject(f"^/api/models/{MINILM_ID}/commits/main$", status=200, body="[]",
                    headers={"Link": '<http://elsewhere.example/api/models/x/commits/main?p=1>; rel="next"',
                             "Content-Type": "application/json"})
    assert hub.commits(ref(MINILM_ID)) == []
    assert len(fake_hub.requests) == 1


def test_commits_of_a_missing_revision_or_repository_are_not_found(hub: HubSource) -> None:
    with pytest.raises(SourceNotFound):
        hub.commits(ref(f"{MINILM_ID}/tree/no-such-branch"))
    with pytest.raises(SourceNotFound):
        hub.commits(ref("fakehub/does-not-exist"))


def test_a_namespace_is_an_organization_with_members_or_a_user(hub: HubSource) -> None:
    organization = hub.namespace("sentence-transformers")
    assert (organization.kind, organization.members) == ("organization", 12)
    assert hub.namespace("fakehub").kind == "user"
    with pytest.raises(InvalidSourceURL):
        hub.namespace("../api")


def test_a_namespace_the_hub_cannot_answer_is_unavailable(hub: HubSource, fake_hub: FakeHub) -> None:
    fake_hub.inject("^/api/organizations/", status=503)
    with pytest.raises(SourceUnavailable):
        hub.namespace("sentence-transformers")
    assert fake_hub.count("^/api/organizations/") == 2  # one retry


def test_an_alias_is_answered_under_the_canonical_id(hub: HubSource, fake_hub: FakeHub) -> None:
    add_calibration_models(fake_hub)
    by_alias, canonical = hub.fetch(ref(BERT_ALIAS)), hub.fetch(ref(BERT_ID))
    assert by_alias.ref.repo_id == BERT_ID and by_alias.aliases == [BERT_ALIAS]
    assert by_alias == canonical
    assert [c.authors for c in hub.commits(ref(BERT_ALIAS))] == [c.authors for c in hub.commits(ref(BERT_ID))]
    dataset = hub.fetch(ref("bookcorpus", "datasets/"))
    assert dataset.ref.repo_id == BOOKCORPUS_ID and dataset.ref.kind == "hf_dataset"


def test_a_model_without_a_legacy_alias_has_none(hub: HubSource, fake_hub: FakeHub) -> None:
    assert hub.fetch(ref(MINILM_ID)).aliases == []
    assert fake_hub.count("^/api/models/all-MiniLM-L6-v2$") == 1  # the alias check: the hub does not know it
