"""The REST routes in-process against the fake hub; every response goes through the spec's schemas."""
from __future__ import annotations

import io
import zipfile
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from registry.settings import DEFAULT_ADMIN_PASSWORD, DEFAULT_ADMIN_USERNAME
from app.factory import create_app
from tests.conftest import MINILM_URL
from tests.rest.conftest import CODE_URL, DATASET_URL, login
from tests.fakehub.seed import NO_CARD_ID
from tests.rest.spec import SpecClient

RATING_KEYS = {"name", "category", "net_score", "net_score_latency", "size_score", "size_score_latency"} | {
    f"{metric}{suffix}" for metric in ("ramp_up_time", "bus_factor", "performance_claims", "license",
                                       "dataset_and_code_score", "dataset_quality", "code_quality",
                                       "reproducibility", "reviewedness", "tree_score")
    for suffix in ("", "_latency")}


def create(api, url, type_="model", name=None, expect=201):
    body = {"url": url, **({"name": name} if name is not None else {})}
    response = api.post(f"/artifact/{type_}", json=body)
    assert response.status_code == expect, response.text
    return response.json()


def names(items):
    return sorted(item["name"] for item in items)


# health, tracks, authentication ----------------------------------------------------------------------------------
def test_heartbeat_and_tracks(api):
    assert api.get("/health").status_code == 200
    assert api.get("/tracks").json() == {"plannedTracks": ["Access control track"]}


def test_component_health_reports_stores_and_the_request_timeline(api):
    api.get("/health")
    report = api.get("/health/components", params={"windowMinutes": 5, "includeTimeline": "true"}).json()
    assert report["window_minutes"] == 5
    by_id = {c["id"]: c for c in report["components"]}
    assert {"api", "metadata-store", "blob-store"} <= set(by_id)
    assert by_id["metadata-store"]["status"] == "ok"
    timeline = by_id["api"]["timeline"]
    assert len(timeline) == 5 and sum(entry["value"] for entry in timeline) >= 2
    assert by_id["api"]["metrics"]["requests"] >= 2
    plain = api.get("/health/components").json()
    assert plain["window_minutes"] == 60 and all("timeline" not in c for c in plain["components"])
    assert api.get("/health/components", params={"windowMinutes": 4}, checked=False).status_code == 400


def test_authenticate_returns_a_bearer_string_that_works_with_either_header(client):
    token = login(client)
    assert token.startswith("bearer ") and len(token) > 20
    assert SpecClient(client, token).post("/artifacts", json=[{"name": "*"}]).status_code == 200
    response = client.post("/artifacts", json=[{"name": "*"}], headers={"Authorization": token})
    assert response.status_code == 200


@pytest.mark.parametrize("body, status", [
    ({"user": {"name": DEFAULT_ADMIN_USERNAME, "is_admin": True}, "secret": {"password": "wrong"}}, 401),
    ({"user": {"name": "nobody", "is_admin": False}, "secret": {"password": DEFAULT_ADMIN_PASSWORD}}, 401),
    ({"user": {"name": DEFAULT_ADMIN_USERNAME}, "secret": {"password": DEFAULT_ADMIN_PASSWORD}}, 400),
    ({"user": {"name": DEFAULT_ADMIN_USERNAME, "is_admin": "yes"}, "secret": {"password": "x"}}, 400),
    ({"user": DEFAULT_ADMIN_USERNAME, "secret": DEFAULT_ADMIN_PASSWORD}, 400),
])
def test_authenticate_refusals(client, body, status):
    response = SpecClient(client).put("/authenticate", json=body)
    assert response.status_code == status
    assert response.json()["detail"]


@pytest.mark.parametrize("headers", [{}, {"X-Authorization": "bearer not-a-token"},
                                     {"X-Authorization": "bearer a b c"}, {"X-Authorization": ""}])
def test_missing_or_invalid_tokens_are_403(client, headers):
    for method, url, body in [("POST", "/artifacts", [{"name": "*"}]), ("DELETE", "/reset", None),
                              ("GET", "/artifacts/model/abc", None), ("POST", "/artifact/byRegEx", {"regex": "a"})]:
        response = SpecClient(client).request(method, url, json=body, headers=headers)
        assert response.status_code == 403, (method, url, response.text)


