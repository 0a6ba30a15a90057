"""The request path at its floor (issue 15): requests per second of the registry beside its own floor, side by side.

- GraphQL `{ artifact(id) { name } }` (authenticated: the caller's token is checked and one use counted) as a
  ratio to `{ __typename }` (no auth, no store) on the same server (goal >= 0.7);
- REST `GET /artifacts/model/{id}` (authenticated) as a ratio to a bare FastAPI app answering the same JSON bytes
  from a dict (goal >= 0.6).

Design: each server runs in its own process pinned to core 0 (taskset) with the production serving options
(app/serve.py); wrk runs on core 1 with one thread and `--connections` keep-alive connections. After one
discarded warm-up run per side, the four sides run in interleaved rounds of `--seconds` each (a noisy neighbour
slows every side alike); each figure is the median over the rounds, with the spread (min-max) beside it.
Prints figures; asserts nothing. Needs wrk (Debian package): skips with a reason without it.

Usage: .venv/bin/python bench/request_path.py [--rounds 5] [--seconds 3] [--connections 32]
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import profile, wrk  # noqa: E402
from bench.harness.servers import SERVER_CORE, TWO_CORES, free_port, login, pinned, process, \
    registry_server  # noqa: E402

BARE_SERVER = """
import json, sys
import uvicorn
from fastapi import FastAPI
from fastapi.responses import Response
from app.serve import server_options
body = sys.argv[2].encode()
app = FastAPI()

@app.get("/artifacts/{artifact_type}/{artifact_id}")
async def artifact(artifact_type: str, artifact_id: str) -> Response:
    return Response(body, media_type="application/json")

uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False, **server_options())
"""


def measure(label: str, run: Callable[[], wrk.WrkResult], results: dict[str, list[wrk.WrkResult]]) -> None:
    results.setdefault(label, []).append(run())


def summary(results: list[wrk.WrkResult]) -> str:
    rates = [r.requests_per_second for r in results]
    p99 = statistics.median(r.p99_ms for r in results)
    return (f"{statistics.median(rates):8.0f} req/s (rounds {min(rates):.0f}-{max(rates):.0f}), "
            f"p99 {p99:.1f} ms, errors {sum(r.errors for r in results)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--token-block", type=int, help="token uses reserved at once (1: a store write per "
                        "request, as Lambda does); default: the embedded store's 64")
    parser.add_argument("--profile", action="store_true", help="also sample the server with py-spy under the "
                        "artifact query's and the REST GET's load, and print where the time goes")
    args = parser.parse_args()
    if not wrk.available():
        print("request path: skipped (wrk is not installed: apt-get install wrk)")
        return
    with tempfile.TemporaryDirectory() as data_dir:
        artifact_id = store_artifact(data_dir)
        block = {} if args.token_block is None else {"token_reservation_block": str(args.token_block)}
        with registry_server(data_dir, **block) as server:
            base = server.url
            token = login(base)
            headers = {"X-Authorization": f"bearer {token}"}
            rest_url = f"{base}/artifacts/model/{artifact_id}"
            answer = httpx.get(rest_url, headers=headers, timeout=30)
            answer.raise_for_status()
            port = free_port()
            bare = pinned([sys.executable, "-c", BARE_SERVER, str(port), answer.text], SERVER_CORE)
            with process(bare, f"http://127.0.0.1:{port}/artifacts/model/x"):
                bare_url = f"http://127.0.0.1:{port}/artifacts/model/{artifact_id}"
                assert httpx.get(bare_url).content == answer.content
                sides: dict[str, Callable[[], wrk.WrkResult]] = {
                    "graphql {__typename}": lambda: wrk.run(f"{base}/graphql", args.seconds, args.connections,
                                                            "POST", {"query": "{ __typename }"}),
                    "graphql artifact(id){name}": lambda: wrk.run(
                        f"{base}/graphql", args.seconds, args.connections, "POST",
                        {"query": "query($id: String!) { artifact(id: $id) { name } }",
                         "variables": {"id": artifact_id}}, headers),
                    "REST GET /artifacts/model/{id}": lambda: wrk.run(rest_url, args.seconds, args.connections,
                                                                      headers=headers),
                    "bare FastAPI GET (same JSON)": lambda: wrk.run(bare_url, args.seconds, args.connections),
                }
                check_answers(base, artifact_id, headers)
                for run in sides.values():  # warm-up, discarded
                    run()
                results: dict[str, list[wrk.WrkResult]] = {}
                for _ in range(args.rounds):
                    for label, run in sides.items():
                        measure(label, run, results)
                profiles = {label: sampled(server.pid, sides[label], args.seconds)
                            for label in ("graphql artifact(id){name}", "REST GET /artifacts/model/{id}")
                            if args.profile}
    cores = "server on core 0, wrk on core 1" if TWO_CORES else "ONE core shared by server and wrk"
    block_note = "" if args.token_block is None else f", token block {args.token_block}"
    print(f"request path ({cores}; {args.rounds} interleaved rounds of {args.seconds:.0f} s, "
          f"{args.connections} connections{block_note}, medians):")
    for label, runs in results.items():
        print(f"  {label:32s} {summary(runs)}")
    rate = {label: statistics.median(r.requests_per_second for r in runs) for label, runs in results.items()}
    print(f"  -> artifact / typename {rate['graphql artifact(id){name}'] / rate['graphql {__typename}']:.2f} "
          f"(goal >= 0.7); REST / bare FastAPI "
          f"{rate['REST GET /artifacts/model/{id}'] / rate['bare FastAPI GET (same JSON)']:.2f} (goal >= 0.6)")
    for label, sample in profiles.items():
        if sample is None:
            print(f"  profile of {label}: skipped (py-spy missing or not allowed to attach)")
            continue
        print(f"  py-spy under {label} load ({sample.samples} samples, {100 * sample.idle / sample.samples:.0f}% "
              "of them waiting; shares of the busy ones):")
        for line in sample.lines(top=14):
            print(f"    {line}")


def sampled(pid: int, run: Callable[[], wrk.WrkResult], seconds: float) -> profile.Profile | None:
    """py-spy samples `pid` while `run` loads it."""
    with ThreadPoolExecutor(1) as pool:
        load = pool.submit(run)
        result = profile.record(pid, max(1.0, seconds - 1))
        load.result()
    return result


def check_answers(base: str, artifact_id: str, headers: dict[str, str]) -> None:
    """Every side answers what it should (a benchmark of error pages would measure nothing)."""
    answer = httpx.post(f"{base}/graphql", headers=headers, json={
        "query": "query($id: String!) { artifact(id: $id) { name } }", "variables": {"id": artifact_id}}).json()
    if answer.get("errors") or answer["data"]["artifact"]["name"] != "bench-model":
        raise SystemExit(f"unexpected answer: {json.dumps(answer)[:300]}")


def store_artifact(data_dir: str) -> str:
    """A ready model with a 1 KB README, written to the store the server will open."""
    from registry.model import Artifact, ArtifactType
    from store.sqlite import SqliteMetadataStore

    store = SqliteMetadataStore(Path(data_dir) / "registry.sqlite3")
    artifact = Artifact(id="bench-model-0001", type=ArtifactType.MODEL, name="bench-model", readme="x" * 1000)
    store.create_artifact(artifact)
    store.mark_ready(artifact.id)
    store.close()
    return artifact.id


if __name__ == "__main__":
    main()
