"""Rating benchmark (issue 3). Prints figures; asserts nothing.

Against the fake hub + GitHub with an injected latency per request (default 100 ms), rating the real
all-MiniLM-L6-v2 with its code repository and a dataset:

- requests per rating (among them the hub reads of who maintains the model: its commits, its namespace's
  overview, the legacy-alias check), and the wall time of one rating against the longest chain of dependent
  requests (model info -> model card/config -> dataset info -> dataset card: 4 requests; the people reads start
  with the model and the alias check with the card, so they add no link), the target being <= 1.5x;
- the latency the rating reports for bus_factor (the wait for its slowest source plus its computation), which a
  person could time too;
- the "effective depth": (wall time with latency - wall time without) / latency, i.e. how many request
  latencies one rating really waits for;
- the throughput of 20 ratings at once;
- the preview's end-to-end time: a `previewRating` GraphQL query through the whole app (pipeline, use case,
  gather, rate, gate policy read from the store), against the same chain.

Run: .venv/bin/python bench/rating.py [--latency 0.1] [--parallel 20]
"""
from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness.servers import quiet_request_logs  # noqa: E402
from scoring.gather import gather_evidence  # noqa: E402
from scoring.rating import Rating, rate  # noqa: E402
from scoring.sources.github import GitHubSource  # noqa: E402
from scoring.sources.hub import HubSource  # noqa: E402
from scoring.sources.url import parse_source_url  # noqa: E402
from tests.fakehub.fixture import shared_fake_hub  # noqa: E402
from tests.fakehub.seed import DATASET_ID, MINILM_GITHUB, MINILM_ID  # noqa: E402
from tests.fakehub.server import FakeHub  # noqa: E402

LONGEST_CHAIN = 4  # model info -> README/config (parallel) -> dataset info -> dataset README (parallel)
MODEL_REF = parse_source_url(f"https://huggingface.co/{MINILM_ID}")
CODE_URL = f"https://github.com/{MINILM_GITHUB}"
DATASET_URL = f"https://huggingface.co/datasets/{DATASET_ID}"
PEOPLE_READS = "/commits/|^/api/organizations/|^/api/models/all-MiniLM-L6-v2$"


def rate_once(hub: HubSource, github: GitHubSource) -> Rating:
    evidence = gather_evidence(MODEL_REF, hub, github, code_url=CODE_URL, dataset_urls=[DATASET_URL])
    return rate(evidence)


def timed_rating(fake: FakeHub, hub: HubSource, github: GitHubSource, latency: float) -> tuple[float, Rating]:
    fake.latency = latency
    fake.clear_log()
    started = time.perf_counter()
    rating = rate_once(hub, github)
    return time.perf_counter() - started, rating


def timed_preview(fake: FakeHub, latency: float) -> float:
    """Seconds of one previewRating query through the app on an embedded store (warm: logged in, one before)."""
    import tempfile

    from fastapi.testclient import TestClient

    from app.factory import create_app
    from registry.settings import Settings

    query = ("query($i: PreviewRatingInput!) { previewRating(input: $i) { admitted rating { netScore } } }")
    variables = {"i": {"url": f"https://huggingface.co/{MINILM_ID}", "codeUrl": CODE_URL, "datasetUrls": [DATASET_URL]}}
    with tempfile.TemporaryDirectory() as data:
        settings = Settings(environment="test", data_dir=Path(data), hf_endpoint=fake.hf_endpoint,
                            github_api_url=fake.github_api_url, upstream_retries=0)
        app = create_app(settings)
        quiet_request_logs()
        with TestClient(app) as client:
            login = client.post("/graphql", json={"query": "mutation($i: AuthenticateInput!) { authenticate(input: $i)"
                                                           " { token } }",
                                                  "variables": {"i": {"username": settings.admin_username,
                                                                      "password": settings.admin_password}}})
            headers = {"X-Authorization": f"bearer {login.json()['data']['authenticate']['token']}"}
            fake.latency = 0.0
            client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
            fake.latency = latency
            started = time.perf_counter()
            answer = client.post("/graphql", json={"query": query, "variables": variables}, headers=headers).json()
            elapsed = time.perf_counter() - started
            assert answer["data"]["previewRating"]["rating"]["netScore"] > 0, answer
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latency", type=float, default=0.1, help="seconds added to every upstream request")
    parser.add_argument("--parallel", type=int, default=20, help="ratings run at once for the throughput figure")
    args = parser.parse_args()
    fake = shared_fake_hub()
    hub = HubSource(fake.hf_endpoint, None, timeout=30, retries=0, backoff=0)
    github = GitHubSource(fake.github_api_url, None, timeout=30, retries=0, backoff=0, max_workers=16)
    try:
        timed_rating(fake, hub, github, 0.0)  # warm up clients and imports
        base, _ = timed_rating(fake, hub, github, 0.0)
        wall, rating = timed_rating(fake, hub, github, args.latency)
        requests = len(fake.requests)
        people = fake.count(PEOPLE_READS)
        chain = LONGEST_CHAIN * args.latency
        print(f"requests per rating:        {requests} ({people} of them hub reads of who maintains the model)")
        print(f"one rating, no latency:     {base * 1000:.0f} ms")
        print(f"one rating, {args.latency * 1000:.0f} ms/request: {wall * 1000:.0f} ms "
              f"(sum of all requests would be {requests * args.latency * 1000:.0f} ms)")
        print(f"longest dependent chain:    {LONGEST_CHAIN} requests = {chain * 1000:.0f} ms; "
              f"rating / chain = {wall / chain:.2f} (target <= 1.50)")
        print(f"effective depth:            {(wall - base) / args.latency:.1f} request latencies")
        print(f"reported latencies:         bus_factor {rating.bus_factor.latency_seconds * 1000:.0f} ms, "
              f"reviewedness {rating.reviewedness.latency_seconds * 1000:.0f} ms, "
              f"net_score {rating.net_score_latency * 1000:.0f} ms")
        fake.latency = args.latency
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.parallel) as pool:
            list(pool.map(lambda _: rate_once(hub, github), range(args.parallel)))
        elapsed = time.perf_counter() - started
        print(f"{args.parallel} ratings at once:       {elapsed * 1000:.0f} ms wall, "
              f"{args.parallel / elapsed:.1f} ratings/s")
        preview = timed_preview(fake, args.latency)
        print(f"previewRating end to end:   {preview * 1000:.0f} ms through GraphQL; / chain = {preview / chain:.2f}")
    finally:
        fake.stop()


if __name__ == "__main__":
    main()
