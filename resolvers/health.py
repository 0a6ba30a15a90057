"""Health: public, like GET /health; it reveals no artifact data."""
from __future__ import annotations

from registry.health import HealthReport
from resolvers.context import RequestScope, call


async def report(scope: RequestScope, window_minutes: int) -> HealthReport:
    return await call(scope.registry.health.report, window_minutes)