def test_reset_needs_an_admin_and_restores_the_default_admin(client, api, make_user, fake_hub):
    create(api, DATASET_URL, "dataset")
    reader = SpecClient(client, f"bearer {make_user('reader', 'SEARCH').token}")
    assert reader.delete("/reset").status_code == 401
    assert len(reader.post("/artifacts", json=[{"name": "*"}]).json()) == 1
    assert api.delete("/reset").status_code == 200
    assert api.post("/artifacts", json=[{"name": "*"}]).status_code == 403  # every token went with the reset
    admin = SpecClient(client, login(client))
    assert admin.post("/artifacts", json=[{"name": "*"}]).json() == []
    assert reader.post("/artifacts", json=[{"name": "*"}]).status_code == 403


# create, read, update, delete ------------------------------------------------------------------------------------
def test_create_answers_201_with_metadata_and_data(api, linked_url):
    created = create(api, linked_url)
    artifact_id = created["metadata"]["id"]
    assert created["metadata"] == {"name": "minilm-linked", "id": artifact_id, "type": "model"}
    assert created["data"]["url"] == linked_url
    link = urlsplit(created["data"]["download_url"])  # signed for the caller: usable without the header
    assert (link.scheme, link.netloc, link.path) == ("http", "testserver", f"/download/{artifact_id}")
    assert set(parse_qs(link.query)) == {"user", "expires", "signature"}
    assert api.get(f"/artifacts/model/{artifact_id}").json() == created


def test_create_honours_a_name_and_refuses_the_same_source_twice(api, fake_hub):
    created = create(api, DATASET_URL, "dataset", name="team/reviews: v2")
    assert created["metadata"]["name"] == "team/reviews: v2"
    again = api.post("/artifact/dataset", json={"url": DATASET_URL, "name": "team/reviews: v2"})
    assert again.status_code == 409
    code = create(api, CODE_URL, "code")
    assert code["metadata"] == {"name": "sentence-transformers", "id": code["metadata"]["id"], "type": "code"}


def test_a_model_the_gate_refuses_is_424_and_nothing_is_stored(api):
    refused = api.post("/artifact/model", json={"url": f"https://huggingface.co/{NO_CARD_ID}"})
    assert refused.status_code == 424
    failing = {f["metric"] for f in refused.json()["details"]["failures"]}
    assert {"license", "ramp_up_time", "net_score"} <= failing
    assert api.post("/artifacts", json=[{"name": "*"}]).json() == []


def test_artifacts_are_read_under_their_own_type_only(api, fake_hub):
    dataset = create(api, DATASET_URL, "dataset")["metadata"]["id"]
    assert api.get(f"/artifacts/dataset/{dataset}").status_code == 200
    assert api.get(f"/artifacts/model/{dataset}").status_code == 404
    assert api.get("/artifacts/dataset/no-such-id").status_code == 404


