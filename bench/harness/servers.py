"""Servers for side-by-side measurements: each in its own process, pinned to one core with taskset, started and
stopped by a context manager, ready when it answers.

The load generator runs on another core (`LOAD_CORE`), so the server's core does nothing but serve. With fewer
than two cores both share the only one and the figures say so.
"""
from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent.parent
TWO_CORES = (os.cpu_count() or 1) > 1
SERVER_CORE = "0"
LOAD_CORE = "1" if TWO_CORES else "0"

REGISTRY_SERVER = """
import sys
from registry.settings import Settings
from app.factory import create_app
from app.serve import run
settings = Settings(environment="test", data_dir=sys.argv[1], port=int(sys.argv[2]), token_max_uses=10**9,
                    **dict(arg.split("=", 1) for arg in sys.argv[3:]))
run(create_app(settings), settings, log_level="warning")
"""


def free_port() -> int:
    with closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def pinned(command: list[str], core: str) -> list[str]:
    """`command` pinned to `core` when taskset exists (util-linux), else unpinned."""
    return ["taskset", "-c", core, *command] if shutil.which("taskset") else command


@contextmanager
def process(command: list[str], ready_url: str, env: dict[str, str] | None = None,
            timeout: float = 60.0) -> Iterator[subprocess.Popen[bytes]]:
    """Run `command` until the block ends; wait until `ready_url` answers (any status)."""
    # The registry writes a JSON line per request to stderr: kept (its cost is part of serving), but not shown.
    server = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"{command[:4]} exited with {server.returncode}")
            try:
                httpx.get(ready_url, timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{ready_url} did not answer within {timeout} s") from None
                time.sleep(0.1)
        yield server
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(10)


@dataclass(frozen=True)
class Running:
    url: str
    pid: int  # of the server process itself (taskset execs it), for py-spy


@contextmanager
def registry_server(data_dir: str, core: str = SERVER_CORE, env: dict[str, str] | None = None, prelude: str = "",
                    **settings: str) -> Iterator[Running]:
    """The registry (app.serve's production serving) on the embedded store in `data_dir`, or the backend `env`
    selects; `settings` are Settings fields; `prelude` is Python run in the server's process first (a probe)."""
    port = free_port()
    extra = [f"{key}={value}" for key, value in settings.items()]
    command = pinned([sys.executable, "-c", prelude + REGISTRY_SERVER, data_dir, str(port), *extra], core)
    with process(command, f"http://127.0.0.1:{port}/health", env) as server:
        yield Running(f"http://127.0.0.1:{port}", server.pid)


def login(base_url: str) -> str:
    """A bearer token of the default admin."""
    from registry.settings import Settings

    settings = Settings()
    answer = httpx.post(f"{base_url}/graphql", timeout=30, json={
        "query": "mutation($u:String!,$p:String!){authenticate(input:{username:$u,password:$p}){token}}",
        "variables": {"u": settings.admin_username, "p": settings.admin_password}}).json()
    return str(answer["data"]["authenticate"]["token"])


def quiet_request_logs() -> None:
    """An in-process registry's request and event lines kept off the console (warnings and errors still show): a
    benchmark's figures would be buried under them. Call after `create_app`, which sets the level once."""
    from app.logs import ROOT

    logging.getLogger(ROOT).setLevel(logging.WARNING)
