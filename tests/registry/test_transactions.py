"""TransactionService on a whole registry (embedded store): what the GraphQL tests cannot reach in-process, such as
an executor that died and a transaction executed by two requests at once; and the reset barrier's refusals."""
from __future__ import annotations

import time

import pytest

from app.factory import build_registry
from registry.errors import Aborted, Conflict, InvalidInput, NotFound
from registry.model import Permission, User
from registry.settings import Settings
from registry.writes import WriteFence
from tests.conftest import MINILM_DATASET

ADMIN = User(username="admin", password_hash="-", permissions=frozenset(Permission))
OTHER = User(username="other", password_hash="-", permissions=frozenset({Permission.UPLOAD}))


@pytest.fixture
def registry(settings):
    return build_registry(settings.model_copy(update={"write_lease_seconds": 0.3}))


def test_a_transaction_whose_executor_died_reads_failed_once_its_lease_ends(registry):
    opened = registry.transactions.open(ADMIN, [{"kind": "ingest", "type": "dataset", "url": MINILM_DATASET}])
    running = opened.next(state="EXECUTING", owner="dead", lease_until=time.time() + 0.3)
    assert registry.metadata.put_operation(running)
    with pytest.raises(Conflict, match="being executed by another request") as busy:
        registry.transactions.execute(ADMIN, opened.key)
    assert busy.value.retry_after >= 1
    time.sleep(0.4)
    failed = registry.transactions.get(ADMIN, opened.key)
    assert failed.state == "FAILED" and failed.result["results"][0]["status"] == "ABORTED"
    assert registry.transactions.execute(ADMIN, opened.key) == failed  # its outcome, not a second run
    assert registry.metadata.count_artifacts() == 0


def test_transactions_belong_to_their_owner_and_check_their_operations(registry):
    opened = registry.transactions.open(ADMIN)
    with pytest.raises(NotFound):
        registry.transactions.get(OTHER, opened.key)
    with pytest.raises(NotFound):
        registry.transactions.get(ADMIN, "not a transaction id")
    for bad in ({"kind": "delete"}, {"kind": "upload", "upload_id": 1, "sha256": "x"},
                {"kind": "ingest", "type": "model"}, {"kind": "ingest", "type": "weights", "url": MINILM_DATASET},
                {"kind": "update", "artifact_id": "x", "url": MINILM_DATASET, "extra": 1}):
        with pytest.raises(InvalidInput):
            registry.transactions.append(ADMIN, opened.key, bad)
    assert registry.transactions.get(ADMIN, opened.key).body["operations"] == []


def test_a_reset_elsewhere_refuses_writes_and_resets(tmp_path):
    shared = Settings(environment="test", data_dir=tmp_path, write_lease_seconds=30)
    registry = build_registry(shared)
    # Another instance (a shared store: DynamoDB) began a reset a moment ago.
    fence = WriteFence(registry.metadata, shared, owns_store=False)
    assert registry.metadata.swap_epoch(0, 1)
    with pytest.raises(Aborted, match="another reset is in progress"):
        with fence.resetting():
            pass
    assert fence.abandoned(registry.metadata.get_epoch()) is False
    with pytest.raises(Aborted, match="reset is in progress"):
        with fence.entered():
            pass
    # The embedded store belongs to this process: an odd epoch with no reset running here was a crash.
    registry.reset(ADMIN)
    assert registry.metadata.get_epoch().value == 2
