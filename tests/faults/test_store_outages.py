"""The AWS backend's stores fail under the registry: SeaweedFS (S3) and moto's DynamoDB server frozen mid-operation
(SIGSTOP: connections accepted, never answered) or stopped (connections refused, through a proxy). Clients get a
coded 503 with Retry-After within seconds, told the truth about their write, and their retries succeed once the
store is back; nothing is half-visible and the sweeper leaves no orphan."""
from __future__ import annotations

import hashlib
import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from tests.conftest import MINILM_DATASET
from tests.faults.conftest import AwsStack
from tests.faults.harness import (DELETE, FINALIZE, INGEST, RegistryServer, eventually, leftovers, refused, retried,
                                  timed)
from tests.faults.test_crashes import by_name, package

pytestmark = [pytest.mark.slow, pytest.mark.aws]
BOUND = 60.0  # seconds an answer may take while a store is down (generous: the machine is shared and noisy)
S3, DYNAMODB = "S3 (SeaweedFS)", "DynamoDB (moto server)"


@contextmanager
def frozen(pid: int | None) -> Iterator[None]:
    assert pid
    os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(pid, signal.SIGCONT)


def assert_clean(aws: AwsStack) -> None:
    assert eventually(lambda: leftovers(aws.metadata, aws.blobs), bound=90) == []


def answered_503(payload: dict[str, Any], seconds: float) -> dict[str, Any]:
    (error,) = payload["errors"]
    assert error["code"] == "STORE_UNAVAILABLE", payload
    assert error["details"]["retry_after_seconds"] >= 1 and seconds < BOUND
    return error


def test_a_finalize_while_s3_is_frozen_answers_503_and_its_retry_completes(aws_server, aws, tmp_path, disaster):
    aws_server.start()
    token = aws_server.login()
    data = package(tmp_path)
    upload_id = aws_server.send_upload(token, "acme/frozen-s3", data)
    sha = hashlib.sha256(data).hexdigest()

    with frozen(aws.s3.pid):
        payload, seconds = timed(lambda: aws_server.mutation(token, FINALIZE, "finalizeUpload",
                                                             i={"uploadId": upload_id, "sha256": sha}))
        answered_503(payload, seconds)
        listed, listing_seconds = timed(lambda: aws_server.graphql(token, "{ artifacts(first: 5) { edges { node { "
                                                                          "artifactId } } } }"))
    assert listed["data"]["artifacts"]["edges"] == [] and listing_seconds < BOUND  # metadata reads go on

    done = retried(lambda: aws_server.mutation(token, FINALIZE, "finalizeUpload",
                                               i={"uploadId": upload_id, "sha256": sha}))
    assert aws_server.download(token, done["artifact"]["artifactId"]) == data
    assert_clean(aws)
    disaster("s3-frozen-finalize", component=S3, failure="frozen (SIGSTOP) during a finalize",
             user_sees="finalizeUpload answers STORE_UNAVAILABLE with retry_after_seconds within seconds (not "
                       "minutes); listings keep answering; the upload is kept",
             recovery="S3 resumes; retrying finalizeUpload with the same upload id registers the model with its bytes")


def test_a_delete_while_s3_is_down_is_done_and_its_bytes_are_swept_later(aws_server, aws, tmp_path, disaster):
    aws_server.start()
    token = aws_server.login()
    data = package(tmp_path)
    artifact_id = retried(lambda: aws_server.mutation(token, FINALIZE, "finalizeUpload", i={
        "uploadId": aws_server.send_upload(token, "acme/doomed", data),
        "sha256": hashlib.sha256(data).hexdigest()}))["artifact"]["artifactId"]

    aws.s3_proxy.stop()
    try:
        payload, seconds = timed(lambda: aws_server.mutation(token, DELETE, "deleteArtifact",
                                                             i={"artifactId": artifact_id}))
        with aws_server.client() as http:
            gone = http.get(f"/artifacts/model/{artifact_id}", headers={"X-Authorization": f"bearer {token}"})
    finally:
        aws.s3_proxy.resume()
    assert payload == {"deletedId": artifact_id, "errors": []} and seconds < BOUND  # the truth: it is deleted
    assert gone.status_code == 404
    assert_clean(aws)  # the bytes it could not remove then are the sweeper's
    disaster("s3-stopped-delete", component=S3, failure="stopped (connections refused) during a delete",
             user_sees="the delete answers success (the record is gone: the truth) and the artifact reads 404; its "
                       "bytes cannot be removed yet",
             recovery="S3 back; the sweeper removes the orphaned bytes (the deleted package's claim protects them "
                      "meanwhile)")


