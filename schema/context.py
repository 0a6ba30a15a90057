"""Per-request GraphQL context: the registry, the caller's token (resolved once) and DataLoaders."""
from __future__ import annotations

import asyncio

from strawberry.dataloader import DataLoader
from strawberry.fastapi import BaseContext

from registry.container import Registry
from registry.model import Artifact, User
from resolvers.context import call


class RequestContext(BaseContext):
    def __init__(self, registry: Registry, authorization: str | None) -> None:
        super().__init__()
        self.registry = registry
        self._authorization = authorization
        self._user: User | None = None
        self._user_lock = asyncio.Lock()
        self.artifact_loader: DataLoader[str, Artifact | None] = DataLoader(load_fn=self._load_artifacts)

    @property
    def base_url(self) -> str:
        """Where clients reach this server (for upload and download links)."""
        configured = self.registry.settings.public_url
        return (configured or str(self.request.base_url) if self.request else configured).rstrip("/")

    async def user(self) -> User:
        """The caller, from X-Authorization (or Authorization); the token is counted once per request."""
        async with self._user_lock:
            if self._user is None:
                self._user = await call(self.registry.users.user_for_token, self._authorization)
            return self._user

    async def _load_artifacts(self, ids: list[str]) -> list[Artifact | None]:
        found = await call(self.registry.artifacts.get_many, await self.user(), ids)
        return [found.get(i) for i in ids]
