"""The REST by-id read answered without FastAPI's parameter machinery (rest/fast.py, app/fast_reads.py) answers
exactly as its FastAPI route does: the same statuses, bodies and headers, for good requests and bad ones."""
from __future__ import annotations

import logging
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from app.factory import create_app
from registry.model import Artifact, ArtifactType
from rest.fast import FAST_READS
from tests.app.test_pipeline import request_lines
from tests.rest.conftest import login

MODEL_ID = "fast-model-0001"
DATASET_ID = "fast-dataset-0001"


@pytest.fixture
def registry(app):
    registry = app.state.registry
    registry.users.ensure_default_admin()
    admin = registry.metadata.get_user(registry.settings.admin_username)
    registry.artifacts.store_new(admin, Artifact(id=MODEL_ID, type=ArtifactType.MODEL, name="acme/fast"))
    registry.artifacts.store_new(admin, Artifact(id=DATASET_ID, type=ArtifactType.DATASET, name="acme/data"))
    return registry


@pytest.fixture
def routed(settings, registry):
    """The same registry behind an app whose by-id read goes through the FastAPI route."""
    with TestClient(create_app(settings, registry, fast_reads=())) as client:
        yield client


@pytest.fixture
def token(client) -> str:
    return login(client)


def unsigned(body: dict) -> dict:
    """The answer with its signed links' `expires` and `signature` taken out (they follow the clock's second)."""
    data = dict(body.get("data", {}))
    for key in ("url", "download_url"):
        if key in data:
            parts = urlsplit(data[key])
            query = {k: v for k, v in parse_qs(parts.query).items() if k not in ("expires", "signature")}
            data[key] = (parts.path, query)
    return {**body, "data": data} if data else body


PATHS = [
    f"/artifacts/model/{MODEL_ID}",  # found
    f"/artifacts/dataset/{DATASET_ID}",  # another type, found
    f"/artifacts/model/{MODEL_ID}?unknown=1",  # a query string FastAPI ignores
    f"/artifacts/dataset/{MODEL_ID}",  # a model under the dataset path: 404
    "/artifacts/model/no-such-id",  # 404
    "/artifacts/model/bad_id!",  # malformed: FastAPI's 400 (the fast read leaves it)
    f"/artifacts/model/{'a' * 129}",  # over-long: FastAPI's 400
    f"/artifacts/widget/{MODEL_ID}",  # unknown type: FastAPI's 400
    f"/artifacts/model/{MODEL_ID}/",  # trailing slash: whatever FastAPI does with it
]


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("auth", ["token", "bad", "none"])
def test_the_fast_read_answers_as_the_fastapi_route(client, routed, token, path, auth):
    headers = {"token": {"X-Authorization": token}, "bad": {"X-Authorization": "bearer not-a-token"},
               "none": {}}[auth]
    fast, slow = client.get(path, headers=headers), routed.get(path, headers=headers)
    assert fast.status_code == slow.status_code
    assert fast.headers["content-type"] == slow.headers["content-type"]
    if auth == "token" and path in PATHS[:3]:
        assert fast.status_code == 200, fast.text
    if fast.status_code == 200:
        assert unsigned(fast.json()) == unsigned(slow.json())
        assert len(fast.content) == len(slow.content)
    else:
        assert fast.content == slow.content
        assert fast.json()["code"]


def test_head_and_other_methods_are_left_to_the_route(client, routed, token):
    headers = {"X-Authorization": token}
    for method in ("HEAD", "POST", "PATCH"):
        fast = client.request(method, f"/artifacts/model/{MODEL_ID}", headers=headers)
        slow = routed.request(method, f"/artifacts/model/{MODEL_ID}", headers=headers)
        assert fast.status_code == slow.status_code == 405


def test_the_fast_read_serves_the_newest_version_and_a_working_signed_link(client, registry, token):
    admin = registry.metadata.get_user(registry.settings.admin_username)
    newer = registry.artifacts.store_new(admin, Artifact(id="fast-model-0002", type=ArtifactType.MODEL,
                                                         name="acme/fast"))
    answer = client.get(f"/artifacts/model/{MODEL_ID}", headers={"X-Authorization": token})
    assert answer.status_code == 200, answer.text
    assert answer.json()["metadata"] == {"name": "acme/fast", "id": newer.id, "type": "model"}
    link = answer.json()["data"]["download_url"]
    assert parse_qs(urlsplit(link).query)["user"] == [registry.settings.admin_username]
    assert urlsplit(link).path == f"/download/{newer.id}"


def test_a_fast_read_is_logged_and_counted_like_any_request(client, registry, token, caplog):
    caplog.set_level(logging.INFO, logger="registry")
    client.get(f"/artifacts/model/{MODEL_ID}", headers={"X-Authorization": token, "X-Request-ID": "fast-read-0001"})
    client.get("/artifacts/model/missing-one", headers={"X-Authorization": token, "X-Request-ID": "fast-read-0002"})
    by_id = {line.get("request_id"): line for line in request_lines(caplog)}
    assert (by_id["fast-read-0001"]["status"], by_id["fast-read-0001"]["operation"]) == (200, "ArtifactRetrieve")
    assert by_id["fast-read-0001"]["caller"] == by_id["fast-read-0002"]["caller"] is not None
    assert by_id["fast-read-0002"]["status"] == 404


def test_an_unexpected_fault_in_a_fast_read_is_masked(app, registry, client, token, monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(app.state.registry.artifacts, "view", broken)
    answer = client.get(f"/artifacts/model/{MODEL_ID}", headers={"X-Authorization": token})
    assert answer.status_code == 500
    assert answer.json() == {"detail": "Unexpected error.", "code": "INTERNAL_ERROR"}


def test_the_fast_read_covers_the_route_it_stands_in_for(app):
    """Each fast read names a declared GET route and takes that route's path; the route stays documented."""
    routes = {getattr(route, "operation_id", None): route for route in app.routes}
    documented = app.openapi()["paths"]
    for read in FAST_READS:
        route = routes[read.operation_id]
        assert "GET" in route.methods and route.path in documented and read.path == route.path
        example = route.path.replace("{artifact_type}", "model").replace("{id}", "abc-123")
        assert read.parameters(example) == ("model", "abc-123")


@pytest.mark.parametrize("path", ["/artifacts/model", "/artifacts/model/", "/artifacts//abc", "/artifacts/model/a/b",
                                  "/artifact/model/abc", "artifacts/model/abc", "/artifacts/models/abc",
                                  "/artifacts/model/" + "a" * 129, "/artifacts/model/a b", "//artifacts/model/abc"])
def test_the_fast_read_leaves_every_other_path_to_the_route(path):
    assert FAST_READS[0].parameters(path) is None
