"""The course's performance workload, built into the product: a registry of `models` distinct models plus Tiny-LLM,
and `clients` concurrent clients each downloading Tiny-LLM's package once. It reports throughput and the mean,
median and p99 latency of one download.

An admin starts it from the health dashboard (one run at a time, within the caps in settings) and polls its
progress. A run:
1. seeding: registers the missing ones of `workload/model-000` ... (distinct names and READMEs; records only);
2. preparing: registers arnir0/Tiny-LLM from the configured hub (the hub's files at its current commit) and mirrors
   its files into a stored package (the first download does that). Tiny-LLM does not pass the ingest gate (it
   links no code and claims no results), so the workload registers it without a rating: the gate decides what
   users may trust, the workload measures how fast the registry serves;
3. downloading: a separate process (`python -m registry.workload`, so the load generator does not share this
   server's interpreter lock) opens `clients` connections at once to this server's GET /download/{id} with a
   token issued for the run, follows the redirect to a presigned S3 URL on AWS, and reports each download;
4. done (or failed, with the reason): the figures stay until the next run.

The run lives in a thread of the serving process: it needs a long-lived server (`./run serve`, the container
service). On Lambda, whose process is frozen once a response is sent, start it against one of those instead.

Latency of one download: from sending the request to its last byte. Throughput: bytes delivered by all clients
over the wall time from the first request to the last byte. p99: nearest rank (the 99th of 100 values sorted).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import math
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import Enum
from typing import Any
from urllib.parse import urlsplit

from registry.artifacts import ArtifactService, new_id
from registry.auth import UserService, require
from registry.errors import Conflict, InvalidInput
from registry.model import Artifact, ArtifactType, Permission, User, WorkloadSource, utcnow
from registry.package import PackageService
from registry.settings import Settings
from registry.sourcing import SourceReader, parse_for_type

TINY_LLM_URL = "https://huggingface.co/arnir0/Tiny-LLM"
SEED_PREFIX = "workload/model-"


class Phase(Enum):
    SEEDING = "seeding"
    PREPARING = "preparing"
    DOWNLOADING = "downloading"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True)
class Budget:
    models: int = 500
    clients: int = 100
    max_seconds: float = 300.0


@dataclass(frozen=True)
class Results:
    """One burst's figures: every latency in seconds, sorted."""

    clients: int
    succeeded: int
    failed: int
    bytes: int
    seconds: float
    latencies: list[float]

    @property
    def throughput(self) -> float:
        """Bytes per second delivered to all clients together."""
        return self.bytes / self.seconds if self.seconds > 0 else 0.0

    @property
    def mean(self) -> float:
        return statistics.fmean(self.latencies) if self.latencies else 0.0

    @property
    def median(self) -> float:
        return statistics.median(self.latencies) if self.latencies else 0.0

    @property
    def p99(self) -> float:
        """Nearest rank: the value at rank ceil(0.99 n) of the n sorted latencies."""
        return self.latencies[max(0, math.ceil(0.99 * len(self.latencies)) - 1)] if self.latencies else 0.0


@dataclass(frozen=True)
class Run:
    id: str
    started_by: str
    budget: Budget
    backend: str
    phase: Phase
    started_at: datetime
    done: int = 0  # of the current phase's `total`
    total: int = 0
    artifact_id: str | None = None
    package_bytes: int = 0
    finished_at: datetime | None = None
    error: str | None = None
    results: Results | None = None


