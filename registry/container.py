"""The registry's services wired to one pair of stores and the upstream clients."""
from __future__ import annotations

from dataclasses import dataclass, field

from registry.artifacts import ArtifactService
from registry.auth import UserService
from registry.health import HealthService
from registry.lineage import LineageService
from registry.model import User
from registry.package import PackageService
from registry.query import ArtifactQueries
from registry.rating import RatingService, registered_parent_scores
from registry.settings import Settings
from registry.sourcing import GitHubClient, HubClient, SourceReader
from store.ports import BlobStore, MetadataStore


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
    packages: PackageService = field(init=False)
    queries: ArtifactQueries = field(init=False)

    def __post_init__(self) -> None:
        self.users = UserService(self.metadata, self.settings)
        self.ratings = RatingService(self.hub, self.github, timeout=self.settings.upstream_timeout_seconds * 2,
                                     parent_scores=registered_parent_scores(self.metadata))
        sources = SourceReader(self.hub, self.github)
        self.artifacts = ArtifactService(self.settings, self.metadata, self.blobs, sources, self.ratings)
        self.health = HealthService(self.metadata, self.blobs, self.settings,
                                    upstreams={"huggingface-hub": ("Hugging Face Hub", self.hub.ping),
                                               "github-api": ("GitHub API", self.github.ping)})
        self.lineage = LineageService(self.metadata, self.artifacts, self.github)
        self.queries = ArtifactQueries(self.artifacts, self.settings.max_page_size)
        self.packages = PackageService(self.settings, self.metadata, self.blobs, self.artifacts, self.hub)

    def reset(self, actor: User) -> None:
        """An empty registry holding only the default admin."""
        self.artifacts.reset(actor)
        self.users.ensure_default_admin()
