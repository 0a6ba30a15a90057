"""Liveness and component health, over GET /health and the health query."""


def test_get_health_is_public(client):
    response = client.get("/health")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_health_query_reports_components_and_counts(client, gql):
    for _ in range(3):
        client.get("/health")
    health = gql("{ health { status requests errors windowMinutes components { id status latencyMs } } }")
    data = health["data"]["health"]
    assert data["status"] == "ok"
    assert {c["id"] for c in data["components"]} >= {"metadata-store", "blob-store"}
    assert all(c["status"] == "ok" for c in data["components"])
    assert data["requests"] >= 4 and data["errors"] == 0 and data["windowMinutes"] == 60


def test_health_window_is_bounded(gql):
    result = gql("{ health(windowMinutes: 2) { status } }")
    assert result["errors"][0]["extensions"]["code"] == "INVALID_INPUT"


def test_a_failing_store_shows_as_degraded(app, gql, monkeypatch):
    def down():
        raise ConnectionError("blob store unreachable")

    monkeypatch.setattr(app.state.registry.blobs, "ping", down)
    data = gql("{ health { status components { id status detail } } }")["data"]["health"]
    assert data["status"] == "degraded"
    blob = next(c for c in data["components"] if c["id"] == "blob-store")
    assert blob["status"] == "critical" and "unreachable" in blob["detail"]


def test_request_counter_windows():
    from registry.health import Outcome, RequestCounter

    counter = RequestCounter()
    counter.record(Outcome.OK, now=60 * 100)
    counter.record(Outcome.SERVER_ERROR, now=60 * 100 + 5)
    counter.record(Outcome.CLIENT_ERROR, now=60 * 100 + 6)
    counter.record(Outcome.OK, now=60 * 200)
    assert counter.totals(60, now=60 * 200) == (1, 0, 0)
    assert counter.totals(1440, now=60 * 200) == (4, 1, 1)


def test_upstreams_are_probed_and_cached(gql, fake_hub):
    query = "{ health { status components { id status } } }"
    data = gql(query)["data"]["health"]
    statuses = {c["id"]: c["status"] for c in data["components"]}
    assert statuses["huggingface-hub"] == "ok" and statuses["github-api"] == "ok"
    probes = len(fake_hub.requests)
    gql(query)
    assert len(fake_hub.requests) == probes  # within the cache's lifetime no new upstream traffic


def test_an_unreachable_hub_degrades_health(tmp_path, settings):
    from fastapi.testclient import TestClient

    from app.factory import create_app
    from tests.conftest import GraphQL

    offline = settings.model_copy(update={"hf_endpoint": "http://127.0.0.1:9", "upstream_timeout_seconds": 1})
    with TestClient(create_app(offline)) as client:
        caller = GraphQL(client)
        caller = caller.as_user(caller.login("ece30861defaultadminuser", settings.admin_password))
        data = caller("{ health { status components { id status detail } } }")["data"]["health"]
    hub = next(c for c in data["components"] if c["id"] == "huggingface-hub")
    assert data["status"] == "degraded" and hub["status"] == "critical" and "reach" in hub["detail"]