@dataclass
class WorkloadService:
    settings: Settings
    users: UserService
    artifacts: ArtifactService
    packages: PackageService
    sources: SourceReader
    _run: Run | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self, actor: User, budget: Budget, base_url: str) -> Run:
        """Start a run against this server at `base_url`; Conflict while one is running, InvalidInput past caps."""
        require(actor, Permission.ADMIN)
        self._check(budget)
        with self._lock:
            if self._run is not None and self._run.phase not in (Phase.DONE, Phase.FAILED):
                raise Conflict("a performance workload is already running; wait for it to finish")
            self._run = Run(id=new_id(), started_by=actor.username, budget=budget, backend=self.settings.backend,
                            phase=Phase.SEEDING, started_at=utcnow(), total=budget.models)
            run = self._run
        threading.Thread(target=self._execute, args=(actor, base_url.rstrip("/")), name="workload",
                         daemon=True).start()
        return run

    def current(self, actor: User) -> Run | None:
        """The running or last run (admins only); None before the first."""
        require(actor, Permission.ADMIN)
        return self._run

    # the run ---------------------------------------------------------------------------------------------------
    def _check(self, budget: Budget) -> None:
        caps = self.settings
        if not 1 <= budget.clients <= caps.workload_max_clients:
            raise InvalidInput(f"clients is between 1 and {caps.workload_max_clients}")
        if not 0 <= budget.models <= caps.workload_max_models:
            raise InvalidInput(f"models is between 0 and {caps.workload_max_models}")
        if not 1 <= budget.max_seconds <= caps.workload_max_seconds:
            raise InvalidInput(f"maxSeconds is between 1 and {caps.workload_max_seconds}")

    def _update(self, **changes: Any) -> None:
        with self._lock:
            assert self._run is not None
            self._run = replace(self._run, **changes)

    def _execute(self, actor: User, base_url: str) -> None:
        try:
            assert self._run is not None
            budget = self._run.budget
            self._seed(actor, budget.models)
            self._update(phase=Phase.PREPARING, done=0, total=1)
            artifact_id, size = self._prepare(actor)
            self._update(phase=Phase.DOWNLOADING, done=0, total=budget.clients, artifact_id=artifact_id,
                         package_bytes=size)
            results = self._download(actor, f"{base_url}/download/{artifact_id}", budget)
            self._update(phase=Phase.DONE, done=results.succeeded, results=results, finished_at=utcnow())
        except Exception as exc:  # a run reports why it failed; the server goes on
            self._update(phase=Phase.FAILED, error=f"{type(exc).__name__}: {exc}"[:500], finished_at=utcnow())

    def _seed(self, actor: User, models: int) -> None:
        for index in range(models):
            name = f"{SEED_PREFIX}{index:03d}"
            if not self.artifacts.by_name(actor, name, [ArtifactType.MODEL]):
                readme = f"# {name}\n\nModel {index} of the performance workload's registry.\n"
                self.artifacts.store_new(actor, Artifact(id=new_id(), type=ArtifactType.MODEL, name=name,
                                                         readme=readme, source=WorkloadSource(),
                                                         created_by=actor.username))
            self._update(done=index + 1)

    def _prepare(self, actor: User) -> tuple[str, int]:
        """Tiny-LLM registered from the hub (once) and its package mirrored; (artifact id, package size)."""
        ref = parse_for_type(TINY_LLM_URL, ArtifactType.MODEL)
        known = [a for a in self.artifacts.by_name(actor, ref.name, [ArtifactType.MODEL])
                 if a.source_url == ref.canonical_url]
        if known:
            artifact = known[0]
        else:
            snapshot = self.sources.read(ref)
            artifact = self.artifacts.store_new(actor, Artifact(
                id=new_id(), type=ArtifactType.MODEL, name=ref.name, source_url=ref.canonical_url,
                revision=snapshot.revision, readme=snapshot.readme, files=snapshot.files,
                source=snapshot.source.model_copy(update={"registered_by": "performance workload (not rated)"}),
                created_by=actor.username), version=snapshot.declared_version)
        stored = self.packages.stored_zip(artifact)  # mirrors the hub files the first time
        self._update(done=1)
        return artifact.id, stored.size

    def _download(self, actor: User, url: str, budget: Budget) -> Results:
        token = self.users.issue_token(actor)
        command = [sys.executable, "-m", "registry.workload", "--url", url, "--clients", str(budget.clients),
                   "--timeout", str(budget.max_seconds)]
        process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        timer = threading.Timer(budget.max_seconds + 30, process.kill)
        timer.start()
        try:
            assert process.stdin is not None and process.stdout is not None
            process.stdin.write(token + "\n")  # never on the command line, where `ps` shows it
            process.stdin.close()
            summary: dict[str, Any] | None = None
            for line in process.stdout:
                report = json.loads(line)
                if "done" in report:
                    self._update(done=report["done"])
                else:
                    summary = report
            process.wait()
        finally:
            timer.cancel()
        if summary is None:
            raise RuntimeError(f"the load generator stopped without results (exit {process.returncode})")
        if summary["errors"]:
            self._update(error=f"{summary['failed']} downloads failed: {'; '.join(summary['errors'])}")
        return Results(clients=budget.clients, succeeded=len(summary["latencies"]), failed=summary["failed"],
                       bytes=summary["bytes"], seconds=summary["seconds"], latencies=sorted(summary["latencies"]))