def test_update_replaces_what_every_id_of_the_artifact_reads_and_checks_the_envelope(api, fake_hub):
    fake_hub.add_dataset("acme/reviews-v2", {"data.csv": b"a,b\n"}, card="# reviews, second edition\n")
    created = create(api, DATASET_URL, "dataset")
    artifact_id = created["metadata"]["id"]
    new_url = "https://huggingface.co/datasets/acme/reviews-v2"
    renamed = {"metadata": {**created["metadata"], "name": "reviews"}, "data": {"url": new_url}}
    assert api.put(f"/artifacts/dataset/{artifact_id}", json=renamed).status_code == 400  # name and id must match
    assert api.get(f"/artifacts/dataset/{artifact_id}").json() == created  # and nothing changed
    body = {"metadata": created["metadata"], "data": {"url": new_url}}
    updated = api.put(f"/artifacts/dataset/{artifact_id}", json=body)
    assert updated.status_code == 200
    new = updated.json()  # the new version's envelope: an id of its own, the same name
    new_id = new["metadata"]["id"]
    assert new_id != artifact_id and new["metadata"]["name"] == created["metadata"]["name"]
    assert new["data"]["url"] == new_url and api.get(f"/artifacts/dataset/{new_id}").json()["metadata"] == new[
        "metadata"]
    # "The artifact source will replace the previous contents": the id the client kept reads the new contents
    assert api.get(f"/artifacts/dataset/{artifact_id}").json() == new
    name = created["metadata"]["name"]
    assert api.get(f"/artifact/byName/{name}").json() == [new["metadata"]]  # REST knows the newest version
    assert api.post("/artifacts", json=[{"name": "*"}]).json() == [new["metadata"]]
    again = api.put(f"/artifacts/dataset/{artifact_id}", json=body)  # to what it already is: nothing new
    assert again.status_code == 200 and again.json()["metadata"]["id"] == new_id
    assert api.put("/artifacts/dataset/other-id", json=body).status_code == 400
    assert api.put(f"/artifacts/model/{artifact_id}", json=body).status_code == 400
    wrong_type = {"metadata": {**body["metadata"], "type": "model"}, "data": body["data"]}
    assert api.put(f"/artifacts/model/{artifact_id}", json=wrong_type).status_code == 404
    actions = [e["action"] for e in api.get(f"/artifact/dataset/{artifact_id}/audit").json()]
    assert actions == ["CREATE", "UPDATE"]


def test_every_artifacts_download_url_answers_with_its_bytes(api, client, fake_hub):
    fake_hub.add_dataset("acme/small-set", {"data/train.csv": b"text,label\nok,1\n"}, card="# small set\n")
    fake_hub.add_github_repo("acme/tools", {"tool.py": b"print('tool')\n"}, readme="# tools\n")
    for type_, url, inside in [("dataset", "https://huggingface.co/datasets/acme/small-set", "data/train.csv"),
                               ("code", "https://github.com/acme/tools", "tool.py")]:
        link = urlsplit(create(api, url, type_)["data"]["download_url"])
        response = client.get(f"{link.path}?{link.query}")  # signed: no header needed
        assert response.status_code == 200, response.text
        archive = zipfile.ZipFile(io.BytesIO(response.content))
        assert any(name.endswith(inside) for name in archive.namelist()), archive.namelist()


def test_a_name_the_queries_reserve_is_refused_and_nothing_is_stored(api, fake_hub):
    refused = create(api, DATASET_URL, "dataset", name="*", expect=400)
    assert refused["code"] == "INVALID_INPUT" and "every artifact" in refused["detail"]
    assert api.post("/artifacts", json=[{"name": "*"}]).json() == []


def test_delete_after_updates_removes_every_version_and_reads_by_any_id_answer_404(api, fake_hub, app):
    fake_hub.add_dataset("acme/reviews-v2", {"data.csv": b"a,b\n"}, card="# reviews, second edition\n")
    created = create(api, DATASET_URL, "dataset")
    first = created["metadata"]["id"]
    body = {"metadata": created["metadata"], "data": {"url": "https://huggingface.co/datasets/acme/reviews-v2"}}
    second = api.put(f"/artifacts/dataset/{first}", json=body).json()["metadata"]["id"]
    assert api.get(f"/artifacts/dataset/{first}").json()["metadata"]["id"] == second
    assert api.delete(f"/artifacts/dataset/{first}").json() == created["metadata"]  # by the id it was given
    for gone in (first, second):
        assert api.get(f"/artifacts/dataset/{gone}").status_code == 404
    assert api.post("/artifacts", json=[{"name": "*"}]).json() == []
    assert api.get(f"/artifact/byName/{created['metadata']['name']}").status_code == 404
    assert app.state.registry.metadata.count_artifacts() == 0  # no version left behind, not even unlisted


