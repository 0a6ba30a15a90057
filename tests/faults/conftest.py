"""Fault-test fixtures: a fake hub of their own (they slow it down and stop it), the registry as a server process,
the AWS servers as processes, and the recorder of the disaster-proofing table's rows."""
from __future__ import annotations

import importlib.util
import json
import os
import signal
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest

from store.dynamo import DynamoMetadataStore
from store.s3 import S3BlobStore
from tests.fakehub.seed import seed
from tests.fakehub.server import FakeHub
from tests.faults.harness import REPO, RegistryServer
from tests.servers import REGION, TEST_ACCESS_KEY, TEST_SECRET_KEY, S3Endpoint, ServerProcess, TcpProxy, \
    moto_process, seaweedfs

Record = Callable[..., None]


def table_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("disaster_table", REPO / "scripts" / "disaster_table.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def disaster(request: pytest.FixtureRequest) -> Record:
    """`disaster(id, component=, failure=, user_sees=, recovery=)`: the row this test observed, checked against
    docs/disaster-proofing.json (or written there with UPDATE_DISASTER_TABLE=1)."""
    script = table_script()

    def record(row_id: str, **fields: str) -> None:
        row = {"id": row_id, **fields, "test": request.node.name}
        rows = script.load() if script.DATA.exists() else []
        committed = {r["id"]: r for r in rows}
        if os.environ.get("UPDATE_DISASTER_TABLE"):
            committed[row_id] = row
            script.save(list(committed.values()))
            return
        assert committed.get(row_id) == row, (
            f"docs/disaster-proofing.json has {json.dumps(committed.get(row_id))} for {row_id!r} but the test "
            f"observed {json.dumps(row)}; if the new behaviour is right, rerun with UPDATE_DISASTER_TABLE=1")

    return record


@pytest.fixture
def fault_hub() -> Iterator[FakeHub]:
    hub = FakeHub()
    seed(hub)
    hub.start()
    yield hub
    hub.stop()


@pytest.fixture
def local_server(tmp_path: Path, fault_hub: FakeHub) -> Iterator[RegistryServer]:
    """The registry on the embedded store under tmp_path, not started yet."""
    server = RegistryServer(tmp_path / "data", fault_hub.hf_endpoint, fault_hub.github_api_url)
    yield server
    server.kill()


@dataclass
class AwsStack:
    """moto's DynamoDB and SeaweedFS as processes, each behind a proxy the test can stop; direct stores for the
    checks (not through the proxies)."""

    dynamodb: ServerProcess
    s3: S3Endpoint
    dynamodb_proxy: TcpProxy
    s3_proxy: TcpProxy
    metadata: DynamoMetadataStore
    blobs: S3BlobStore
    env: dict[str, str]


@pytest.fixture(scope="module")
def aws_processes() -> Iterator[tuple[ServerProcess, S3Endpoint]]:
    with moto_process() as dynamodb, seaweedfs() as s3:
        yield dynamodb, s3


@pytest.fixture
def aws(aws_processes: tuple[ServerProcess, S3Endpoint]) -> Iterator[AwsStack]:
    dynamodb, s3 = aws_processes
    prefix, bucket = f"f{uuid.uuid4().hex[:8]}", f"faults-{uuid.uuid4().hex[:12]}"
    client: Any = boto3.client("dynamodb", endpoint_url=dynamodb.url, region_name=REGION,
                               aws_access_key_id=TEST_ACCESS_KEY, aws_secret_access_key=TEST_SECRET_KEY)
    metadata = DynamoMetadataStore(client, prefix)
    metadata.ensure_tables()
    blobs = S3BlobStore(s3.client(), bucket, part_size=5 * 1024 * 1024)
    blobs.ensure_bucket()
    dynamodb_proxy, s3_proxy = TcpProxy(dynamodb.url), TcpProxy(s3.url)
    env = {"REGISTRY_BACKEND": "aws", "AWS_ENDPOINT_URL_DYNAMODB": dynamodb_proxy.url,
           "AWS_ENDPOINT_URL_S3": s3_proxy.url, "AWS_ACCESS_KEY_ID": TEST_ACCESS_KEY,
           "AWS_SECRET_ACCESS_KEY": TEST_SECRET_KEY, "AWS_REGION": REGION, "REGISTRY_S3_BUCKET": bucket,
           "REGISTRY_DYNAMODB_TABLE_PREFIX": prefix}
    yield AwsStack(dynamodb, s3, dynamodb_proxy, s3_proxy, metadata, blobs, env)
    for proxy in (dynamodb_proxy, s3_proxy):
        proxy.stop()
    for pid in (s3.pid, dynamodb.pid):  # a failed test may have left one frozen
        if pid:
            os.kill(pid, signal.SIGCONT)


@pytest.fixture
def aws_server(tmp_path: Path, fault_hub: FakeHub, aws: AwsStack) -> Iterator[RegistryServer]:
    server = RegistryServer(tmp_path / "data", fault_hub.hf_endpoint, fault_hub.github_api_url, env=aws.env)
    yield server
    server.kill()
