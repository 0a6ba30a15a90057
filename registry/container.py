"""The registry's services wired to one pair of stores and the upstream clients.

Each service receives only the ports it uses (registry/ports.py); here they are all the same adapter object.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from registry import events
from registry.artifacts import ArtifactService
from registry.audit import AuditService
from registry.auth import UserService, require
from registry.download import DownloadService
from registry.health import HealthService
from registry.lineage import LineageService
from registry.mirror import Mirrors
from registry.model import Permission, User
from registry.monitor import MonitorRunner
from registry.package import PackageService
from registry.popularity import PopularityService
from registry.ports import BlobStore, MetadataStore
from registry.query import ArtifactQueries
from registry.rating import RatingService
from registry.sensitive import SensitiveModels
from registry.settings import Settings
from registry.signing import deployment_signer
from registry.sourcing import GitHubClient, HubClient, SourceReader
from registry.workload import WorkloadService


@dataclass
class Registry:
    settings: Settings
    metadata: MetadataStore
    blobs: BlobStore
    hub: HubClient
    github: GitHubClient
    users: UserService = field(init=False)
    ratings: RatingService = field(init=False)
    artifacts: ArtifactService = field(init=False)
    health: HealthService = field(init=False)
    lineage: LineageService = field(init=False)
    mirrors: Mirrors = field(init=False)
    packages: PackageService = field(init=False)
    queries: ArtifactQueries = field(init=False)
    audit: AuditService = field(init=False)
    downloads: DownloadService = field(init=False)
    sensitive: SensitiveModels = field(init=False)
    popularity: PopularityService = field(init=False)
    workload: WorkloadService = field(init=False)

    def __post_init__(self) -> None:
        store = self.metadata
        self.users = UserService(store, self.settings)
        self.ratings = RatingService(self.hub, self.github, store, store,
                                     timeout=self.settings.upstream_timeout_seconds * 2)
        sources = SourceReader(self.hub, self.github)
        self.artifacts = ArtifactService(self.settings, store, store, store, store, self.blobs, sources, self.ratings,
                                         monitors=store)
        # Probes look the stores up at call time, so a test (or an operator's hot swap) that replaces them is seen.
        self.health = HealthService(
            stores={"metadata-store": ("Metadata store", lambda: self.metadata.ping()),
                    "blob-store": ("Blob store", lambda: self.blobs.ping())},
            upstreams={"huggingface-hub": ("Hugging Face Hub", lambda: self.hub.ping()),
                       "github-api": ("GitHub API", lambda: self.github.ping())})
        self.lineage = LineageService(store, self.artifacts, self.github)
        self.queries = ArtifactQueries(self.artifacts, self.settings.max_page_size)
        self.mirrors = Mirrors(self.settings, store, store, self.blobs, self.hub, self.github)
        self.packages = PackageService(self.settings, store, store, self.blobs, self.artifacts, self.mirrors)
        self.audit = AuditService(store, store, self.settings.max_page_size)
        self.downloads = DownloadService(self.settings, self.artifacts, store, self.packages, store, store, store,
                                         self.audit, self.blobs, MonitorRunner.from_settings(self.settings),
                                         deployment_signer(self.settings))
        self.sensitive = SensitiveModels(self.settings, store, store, self.audit)
        self.popularity = PopularityService(store, store, store, self.settings.max_page_size)
        self.workload = WorkloadService(self.settings, self.users, self.artifacts, self.packages, sources)

    def reset(self, actor: User) -> None:
        """An empty registry holding only the default admin."""
        require(actor, Permission.ADMIN)
        self.metadata.reset()
        self.blobs.reset()
        self.users.ensure_default_admin()
        events.emit("registry.reset", by=actor.username)
