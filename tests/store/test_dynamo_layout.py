"""DynamoDB specifics behind the contract: enumerations are Queries, and oversized records live in chunks."""
from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from registry.model import Artifact, ArtifactStatus, ArtifactType, FileEntry
from store.dynamo import DynamoMetadataStore, table_definition
from tests.servers import REGION, TEST_ACCESS_KEY, TEST_SECRET_KEY

pytestmark = pytest.mark.aws


@pytest.fixture
def recorded(moto_url: str) -> Iterator[tuple[DynamoMetadataStore, list[str]]]:
    """A fresh store whose client records the name of every DynamoDB operation it sends."""
    client = boto3.client("dynamodb", endpoint_url=moto_url, region_name=REGION, aws_access_key_id=TEST_ACCESS_KEY,
                          aws_secret_access_key=TEST_SECRET_KEY)
    calls: list[str] = []

    def record(model: Any, **_: Any) -> None:
        calls.append(model.name)

    client.meta.events.register("before-call.dynamodb", record)
    store = DynamoMetadataStore(client, table_prefix="layout")
    store.ensure_tables()
    store.reset()
    yield store, calls


def ready(artifact_id: str, **fields: Any) -> Artifact:
    return Artifact(id=artifact_id, type=ArtifactType.MODEL, name=f"org/{artifact_id}", status=ArtifactStatus.READY,
                    **fields)


def test_reads_and_enumerations_never_scan(recorded):
    store, calls = recorded
    for n in range(5):
        store.create_artifact(ready(f"q-{n}", source_url=f"https://huggingface.co/org/q-{n}",
                                    parent_urls=["https://huggingface.co/org/base"]))
    calls.clear()

    page = store.list_artifacts(None, None, 2)
    store.list_artifacts([ArtifactType.MODEL], page.next_cursor, 2)
    store.find_by_name("org/q-1")
    store.find_by_source(["https://huggingface.co/org/q-2"])
    store.find_children(["https://huggingface.co/org/base"])
    store.get_artifacts(["q-0", "q-3"])
    list(store.iter_search_text())
    list(store.iter_search_text(latest_only=True))
    store.list_artifacts(None, None, 2, latest_only=True)
    store.list_by_version("0000000001", "0000000002", None, None, 2)

    assert "Scan" not in calls
    assert set(calls) == {"Query", "BatchGetItem"}


def test_an_oversized_record_is_chunked_and_read_consistently(recorded, dynamodb_client):
    store, _ = recorded
    files = [FileEntry(path=f"f/{n}", size=n, sha256=hashlib.sha256(str(n).encode()).hexdigest())
             for n in range(15_000)]
    first = ready("big", files=files)
    store.create_artifact(first)
    key = {"pk": {"S": "A#big"}, "sk": {"S": "A"}}
    stale_head = dynamodb_client.get_item(TableName=store.table, Key=key)["Item"]
    assert "body" not in stale_head and int(stale_head["chunk_count"]["N"]) > 1

    second = first.model_copy(update={"files": files[::-1]})
    store.replace_artifact(second)

    # A reader holding the head from before the replacement finds its chunks gone and reads the new record.
    assert store._decode(stale_head) == second
    chunks = dynamodb_client.query(TableName=store.table, KeyConditionExpression="pk = :pk",
                                   ExpressionAttributeValues={":pk": {"S": "A#big"}})["Items"]
    versions = {item["sk"]["S"].split("#")[1] for item in chunks if item["sk"]["S"].startswith("C#")}
    assert len(versions) == 1  # the old version's chunks were deleted


def test_the_table_definition_indexes_only_what_the_store_queries():
    definition = table_definition("tmr-registry")
    assert definition["TableName"] == "tmr-registry"
    assert {index["IndexName"] for index in definition["GlobalSecondaryIndexes"]} == {
        "by_type", "by_name", "by_source", "by_version", "by_latest"}
