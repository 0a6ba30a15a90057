"""End to end over real HTTP (uvicorn on 127.0.0.1) and through the Mangum Lambda handler."""
from __future__ import annotations

import json
import threading

import httpx
import pytest
from mangum import Mangum

from registry.settings import DEFAULT_ADMIN_PASSWORD, DEFAULT_ADMIN_USERNAME
from app.factory import create_app
from tests.conftest import MINILM_CODE, MINILM_DATASET, MINILM_URL, nodes
from tests.e2e.lambda_events import http_api_event
from tests.servers import uvicorn_server

INGEST = ("mutation($u: String!, $n: String!, $c: String!, $d: String!) { ingestArtifact(input: {type: MODEL, "
          "url: $u, name: $n, codeUrl: $c, datasetUrls: [$d]}) { artifact { artifactId name } "
          "errors { code message } } }")
LOGIN = ("mutation($u: String!, $p: String!) { authenticate(input: {username: $u, password: $p}) "
         "{ token errors { code } } }")


@pytest.fixture
def server(settings):
    with uvicorn_server(create_app(settings)) as url:
        yield url


def post(http, query, token=None, **variables):
    headers = {"X-Authorization": f"bearer {token}"} if token else {}
    response = http.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_model_lifecycle_over_http(server):
    with httpx.Client(base_url=server, timeout=30) as http:
        assert http.get("/health").json() == {"status": "ok"}
        token = post(http, LOGIN, u=DEFAULT_ADMIN_USERNAME, p=DEFAULT_ADMIN_PASSWORD)["data"]["authenticate"]["token"]
        created = post(http, INGEST, token, u=MINILM_URL, c=MINILM_CODE, d=MINILM_DATASET, n="all-MiniLM-L6-v2")
        artifact = created["data"]["ingestArtifact"]["artifact"]
        artifact_id = artifact["artifactId"]

        def found(field: str, arguments: str) -> list[str]:
            result = post(http, '{ %s(%s) { edges { node { artifactId } } } }' % (field, arguments), token)
            return [node["artifactId"] for node in nodes(result, field)]

        assert found("artifactsByName", 'name: "all-MiniLM-L6-v2"') == [artifact_id]
        assert found("searchArtifacts", 'regex: "(?i)minilm"') == [artifact_id]
        assert found("artifactsByVersion", 'query: "~1.0.0", name: "all-MiniLM-L6-v2"') == [artifact_id]
        deleted = post(http, 'mutation($id: String!) { deleteArtifact(input: {artifactId: $id}) { deletedId } }',
                       token, id=artifact_id)
        assert deleted["data"]["deleteArtifact"]["deletedId"] == artifact_id
        assert found("artifactsByName", 'name: "all-MiniLM-L6-v2"') == []


def test_concurrent_ingests_get_distinct_ids(server):
    with httpx.Client(base_url=server, timeout=60) as http:
        token = post(http, LOGIN, u=DEFAULT_ADMIN_USERNAME, p=DEFAULT_ADMIN_PASSWORD)["data"]["authenticate"]["token"]
    results: list[dict] = []

    def ingest(i: int) -> None:
        with httpx.Client(base_url=server, timeout=60) as http:
            results.append(post(http, INGEST, token, u=MINILM_URL, n=f"copy-{i}", c=MINILM_CODE, d=MINILM_DATASET))

    threads = [threading.Thread(target=ingest, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    payloads = [r["data"]["ingestArtifact"] for r in results]
    assert all(p["artifact"] for p in payloads), payloads  # a refusal says why (its errors' messages)
    ids = [p["artifact"]["artifactId"] for p in payloads]
    assert len(ids) == 6 and len(set(ids)) == 6


def test_lambda_handler_answers_api_gateway_events(settings):
    handler = Mangum(create_app(settings), lifespan="off")
    health = handler(http_api_event("GET", "/health"), None)
    assert health["statusCode"] == 200 and json.loads(health["body"]) == {"status": "ok"}
    login = handler(http_api_event("POST", "/graphql", {"query": LOGIN, "variables": {
        "u": DEFAULT_ADMIN_USERNAME, "p": DEFAULT_ADMIN_PASSWORD}}), None)
    token = json.loads(login["body"])["data"]["authenticate"]["token"]
    me = handler(http_api_event("POST", "/graphql", {"query": "{ me { username } }"},
                                {"x-authorization": f"bearer {token}"}), None)
    assert json.loads(me["body"])["data"]["me"]["username"] == DEFAULT_ADMIN_USERNAME


def test_concurrent_ingests_of_the_same_source_register_it_once(server):
    with httpx.Client(base_url=server, timeout=60) as http:
        token = post(http, LOGIN, u=DEFAULT_ADMIN_USERNAME, p=DEFAULT_ADMIN_PASSWORD)["data"]["authenticate"]["token"]
    results: list[dict] = []

    def ingest() -> None:
        with httpx.Client(base_url=server, timeout=60) as http:
            results.append(post(http, INGEST, token, u=MINILM_URL, n="same", c=MINILM_CODE, d=MINILM_DATASET))

    threads = [threading.Thread(target=ingest) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    payloads = [r["data"]["ingestArtifact"] for r in results]
    assert sum(p["artifact"] is not None for p in payloads) == 1
    assert sorted(e["code"] for p in payloads for e in p["errors"]) == ["CONFLICT"] * 4
