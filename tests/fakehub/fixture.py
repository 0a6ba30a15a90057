"""pytest fixtures for the fake hub + GitHub server.

Use from a root conftest with ``pytest_plugins = ["tests.fakehub.fixture"]``.

- `fake_hub_server` (session): the running, seeded `FakeHub` (one per process, see `shared_fake_hub`).
- `fake_hub` (function): the same server reset to its seeds (no faults, no latency, empty log, repositories
  added by earlier tests gone), with ``HF_ENDPOINT`` / ``GITHUB_API_URL`` pointing at it and ``HF_TOKEN`` /
  ``GITHUB_TOKEN`` removed for the test.  Note huggingface_hub reads ``HF_ENDPOINT`` at import time: pass
  ``fake_hub.hf_endpoint`` explicitly (``HfApi(endpoint=...)``, Settings) rather than relying on the variable.
"""
from __future__ import annotations

import atexit
import threading
from collections.abc import Iterator

import pytest

from tests.fakehub.seed import seed
from tests.fakehub.server import FakeHub

_SHARED: FakeHub | None = None
_SHARED_LOCK = threading.Lock()


def shared_fake_hub() -> FakeHub:
    """The process-wide seeded server, started on first use and stopped at exit (safe to import twice)."""
    global _SHARED
    with _SHARED_LOCK:
        if _SHARED is None:
            fake = FakeHub()
            seed(fake)
            fake.start()
            atexit.register(fake.stop)
            _SHARED = fake
        return _SHARED


@pytest.fixture(scope="session")
def fake_hub_server() -> Iterator[FakeHub]:
    fake = shared_fake_hub()
    yield fake
    fake.stop()  # before pytest closes its captured streams (atexit would be too late for clean logs)


@pytest.fixture
def fake_hub(fake_hub_server: FakeHub, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeHub]:
    fake_hub_server.reset()
    monkeypatch.setenv("HF_ENDPOINT", fake_hub_server.hf_endpoint)
    monkeypatch.setenv("GITHUB_API_URL", fake_hub_server.github_api_url)
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    yield fake_hub_server
    fake_hub_server.reset()
