"""registry.query (union of name queries, offset tokens, caps), typed reads and the health timeline, on the
embedded store."""
from __future__ import annotations

import base64
import json
from datetime import datetime, timezone

import pytest

from registry.errors import InvalidInput, NotFound, TooLarge
from registry.health import Outcome, RequestCounter, request_timeline
from registry.model import Artifact, ArtifactType
from registry.query import ArtifactQueries, NameQuery
from resolvers.artifact import checked_model, checked_type
from resolvers.scope import Caller, RequestScope

MODEL, DATASET, CODE = ArtifactType.MODEL, ArtifactType.DATASET, ArtifactType.CODE


@pytest.fixture
def registry(app):
    return app.state.registry


@pytest.fixture
def admin(registry):
    registry.users.ensure_default_admin()
    return registry.metadata.get_user(registry.settings.admin_username)


@pytest.fixture
def add(registry, admin):
    def add(name: str, artifact_type: ArtifactType, number: int) -> Artifact:
        artifact = Artifact(id=f"{artifact_type.value}-{number}", type=artifact_type, name=name)
        return registry.artifacts.store_new(admin, artifact)

    return add


def queries(registry, page_size=2, **caps) -> ArtifactQueries:
    return ArtifactQueries(registry.artifacts, page_size, **caps)


def every_page(service, actor, wanted, offset=None):
    pages = []
    while True:
        page = service.find(actor, wanted, offset)
        pages.append([a.name for a in page.artifacts])
        if page.next_offset is None:
            return pages
        offset = page.next_offset


def test_named_queries_are_a_deduplicated_union(registry, admin, add):
    add("a", MODEL, 1), add("a", DATASET, 2), add("b", CODE, 3), add("c", CODE, 4)
    service = queries(registry, page_size=10)
    found = service.find(admin, [NameQuery("a"), NameQuery("b"), NameQuery("a", (MODEL,))])
    assert sorted(a.id for a in found.artifacts) == ["code-3", "dataset-2", "model-1"]
    assert found.next_offset is None


def test_the_wildcard_comes_first_and_named_results_never_repeat_it(registry, admin, add):
    add("m1", MODEL, 1), add("m2", MODEL, 2), add("m3", MODEL, 3), add("d", DATASET, 4), add("m1", CODE, 5)
    service = queries(registry)
    pages = every_page(service, admin, [NameQuery("*", (MODEL,)), NameQuery("m1"), NameQuery("d")])
    assert [name for page in pages for name in page] == ["m1", "m2", "m3", "m1", "d"]
    assert pages == [["m1", "m2"], ["m3", "m1"], ["d"]]  # the last "*" page is filled with named results
    everything = every_page(service, admin, [NameQuery("*"), NameQuery("m1")])
    assert sorted(name for page in everything for name in page) == ["d", "m1", "m1", "m2", "m3"]


def test_numeric_offsets_skip_items_of_the_union(registry, admin, add):
    for i in range(5):
        add(f"n{i}", DATASET, i)
    service = queries(registry)
    assert [a.name for a in service.find(admin, [NameQuery("*")], "3").artifacts] == ["n3", "n4"]
    assert [a.name for a in service.find(admin, [NameQuery("*")], "0").artifacts] == ["n0", "n1"]
    assert service.find(admin, [NameQuery("*")], "9").artifacts == []
    with pytest.raises(InvalidInput):
        queries(registry, max_numeric_offset=4).find(admin, [NameQuery("*")], "5")


@pytest.mark.parametrize("offset", [
    "%%%", base64.urlsafe_b64encode(b"[1, 2]").decode(), base64.urlsafe_b64encode(b'{"p": 1, "i": -1}').decode(),
    base64.urlsafe_b64encode(b'{"p": 1, "i": true}').decode(), base64.urlsafe_b64encode(b'{"p": 7}').decode(),
    base64.urlsafe_b64encode(b'{"p": 0, "c": 5}').decode(), "x" * 5000,
])
def test_tampered_offsets_are_invalid_input(registry, admin, add, offset):
    add("n", DATASET, 1)
    with pytest.raises(InvalidInput):
        queries(registry).find(admin, [NameQuery("*")], offset)


def test_caps_turn_into_too_large(registry, admin, add):
    for i in range(4):
        add(f"s{i}", DATASET, i)
    with pytest.raises(TooLarge):
        queries(registry, max_named=3).find(admin, [NameQuery(f"s{i}") for i in range(4)])
    with pytest.raises(TooLarge):
        queries(registry, max_queries=2).find(admin, [NameQuery("a"), NameQuery("b"), NameQuery("c")])
    with pytest.raises(InvalidInput):
        queries(registry).find(admin, [])


def test_names_answer_with_their_newest_version_and_the_wildcard_lists_newest_versions(registry, admin, add):
    old, new = add("v", MODEL, 1), add("v", MODEL, 2)
    assert (old.version, new.version) == ("1.0.0", "1.0.1")
    add("v", DATASET, 3)
    service = queries(registry, page_size=10)
    assert [a.id for a in service.find(admin, [NameQuery("v")]).artifacts] == ["model-2", "dataset-3"]
    assert [a.id for a in service.find(admin, [NameQuery("*")]).artifacts] == ["model-2", "dataset-3"]


def test_typed_and_model_reads(registry, admin, add):
    add("m", MODEL, 1), add("d", DATASET, 2)
    scope = RequestScope(registry, Caller(registry.users, None), "http://testserver", "request-1")
    assert checked_type(scope, admin, "model-1", MODEL).name == "m"
    with pytest.raises(NotFound):
        checked_type(scope, admin, "dataset-2", MODEL)
    assert checked_model(scope, admin, "model-1").name == "m"
    with pytest.raises(InvalidInput):
        checked_model(scope, admin, "dataset-2")


def test_a_named_token_decodes_to_its_index(registry, admin, add):
    for i in range(3):
        add(f"s{i}", CODE, i)
    first = queries(registry).find(admin, [NameQuery(f"s{i}") for i in range(3)])
    assert json.loads(base64.urlsafe_b64decode(first.next_offset + "==")) == {"p": 1, "i": 2}


def test_timeline_buckets_sum_the_counter_minutes():
    counter = RequestCounter()
    now = 1_800_000_000.0  # a minute boundary: 30,000,000 minutes
    counter.record(Outcome.OK, now - 4 * 60)
    counter.record(Outcome.SERVER_ERROR, now - 4 * 60 + 30)
    counter.record(Outcome.CLIENT_ERROR, now - 4 * 60 + 40)
    counter.record(Outcome.OK, now)
    buckets = request_timeline(counter, 5, now=now)
    expected = [(3, 1, 1, 1), (0, 0, 0, 1), (0, 0, 0, 1), (0, 0, 0, 1), (1, 0, 0, 1)]
    assert [(b.requests, b.client_errors, b.server_errors, b.minutes) for b in buckets] == expected
    assert buckets[0].start == datetime.fromtimestamp(now - 4 * 60, tz=timezone.utc)
    day = request_timeline(counter, 1440, now=now)
    assert len(day) == 60 and {b.minutes for b in day} == {24} and sum(b.requests for b in day) == 4
    uneven = request_timeline(counter, 100, now=now)
    assert sum(b.minutes for b in uneven) == 100 and uneven[-1].requests == 1 and len(uneven) == 50
