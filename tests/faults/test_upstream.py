"""Hugging Face / GitHub slow or down under the registry server: ingests wait on their own bounded pool (reads keep
answering), excess ingests are refused at once with Retry-After, and a stopped hub is a prompt coded answer whose
retry succeeds once it is back."""
from __future__ import annotations

import threading
from typing import Any

import pytest

from tests.conftest import MINILM_DATASET
from tests.faults.harness import INGEST, RegistryServer, retried, timed
from tests.faults.test_crashes import assert_clean

pytestmark = pytest.mark.slow
HUB = "Hugging Face Hub (fake hub)"
BOUND = 30.0  # seconds a read may take while ingests wait on the hub (generous: shared, noisy machine)


def test_ingests_waiting_on_a_slow_hub_leave_reads_their_latency(fault_hub, tmp_path, disaster):
    server = RegistryServer(tmp_path / "data", fault_hub.hf_endpoint, fault_hub.github_api_url,
                            env={"REGISTRY_UPSTREAM_WORKERS": "4", "REGISTRY_UPSTREAM_QUEUE": "4",
                                 "REGISTRY_UPSTREAM_QUEUE_SECONDS": "2", "REGISTRY_UPSTREAM_TIMEOUT_SECONDS": "30"})
    fault_hub.inject("fakehub/tiny-reviews", delay=10.0)
    try:
        server.start()
        token = server.login()
        outcomes: list[dict[str, Any]] = []
        lock = threading.Lock()

        def ingest(number: int) -> None:
            payload = server.mutation(token, INGEST, "ingestArtifact",
                                      i={"type": "DATASET", "url": MINILM_DATASET, "name": f"slow-{number}"})
            with lock:
                outcomes.append(payload)

        ingests = [threading.Thread(target=ingest, args=(n,)) for n in range(45)]
        for thread in ingests:
            thread.start()
        with server.client() as http:
            reads = [timed(lambda: http.get("/artifacts/dataset/none-such",
                                            headers={"X-Authorization": f"bearer {token}"})) for _ in range(5)]
        for thread in ingests:
            thread.join(120)
    finally:
        server.kill()
    assert all(answer.status_code == 404 and seconds < BOUND for answer, seconds in reads)
    busy = [o for o in outcomes if o["errors"]]
    assert {e["code"] for o in busy for e in o["errors"]} == {"UPSTREAM_BUSY"}
    assert all(o["errors"][0]["details"]["retry_after_seconds"] >= 1 for o in busy)
    assert 1 <= len(outcomes) - len(busy) <= 8  # at most the workers plus the queue got to wait on the hub
    disaster("hub-slow", component=HUB, failure="answers every request after 10 s, under 45 concurrent ingests",
             user_sees="reads keep answering at once; ingests beyond the upstream pool (workers + queue) answer "
                       "UPSTREAM_BUSY with Retry-After at once, the others complete when the hub answers",
             recovery="nothing to recover: the bulkhead keeps the hub's slowness in the ingests")


def test_a_stopped_hub_is_a_prompt_upstream_error_and_its_retry_succeeds_once_back(local_server, fault_hub, disaster):
    local_server.start()
    token = local_server.login()
    port = fault_hub.port
    fault_hub.stop()
    payload, seconds = timed(lambda: local_server.mutation(token, INGEST, "ingestArtifact",
                                                           i={"type": "DATASET", "url": MINILM_DATASET}))
    fault_hub.start(port)
    assert [e["code"] for e in payload["errors"]] == ["UPSTREAM_ERROR"] and seconds < BOUND
    done = retried(lambda: local_server.mutation(token, INGEST, "ingestArtifact",
                                                 i={"type": "DATASET", "url": MINILM_DATASET}))
    assert done["artifact"]["name"] == "tiny-reviews"
    assert_clean(local_server)
    disaster("hub-stopped", component=HUB, failure="stopped (connections refused)",
             user_sees="ingests answer UPSTREAM_ERROR (REST: 502) within the upstream timeout; nothing is stored",
             recovery="the hub back: the same ingest succeeds")
