"""The course's performance workload, run through the product on each storage component (issue 15).

For each backend — the embedded store (SQLite + files) and the AWS backend (DynamoDB on moto's server, S3 on
SeaweedFS, both local, as tests/servers.py starts them) — a fresh registry is started with that backend selected by
configuration (REGISTRY_BACKEND and the AWS endpoints), Tiny-LLM is served by the fake hub with its real file list
and sizes, and the workload is started as an admin would from the dashboard (GraphQL `startPerformanceWorkload`):
`--models` distinct models registered, then `--clients` clients downloading Tiny-LLM at once. On AWS each download is
a 307 to a presigned SeaweedFS URL, so the bytes bypass the API, as in production. Its figures (throughput, mean,
median and p99 latency of one download) and the time each phase took are printed side by side.

The registry and its load generator (a child process) share both cores here, as do SeaweedFS and moto: the
comparison is of the whole system on one machine, not of one component in isolation. Prints figures; asserts
nothing.

Usage: .venv/bin/python bench/workload.py [--models 500] [--clients 100] [--backends local,aws]
"""
from __future__ import annotations

import argparse
import contextlib
import logging
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness.servers import login, registry_server  # noqa: E402

START = """mutation($input: StartPerformanceWorkloadInput!) { startPerformanceWorkload(input: $input) {
  run { id } errors { code message } } }"""
PROGRESS = """{ performanceWorkload { phase done total error packageBytes
  results { clients succeeded failed bytes seconds throughputBytesPerSecond meanSeconds medianSeconds
            p99Seconds } } }"""


@contextlib.contextmanager
def aws_backend() -> Iterator[dict[str, str]]:
    """moto's DynamoDB and SeaweedFS's S3 on 127.0.0.1, the table and bucket made; the server's environment."""
    from store.dynamo import DynamoMetadataStore
    from store.s3 import S3BlobStore
    from tests.servers import REGION, TEST_ACCESS_KEY, TEST_SECRET_KEY, moto_server, seaweedfs

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's server logs every request; the figures matter
    with moto_server() as dynamo_url, seaweedfs() as s3:
        import boto3

        dynamodb = boto3.client("dynamodb", endpoint_url=dynamo_url, region_name=REGION,
                                aws_access_key_id=TEST_ACCESS_KEY, aws_secret_access_key=TEST_SECRET_KEY)
        DynamoMetadataStore(dynamodb, "bench").ensure_tables()
        S3BlobStore(s3.client(), "bench-artifacts").ensure_bucket()
        yield {"REGISTRY_BACKEND": "aws", "AWS_ENDPOINT_URL_DYNAMODB": dynamo_url, "AWS_ENDPOINT_URL_S3": s3.url,
               "AWS_ACCESS_KEY_ID": TEST_ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": TEST_SECRET_KEY, "AWS_REGION": REGION,
               "REGISTRY_S3_BUCKET": "bench-artifacts", "REGISTRY_DYNAMODB_TABLE_PREFIX": "bench"}


def run_workload(url: str, models: int, clients: int) -> dict[str, Any]:
    """Start the workload as the admin and poll it to its end; its last state with the phases' durations."""
    headers = {"X-Authorization": f"bearer {login(url)}"}
    with httpx.Client(base_url=url, headers=headers, timeout=60) as http:
        started = http.post("/graphql", json={"query": START, "variables": {
            "input": {"models": models, "clients": clients, "maxSeconds": 600}}}).json()
        errors = started["data"]["startPerformanceWorkload"]["errors"]
        if errors:
            raise SystemExit(f"the workload did not start: {errors}")
        phases: dict[str, float] = {}
        began = time.perf_counter()
        while True:
            run = http.post("/graphql", json={"query": PROGRESS}).json()["data"]["performanceWorkload"]
            phases.setdefault(run["phase"], time.perf_counter() - began)
            if run["phase"] in ("DONE", "FAILED"):
                run["phase_started"] = phases
                return dict(run)
            time.sleep(0.5)


def describe(label: str, run: dict[str, Any]) -> str:
    if run["phase"] != "DONE":
        return f"  {label:6s} FAILED: {run['error']}"
    r, starts = run["results"], run["phase_started"]
    seeding = starts.get("PREPARING", 0.0) - starts.get("SEEDING", 0.0)
    preparing = starts.get("DOWNLOADING", 0.0) - starts.get("PREPARING", 0.0)
    return (f"  {label:6s} {r['throughputBytesPerSecond'] / 1e6:8.1f} MB/s | latency mean {r['meanSeconds']:6.2f} s, "
            f"median {r['medianSeconds']:6.2f} s, p99 {r['p99Seconds']:6.2f} s | {r['succeeded']}/{r['clients']} ok "
            f"| seeding {seeding:5.1f} s, Tiny-LLM registered+mirrored {preparing:5.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--models", type=int, default=500)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--backends", default="local,aws")
    args = parser.parse_args()
    from tests.fakehub.seed import seed
    from tests.fakehub.server import FakeHub
    from tests.fakehub.tiny_llm import add_tiny_llm

    fake = FakeHub()
    seed(fake)
    add_tiny_llm(fake)
    fake.start()
    results: dict[str, dict[str, Any]] = {}
    try:
        for backend in args.backends.split(","):
            with tempfile.TemporaryDirectory() as data_dir, \
                    (aws_backend() if backend == "aws" else contextlib.nullcontext({})) as env, \
                    registry_server(data_dir, core="0,1", env=env, hf_endpoint=fake.hf_endpoint,
                                    github_api_url=fake.github_api_url) as server:
                results[backend] = run_workload(server.url, args.models, args.clients)
    finally:
        fake.stop()
    size = next((r["packageBytes"] for r in results.values() if r.get("packageBytes")), 0)
    print(f"performance workload: {args.models} models + Tiny-LLM ({size / 1e6:.1f} MB package), {args.clients} "
          "clients downloading it at once, per storage backend (registry and load generator share 2 cores):")
    for backend, run in results.items():
        print(describe(backend, run))


if __name__ == "__main__":
    main()
