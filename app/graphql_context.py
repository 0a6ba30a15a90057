"""The GraphQL context: the pipeline's request scope, and the per-request DataLoaders Strawberry fields use."""
from __future__ import annotations

from strawberry.dataloader import DataLoader
from strawberry.fastapi import BaseContext

from registry.model import Artifact
from resolvers.scope import RequestScope, read_as_caller


class GraphQLContext(BaseContext):
    def __init__(self, scope: RequestScope) -> None:
        super().__init__()
        self.scope = scope
        self.artifact_loader: DataLoader[str, Artifact | None] = DataLoader(load_fn=self._load_artifacts)

    async def _load_artifacts(self, ids: list[str]) -> list[Artifact | None]:
        found = await read_as_caller(self.scope, self.scope.registry.artifacts.get_many, ids)
        return [found.get(i) for i in ids]