def test_an_ingest_while_dynamodb_is_frozen_answers_503_and_its_retry_registers_it_once(aws_server, aws,
                                                                                        disaster):
    aws_server.start()
    token = aws_server.login()
    request = {"type": "DATASET", "url": MINILM_DATASET, "idempotencyKey": "frozen-dynamodb"}

    with frozen(aws.dynamodb.pid):
        payload, seconds = timed(lambda: aws_server.mutation(token, INGEST, "ingestArtifact", i=request))
        answered_503(payload, seconds)
        with aws_server.client() as http:
            rest, rest_seconds = timed(lambda: http.get("/artifacts/dataset/abc",
                                                        headers={"X-Authorization": f"bearer {token}"}))
    assert rest.status_code == 503 and rest.json()["code"] == "STORE_UNAVAILABLE" and rest_seconds < BOUND
    assert int(rest.headers["Retry-After"]) >= 1

    done = retried(lambda: aws_server.mutation(token, INGEST, "ingestArtifact", i=request))
    assert retried(lambda: aws_server.mutation(token, INGEST, "ingestArtifact", i=request)) == done
    assert eventually(lambda: [] if by_name(aws_server, token, "tiny-reviews") else ["not listed yet"]) == []
    assert by_name(aws_server, token, "tiny-reviews") == [done["artifact"]["artifactId"]]
    assert_clean(aws)
    disaster("dynamodb-frozen-ingest", component=DYNAMODB, failure="frozen (SIGSTOP) during an ingest",
             user_sees="the ingest and every request needing the database answer STORE_UNAVAILABLE (REST: 503, "
                       "Retry-After) within seconds",
             recovery="DynamoDB resumes; the retry with the same idempotency key registers the artifact exactly once")


def test_reads_while_dynamodb_is_down_answer_503_at_once_and_recover(aws_server, aws, disaster):
    aws_server.start()
    token = aws_server.login()
    artifact_id = retried(lambda: aws_server.mutation(token, INGEST, "ingestArtifact", i={
        "type": "DATASET", "url": MINILM_DATASET}))["artifact"]["artifactId"]

    aws.dynamodb_proxy.stop()
    try:
        with aws_server.client() as http:
            answers = [timed(lambda: http.get(f"/artifacts/dataset/{artifact_id}",
                                              headers={"X-Authorization": f"bearer {token}"})) for _ in range(3)]
    finally:
        aws.dynamodb_proxy.resume()
    for answer, seconds in answers:
        assert answer.status_code == 503 and answer.json()["code"] == "STORE_UNAVAILABLE" and seconds < BOUND
        assert "Retry-After" in answer.headers

    def read() -> list[str]:
        with aws_server.client() as http:
            status = http.get(f"/artifacts/dataset/{artifact_id}",
                              headers={"X-Authorization": f"bearer {token}"}).status_code
        return [] if status == 200 else [f"status {status}"]

    assert eventually(read) == []
    disaster("dynamodb-stopped-reads", component=DYNAMODB, failure="stopped (connections refused)",
             user_sees="requests answer 503 STORE_UNAVAILABLE with Retry-After; once one found it unreachable, the "
                       "next ones answer at once for a few seconds",
             recovery="DynamoDB back; requests succeed again after the pause (store_cooldown_seconds)")


def test_a_finalize_killed_on_the_aws_backend_is_completed_by_its_retry(aws_server: RegistryServer, aws, tmp_path,
                                                                        disaster):
    aws_server.start()
    token = aws_server.login()
    data = package(tmp_path)
    upload_id = aws_server.send_upload(token, "acme/across-restarts", data)
    aws_server.kill()
    aws_server.start(crash_point="finalize.after_blobs")
    token = aws_server.login()
    sha = hashlib.sha256(data).hexdigest()
    refused(lambda: aws_server.mutation(token, FINALIZE, "finalizeUpload", i={"uploadId": upload_id, "sha256": sha}))
    aws_server.crashed()
    aws_server.start()
    token = aws_server.login()
    done = retried(lambda: aws_server.mutation(token, FINALIZE, "finalizeUpload",
                                               i={"uploadId": upload_id, "sha256": sha}))
    assert aws_server.download(token, done["artifact"]["artifactId"]) == data
    assert_clean(aws)
    disaster("aws-crash-finalize", component="registry function (AWS backend)",
             failure="killed during a finalize (package in S3, no record in DynamoDB)",
             user_sees="no answer; retrying finalizeUpload with the same upload id answers the model after the lease",
             recovery="a new instance; the scheduled sweeper removes what the dead one left")
