"""The performance workload through GraphQL on a real server (its load generator is another process reaching the
server over HTTP): admins only, one run at a time, caps, progress, and figures that add up."""
from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from app.factory import create_app
from registry.settings import DEFAULT_ADMIN_PASSWORD, DEFAULT_ADMIN_USERNAME
from registry.workload import Results, burst
from tests.fakehub.tiny_llm import TINY_LLM_ID, add_tiny_llm
from tests.servers import free_port, uvicorn_server

LOGIN = "mutation($u: String!, $p: String!) { authenticate(input: {username: $u, password: $p}) { token } }"
START = """mutation($input: StartPerformanceWorkloadInput!) { startPerformanceWorkload(input: $input) {
  run { id phase models clients } errors { code message } } }"""
PROGRESS = """{ performanceWorkload { phase done total backend artifactId packageBytes error
  results { clients succeeded failed bytes seconds throughputBytesPerSecond meanSeconds medianSeconds p99Seconds
            latenciesSeconds } } }"""


@pytest.fixture
def server(settings, fake_hub):
    add_tiny_llm(fake_hub)
    port = free_port()
    public = settings.model_copy(update={"public_url": f"http://127.0.0.1:{port}"})  # where the clients go
    with uvicorn_server(create_app(public), port) as url:
        yield url


def graphql(url: str, query: str, token: str | None = None, **variables) -> dict:
    headers = {"X-Authorization": f"bearer {token}"} if token else {}
    answer = httpx.post(f"{url}/graphql", json={"query": query, "variables": variables}, headers=headers, timeout=60)
    return answer.json()


def admin_token(url: str) -> str:
    return graphql(url, LOGIN, u=DEFAULT_ADMIN_USERNAME, p=DEFAULT_ADMIN_PASSWORD)["data"]["authenticate"]["token"]


def wait_for_end(url: str, token: str, timeout: float = 240) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = graphql(url, PROGRESS, token)["data"]["performanceWorkload"]
        if run["phase"] in ("DONE", "FAILED"):
            return run
        time.sleep(0.5)
    raise AssertionError("the workload did not finish")


@pytest.mark.slow
def test_an_admin_runs_the_workload_and_reads_its_figures(server):
    token = admin_token(server)
    assert graphql(server, PROGRESS, token)["data"]["performanceWorkload"] is None

    started = graphql(server, START, token, input={"models": 5, "clients": 4, "maxSeconds": 120})
    run = started["data"]["startPerformanceWorkload"]
    assert run["errors"] == [] and run["run"]["models"] == 5 and run["run"]["clients"] == 4
    again = graphql(server, START, token, input={"models": 1, "clients": 1})["data"]["startPerformanceWorkload"]
    assert [e["code"] for e in again["errors"]] == ["CONFLICT"]

    done = wait_for_end(server, token)
    assert done["phase"] == "DONE", done["error"]
    results = done["results"]
    assert (results["clients"], results["succeeded"], results["failed"]) == (4, 4, 0), done["error"]
    assert results["bytes"] == 4 * done["packageBytes"] > 28_000_000  # Tiny-LLM's files, zipped
    assert len(results["latenciesSeconds"]) == 4 and results["latenciesSeconds"] == sorted(results["latenciesSeconds"])
    assert results["p99Seconds"] == results["latenciesSeconds"][-1]
    assert results["throughputBytesPerSecond"] == pytest.approx(results["bytes"] / results["seconds"])
    assert done["backend"] == "local"

    names = graphql(server, '{ artifactsByName(name: "workload/model-004") { edges { node { name } } } }', token)
    assert len(names["data"]["artifactsByName"]["edges"]) == 1
    tiny = graphql(server, 'query($id: String!) { artifact(id: $id) { name } }', token, id=done["artifactId"])
    assert TINY_LLM_ID.endswith(tiny["data"]["artifact"]["name"])

    graphql(server, START, token, input={"models": 5, "clients": 2})  # a second run reuses what the first made
    assert wait_for_end(server, token)["phase"] == "DONE"
    again = graphql(server, '{ artifactsByName(name: "workload/model-004") { edges { node { name } } } }', token)
    assert len(again["data"]["artifactsByName"]["edges"]) == 1


def test_only_admins_start_or_read_it_and_budgets_are_capped(server):
    token = admin_token(server)
    over = graphql(server, START, token, input={"clients": 10_000})["data"]["startPerformanceWorkload"]
    assert [e["code"] for e in over["errors"]] == ["INVALID_INPUT"] and over["run"] is None
    graphql(server, """mutation { registerUser(input: {username: "reader", password: "quartz lantern meadow 42 v!",
                        permissions: [SEARCH]}) { errors { code } } }""", token)
    reader = graphql(server, LOGIN, u="reader", p="quartz lantern meadow 42 v!")["data"]["authenticate"]["token"]
    refused = graphql(server, START, reader, input={"clients": 1})["data"]["startPerformanceWorkload"]
    assert [e["code"] for e in refused["errors"]] == ["PERMISSION_DENIED"]
    assert graphql(server, PROGRESS, reader)["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"


def test_a_failed_preparation_is_reported(server, fake_hub):
    fake_hub.inject(r"Tiny-LLM", status=500)
    token = admin_token(server)
    graphql(server, START, token, input={"models": 0, "clients": 1, "maxSeconds": 30})
    failed = wait_for_end(server, token)
    assert failed["phase"] == "FAILED" and failed["error"] and failed["results"] is None


def test_the_p99_is_the_nearest_rank():
    latencies = [float(n) for n in range(1, 101)]
    assert Results(100, 100, 0, 0, 1.0, latencies).p99 == 99.0
    assert Results(3, 3, 0, 0, 1.0, [1.0, 2.0, 3.0]).p99 == 3.0
    assert Results(0, 0, 0, 0, 0.0, []).p99 == 0.0 and Results(0, 0, 0, 0, 0.0, []).throughput == 0.0


@pytest.fixture
def little_server():
    """Answers /blob with 1 MB, /moved with a 307 to /blob (no token may follow), /missing with 404."""
    from starlette.applications import Starlette
    from starlette.responses import RedirectResponse, Response
    from starlette.routing import Route

    def blob(request):
        assert "x-authorization" not in request.headers  # the token is not sent to a presigned URL
        return Response(b"x" * 1_000_000)

    def moved(request):
        return RedirectResponse(f"{request.base_url}blob", status_code=307)

    app = Starlette(routes=[Route("/blob", blob), Route("/moved", moved),
                            Route("/missing", lambda request: Response(status_code=404))])
    with uvicorn_server(app) as url:
        yield url


def test_the_load_generator_follows_redirects_and_reports_failures(little_server):
    good = asyncio.run(burst(f"{little_server}/moved", "secret", 3, 30))
    assert (len(good["latencies"]), good["failed"], good["bytes"]) == (3, 0, 3_000_000)
    bad = asyncio.run(burst(f"{little_server}/missing", "secret", 2, 30))
    assert bad["failed"] == 2 and bad["errors"] == [f"RuntimeError: status 404 from {little_server[7:]}"]
