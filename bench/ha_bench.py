"""Steady memory under sustained load (issue 14). Prints figures; asserts nothing.

Three rounds (default 60 s each) of mixed load from 16 client threads against the registry server (a process of
its own, embedded store, the fake hub for ingests): reads by id, listings, regex searches, name lookups, ingests,
uploads with finalize, downloads, updates and deletes. Between rounds the load pauses long enough for idle worker
threads to retire (where a per-thread resource that is never released shows as growth). After each round it prints
the server's resident memory, threads, open SQLite connections' proxy (the process's open files), database and
write-ahead-log sizes, throughput and latencies.

    python bench/ha_bench.py [--seconds 60] [--rounds 3] [--workers 16] [--source PATH]

`--source` runs the server from another checkout (e.g. an export of main) to compare.
"""
from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import httpx
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fakehub.fixture import shared_fake_hub  # noqa: E402
from tests.faults.harness import FINALIZE, INGEST, REPO, REQUEST, RegistryServer, put_body  # noqa: E402
from tests.package.zips import build_zip, hf_files  # noqa: E402

DATASET = "https://huggingface.co/datasets/fakehub/tiny-reviews"
CODE = "https://github.com/UKPLab/sentence-transformers"
MIX = {"read": 30, "list": 15, "regex": 10, "by_name": 10, "ingest": 10, "upload": 10, "download": 5,
       "update": 5, "delete": 5}
PAUSE = 15.0  # seconds between rounds: anyio retires a worker thread idle for 10 s
LIST = "{ artifacts(first: 20) { edges { node { artifactId name } } } }"


