"""The registry's services wired to one pair of stores and the upstream clients."""
from __future__ import annotations

from dataclasses import dataclass, field

from registry.artifacts import ArtifactService, Rater
from registry.auth import UserService
from registry.health import HealthService
from registry.model import User
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
    rater: Rater | None = None
    users: UserService = field(init=False)
    artifacts: ArtifactService = field(init=False)
    health: HealthService = field(init=False)

    def __post_init__(self) -> None:
        self.users = UserService(self.metadata, self.settings)
        sources = SourceReader(self.hub, self.github)
        self.artifacts = ArtifactService(self.settings, self.metadata, self.blobs, sources, self.rater)
        self.health = HealthService(self.metadata, self.blobs, self.settings)

    def reset(self, actor: User) -> None:
        """An empty registry holding only the default admin."""
        self.artifacts.reset(actor)
        self.users.ensure_default_admin()
