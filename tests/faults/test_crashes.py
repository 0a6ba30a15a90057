"""The registry process dies mid-write (embedded store): at named crash points of ingest, finalize, upload, delete,
reset and group transactions, and under `kill -9` during concurrent writers. After a restart every acknowledged
write is readable with its bytes, nothing is half-visible, retries succeed, and the sweeper leaves no orphan."""
from __future__ import annotations

import hashlib
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from registry.crashpoints import EXIT_CODE
from store.files import FileBlobStore
from store.sqlite import SqliteMetadataStore
from tests.conftest import MINILM_CODE, MINILM_DATASET
from tests.faults.harness import (DELETE, FINALIZE, INGEST, LEASE, REQUEST, RegistryServer, eventually, leftovers,
                                  put_body, refused, retried)
from tests.package.zips import build_zip, hf_files
from tests.schema.test_transactions import EXECUTE, OPEN

pytestmark = pytest.mark.slow
SERVER = "registry server process"
SWEPT = "the sweeper (at start and every few seconds)"


def stores(server: RegistryServer) -> tuple[SqliteMetadataStore, FileBlobStore]:
    return SqliteMetadataStore(server.data_dir / "registry.sqlite3"), FileBlobStore(server.data_dir / "blobs")


def assert_clean(server: RegistryServer) -> None:
    metadata, blobs = stores(server)
    try:
        assert eventually(lambda: leftovers(metadata, blobs, server.data_dir / "work")) == []
    finally:
        metadata.close()


def package(tmp_path: Path, marker: str = "") -> bytes:
    return build_zip(tmp_path / f"package{marker}.zip", hf_files(**{"marker.txt": marker.encode()})).read_bytes()


def ingest(server: RegistryServer, token: str, url: str = MINILM_DATASET, type_: str = "DATASET",
           key: str | None = None, name: str | None = None) -> dict[str, Any]:
    return server.mutation(token, INGEST, "ingestArtifact",
                           i={"type": type_, "url": url, "name": name, "idempotencyKey": key})


def finalize(server: RegistryServer, token: str, upload_id: str, data: bytes) -> dict[str, Any]:
    return server.mutation(token, FINALIZE, "finalizeUpload",
                           i={"uploadId": upload_id, "sha256": hashlib.sha256(data).hexdigest()})


def by_name(server: RegistryServer, token: str, name: str) -> list[str]:
    result = server.graphql(token, 'query($n: String!) { artifactsByName(name: $n, first: 10) { edges { node { '
                                   'artifactId } } } }', n=name)
    return [edge["node"]["artifactId"] for edge in result["data"]["artifactsByName"]["edges"]]


def crash(server: RegistryServer, point: str, request: Any) -> str:
    """Start with the crash point, make the request that reaches it, and check the process died there."""
    server.start(crash_point=point)
    token = server.login()
    refused(lambda: request(token))
    assert server.crashed() == EXIT_CODE, server.tail()
    server.start()
    return server.login()


@pytest.mark.parametrize("point", ["ingest.after_claim", "ingest.after_create", "ingest.after_commit"])
def test_an_ingest_killed_mid_way_is_completed_by_its_retry(local_server, point, disaster):
    token = crash(local_server, point, lambda t: ingest(local_server, t, key="ingest-1"))
    assert len(by_name(local_server, token, "tiny-reviews")) == (1 if point == "ingest.after_commit" else 0)

    first = retried(lambda: ingest(local_server, token, key="ingest-1"))
    again = ingest(local_server, token, key="ingest-1")
    assert again == first and by_name(local_server, token, "tiny-reviews") == [first["artifact"]["artifactId"]]
    assert_clean(local_server)
    state = {"ingest.after_claim": "its identity claimed, nothing written",
             "ingest.after_create": "a PENDING record and its rating written",
             "ingest.after_commit": "committed, before answering"}[point]
    outcome = "the original artifact" if point == "ingest.after_commit" else "the one registration"
    disaster(f"crash-{point}", component=SERVER, failure=f"killed during an ingest ({state})",
             user_sees=f"no answer; the ingest is {'visible' if point == 'ingest.after_commit' else 'not visible'}; "
                       f"its retry with the same idempotency key answers {outcome} (after the lease, "
                       f"CONFLICT/ABORTED with Retry-After before)",
             recovery=f"restart; the dead writer's lease expires; {SWEPT} rolls back what it left")


