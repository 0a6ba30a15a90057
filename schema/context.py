"""Per-request GraphQL context: the registry, the caller (resolved once) and DataLoaders."""
from __future__ import annotations

from strawberry.dataloader import DataLoader
from strawberry.fastapi import BaseContext

from registry.container import Registry
from registry.model import Artifact
from resolvers.context import Caller, as_caller


class RequestContext(BaseContext):
    def __init__(self, registry: Registry, authorization: str | None) -> None:
        super().__init__()
        self.registry = registry
        self.caller = Caller(registry.users, authorization)
        self.artifact_loader: DataLoader[str, Artifact | None] = DataLoader(load_fn=self._load_artifacts)

    @property
    def base_url(self) -> str:
        """Where clients reach this server (for upload and download links)."""
        return self.registry.settings.base_url(str(self.request.base_url) if self.request else "")

    async def _load_artifacts(self, ids: list[str]) -> list[Artifact | None]:
        found = await as_caller(self, self.registry.artifacts.get_many, ids)
        return [found.get(i) for i in ids]
