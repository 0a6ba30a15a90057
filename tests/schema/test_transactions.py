"""Atomic group transactions through GraphQL: open, append, execute; all applied or none, with per-operation errors,
also under concurrency."""
from __future__ import annotations

import hashlib
import threading

from tests.conftest import MINILM_CODE, MINILM_DATASET, nodes
from tests.package.zips import build_zip, hf_files
from tests.schema.test_package import REQUEST

TX = ("transaction { id state operations { index kind status url uploadId targetId artifact { artifactId name } "
      "error { code message details } } }")
OPEN = "mutation($i: OpenTransactionInput!) { openTransaction(input: $i) { %s errors { code message } } }" % TX
APPEND = ("mutation($i: AppendToTransactionInput!) { appendToTransaction(input: $i) { %s errors { code message } } }"
          % TX)
EXECUTE = ("mutation($i: ExecuteTransactionInput!) { executeTransaction(input: $i) { %s errors { code message } } }"
           % TX)
MISSING = "https://huggingface.co/datasets/fakehub/does-not-exist"


def ingest_op(url: str, type_: str = "DATASET", name: str | None = None) -> dict:
    return {"ingest": {"type": type_, "url": url, "name": name}}


def opened(gql, *operations) -> str:
    payload = gql(OPEN, i={"operations": list(operations)})["data"]["openTransaction"]
    assert payload["errors"] == [], payload
    assert payload["transaction"]["state"] == "OPEN"
    return payload["transaction"]["id"]


def execute(gql, transaction_id: str) -> dict:
    return gql(EXECUTE, i={"transactionId": transaction_id})["data"]["executeTransaction"]


def names(gql) -> list[str]:
    return sorted(n["name"] for n in nodes(gql("{ artifacts(first: 100) { edges { node { name } } } }"), "artifacts"))


def test_every_operation_is_applied_together(gql):
    transaction_id = opened(gql, ingest_op(MINILM_DATASET))
    appended = gql(APPEND, i={"transactionId": transaction_id,
                              "operation": ingest_op(MINILM_CODE, "CODE")})["data"]["appendToTransaction"]
    assert [op["status"] for op in appended["transaction"]["operations"]] == ["PENDING", "PENDING"]
    assert names(gql) == []

    done = execute(gql, transaction_id)

    assert done["errors"] == [] and done["transaction"]["state"] == "COMMITTED"
    operations = done["transaction"]["operations"]
    assert [(op["status"], op["artifact"]["name"]) for op in operations] == [
        ("APPLIED", "tiny-reviews"), ("APPLIED", "sentence-transformers")]
    assert names(gql) == ["sentence-transformers", "tiny-reviews"]
    assert execute(gql, transaction_id) == done  # executing again answers the outcome
    read = gql('query($id: ID!) { transaction(id: $id) { state } }', id=transaction_id)
    assert read["data"]["transaction"]["state"] == "COMMITTED"


def test_one_failing_operation_applies_none_and_says_which(gql):
    gql(OPEN, i={"operations": [ingest_op(MINILM_DATASET)]})  # an open transaction holds nothing
    registered = gql('mutation($i: IngestArtifactInput!) { ingestArtifact(input: $i) { errors { code } } }',
                     i={"type": "CODE", "url": MINILM_CODE})
    assert registered["data"]["ingestArtifact"]["errors"] == []
    transaction_id = opened(gql, ingest_op(MINILM_DATASET), ingest_op(MISSING), ingest_op(MINILM_CODE, "CODE"))

    done = execute(gql, transaction_id)

    assert done["transaction"]["state"] == "FAILED"
    assert [e["code"] for e in done["errors"]] == ["ABORTED"] and "1, 2" in done["errors"][0]["message"]
    statuses = [(op["status"], op["error"]["code"]) for op in done["transaction"]["operations"]]
    assert statuses == [("ABORTED", "ABORTED"), ("FAILED", "NOT_FOUND"), ("FAILED", "CONFLICT")]
    assert names(gql) == ["sentence-transformers"]  # nothing of the transaction is visible
    # Its claims were released: the same dataset is ingested alone at once.
    again = execute(gql, opened(gql, ingest_op(MINILM_DATASET)))
    assert again["transaction"]["state"] == "COMMITTED"


