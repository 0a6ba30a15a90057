"""The fake hub itself: huggingface_hub's own download path works against it; reset, faults and latency."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from huggingface_hub import HfApi, hf_hub_download
from huggingface_hub.errors import GatedRepoError, RepositoryNotFoundError

from tests.fakehub import FakeHub
from tests.fakehub.seed import GATED_ID, MINILM_ID, TAGGED_ID, minilm_weight_path


def test_hf_hub_download_and_listing_work(fake_hub: FakeHub, tmp_path: Path) -> None:
    path = hf_hub_download(MINILM_ID, "1_Pooling/config.json", endpoint=fake_hub.hf_endpoint, cache_dir=tmp_path,
                           token=False)
    assert Path(path).read_bytes() == (minilm_weight_path().parent / "1_Pooling/config.json").read_bytes()
    api = HfApi(endpoint=fake_hub.hf_endpoint, token=False)
    assert "model.safetensors" in api.list_repo_files(MINILM_ID)
    assert [t.name for t in api.list_repo_refs(TAGGED_ID).tags] == ["v1.2.0", "2.0.0"]
    with pytest.raises(GatedRepoError):
        hf_hub_download(GATED_ID, "config.json", endpoint=fake_hub.hf_endpoint, cache_dir=tmp_path, token=False)
    with pytest.raises(RepositoryNotFoundError):
        api.model_info("nobody/nothing")


def test_reset_drops_added_repos_faults_and_log(fake_hub: FakeHub) -> None:
    fake_hub.add_model("fakehub/temporary", {"config.json": b"{}"})
    fake_hub.inject("temporary", status=500)
    fake_hub.latency = 0.01
    assert httpx.get(f"{fake_hub.hf_endpoint}/api/models/fakehub/temporary").status_code == 500
    fake_hub.reset()
    assert fake_hub.requests == [] and fake_hub.latency == 0
    assert httpx.get(f"{fake_hub.hf_endpoint}/api/models/fakehub/temporary").status_code == 404
    assert httpx.get(f"{fake_hub.hf_endpoint}/api/models/{MINILM_ID}").status_code == 200


def test_fault_times_and_method(fake_hub: FakeHub) -> None:
    fault = fake_hub.inject("/api/models/", status=503, times=2, method="GET")
    statuses = [httpx.get(f"{fake_hub.hf_endpoint}/api/models/{MINILM_ID}").status_code for _ in range(3)]
    assert statuses == [503, 503, 200] and fault.hits == 2
    assert [r.status for r in fake_hub.requests] == statuses


def test_concurrent_requests_are_all_served(fake_hub: FakeHub) -> None:
    fake_hub.latency = 0.2
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda _: httpx.get(f"{fake_hub.hf_endpoint}/api/models/{MINILM_ID}").status_code,
                                 range(8)))
    assert statuses == [200] * 8
    assert fake_hub.count(f"^/api/models/{MINILM_ID}$", method="GET") == 8


def test_github_pagination_links(fake_hub: FakeHub) -> None:
    first = httpx.get(f"{fake_hub.github_api_url}/repos/UKPLab/sentence-transformers/commits",
                      params={"per_page": 100})
    assert len(first.json()) == 100
    second = httpx.get(first.links["next"]["url"])
    assert len(second.json()) == 51 and "next" not in second.links


def test_a_held_request_waits_for_its_gate(fake_hub: FakeHub) -> None:
    gate = fake_hub.hold(f"^/api/models/{MINILM_ID}$")
    with ThreadPoolExecutor(max_workers=1) as pool:
        answer = pool.submit(httpx.get, f"{fake_hub.hf_endpoint}/api/models/{MINILM_ID}")
        while not fake_hub.requests:  # arrived ...
            threading.Event().wait(0.01)
        assert fake_hub.requests[0].status == 0 and not answer.done()  # ... and not answered
        gate.set()
        assert answer.result().status_code == 200


def test_a_repository_added_again_keeps_its_older_revisions(fake_hub: FakeHub) -> None:
    old = fake_hub.add_dataset("acme/pushed", {"a.csv": b"1"}, git_tags=["v1"])
    new = fake_hub.add_dataset("acme/pushed", {"a.csv": b"2"}, git_tags=["v2"])
    base = f"{fake_hub.hf_endpoint}/datasets/acme/pushed/resolve"
    assert httpx.get(f"{base}/{old.sha}/a.csv").content == b"1" and httpx.get(f"{base}/v1/a.csv").content == b"1"
    assert httpx.get(f"{base}/main/a.csv").content == b"2" and httpx.get(f"{base}/v2/a.csv").content == b"2"
    refs = httpx.get(f"{fake_hub.hf_endpoint}/api/datasets/acme/pushed/refs").json()["tags"]
    assert {tag["name"]: tag["targetCommit"] for tag in refs} == {"v2": new.sha, "v1": old.sha}
