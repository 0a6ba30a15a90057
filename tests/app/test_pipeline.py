"""The one request pipeline: request ids, one structured log line per request and per domain event, errors in
one shape with a code, health counting client and server errors apart, and no secret in any log line."""
from __future__ import annotations

import json
import logging

import pytest

from app.logs import JsonFormatter
from registry.settings import DEFAULT_ADMIN_PASSWORD, DEFAULT_ADMIN_USERNAME
from tests.conftest import MINILM_CODE, MINILM_DATASET, MINILM_URL, GraphQL

LOGIN = "mutation($u: String!, $p: String!) { authenticate(input: {username: $u, password: $p}) { token } }"


def lines(caplog: pytest.LogCaptureFixture) -> list[dict]:
    """The JSON lines the writer would print for the records logged so far."""
    formatter = JsonFormatter()
    return [json.loads(formatter.format(record)) for record in caplog.records if record.name.startswith("registry")]


def request_lines(caplog: pytest.LogCaptureFixture) -> list[dict]:
    return [line for line in lines(caplog) if line["event"] == "request"]


def test_every_answer_carries_a_request_id_and_a_client_id_is_kept(client):
    fresh = client.get("/health")
    assert len(fresh.headers["x-request-id"]) == 32
    kept = client.get("/health", headers={"X-Request-ID": "trace-0123456789"})
    assert kept.headers["x-request-id"] == "trace-0123456789"
    hostile = client.get("/health", headers={"X-Request-ID": "x\" injected {"})
    assert hostile.headers["x-request-id"] != "x\" injected {"


def test_one_structured_line_per_request_with_caller_operation_status_duration(client, gql, caplog):
    caplog.set_level(logging.INFO, logger="registry")
    client.get("/health", headers={"X-Request-ID": "req-health-0001"})
    gql("query Mine { me { username } }")
    client.get("/artifacts/model/no-such-id", headers={"X-Authorization": f"bearer {gql.token}",
                                                       "X-Request-ID": "req-rest-00001"})
    by_id = {line.get("request_id"): line for line in request_lines(caplog)}
    health = by_id["req-health-0001"]
    assert health["status"] == 200 and health["path"] == "/health" and health["duration_ms"] >= 0
    assert health["operation"] == "RegistryHealthHeartbeat" and health["caller"] is None
    mine = next(line for line in request_lines(caplog) if line["operation"] == "Mine")
    assert mine["caller"] == DEFAULT_ADMIN_USERNAME and mine["status"] == 200
    missing = by_id["req-rest-00001"]
    assert (missing["status"], missing["operation"], missing["caller"]) == (404, "ArtifactRetrieve",
                                                                            DEFAULT_ADMIN_USERNAME)


