"""Package services on an isolated store: settings with small caps, users with chosen permissions, tokens."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from registry.artifacts import ArtifactService
from registry.audit import AuditService
from registry.auth import UserService
from registry.download import DownloadService
from registry.health import HealthService
from registry.mirror import Mirrors
from registry.model import Permission, Token, User
from registry.monitor import MonitorRunner
from registry.package import PackageService
from registry.sensitive import SensitiveModels
from registry.rating import POLICY_SETTING, RatingService
from registry.settings import Settings
from registry.signing import deployment_signer
from registry.sourcing import SourceReader
from scoring.errors import SourceUnavailable
from scoring.rating import GATED_METRICS
from store.factory import build_stores
from tests.package.fakes import MemoryBlobs, MemoryMetadata

UPLOADER = User(username="uploader", password_hash="-",
                permissions=frozenset({Permission.UPLOAD, Permission.SEARCH, Permission.DOWNLOAD}))
READER = User(username="reader", password_hash="-", permissions=frozenset({Permission.SEARCH}))
OTHER = User(username="other", password_hash="-", permissions=frozenset({Permission.UPLOAD, Permission.SEARCH}))


class Offline:
    """Stands in for the Hub and GitHub readers: package tests reach no upstream source. A package's rating reads
    the datasets and code its card links; offline, each such read fails and the rating says so."""

    def __getattr__(self, name: str) -> Any:
        def unreachable(*_args: Any, **_kwargs: Any) -> Any:
            raise SourceUnavailable(f"offline in package tests ({name})")

        return unreachable


# Package mechanics are tested under a gate that refuses nothing: the gate itself is tested in tests/scoring,
# and packages meet the default policy through the doors (tests/schema/test_package.py) against the fake hub.
OPEN_GATE = {"policy": {"thresholds": {metric: 0.0 for metric in GATED_METRICS}, "net_score_gated": False}}


@dataclass
class Services:
    settings: Settings
    metadata: Any
    blobs: Any
    users: UserService
    artifacts: ArtifactService
    packages: PackageService
    health: HealthService
    audit: AuditService
    downloads: DownloadService
    sensitive: SensitiveModels
    mirrors: Mirrors

    def token_for(self, user: User) -> str:
        """A bearer secret for `user`, stored the way UserService stores tokens (sha256 of the secret)."""
        self.metadata.put_user(user, overwrite=True)
        secret = f"secret-{user.username}"
        self.metadata.put_token(Token(token_hash=hashlib.sha256(secret.encode()).hexdigest(), username=user.username))
        return secret


def small_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"environment": "test", "backend": "local", "data_dir": tmp_path / "data",
                              "public_url": "", "max_upload_bytes": 3_000_000, "presign_ttl_seconds": 600,
                              "zip_max_entries": 100, "zip_max_total_bytes": 20_000_000, "zip_max_ratio": 100.0}
    return Settings(**{**values, **overrides})


def build_services(settings: Settings, metadata: Any, blobs: Any, hub: Any = None, github: Any = None) -> Services:
    """The services as registry/container.py wires them; links are signed unless the blob store presigns."""
    upstream: Any = Offline()
    metadata.put_setting(POLICY_SETTING, OPEN_GATE)
    rater = RatingService(upstream, upstream, metadata, metadata, timeout=5)
    artifacts = ArtifactService(settings, metadata, metadata, metadata, metadata, blobs,
                                SourceReader(upstream, upstream), rater, monitors=metadata)
    mirrors = Mirrors(settings, metadata, metadata, blobs, hub or upstream, github or upstream)
    packages = PackageService(settings, metadata, metadata, blobs, artifacts, mirrors)
    audit = AuditService(metadata, metadata, settings.max_page_size)
    signer = None if getattr(blobs, "presign", False) else deployment_signer(settings)
    downloads = DownloadService(settings, artifacts, metadata, packages, metadata, metadata, metadata, audit, blobs,
                                MonitorRunner.from_settings(settings), signer)
    return Services(settings=settings, metadata=metadata, blobs=blobs, users=UserService(metadata, settings),
                    artifacts=artifacts, packages=packages, health=HealthService(stores={}), audit=audit,
                    downloads=downloads, sensitive=SensitiveModels(settings, metadata, metadata, audit),
                    mirrors=mirrors)


@pytest.fixture(params=["memory", "local"])
def services(request, tmp_path) -> Services:
    """Each test twice: over the in-memory fakes, and over the real embedded adapters (SQLite + files)."""
    settings = small_settings(tmp_path)
    if request.param == "memory":
        return build_services(settings, MemoryMetadata(), MemoryBlobs())
    metadata, blobs = build_stores(settings)
    return build_services(settings, metadata, blobs)


@pytest.fixture
def s3_like(tmp_path) -> Services:
    """Same services over a blob store that hands out presigned URLs, as S3 does."""
    return build_services(small_settings(tmp_path), MemoryMetadata(), MemoryBlobs(presign=True))
