"""What clients see of the write guarantees at the doors: idempotency keys (GraphQL input, REST header), store
outages as STORE_UNAVAILABLE with Retry-After, the upstream bulkhead's UPSTREAM_BUSY, and the admin's sweep."""
from __future__ import annotations

import threading
import time
import uuid

import pytest
from fastapi.testclient import TestClient

from app.factory import create_app
from registry.settings import DEFAULT_ADMIN_PASSWORD, DEFAULT_ADMIN_USERNAME
from tests.conftest import MINILM_CODE, MINILM_DATASET, GraphQL
from tests.servers import TEST_ACCESS_KEY, TEST_SECRET_KEY, free_port, unavailable_s3

INGEST = ("mutation($i: IngestArtifactInput!) { ingestArtifact(input: $i) { artifact { artifactId } "
          "errors { code message details } } }")
DELETE = "mutation($i: DeleteArtifactInput!) { deleteArtifact(input: $i) { deletedId errors { code } } }"
LOGIN = {"user": {"name": DEFAULT_ADMIN_USERNAME, "is_admin": True}, "secret": {"password": DEFAULT_ADMIN_PASSWORD}}


def test_graphql_mutations_take_an_idempotency_key(gql):
    first = gql(INGEST, i={"type": "DATASET", "url": MINILM_DATASET, "idempotencyKey": "k-1"})["data"]
    again = gql(INGEST, i={"type": "DATASET", "url": MINILM_DATASET, "idempotencyKey": "k-1"})["data"]
    assert first["ingestArtifact"]["errors"] == [] and again == first
    other = gql(INGEST, i={"type": "DATASET", "url": MINILM_DATASET, "name": "x", "idempotencyKey": "k-1"})
    assert [e["code"] for e in other["data"]["ingestArtifact"]["errors"]] == ["INVALID_INPUT"]
    artifact_id = first["ingestArtifact"]["artifact"]["artifactId"]
    deletes = [gql(DELETE, i={"artifactId": artifact_id, "idempotencyKey": "d-1"})["data"]["deleteArtifact"]
               for _ in range(2)]
    assert deletes == [{"deletedId": artifact_id, "errors": []}] * 2


def test_rest_writes_take_an_idempotency_key_header(client):
    token = client.put("/authenticate", json=LOGIN).json()
    headers = {"X-Authorization": token, "Idempotency-Key": str(uuid.uuid4())}
    body = {"url": MINILM_CODE}
    created = [client.post("/artifact/code", json=body, headers=headers) for _ in range(2)]
    assert [r.status_code for r in created] == [201, 201]
    assert created[0].json() == created[1].json()
    artifact_id = created[0].json()["metadata"]["id"]
    deleted = [client.delete(f"/artifacts/code/{artifact_id}", headers=headers | {"Idempotency-Key": "del"})
               for _ in range(2)]
    assert [r.status_code for r in deleted] == [200, 200] and deleted[0].json() == deleted[1].json()
    assert client.delete(f"/artifacts/code/{artifact_id}", headers={"X-Authorization": token}).status_code == 404


@pytest.fixture
def unreachable_aws(settings, monkeypatch):
    """A registry on the AWS backend whose DynamoDB endpoint refuses connections and whose S3 answers 503."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", TEST_ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", TEST_SECRET_KEY)
    with unavailable_s3() as s3:
        aws = settings.model_copy(update={"backend": "aws", "s3_endpoint_url": s3.url, "aws_region": s3.region,
                                          "dynamodb_endpoint_url": f"http://127.0.0.1:{free_port()}",
                                          "sweep_interval_seconds": 0, "store_cooldown_seconds": 30})
        with TestClient(create_app(aws)) as client:
            yield client


def test_a_store_outage_is_a_coded_503_with_retry_after_on_every_door(unreachable_aws):
    rest = unreachable_aws.put("/authenticate", json=LOGIN)
    assert rest.status_code == 503 and rest.headers["content-type"] == "application/json"
    assert rest.json()["code"] == "STORE_UNAVAILABLE" and int(rest.headers["Retry-After"]) >= 1
    assert "database (DynamoDB)" in rest.json()["detail"]
    # The store is remembered as unreachable: the next requests answer at once, saying so.
    graphql = GraphQL(unreachable_aws)('mutation { authenticate(input: {username: "a", password: "b"}) { token '
                                       'errors { code message details } } }')["data"]["authenticate"]
    (error,) = graphql["errors"]
    assert error["code"] == "STORE_UNAVAILABLE" and "not answering" in error["message"]
    assert error["details"]["retry_after_seconds"] >= 1
    query = GraphQL(unreachable_aws, token="whatever")("{ me { username } }")
    assert query["errors"][0]["extensions"]["code"] == "STORE_UNAVAILABLE"
    rest = unreachable_aws.get("/artifacts/model/abc", headers={"X-Authorization": "bearer whatever"})
    assert rest.status_code == 503 and rest.json()["code"] == "STORE_UNAVAILABLE"


def test_ingests_waiting_on_a_slow_hub_never_take_the_threads_reads_need(settings, fake_hub):
    narrow = settings.model_copy(update={"upstream_workers": 1, "upstream_queue": 0, "upstream_queue_seconds": 0.2,
                                         "sweep_interval_seconds": 0})
    app = create_app(narrow)
    registry = app.state.registry
    fake_hub.inject("tiny-reviews", delay=3.0)
    with TestClient(app) as client:
        anonymous = GraphQL(client)
        gql = anonymous.as_user(anonymous.login(DEFAULT_ADMIN_USERNAME, DEFAULT_ADMIN_PASSWORD))
        outcome: dict[str, dict] = {}
        slow = threading.Thread(target=lambda: outcome.update(
            slow=gql(INGEST, i={"type": "DATASET", "url": MINILM_DATASET})))
        slow.start()
        deadline = time.monotonic() + 30
        while registry.upstream.admitted == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        busy = gql(INGEST, i={"type": "CODE", "url": MINILM_CODE})["data"]["ingestArtifact"]
        read = gql("{ artifacts(first: 5) { edges { node { artifactId } } } }")
        token = client.put("/authenticate", json=LOGIN).json()
        rest = client.post("/artifact/code", json={"url": MINILM_CODE}, headers={"X-Authorization": token})
        slow.join(30)
    assert [e["code"] for e in busy["errors"]] == ["UPSTREAM_BUSY"]
    assert busy["errors"][0]["details"]["retry_after_seconds"] >= 1
    assert read["data"]["artifacts"]["edges"] == []  # answered while the slow ingest held the upstream worker
    assert rest.status_code == 503 and rest.json()["code"] == "UPSTREAM_BUSY" and "Retry-After" in rest.headers
    assert outcome["slow"]["data"]["ingestArtifact"]["errors"] == []


def test_admins_run_the_sweeper_on_demand(gql, make_user):
    swept = gql("mutation { sweepRegistry { removed { kind count } seconds errors { code } } }")
    assert swept["data"]["sweepRegistry"]["errors"] == [] and swept["data"]["sweepRegistry"]["removed"] == []
    refused = make_user("plain", "SEARCH")("mutation { sweepRegistry { errors { code } } }")
    assert refused["data"]["sweepRegistry"]["errors"] == [{"code": "PERMISSION_DENIED"}]
