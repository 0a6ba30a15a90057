"""Chooses the storage adapters from settings.

The AWS clients are made on first use, not here: the Lambda handler builds the app at import time and that must
stay cheap (importing boto3 and creating a client costs a few hundred milliseconds of cold start, paid only by
the first request that touches storage). boto3 itself is imported only then.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, cast

from registry.settings import Settings
from registry.ports import BlobStore, MetadataStore
from store.faults import Breaker, FaultGuard, aws_fault, local_fault

_CREATION = threading.Lock()  # boto3 sessions are not safe to create from several threads at once


class LazyClient:
    """Stands in for a boto3 client and creates it, once, when an attribute is first used."""

    def __init__(self, create: Callable[[], Any]) -> None:
        self._create = create
        self._client: Any = None

    def __getattr__(self, name: str) -> Any:
        if self._client is None:
            with _CREATION:
                if self._client is None:
                    self._client = self._create()
        return getattr(self._client, name)


def build_stores(settings: Settings) -> tuple[MetadataStore, BlobStore]:
    """local: SQLite file + blob directory under `data_dir`; aws: DynamoDB + S3 at the configured endpoints.

    Creates no AWS tables or buckets: the deployment owns them (`ensure_tables`/`ensure_bucket` exist for tests
    and first starts against a local endpoint). Both stores come wrapped in a FaultGuard (store/faults.py): their
    outages answer STORE_UNAVAILABLE, and an AWS service that stopped answering is paused for a few seconds.
    """
    if settings.backend == "local":
        from store.files import FileBlobStore
        from store.sqlite import SqliteMetadataStore

        return (guarded(SqliteMetadataStore(settings.data_dir / "registry.sqlite3"), "database", local_fault),
                guarded(FileBlobStore(settings.data_dir / "blobs"), "blob store", local_fault))

    from store.dynamo import DynamoMetadataStore
    from store.s3 import S3BlobStore

    dynamodb = LazyClient(lambda: aws_client("dynamodb", settings.aws_region, settings.dynamodb_endpoint_url,
                                             settings))
    s3 = LazyClient(lambda: aws_client("s3", settings.aws_region, settings.s3_endpoint_url, settings))
    return (guarded(DynamoMetadataStore(dynamodb, settings.dynamodb_table_prefix), "database (DynamoDB)", aws_fault,
                    Breaker(settings.store_cooldown_seconds)),
            guarded(S3BlobStore(s3, settings.s3_bucket), "blob store (S3)", aws_fault,
                    Breaker(settings.store_cooldown_seconds)))


def guarded(store: Any, name: str, classify: Any, breaker: Breaker | None = None) -> Any:
    """`store` behind a FaultGuard (typed as the port it implements by the caller)."""
    return cast(Any, FaultGuard(store, name, classify, breaker))


def aws_client(service: str, region: str, endpoint_url: str | None, settings: Settings) -> Any:
    """A boto3 client with bounded timeouts and standard retries (throttling, 5xx and dropped connections retried
    with backoff): a frozen server costs `store_max_attempts` read timeouts, not minutes. (`total_max_attempts`
    counts the first attempt; botocore's `max_attempts` counts retries only: the 4 configured before, with a 30 s
    read timeout, were the 150 s a frozen S3 took to answer.)"""
    import boto3
    from botocore.config import Config

    options: dict[str, Any] = {"retries": {"mode": "standard", "total_max_attempts": settings.store_max_attempts},
                               "connect_timeout": settings.store_connect_timeout_seconds,
                               "read_timeout": settings.store_read_timeout_seconds}
    if service == "s3":
        # A custom endpoint (SeaweedFS, MinIO, LocalStack) is addressed by path; AWS itself by virtual host.
        options.update(signature_version="s3v4", s3={"addressing_style": "path" if endpoint_url else "virtual"})
    return boto3.session.Session().client(service, region_name=region, endpoint_url=endpoint_url,
                                          config=Config(**options))