def test_rating_cost_and_lineage_by_an_old_id_read_the_newest_version(api, linked_url, app):
    old_id = create(api, linked_url)["metadata"]["id"]
    registry = app.state.registry
    admin = registry.metadata.get_user(registry.settings.admin_username)
    newer = registry.artifacts.update(admin, old_id, linked_url, version="9.0.0").id
    assert api.get(f"/artifact/model/{old_id}/rate").status_code == 200
    rated = {entry["artifact"]["id"] for entry in api.get(f"/artifact/model/{newer}/audit").json()
             if entry["action"] == "RATE"}
    assert rated == {newer}  # the read by the old id rated the newest version
    assert all(entry["action"] != "RATE" for entry in api.get(f"/artifact/model/{old_id}/audit").json())
    assert set(api.get(f"/artifact/model/{old_id}/cost").json()) == {newer}
    graph = api.get(f"/artifact/model/{old_id}/lineage").json()
    assert newer in {node["artifact_id"] for node in graph["nodes"]}
    assert old_id not in {node["artifact_id"] for node in graph["nodes"]}


def test_delete_removes_only_that_artifact(api, fake_hub):
    first = create(api, DATASET_URL, "dataset", name="twin")["metadata"]["id"]
    second = create(api, CODE_URL, "code", name="twin")["metadata"]["id"]
    assert api.delete(f"/artifacts/code/{first}").status_code == 404
    assert api.delete(f"/artifacts/dataset/{first}").status_code == 200
    assert api.get(f"/artifacts/dataset/{first}").status_code == 404
    assert api.get("/artifact/byName/twin").json() == [{"name": "twin", "id": second, "type": "code"}]


# rating, cost, lineage, license, audit ---------------------------------------------------------------------------
def test_rate_returns_the_26_spec_keys_as_numbers(api, linked_url):
    artifact_id = create(api, linked_url)["metadata"]["id"]
    rating = api.get(f"/artifact/model/{artifact_id}/rate").json()
    assert set(rating) == RATING_KEYS
    assert set(rating["size_score"]) == {"raspberry_pi", "jetson_nano", "desktop_pc", "aws_server"}
    assert all(isinstance(v, (int, float)) for k, v in rating.items() if k not in ("name", "category", "size_score"))
    assert rating["net_score"] >= 0.5 and 0 <= rating["net_score_latency"] < 60  # seconds, not milliseconds
    dataset = create(api, DATASET_URL, "dataset")["metadata"]["id"]
    assert api.get(f"/artifact/model/{dataset}/rate").status_code == 400
    assert api.get("/artifact/model/unknown-id/rate").status_code == 404


def test_cost_alone_and_with_dependencies(api, linked_url):
    model = create(api, linked_url)["metadata"]["id"]
    dataset = create(api, DATASET_URL, "dataset")["metadata"]["id"]
    alone = api.get(f"/artifact/model/{model}/cost").json()
    assert list(alone) == [model] and list(alone[model]) == ["total_cost"] and alone[model]["total_cost"] > 90
    full = api.get(f"/artifact/model/{model}/cost", params={"dependency": "true"}).json()
    assert {model, dataset} <= set(full)
    assert all(set(entry) == {"standalone_cost", "total_cost"} for entry in full.values())
    assert full[dataset]["standalone_cost"] > 1.358  # its parquet files alone are 1,358,023 bytes
    assert full[model]["total_cost"] == pytest.approx(full[model]["standalone_cost"]
                                                      + full[dataset]["standalone_cost"])
    assert api.get(f"/artifact/dataset/{model}/cost").status_code == 404


def test_lineage_lists_the_model_and_its_registered_base(api, linked_url, tuned_url):
    base = create(api, linked_url)["metadata"]["id"]
    tuned = create(api, tuned_url)["metadata"]["id"]
    graph = api.get(f"/artifact/model/{tuned}/lineage").json()
    node_ids = {node["artifact_id"] for node in graph["nodes"]}
    assert {base, tuned} <= node_ids
    edges = {(e["from_node_artifact_id"], e["to_node_artifact_id"]): e["relationship"] for e in graph["edges"]}
    assert edges[(base, tuned)] == "finetune"  # the card's base_model, without a base_model_relation
    lone = api.get(f"/artifact/model/{base}/lineage").json()
    assert base in {node["artifact_id"] for node in lone["nodes"]} and isinstance(lone["edges"], list)
    dataset = create(api, DATASET_URL, "dataset")["metadata"]["id"]
    assert api.get(f"/artifact/model/{dataset}/lineage").status_code == 400


