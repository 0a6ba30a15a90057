"""The registry as a real server process for fault tests: started, crashed at a named point, killed and restarted
on the same data, and driven over HTTP; plus the checks every scenario ends with (what is stored is whole, nothing
is left over).

The server runs `python -m app.serve` (uvicorn) with a short write lease and a sweeper every second, so what a
crash leaves becomes the sweeper's within seconds. The fake hub runs in the test process; the AWS servers (moto,
SeaweedFS) are processes of their own the tests can freeze (SIGSTOP), reached through TCP proxies they can stop.
"""
from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx

from registry.model import ArtifactStatus
from registry.ports import BlobStore, MetadataStore, package_keys
from registry.settings import DEFAULT_ADMIN_PASSWORD, DEFAULT_ADMIN_USERNAME
from tests.servers import free_port

REPO = Path(__file__).resolve().parents[2]
LEASE = 2.0  # seconds: short, so a crashed writer's work is taken over or swept quickly
T = TypeVar("T")

LOGIN = ("mutation($u: String!, $p: String!) { authenticate(input: {username: $u, password: $p}) "
         "{ token errors { code } } }")
INGEST = ("mutation($i: IngestArtifactInput!) { ingestArtifact(input: $i) { artifact { artifactId name } "
          "errors { code message details } } }")
REQUEST = ('mutation($n: String!, $s: Float) { requestUpload(input: {name: $n, size: $s}) { ticket { uploadId url '
           'method fields } errors { code message } } }')
FINALIZE = ("mutation($i: FinalizeUploadInput!) { finalizeUpload(input: $i) { artifact { artifactId name } "
            "errors { code message details } } }")
DOWNLOAD = ('mutation($id: String!) { requestDownload(input: {artifactId: $id, part: FULL}) { download { url sha256 } '
            'errors { code message } } }')
DELETE = "mutation($i: DeleteArtifactInput!) { deleteArtifact(input: $i) { deletedId errors { code message } } }"
RETRYABLE = {"CONFLICT", "ABORTED", "STORE_UNAVAILABLE", "UPSTREAM_BUSY"}


@dataclass
class RegistryServer:
    """One registry server process over `data_dir` (or the AWS stores `env` names)."""

    data_dir: Path
    hub_endpoint: str
    github_api_url: str
    env: dict[str, str] = field(default_factory=dict)
    source: Path = REPO  # the source tree the server runs from (a benchmark compares with another)
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    runs: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.data_dir.parent / f"server-{self.port}.log"

    def start(self, crash_point: str | None = None, timeout: float = 90) -> RegistryServer:
        environment = {**os.environ, "REGISTRY_ENVIRONMENT": "test", "REGISTRY_DATA_DIR": str(self.data_dir),
                       "PORT": str(self.port), "REGISTRY_PUBLIC_URL": self.url, "HF_ENDPOINT": self.hub_endpoint,
                       "GITHUB_API_URL": self.github_api_url, "REGISTRY_UPSTREAM_TIMEOUT_SECONDS": "5",
                       "REGISTRY_UPSTREAM_RETRIES": "1", "REGISTRY_WRITE_LEASE_SECONDS": str(LEASE),
                       "REGISTRY_SWEEP_INTERVAL_SECONDS": "1", "REGISTRY_RESET_DRAIN_SECONDS": "5", **self.env}
        for name in ("HF_TOKEN", "GITHUB_TOKEN", "REGISTRY_CRASH_POINT"):
            environment.pop(name, None)
        if crash_point:
            environment["REGISTRY_CRASH_POINT"] = crash_point
        self.runs += 1
        with open(self.log, "ab") as log:
            log.write(f"\n==== run {self.runs} (crash point {crash_point})\n".encode())
            log.flush()
            self.process = subprocess.Popen([sys.executable, "-m", "app.serve"], cwd=self.source,
                                            env={**environment, "PYTHONPATH": str(self.source)},
                                            stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"the registry exited with {self.process.returncode}:\n{self.tail()}")
            try:
                if httpx.get(f"{self.url}/health", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the registry did not answer within {timeout} s:\n{self.tail()}")
            time.sleep(0.2)

    def crashed(self, timeout: float = 60) -> int:
        """Wait for the process to end by itself (it reached its crash point); its exit code."""
        assert self.process is not None
        return self.process.wait(timeout)

    def kill(self) -> None:
        """kill -9: no clean-up, no answer to the requests in flight."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()

    def restart(self) -> RegistryServer:
        self.kill()
        return self.start()

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""

    # requests ----------------------------------------------------------------------------------------------------
    def client(self, timeout: float = 120) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=timeout)

    def login(self) -> str:
        with self.client() as http:
            answer = http.post("/graphql", json={"query": LOGIN, "variables": {
                "u": DEFAULT_ADMIN_USERNAME, "p": DEFAULT_ADMIN_PASSWORD}}).json()
        token: str = answer["data"]["authenticate"]["token"]
        return token

    def graphql(self, token: str, query: str, timeout: float = 120, **variables: Any) -> dict[str, Any]:
        with self.client(timeout) as http:
            answer = http.post("/graphql", json={"query": query, "variables": variables},
                               headers={"X-Authorization": f"bearer {token}"})
        assert answer.status_code == 200, answer.text
        result: dict[str, Any] = answer.json()
        return result

    def mutation(self, token: str, query: str, field_name: str, **variables: Any) -> dict[str, Any]:
        """A mutation's payload (its `errors` possibly non-empty)."""
        result = self.graphql(token, query, **variables)
        assert not result.get("errors"), result
        payload: dict[str, Any] = result["data"][field_name]
        return payload

    def send_upload(self, token: str, name: str, package: bytes, chunk: int | None = None) -> str:
        """Request an upload and send the bytes where its ticket says (this server, or S3's presigned POST)."""
        ticket = self.mutation(token, REQUEST, "requestUpload", n=name, s=len(package))["ticket"]
        put_body(ticket, package, chunk)
        return str(ticket["uploadId"])

    def download(self, token: str, artifact_id: str) -> bytes:
        link = self.mutation(token, DOWNLOAD, "requestDownload", id=artifact_id)
        assert link["errors"] == [], link
        url = link["download"]["url"]
        with httpx.Client(timeout=120, follow_redirects=True) as http:
            answer = http.get(url, headers={"X-Authorization": f"bearer {token}"})
        assert answer.status_code == 200, answer.text
        assert hashlib.sha256(answer.content).hexdigest() == link["download"]["sha256"]
        return answer.content


def put_body(ticket: dict[str, Any], package: bytes, chunk: int | None = None) -> None:
    with httpx.Client(timeout=120) as http:
        if ticket["method"] == "PUT":
            body: Any = package if chunk is None else _chunks(package, chunk)
            answer = http.put(ticket["url"], content=body)
        else:
            answer = http.post(ticket["url"], data=ticket["fields"], files={"file": ("package.zip", package)})
    assert answer.status_code in (200, 204), answer.text


def _chunks(data: bytes, size: int) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start:start + size]
        time.sleep(0.05)  # a client on a slow line: the server writes what came so far