@pytest.mark.parametrize("point", ["finalize.after_blobs", "finalize.after_commit"])
def test_a_finalize_killed_mid_way_is_completed_by_retrying_the_same_upload(local_server, tmp_path, point, disaster):
    data = package(tmp_path)
    holder: dict[str, str] = {}

    def upload_then_finalize(token: str) -> None:
        holder["upload"] = local_server.send_upload(token, "acme/crashed", data)
        finalize(local_server, token, holder["upload"], data)

    token = crash(local_server, point, upload_then_finalize)
    done = retried(lambda: finalize(local_server, token, holder["upload"], data))
    assert retried(lambda: finalize(local_server, token, holder["upload"], data)) == done
    assert local_server.download(token, done["artifact"]["artifactId"]) == data
    # The same bytes under a new upload are an identical package now, not a half-registered one.
    again = finalize(local_server, token, local_server.send_upload(token, "acme/again", data), data)
    (error,) = again["errors"]
    assert error["code"] == "CONFLICT" and "already registered" in error["message"]
    assert_clean(local_server)
    state = "package and parts stored, no record" if point == "finalize.after_blobs" else "committed, before answering"
    disaster(f"crash-{point}", component=SERVER, failure=f"killed during a finalize ({state})",
             user_sees="no answer; retrying finalizeUpload with the same upload id answers the model (after the "
                       "lease, CONFLICT with Retry-After before), whose download has the uploaded bytes",
             recovery=f"restart; the finalize's lease on the upload expires; {SWEPT} removes unused bytes")


