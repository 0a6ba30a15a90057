"""The registry's services wired to one pair of stores and the upstream clients.

Each service receives only the ports it uses (registry/ports.py); here they are all the same adapter object.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from registry import events
from registry.artifacts import ArtifactService
from registry.audit import AuditService
from registry.auth import UserService, require
from registry.bulkhead import Bulkhead
from registry.crashpoints import reach
from registry.download import DownloadService
from registry.health import HealthService
from registry.idempotency import Idempotency
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
from registry.sweeper import Sweeper, SweepReport
from registry.transactions import TransactionService
from registry.workload import WorkloadService
from registry.writes import WriteFence, Writes


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
    fence: WriteFence = field(init=False)
    transactions: TransactionService = field(init=False)
    sweeper: Sweeper = field(init=False)
    upstream: Bulkhead = field(init=False)

    def __post_init__(self) -> None:
        store, settings = self.metadata, self.settings
        self.users = UserService(store, self.settings)
        self.ratings = RatingService(self.hub, self.github, store, store,
                                     timeout=self.settings.upstream_timeout_seconds * 2)
        sources = SourceReader(self.hub, self.github)
        # One fence and one set of writes for every service: the reset barrier counts all their writes. The
        # embedded store belongs to this one process; DynamoDB may be shared by many (Lambda instances).
        self.fence = WriteFence(store, settings, owns_store=settings.backend == "local")
        writes = Writes(settings, self.fence, store, store, store, self.blobs)
        idempotency = Idempotency(settings, store, store)
        self.artifacts = ArtifactService(self.settings, store, store, store, store, self.blobs, sources, self.ratings,
                                         writes=writes, idempotency=idempotency, monitors=store)
        # Probes look the stores up at call time, so a test (or an operator's hot swap) that replaces them is seen.
        self.health = HealthService(
            stores={"metadata-store": ("Metadata store", lambda: self.metadata.ping()),
                    "blob-store": ("Blob store", lambda: self.blobs.ping())},
            upstreams={"huggingface-hub": ("Hugging Face Hub", lambda: self.hub.ping()),
                       "github-api": ("GitHub API", lambda: self.github.ping())})
        self.lineage = LineageService(store, self.artifacts, self.github)
        self.queries = ArtifactQueries(self.artifacts, self.settings.max_page_size)
        self.mirrors = Mirrors(self.settings, store, store, self.blobs, self.hub, self.github)
        self.packages = PackageService(self.settings, store, store, self.blobs, self.artifacts, self.mirrors,
                                       writes=writes, idempotency=idempotency)
        self.audit = AuditService(store, store, self.settings.max_page_size)
        self.downloads = DownloadService(self.settings, self.artifacts, store, self.packages, store, store, store,
                                         self.audit, self.blobs, MonitorRunner.from_settings(self.settings),
                                         deployment_signer(self.settings))
        self.sensitive = SensitiveModels(self.settings, store, store, self.audit)
        self.popularity = PopularityService(store, store, store, self.settings.max_page_size)
        self.workload = WorkloadService(self.settings, self.users, self.artifacts, self.packages, sources)
        self.transactions = TransactionService(settings, store, writes, self.artifacts, self.packages)
        self.sweeper = Sweeper(settings, store, self.blobs, self.fence, self._wipe)
        self.upstream = Bulkhead("upstream", settings.upstream_workers, settings.upstream_queue)

    def reset(self, actor: User) -> None:
        """An empty registry holding only the default admin. A barrier: writes in progress finish first or are
        fenced off (registry/writes.py), so none survives half-written."""
        require(actor, Permission.ADMIN)
        with self.fence.resetting():
            self._wipe()
        events.emit("registry.reset", by=actor.username)

    def sweep(self, actor: User) -> SweepReport:
        """Run the sweeper now (admins; it also runs on its own, see registry/sweeper.py)."""
        require(actor, Permission.ADMIN)
        return self.sweeper.sweep()

    def _wipe(self) -> None:
        reach(self.settings, "reset.after_begin")
        self.metadata.reset()
        reach(self.settings, "reset.after_metadata")
        self.blobs.reset()
        self.users.ensure_default_admin()