def test_expected_errors_log_no_traceback_and_faults_log_one(app, client, gql, caplog, monkeypatch):
    caplog.set_level(logging.INFO, logger="registry")
    gql('{ searchArtifacts(regex: "(a)\\\\1") { edges { cursor } } }')  # RE2 refuses backreferences
    client.get("/artifacts/model/nope", headers={"X-Authorization": "bearer used-up-or-unknown"})
    assert all("traceback" not in line for line in lines(caplog))
    assert not any(record.exc_info for record in caplog.records)

    def broken(*_args, **_kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(app.state.registry.artifacts, "enumerate", broken)
    caplog.clear()
    result = gql("{ artifacts { edges { cursor } } }")
    assert result["errors"][0]["message"] == "Unexpected error."
    faults = [line for line in lines(caplog) if line["event"] == "error"]
    assert len(faults) == 1 and "disk on fire" in faults[0]["traceback"]


def test_an_unexpected_rest_fault_is_a_masked_500_with_a_code(app, client, gql, monkeypatch, caplog):
    caplog.set_level(logging.INFO, logger="registry")

    def broken(*_args, **_kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(app.state.registry.queries, "find", broken)
    response = client.post("/artifacts", json=[{"name": "*"}], headers={"X-Authorization": f"bearer {gql.token}"})
    assert response.status_code == 500
    assert response.json() == {"detail": "Unexpected error.", "code": "INTERNAL_ERROR"}
    assert "secret internal detail" not in response.text
    faults = [line for line in lines(caplog) if line["event"] == "error"]
    assert len(faults) == 1 and "secret internal detail" in faults[0]["traceback"]


def test_every_error_body_carries_a_code(client, gql):
    token = {"X-Authorization": f"bearer {gql.token}"}
    assert client.get("/no/such/route").json()["code"] == "NOT_FOUND"
    assert client.get("/artifacts/model/x", headers={"X-Authorization": "bearer nope"}).json()["code"] == \
        "AUTHENTICATION_FAILED"
    assert client.post("/artifact/byRegEx", json={"wrong": 1}, headers=token).json()["code"] == "INVALID_INPUT"
    assert client.get("/download/abc?part=everything", headers=token).json()["code"] == "INVALID_INPUT"
    assert client.put("/uploads/not-a-real-upload-id-123", content=b"x").json()["code"] == "NOT_FOUND"
    big = client.post("/artifacts", content=b"[" + b" " * 300_000 + b"]", headers=token)
    assert (big.status_code, big.json()["code"]) == (413, "TOO_LARGE")


def test_health_counts_client_and_server_errors_apart(app, client, gql, monkeypatch):
    for _ in range(3):
        gql('{ searchArtifacts(regex: "(") { edges { cursor } } }')  # a user error inside a 200
    client.get("/artifacts/model/x", headers={"X-Authorization": "bearer nope"})  # 403

    def broken(*_args, **_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(app.state.registry.queries, "find", broken)
    client.post("/artifacts", json=[{"name": "*"}], headers={"X-Authorization": f"bearer {gql.token}"})
    health = gql("{ health { requests errors clientErrors serverErrors timeline { requests clientErrors "
                 "serverErrors } } }")["data"]["health"]
    assert health["clientErrors"] == 4 and health["serverErrors"] == 1 and health["errors"] == 5
    assert len(health["timeline"]) == 60
    assert sum(b["clientErrors"] for b in health["timeline"]) == 4
    assert sum(b["serverErrors"] for b in health["timeline"]) == 1


def test_domain_events_are_logged_with_the_request_id(client, gql, caplog):
    caplog.set_level(logging.INFO, logger="registry")
    GraphQL(client)(LOGIN, u=DEFAULT_ADMIN_USERNAME, p="wrong password")
    created = gql("mutation($i: IngestArtifactInput!) { ingestArtifact(input: $i) { artifact { artifactId } } }",
                  i={"type": "MODEL", "url": MINILM_URL, "codeUrl": MINILM_CODE, "datasetUrls": [MINILM_DATASET]})
    artifact_id = created["data"]["ingestArtifact"]["artifact"]["artifactId"]
    gql("mutation($id: String!) { deleteArtifact(input: {artifactId: $id}) { deletedId } }", id=artifact_id)
    events = {line["event"]: line for line in lines(caplog)}
    assert events["login.failed"]["username"] == DEFAULT_ADMIN_USERNAME
    assert events["ingest.accepted"]["artifact_id"] == artifact_id
    assert events["artifact.deleted"]["artifact_id"] == artifact_id
    requests = {line["request_id"] for line in request_lines(caplog)}
    assert all(events[name]["request_id"] in requests for name in ("login.failed", "ingest.accepted"))


def test_recent_logs_are_for_admins(gql, make_user):
    entries = gql("{ health { recentLogs(limit: 5) { event level requestId } } }")["data"]["health"]["recentLogs"]
    assert 1 <= len(entries) <= 5 and all(e["level"] in ("INFO", "WARNING", "ERROR") for e in entries)
    reader = make_user("reader", "SEARCH")
    refused = reader("{ health { recentLogs { event } } }")
    assert refused["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"


def test_no_password_or_token_ever_reaches_a_log_line(client, gql, caplog):
    caplog.set_level(logging.DEBUG)
    anonymous = GraphQL(client)
    anonymous(LOGIN, u=DEFAULT_ADMIN_USERNAME, p="hunter2-not-the-password")
    token = anonymous(LOGIN, u=DEFAULT_ADMIN_USERNAME, p=DEFAULT_ADMIN_PASSWORD)["data"]["authenticate"]["token"]
    client.put("/authenticate", json={"user": {"name": DEFAULT_ADMIN_USERNAME, "is_admin": True},
                                      "secret": {"password": DEFAULT_ADMIN_PASSWORD}})
    gql.as_user(token)("{ me { username } }")
    client.get("/artifacts/model/x", headers={"Authorization": f"bearer {token}"})
    gql("mutation($i: RegisterUserInput!) { registerUser(input: $i) { user { username } } }",
        i={"username": "newbie", "password": "a-brand-new-secret-42", "permissions": ["SEARCH"]})
    written = "\n".join(JsonFormatter().format(record) for record in caplog.records)
    assert written  # the flow did log
    for secret in (token, gql.token, DEFAULT_ADMIN_PASSWORD, "hunter2-not-the-password", "a-brand-new-secret-42"):
        assert secret not in written