def refused(call: Callable[[], object]) -> Exception:
    """The error a request got from a server that died while answering it."""
    try:
        call()
    except (httpx.TransportError, AssertionError) as exc:
        return exc
    raise AssertionError("the request was answered; the server should have crashed")


def retried(call: Callable[[], dict[str, Any]], bound: float = 90) -> dict[str, Any]:
    """`call()` (a payload) until it has no errors, waiting as each retryable error's Retry-After says; asserts
    it succeeds within `bound` seconds."""
    deadline = time.monotonic() + bound
    while True:
        payload = call()
        errors = payload.get("errors") or []
        if not errors:
            return payload
        retry = [e for e in errors if e["code"] in RETRYABLE]
        assert retry and time.monotonic() < deadline, payload
        wait = (retry[0].get("details") or {}).get("retry_after_seconds") or 1
        time.sleep(min(float(wait), 3.0))


def timed(call: Callable[[], T]) -> tuple[T, float]:
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def eventually(check: Callable[[], list[str]], bound: float = 60) -> list[str]:
    """Poll `check` (a list of problems) until it finds none or `bound` seconds pass; the last problems."""
    deadline = time.monotonic() + bound
    while True:
        problems = check()
        if not problems or time.monotonic() > deadline:
            return problems
        time.sleep(0.5)


def leftovers(metadata: MetadataStore, blobs: BlobStore, scratch: Path | None = None) -> list[str]:
    """What should not be there once the sweeper ran: PENDING records, READY ones without their bytes, blobs
    no record references, staged bytes of no upload, claims still leased, temporaries and scratch folders."""
    problems: list[str] = []
    artifacts = list(metadata.scan_artifacts())
    problems += [f"pending record {a.id}" for a in artifacts if a.status is not ArtifactStatus.READY]
    owned = {key for a in artifacts for key in package_keys(a)}
    stored = {blob.key for prefix in ("sha256/", "parts/") for blob in blobs.list_blobs(prefix)}
    problems += [f"missing blob {key}" for key in sorted(owned - stored)]
    problems += [f"orphan blob {key}" for key in sorted(stored - owned)]
    for blob in blobs.list_blobs("uploads/"):
        if metadata.get_upload(blob.key.split("/", 1)[1]) is None:
            problems.append(f"staged bytes of no upload {blob.key}")
    problems += [f"leased claim {c.key}" for c in metadata.expired_claims(time.time() + 3600, 100)]
    root = getattr(blobs, "_root", None)
    if root is not None:
        problems += [f"temporary {path}" for path in Path(root).rglob(".tmp-*")]
    if scratch is not None and scratch.exists():
        problems += [f"scratch {path.name}" for path in scratch.iterdir()]
    return problems