class Load:
    """Mixed requests from many threads; what each kind took, and the artifacts written so far."""

    def __init__(self, server: RegistryServer, token: str, workdir: Path) -> None:
        self.server = server
        self.headers = {"X-Authorization": f"bearer {token}"}
        self.token = token
        self.workdir = workdir
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: Counter[str] = Counter()
        self.artifacts: list[tuple[str, str, str]] = []  # (type, id, name)
        self.lock = threading.Lock()
        self.counter = 0

    def run(self, seconds: float, workers: int) -> None:
        stop = time.monotonic() + seconds
        threads = [threading.Thread(target=self._worker, args=(stop, n)) for n in range(workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    def _worker(self, stop: float, number: int) -> None:
        rng = random.Random(number)
        kinds, weights = list(MIX), list(MIX.values())
        with httpx.Client(base_url=self.server.url, timeout=120) as http:
            while time.monotonic() < stop:
                kind = rng.choices(kinds, weights)[0]
                started = time.perf_counter()
                try:
                    error = getattr(self, f"_{kind}")(http, rng)
                except httpx.HTTPError as exc:
                    error = type(exc).__name__
                with self.lock:
                    self.latencies[kind].append(time.perf_counter() - started)
                    if error:
                        self.errors[f"{kind}:{error}"] += 1

    def _next(self) -> int:
        with self.lock:
            self.counter += 1
            return self.counter

    def _pick(self, rng: random.Random) -> tuple[str, str, str] | None:
        with self.lock:
            return rng.choice(self.artifacts) if self.artifacts else None

    def _graphql(self, http: httpx.Client, query: str, **variables: Any) -> dict[str, Any]:
        answer = http.post("/graphql", json={"query": query, "variables": variables}, headers=self.headers)
        result: dict[str, Any] = answer.json()
        return result

    def _read(self, http: httpx.Client, rng: random.Random) -> str | None:
        picked = self._pick(rng)
        if picked is None:
            return None
        status = http.get(f"/artifacts/{picked[0]}/{picked[1]}", headers=self.headers).status_code
        return None if status in (200, 404) else str(status)

    def _list(self, http: httpx.Client, rng: random.Random) -> str | None:
        return "graphql" if self._graphql(http, LIST).get("errors") else None

    def _regex(self, http: httpx.Client, rng: random.Random) -> str | None:
        answer = http.post("/artifact/byRegEx", json={"regex": f"bench-{rng.randrange(50)}"}, headers=self.headers)
        return None if answer.status_code in (200, 404) else str(answer.status_code)

    def _by_name(self, http: httpx.Client, rng: random.Random) -> str | None:
        answer = http.get(f"/artifact/byName/bench-{rng.randrange(500)}", headers=self.headers)
        return None if answer.status_code in (200, 404) else str(answer.status_code)

    def _ingest(self, http: httpx.Client, rng: random.Random) -> str | None:
        kind, url = rng.choice([("DATASET", DATASET), ("CODE", CODE)])
        name = f"bench-{self._next()}"
        payload = self._graphql(http, INGEST, i={"type": kind, "url": url, "name": name})
        done = payload["data"]["ingestArtifact"]
        if done["errors"]:
            return str(done["errors"][0]["code"])
        with self.lock:
            self.artifacts.append((kind.lower(), done["artifact"]["artifactId"], name))
        return None

    def _upload(self, http: httpx.Client, rng: random.Random) -> str | None:
        number = self._next()
        data = build_zip(self.workdir / f"p{number}.zip", hf_files(**{"n.txt": str(number).encode()})).read_bytes()
        (self.workdir / f"p{number}.zip").unlink()
        ticket = self._graphql(http, REQUEST, n=f"bench-{number}", s=len(data))["data"]["requestUpload"]["ticket"]
        put_body(ticket, data)
        done = self._graphql(http, FINALIZE, i={"uploadId": ticket["uploadId"],
                                                "sha256": hashlib.sha256(data).hexdigest()})
        payload = done["data"]["finalizeUpload"]
        if payload["errors"]:
            return str(payload["errors"][0]["code"])
        with self.lock:
            self.artifacts.append(("model", payload["artifact"]["artifactId"], f"bench-{number}"))
        return None

    def _download(self, http: httpx.Client, rng: random.Random) -> str | None:
        picked = self._pick(rng)
        if picked is None or picked[0] != "model":
            return None
        answer = http.get(f"/download/{picked[1]}", headers=self.headers)
        return None if answer.status_code in (200, 404) else str(answer.status_code)

    def _update(self, http: httpx.Client, rng: random.Random) -> str | None:
        picked = self._pick(rng)
        if picked is None or picked[0] == "model":
            return None
        url = DATASET if picked[0] == "dataset" else CODE
        # the artifact's own name: an update never renames (name and id must match)
        body = {"metadata": {"name": picked[2], "id": picked[1], "type": picked[0]},
                "data": {"url": url}}
        answer = http.put(f"/artifacts/{picked[0]}/{picked[1]}", json=body, headers=self.headers)
        return None if answer.status_code in (200, 404, 409) else str(answer.status_code)

    def _delete(self, http: httpx.Client, rng: random.Random) -> str | None:
        with self.lock:
            if len(self.artifacts) < 50:
                return None
            picked = self.artifacts.pop(rng.randrange(len(self.artifacts)))
        answer = http.delete(f"/artifacts/{picked[0]}/{picked[1]}", headers=self.headers)
        return None if answer.status_code in (200, 404) else str(answer.status_code)


def report(round_number: int, load: Load, server: RegistryServer, seconds: float) -> None:
    process = psutil.Process(server.process.pid if server.process else 0)
    rss = process.memory_info().rss / 2**20
    database = server.data_dir / "registry.sqlite3"
    wal = Path(f"{database}-wal")
    size = database.stat().st_size / 2**20 if database.exists() else 0.0
    wal_size = wal.stat().st_size / 2**20 if wal.exists() else 0.0
    total = sum(len(v) for v in load.latencies.values())
    reads = [t for k in ("read", "list", "regex", "by_name") for t in load.latencies[k]]
    writes = [t for k in ("ingest", "upload", "update", "delete") for t in load.latencies[k]]
    print(f"round {round_number}: RSS {rss:.0f} MB, {process.num_threads()} threads, "
          f"{len(process.open_files())} open files; database {size:.1f} MB, WAL {wal_size:.1f} MB; "
          f"{total / seconds:.0f} req/s; reads p50 {percentile(reads, 50):.0f} ms p99 {percentile(reads, 99):.0f} ms; "
          f"writes p50 {percentile(writes, 50):.0f} ms p99 {percentile(writes, 99):.0f} ms; "
          f"{len(load.artifacts)} artifacts; errors {dict(load.errors) or 'none'}", flush=True)


def percentile(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] * 1000 if values else 0.0
    return statistics.quantiles(values, n=100)[q - 1] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--source", type=Path, default=REPO, help="the source tree the server runs from")
    args, _ = parser.parse_known_args()
    hub = shared_fake_hub()
    with tempfile.TemporaryDirectory(prefix="ha-bench-") as tmp:
        server = RegistryServer(Path(tmp) / "data", hub.hf_endpoint, hub.github_api_url, source=args.source,
                                env={"REGISTRY_WRITE_LEASE_SECONDS": "60", "REGISTRY_SWEEP_INTERVAL_SECONDS": "300",
                                     "REGISTRY_TOKEN_MAX_USES": str(10**9)})
        server.start()
        try:
            start_rss = psutil.Process(server.process.pid if server.process else 0).memory_info().rss / 2**20
            print(f"server from {args.source}: RSS {start_rss:.0f} MB at start; {args.rounds} rounds of "
                  f"{args.seconds:.0f} s, {args.workers} clients, {PAUSE:.0f} s pauses", flush=True)
            load = Load(server, server.login(), Path(tmp))
            for number in range(1, args.rounds + 1):
                load.latencies.clear()
                load.errors.clear()
                load.run(args.seconds, args.workers)
                report(number, load, server, args.seconds)
                if number < args.rounds:
                    time.sleep(PAUSE)
        finally:
            server.stop()


if __name__ == "__main__":
    main()