def test_license_check_answers_a_bare_boolean(api, fake_hub, linked_url):
    model = create(api, linked_url)["metadata"]["id"]
    check = api.post(f"/artifact/model/{model}/license-check", json={"github_url": CODE_URL})
    assert check.status_code == 200 and check.json() is True
    fake_hub.add_github_repo("acme/gpl-tool", {"main.py": b"print(1)\n"}, license="GPL-2.0-only")
    gpl = api.post(f"/artifact/model/{model}/license-check", json={"github_url": "https://github.com/acme/gpl-tool"})
    assert gpl.json() is False
    missing = api.post(f"/artifact/model/{model}/license-check", json={"github_url": "https://github.com/acme/nope"})
    assert missing.status_code == 404
    assert api.post("/artifact/model/unknown/license-check", json={"github_url": CODE_URL}).status_code == 404
    fake_hub.add_github_repo("acme/flaky", {"main.py": b"print(1)\n"}, license="MIT")
    fake_hub.inject("acme/flaky", status=503)
    down = api.post(f"/artifact/model/{model}/license-check", json={"github_url": "https://github.com/acme/flaky"})
    assert down.status_code == 502
    assert api.post(f"/artifact/model/{model}/license-check", json={"github_url": MINILM_URL}).status_code == 400


def test_audit_trail_records_who_did_what(api, client, make_user, linked_url):
    model = create(api, linked_url)["metadata"]["id"]
    reader = SpecClient(client, f"bearer {make_user('reader', 'SEARCH').token}")
    reader.get(f"/artifact/model/{model}/rate")
    trail = api.get(f"/artifact/model/{model}/audit").json()
    assert [(e["user"]["name"], e["action"]) for e in trail] == [(DEFAULT_ADMIN_USERNAME, "CREATE"), ("reader", "RATE")]
    assert trail[0]["user"]["is_admin"] is True and trail[1]["user"]["is_admin"] is False
    assert trail[0]["artifact"] == {"name": "minilm-linked", "id": model, "type": "model"}
    assert [e["action"] for e in api.get(f"/artifact/model/{model}/audit").json()][-1] == "AUDIT"


# searches --------------------------------------------------------------------------------------------------------
def test_by_name_lists_every_artifact_of_that_exact_name(api, fake_hub):
    first = create(api, DATASET_URL, "dataset", name="acme/shared name")["metadata"]["id"]
    second = create(api, CODE_URL, "code", name="acme/shared name")["metadata"]["id"]
    found = api.get("/artifact/byName/acme/shared name").json()
    assert sorted((a["id"], a["type"]) for a in found) == sorted([(first, "dataset"), (second, "code")])
    assert api.get("/artifact/byName/acme%2Fshared%20name").json() == found
    assert api.get("/artifact/byName/acme/shared").status_code == 404


def test_regex_searches_names_and_readmes(api, fake_hub):
    create(api, DATASET_URL, "dataset")
    create(api, CODE_URL, "code")
    assert names(api.post("/artifact/byRegEx", json={"regex": "tiny"}).json()) == ["tiny-reviews"]
    assert names(api.post("/artifact/byRegEx", json={"regex": "Text Embeddings"}).json()) == ["sentence-transformers"]
    assert names(api.post("/artifact/byRegEx", json={"regex": ".*"}).json()) == ["sentence-transformers",
                                                                                 "tiny-reviews"]
    assert api.post("/artifact/byRegEx", json={"regex": "^zzz$"}).status_code == 404
    assert api.post("/artifact/byRegEx", json={"regex": "(unclosed"}).status_code == 400
    assert api.post("/artifact/byRegEx", json={"regex": "(a+)+$"}).status_code == 404  # RE2: linear, prompt


