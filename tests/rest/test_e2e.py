"""A grading client's whole session over real HTTP: uvicorn on 127.0.0.1 in a thread, the fake hub upstream.

reset, authenticate, ingest models, datasets and code concurrently, query by name / regex / "*" (paged), read,
rate concurrently, cost, lineage, license check, delete, reset.  Every response is checked against the spec.
"""
from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from app.factory import create_app
from tests.rest.conftest import CODE_URL, DATASET_URL, add_linked_model, login
from tests.fakehub.seed import NO_CARD_ID
from tests.rest.spec import SpecClient
from tests.servers import free_port, uvicorn_server

pytestmark = pytest.mark.slow


@pytest.fixture
def server(settings) -> Iterator[str]:
    port = free_port()
    app = create_app(settings.model_copy(update={"public_url": f"http://127.0.0.1:{port}", "max_page_size": 5}))
    with uvicorn_server(app, port) as url:
        yield url


@pytest.fixture
def upstream(fake_hub) -> dict[str, list[str]]:
    """What the session ingests: three models that pass the gate (one fine-tuned from another), three datasets,
    two code repositories."""
    models = [add_linked_model(fake_hub, f"acme/e2e-model-{i}") for i in range(2)]
    models.append(add_linked_model(fake_hub, "acme/e2e-tuned", base_model="acme/e2e-model-0"))
    for i in range(2):
        fake_hub.add_dataset(f"acme/e2e-set-{i}", {"data.csv": b"text,label\n"}, card=f"# E2E set {i}\n")
    fake_hub.add_github_repo("acme/e2e-tools", {"tool.py": b"print('hi')\n"}, readme="# E2E tools\n",
                             license="MIT")
    return {"model": models,
            "dataset": [DATASET_URL, *(f"https://huggingface.co/datasets/acme/e2e-set-{i}" for i in range(2))],
            "code": [CODE_URL, "https://github.com/acme/e2e-tools"]}


def in_parallel(server: str, token: str, calls: list[tuple[str, str, dict]]) -> list[httpx.Response]:
    """Each call on its own connection, all at once."""

    def send(call: tuple[str, str, dict]) -> httpx.Response:
        method, url, kwargs = call
        with httpx.Client(base_url=server, timeout=60) as http:
            return SpecClient(http, token).request(method, url, **kwargs)

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(send, calls))


def every_page(api: SpecClient, queries: list[dict]) -> list[dict]:
    found, offset = [], None
    while True:
        response = api.post("/artifacts", json=queries, params={"offset": offset} if offset else {})
        assert response.status_code == 200, response.text
        found += response.json()
        offset = response.headers.get("offset")
        if offset is None:
            return found


def test_a_grading_session(server, upstream):
    with httpx.Client(base_url=server, timeout=60) as http:
        api = SpecClient(http, login(http))
        assert api.delete("/reset").status_code == 200
        api = SpecClient(http, login(http))
        assert api.get("/health").status_code == 200
        assert "Access control track" in api.get("/tracks").json()["plannedTracks"]

        calls = [("POST", f"/artifact/{kind}", {"json": {"url": url}}) for kind, urls in upstream.items()
                 for url in urls]
        created = in_parallel(server, api.token, calls)
        assert [r.status_code for r in created] == [201] * len(calls), [r.text for r in created if r.is_error]
        ids = {r.json()["metadata"]["name"]: r.json()["metadata"]["id"] for r in created}
        assert len(set(ids.values())) == len(calls) == 8
        assert all(r.json()["data"]["download_url"].startswith(f"{server}/download/{r.json()['metadata']['id']}?")
                   for r in created)
        assert api.post("/artifact/model", json={"url": f"https://huggingface.co/{NO_CARD_ID}"}).status_code == 424
        assert api.post("/artifact/code", json={"url": CODE_URL}).status_code == 409

        everything = every_page(api, [{"name": "*"}])
        assert sorted(a["id"] for a in everything) == sorted(ids.values())
        assert len(api.post("/artifacts", json=[{"name": "*"}]).json()) == 5  # the page size
        models = every_page(api, [{"name": "*", "types": ["model"]}])
        assert sorted(a["name"] for a in models) == ["e2e-model-0", "e2e-model-1", "e2e-tuned"]
        assert api.get("/artifact/byName/tiny-reviews").json() == [
            {"name": "tiny-reviews", "id": ids["tiny-reviews"], "type": "dataset"}]
        assert sorted(a["name"] for a in api.post("/artifact/byRegEx", json={"regex": "e2e-set-[0-9]"}).json()) == [
            "e2e-set-0", "e2e-set-1"]
        assert api.post("/artifact/byRegEx", json={"regex": "(?i)e2e tools"}).json()[0]["name"] == "e2e-tools"
        for response in created:
            metadata = response.json()["metadata"]
            read = api.get(f"/artifacts/{metadata['type']}/{metadata['id']}").json()
            assert read["metadata"] == metadata and read["data"]["url"] == response.json()["data"]["url"]

        model_ids = [ids["e2e-model-0"], ids["e2e-model-1"], ids["e2e-tuned"]]
        ratings = in_parallel(server, api.token, [("GET", f"/artifact/model/{i}/rate", {}) for i in model_ids * 3])
        assert [r.status_code for r in ratings] == [200] * 9
        assert all(r.json()["net_score"] >= 0.5 and len(r.json()) == 26 for r in ratings)

        cost = api.get(f"/artifact/model/{ids['e2e-tuned']}/cost", params={"dependency": "true"}).json()
        assert {ids["e2e-tuned"], ids["e2e-model-0"], ids["tiny-reviews"], ids["sentence-transformers"]} <= set(cost)
        assert cost[ids["e2e-tuned"]]["total_cost"] > cost[ids["e2e-model-0"]]["total_cost"] > 90

        lineage = api.get(f"/artifact/model/{ids['e2e-tuned']}/lineage").json()
        edges = {(e["from_node_artifact_id"], e["to_node_artifact_id"]) for e in lineage["edges"]}
        assert (ids["e2e-model-0"], ids["e2e-tuned"]) in edges
        assert ids["e2e-tuned"] in {n["artifact_id"] for n in lineage["nodes"]}

        check = api.post(f"/artifact/model/{ids['e2e-model-1']}/license-check", json={"github_url": CODE_URL})
        assert check.json() is True

        assert api.delete(f"/artifacts/dataset/{ids['e2e-set-0']}").status_code == 200
        assert api.get(f"/artifacts/dataset/{ids['e2e-set-0']}").status_code == 404
        assert len(every_page(api, [{"name": "*"}])) == 7

        trail = api.get(f"/artifact/model/{ids['e2e-model-0']}/audit").json()
        assert [e["action"] for e in trail] == ["CREATE", "RATE", "RATE", "RATE"]

        assert api.delete("/reset").status_code == 200
        api = SpecClient(http, login(http))
        assert api.post("/artifacts", json=[{"name": "*"}]).json() == []