# The load generator: `python -m registry.workload --url ... --clients N --timeout S`, the token on stdin ----------
# A minimal HTTP/1.1 client on asyncio streams: a body is read in 1 MiB pieces and counted, never parsed or kept, so
# the generator costs little CPU per byte (httpx's parser capped a burst at ~150 MB/s on this machine's cores).
_PIECE = 1 << 20
_MAX_REDIRECTS = 3


async def fetch(url: str, headers: dict[str, str], redirects: int = _MAX_REDIRECTS) -> int:
    """GET `url` on a new connection (following 3xx to an absolute Location); the body's size. Raises on errors."""
    parts = urlsplit(url)
    secure = parts.scheme == "https"
    host = parts.hostname or ""
    reader, writer = await asyncio.open_connection(host, parts.port or (443 if secure else 80), ssl=secure or None)
    try:
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        lines = [f"GET {target or '/'} HTTP/1.1", f"Host: {parts.netloc}", "Connection: close",
                 *(f"{name}: {value}" for name, value in headers.items())]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        status_line, *header_lines = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(status_line.split()[1])
        answer = {name.strip().lower(): value.strip() for name, _, value in
                  (line.partition(":") for line in header_lines if line)}
        if status in (301, 302, 303, 307, 308) and redirects > 0:
            # A presigned URL carries its own credentials: the registry's token stays with the registry.
            return await fetch(answer["location"], {}, redirects - 1)
        if status != 200:
            raise RuntimeError(f"status {status} from {parts.netloc}")
        expected, size = int(answer.get("content-length", "-1")), 0
        while piece := await reader.read(_PIECE):
            size += len(piece)
        if expected >= 0 and size != expected:
            raise RuntimeError(f"{size} of {expected} bytes")
        return size
    finally:
        writer.close()


async def burst(url: str, token: str, clients: int, timeout: float) -> dict[str, Any]:
    """`clients` concurrent GETs of `url`, each on its own connection, each body counted (not kept)."""
    latencies: list[float] = []
    errors: list[str] = []
    delivered = 0

    async def one() -> None:
        nonlocal delivered
        started = time.perf_counter()
        try:
            size = await asyncio.wait_for(fetch(url, {"X-Authorization": f"bearer {token}"}), timeout)
        except Exception as exc:  # counted, not raised: one failure must not hide the others' figures
            errors.append(f"{type(exc).__name__}: {exc}"[:200])
            return
        latencies.append(time.perf_counter() - started)
        delivered += size
        print(json.dumps({"done": len(latencies)}), flush=True)

    started = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(clients)))
    return {"latencies": latencies, "failed": len(errors), "errors": sorted(set(errors))[:3], "bytes": delivered,
            "seconds": time.perf_counter() - started}


def main() -> None:
    parser = argparse.ArgumentParser(description="Download one URL from N clients at once (the token on stdin).")
    parser.add_argument("--url", required=True)
    parser.add_argument("--clients", type=int, required=True)
    parser.add_argument("--timeout", type=float, required=True)
    args = parser.parse_args()
    token = sys.stdin.readline().strip()
    try:
        import uvloop  # the faster event loop where installed, as the server uses
    except ImportError:
        summary = asyncio.run(burst(args.url, token, args.clients, args.timeout))
    else:
        summary = uvloop.run(burst(args.url, token, args.clients, args.timeout))
    print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