def test_enumerate_unions_queries_and_filters_types(api, fake_hub):
    create(api, DATASET_URL, "dataset", name="alpha")
    create(api, CODE_URL, "code", name="beta")
    everything = api.post("/artifacts", json=[{"name": "*"}])
    assert names(everything.json()) == ["alpha", "beta"] and "offset" not in everything.headers
    assert names(api.post("/artifacts", json=[{"name": "*", "types": ["code"]}]).json()) == ["beta"]
    assert names(api.post("/artifacts", json=[{"name": "alpha"}, {"name": "beta"}]).json()) == ["alpha", "beta"]
    assert names(api.post("/artifacts", json=[{"name": "alpha", "types": ["model"]}]).json()) == []
    union = api.post("/artifacts", json=[{"name": "*", "types": ["code"]}, {"name": "alpha"}, {"name": "beta"}])
    assert names(union.json()) == ["alpha", "beta"]


def test_enumerate_pages_through_the_offset_header(settings, fake_hub):
    with TestClient(create_app(settings.model_copy(update={"max_page_size": 2}))) as client:
        api = SpecClient(client, login(client))
        for i in range(3):
            fake_hub.add_dataset(f"acme/set-{i}", {"data.csv": b"a\n"}, card=f"# set {i}\n")
            create(api, f"https://huggingface.co/datasets/acme/set-{i}", "dataset")
        create(api, CODE_URL, "code", name="set-code")
        queries = [{"name": "*", "types": ["dataset"]}, {"name": "set-code"}]
        seen, offset, pages = [], None, 0
        while True:
            response = api.post("/artifacts", json=queries, params={"offset": offset} if offset else {})
            seen += [item["name"] for item in response.json()]
            pages += 1
            offset = response.headers.get("offset")
            if offset is None:
                break
        assert sorted(seen) == ["set-0", "set-1", "set-2", "set-code"] and pages == 2
        skipped = api.post("/artifacts", json=queries, params={"offset": "3"}).json()
        assert [item["name"] for item in skipped] == [seen[3]]
        assert api.post("/artifacts", json=queries, params={"offset": "not-a-token"}).status_code == 400


def test_too_many_queries_or_too_big_a_body_is_413(api):
    assert api.post("/artifacts", json=[{"name": f"n{i}"} for i in range(101)]).status_code == 413
    assert api.post("/artifacts", json=[{"name": "n" * 300_000}]).status_code == 413


# malformed requests ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("method, url, body", [
    ("POST", "/artifact/model", b"{not json"),
    ("POST", "/artifact/model", {"url": 42}),
    ("POST", "/artifact/model", {}),
    ("POST", "/artifact/model", ["https://huggingface.co/a/b"]),
    ("POST", "/artifact/widget", {"url": MINILM_URL}),
    ("POST", "/artifact/model", {"url": "https://evil.example.com/a/b"}),
    ("POST", "/artifacts", {"name": "*"}),
    ("POST", "/artifacts", [{"types": ["model"]}]),
    ("POST", "/artifacts", [{"name": "*", "types": "model"}]),
    ("POST", "/artifacts", [{"name": "*", "types": ["widget"]}]),
    ("POST", "/artifacts", []),
    ("GET", "/artifacts/model/bad_id!", None),
    ("GET", "/artifacts/widget/abc", None),
    ("GET", "/artifact/model/a.b/rate", None),
    ("GET", "/artifact/model/abc/cost?dependency=maybe", None),
    ("POST", "/artifact/byRegEx", {"pattern": "a"}),
    ("POST", "/artifact/byRegEx", {"regex": ""}),
    ("POST", "/artifact/model/abc/license-check", {}),
    ("PUT", "/artifacts/model/abc", {"metadata": {"name": "a", "id": "abc"}, "data": {"url": MINILM_URL}}),
    ("PUT", "/artifacts/model/abc", {"metadata": {"name": "a", "id": "a c", "type": "model"}, "data": {}}),
])
def test_bad_requests_are_400_with_a_message(api, method, url, body):
    kwargs = {"content": body} if isinstance(body, bytes) else {"json": body} if body is not None else {}
    response = api.request(method, url, headers={"Content-Type": "application/json"}, **kwargs)
    assert response.status_code == 400, response.text
    assert response.json()["detail"]
