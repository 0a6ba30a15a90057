"""A fake Hugging Face Hub + GitHub REST server for hermetic tests (see server.py, seed.py, fixture.py)."""
from tests.fakehub.repos import FakeCommit, FakeHubCommit, FakePull
from tests.fakehub.server import FakeHub, Fault, RequestRecord, utc

__all__ = ["FakeCommit", "FakeHub", "FakeHubCommit", "FakePull", "Fault", "RequestRecord", "utc"]
