"""Health: public, like GET /health (it reveals no artifact data); the recent-log feed is for admins."""
from __future__ import annotations

from registry.health import HealthReport, LogEntry, TimelineBucket
from resolvers.scope import RequestScope, as_caller, call


async def report(scope: RequestScope, window_minutes: int) -> HealthReport:
    return await call(scope.registry.health.report, window_minutes)


async def timeline(scope: RequestScope, window_minutes: int) -> list[TimelineBucket]:
    return await call(scope.registry.health.timeline, window_minutes)


async def recent_logs(scope: RequestScope, limit: int) -> list[LogEntry]:
    return await as_caller(scope, scope.registry.health.recent_logs, limit)