def test_an_upload_killed_mid_stream_is_sent_again_and_its_temporary_file_swept(local_server, tmp_path, disaster):
    data = package(tmp_path)
    holder: dict[str, Any] = {}

    def send_slowly(token: str) -> None:
        holder["ticket"] = local_server.mutation(token, REQUEST, "requestUpload", n="acme/streamed",
                                                 s=len(data))["ticket"]
        put_body(holder["ticket"], data, chunk=max(1, len(data) // 4))

    token = crash(local_server, "upload.mid_stream", send_slowly)
    put_body(holder["ticket"], data)
    done = finalize(local_server, token, holder["ticket"]["uploadId"], data)
    assert done["errors"] == [] and local_server.download(token, done["artifact"]["artifactId"]) == data
    assert_clean(local_server)
    disaster("crash-upload.mid_stream", component=SERVER, failure="killed while receiving an upload's bytes",
             user_sees="the upload is cut off; sending the bytes again to the same upload URL and finalizing works",
             recovery=f"restart; {SWEPT} removes the partial temporary file")


def test_a_delete_killed_after_its_commit_leaves_no_record_and_its_bytes_are_swept(local_server, tmp_path,
                                                                                   disaster):
    data = package(tmp_path)
    holder: dict[str, str] = {}
    local_server.start()
    token = local_server.login()
    holder["id"] = finalize(local_server, token, local_server.send_upload(token, "acme/doomed", data),
                            data)["artifact"]["artifactId"]
    local_server.stop()
    token = crash(local_server, "delete.after_commit", lambda t: local_server.mutation(
        t, DELETE, "deleteArtifact", i={"artifactId": holder["id"], "idempotencyKey": "del-1"}))

    assert local_server.mutation(token, DELETE, "deleteArtifact", i={"artifactId": holder["id"],
                                                                     "idempotencyKey": "del-1"}) == {
        "deletedId": holder["id"], "errors": []}
    with local_server.client() as http:
        assert http.get(f"/artifacts/model/{holder['id']}",
                        headers={"X-Authorization": f"bearer {token}"}).status_code == 404
    assert_clean(local_server)
    # The same bytes can be registered again once the deleted ones are gone.
    assert retried(lambda: finalize(local_server, token, local_server.send_upload(token, "acme/back", data),
                                    data))["artifact"]["name"] == "acme/back"
    disaster("crash-delete.after_commit", component=SERVER, failure="killed during a delete (record gone, blobs not)",
             user_sees="no answer; the artifact reads 404; the retry with the same idempotency key answers the "
                       "deletion",
             recovery=f"restart; {SWEPT} removes the bytes once the delete's lease on them expires")


@pytest.mark.parametrize("point", ["reset.after_begin", "reset.after_metadata"])
def test_a_reset_killed_mid_way_is_finished_at_restart(local_server, tmp_path, point, disaster):
    data = package(tmp_path)
    local_server.start()
    token = local_server.login()
    kept = finalize(local_server, token, local_server.send_upload(token, "acme/before-reset", data), data)
    local_server.stop()
    token = crash(local_server, point, lambda t: local_server.graphql(t, "mutation { resetRegistry { ok } }"))

    assert by_name(local_server, token, "acme/before-reset") == []
    assert kept["artifact"]["artifactId"]
    assert ingest(local_server, token)["errors"] == []  # writes are accepted again at once
    assert_clean(local_server)
    wiped = "nothing wiped yet" if point == "reset.after_begin" else "metadata wiped, blobs not"
    disaster(f"crash-{point}", component=SERVER, failure=f"killed during a reset ({wiped})",
             user_sees="no answer to the reset; after the restart the registry is empty (the reset completed) and "
                       "accepts writes; no artifact points at deleted bytes",
             recovery="restart: the sweeper finishes the interrupted reset before anything else (the epoch stays "
                      "odd, refusing writes with ABORTED, until then)")


def test_a_group_transaction_killed_before_its_commit_applies_nothing(local_server, disaster):
    holder: dict[str, str] = {}

    def open_and_execute(token: str) -> None:
        opened = local_server.mutation(token, OPEN, "openTransaction", i={"operations": [
            {"ingest": {"type": "DATASET", "url": MINILM_DATASET}}, {"ingest": {"type": "CODE", "url": MINILM_CODE}}]})
        holder["id"] = opened["transaction"]["id"]
        local_server.mutation(token, EXECUTE, "executeTransaction", i={"transactionId": holder["id"]})

    token = crash(local_server, "transaction.after_prepare", open_and_execute)
    assert by_name(local_server, token, "tiny-reviews") == by_name(local_server, token, "sentence-transformers") == []
    time.sleep(LEASE)
    state = local_server.graphql(token, 'query($id: ID!) { transaction(id: $id) { state operations { status } } }',
                                 id=holder["id"])["data"]["transaction"]
    assert state == {"state": "FAILED", "operations": [{"status": "ABORTED"}, {"status": "ABORTED"}]}
    assert_clean(local_server)
    again = retried(lambda: local_server.mutation(token, OPEN, "openTransaction", i={"operations": [
        {"ingest": {"type": "DATASET", "url": MINILM_DATASET}}]}))
    done = local_server.mutation(token, EXECUTE, "executeTransaction", i={"transactionId": again["transaction"]["id"]})
    assert done["transaction"]["state"] == "COMMITTED", done
    disaster("crash-transaction.after_prepare", component=SERVER,
             failure="killed while executing a group transaction (all staged, nothing committed)",
             user_sees="no answer; none of the transaction's artifacts is visible; the transaction reads FAILED "
                       "with every operation ABORTED once the lease ends; a new transaction with the same "
                       "operations commits",
             recovery=f"restart; {SWEPT} rolls back the staged records and claims")


def test_kill_9_during_concurrent_writers_loses_no_acknowledged_write(local_server, tmp_path, disaster):
    local_server.start()
    token = local_server.login()
    acknowledged: dict[str, tuple[str, bytes | None]] = {}
    lock = threading.Lock()
    cut = threading.Event()

    def writer(number: int) -> None:
        """Write until the server dies under a request (no answer: no promise); remember what was acknowledged."""
        for turn in range(1000):
            name = f"w{number}-{turn}"
            try:
                if number % 2:
                    data = package(tmp_path, marker=name)
                    done = finalize(local_server, token, local_server.send_upload(token, name, data), data)
                    value: bytes | None = data
                else:
                    done = ingest(local_server, token, url=MINILM_CODE, type_="CODE", name=name)
                    value = None
            except Exception:
                assert cut.is_set()
                return
            assert not done.get("errors"), done
            with lock:
                acknowledged[done["artifact"]["artifactId"]] = (name, value)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    while len(acknowledged) < 20:
        time.sleep(0.1)
    cut.set()
    local_server.kill()
    for thread in threads:
        thread.join(120)
    local_server.start()
    token = local_server.login()
    for artifact_id, (name, data) in acknowledged.items():
        assert by_name(local_server, token, name) == [artifact_id]  # readable, and registered once
        if data is not None:
            assert local_server.download(token, artifact_id) == data
    assert_clean(local_server)
    disaster("kill-9-concurrent-writers", component=SERVER, failure="kill -9 during 20 concurrent ingests and "
                                                                    "uploads",
             user_sees="requests in flight get no answer; every acknowledged write is readable with its bytes after "
                       "the restart; no name is registered twice",
             recovery=f"restart; {SWEPT} rolls back the unacknowledged writes")
