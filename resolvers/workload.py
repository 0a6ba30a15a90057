"""The performance workload: start a run (admins, one at a time) and read its progress and results."""
from __future__ import annotations

from registry.workload import Budget, Run
from resolvers.scope import RequestScope, as_caller


async def start(scope: RequestScope, budget: Budget) -> Run:
    """The run's clients download from this server at the URL the request came to (or the public URL)."""
    return await as_caller(scope, scope.registry.workload.start, budget, scope.base_url)


async def current(scope: RequestScope) -> Run | None:
    return await as_caller(scope, scope.registry.workload.current)