def test_concurrent_transactions_over_the_same_source_commit_once(gql):
    first = opened(gql, ingest_op(MINILM_DATASET, name="shared"), ingest_op(MINILM_CODE, "CODE", name="a"))
    second = opened(gql, ingest_op(MINILM_DATASET, name="shared"), ingest_op(MINILM_CODE, "CODE", name="b"))
    outcomes: dict[str, dict] = {}
    threads = [threading.Thread(target=lambda t=t: outcomes.update({t: execute(gql, t)})) for t in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    states = sorted(o["transaction"]["state"] for o in outcomes.values())
    assert states == ["COMMITTED", "FAILED"]
    (failed,) = [o for o in outcomes.values() if o["transaction"]["state"] == "FAILED"]
    assert failed["transaction"]["operations"][0]["error"]["code"] == "CONFLICT"
    assert names(gql) in (["a", "shared"], ["b", "shared"])


def test_uploads_and_updates_join_a_transaction(gql, tmp_path):
    code = gql('mutation($i: IngestArtifactInput!) { ingestArtifact(input: $i) { artifact { artifactId } } }',
               i={"type": "CODE", "url": MINILM_CODE})["data"]["ingestArtifact"]["artifact"]
    package = build_zip(tmp_path / "package.zip", hf_files()).read_bytes()
    ticket = gql(REQUEST, n="acme/grouped", s=len(package))["data"]["requestUpload"]["ticket"]
    assert gql.client.put(ticket["url"].replace("http://testserver", ""), content=package).status_code == 200
    transaction_id = opened(gql, {"upload": {"uploadId": ticket["uploadId"],
                                             "sha256": hashlib.sha256(package).hexdigest()}})
    gql(APPEND, i={"transactionId": transaction_id,
                   "operation": {"update": {"artifactId": code["artifactId"], "url": MINILM_CODE + "/tree/main",
                                            "version": "2.0.0"}}})

    done = execute(gql, transaction_id)

    assert done["transaction"]["state"] == "COMMITTED", done
    upload, update = done["transaction"]["operations"]
    assert upload["artifact"]["name"] == "acme/grouped" and upload["uploadId"] == ticket["uploadId"]
    assert update["artifact"]["name"] == "sentence-transformers"  # a new version of it: an id of its own
    assert update["artifact"]["artifactId"] != code["artifactId"]
    assert names(gql) == ["acme/grouped", "sentence-transformers"]


def test_transactions_refuse_what_they_cannot_do(gql, make_user):
    refused = gql(OPEN, i={"operations": [ingest_op("https://example.com/not/a/hub")]})["data"]["openTransaction"]
    assert [e["code"] for e in refused["errors"]] == ["INVALID_INPUT"]
    too_many = gql(OPEN, i={"operations": [ingest_op(MINILM_DATASET)] * 21})["data"]["openTransaction"]
    assert [e["code"] for e in too_many["errors"]] == ["TOO_LARGE"]
    bad_version = {"update": {"artifactId": "a" * 36, "url": MINILM_CODE, "version": "2.x"}}
    refused = gql(OPEN, i={"operations": [bad_version]})["data"]["openTransaction"]
    assert [e["code"] for e in refused["errors"]] == ["INVALID_INPUT"]  # before anything runs
    empty = opened(gql)
    assert [e["code"] for e in execute(gql, empty)["errors"]] == ["INVALID_INPUT"]
    transaction_id = opened(gql, ingest_op(MINILM_DATASET))
    execute(gql, transaction_id)
    late = gql(APPEND, i={"transactionId": transaction_id, "operation": ingest_op(MINILM_CODE, "CODE")})
    assert [e["code"] for e in late["data"]["appendToTransaction"]["errors"]] == ["CONFLICT"]
    stranger = make_user("stranger", "UPLOAD", "SEARCH")
    assert [e["code"] for e in execute(stranger, transaction_id)["errors"]] == ["NOT_FOUND"]
    reader = make_user("reader", "SEARCH")
    assert [e["code"] for e in reader(OPEN, i={})["data"]["openTransaction"]["errors"]] == ["PERMISSION_DENIED"]


GROUP_DOWNLOAD = ("mutation($i: RequestGroupDownloadInput!) { requestGroupDownload(input: $i) { downloads { url sha256 "
                  "filename } errors { code message } } }")


def test_packages_registered_together_are_downloaded_together(gql, tmp_path):
    packages, operations = [], []
    for marker in ("model-a", "model-b"):
        package = build_zip(tmp_path / f"{marker}.zip", hf_files(**{"marker.txt": marker.encode()})).read_bytes()
        ticket = gql(REQUEST, n=f"acme/{marker}", s=len(package))["data"]["requestUpload"]["ticket"]
        assert gql.client.put(ticket["url"].replace("http://testserver", ""), content=package).status_code == 200
        packages.append(package)
        operations.append({"upload": {"uploadId": ticket["uploadId"], "sha256": hashlib.sha256(package).hexdigest()}})
    done = execute(gql, opened(gql, *operations))
    ids = [op["artifact"]["artifactId"] for op in done["transaction"]["operations"]]

    group = gql(GROUP_DOWNLOAD, i={"artifactIds": ids})["data"]["requestGroupDownload"]

    assert group["errors"] == []
    fetched = [gql.client.get(d["url"].replace("http://testserver", ""),
                              headers={"X-Authorization": f"bearer {gql.token}"}).content for d in group["downloads"]]
    assert fetched == packages
    missing = gql(GROUP_DOWNLOAD, i={"artifactIds": [ids[0], "no-such-id"]})["data"]["requestGroupDownload"]
    assert [e["code"] for e in missing["errors"]] == ["NOT_FOUND"] and missing["downloads"] == []
