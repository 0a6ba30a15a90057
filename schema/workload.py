"""GraphQL for the performance workload the health dashboard starts: one mutation (admins, one run at a time) and a
query for the run's progress and results."""
from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from registry import workload as domain
from resolvers import workload as workloads
from schema.errors import payload
from schema.types import UserError

WorkloadPhase = strawberry.enum(domain.Phase, name="WorkloadPhase",
                                description="seeding models, preparing Tiny-LLM, downloading, done or failed.")


@strawberry.type
class PerformanceWorkloadResults:
    clients: int
    succeeded: int
    failed: int
    bytes: float = strawberry.field(description="Package bytes delivered to all clients together.")
    seconds: float = strawberry.field(description="From the first request to the last byte.")
    throughput_bytes_per_second: float
    mean_seconds: float
    median_seconds: float
    p99_seconds: float = strawberry.field(description="Nearest rank: the value at rank ceil(0.99 n).")
    latencies_seconds: list[float] = strawberry.field(description="Every successful download's latency, sorted.")

    @classmethod
    def from_domain(cls, r: domain.Results) -> PerformanceWorkloadResults:
        return cls(clients=r.clients, succeeded=r.succeeded, failed=r.failed, bytes=r.bytes, seconds=r.seconds,
                   throughput_bytes_per_second=r.throughput, mean_seconds=r.mean, median_seconds=r.median,
                   p99_seconds=r.p99, latencies_seconds=r.latencies)


@strawberry.type
class PerformanceWorkloadRun:
    id: str
    started_by: str
    backend: str = strawberry.field(description="The storage backend measured: local or aws.")
    phase: WorkloadPhase  # type: ignore[valid-type]
    done: int = strawberry.field(description="Progress within the phase: done of total.")
    total: int
    models: int
    clients: int
    max_seconds: float
    started_at: datetime
    finished_at: datetime | None
    artifact_id: str | None = strawberry.field(description="Tiny-LLM's id in this registry.")
    package_bytes: float
    error: str | None
    results: PerformanceWorkloadResults | None

    @classmethod
    def from_domain(cls, run: domain.Run) -> PerformanceWorkloadRun:
        return cls(id=run.id, started_by=run.started_by, backend=run.backend, phase=run.phase, done=run.done,
                   total=run.total, models=run.budget.models, clients=run.budget.clients,
                   max_seconds=run.budget.max_seconds, started_at=run.started_at, finished_at=run.finished_at,
                   artifact_id=run.artifact_id, package_bytes=run.package_bytes, error=run.error,
                   results=PerformanceWorkloadResults.from_domain(run.results) if run.results else None)


@strawberry.input
class StartPerformanceWorkloadInput:
    models: int = strawberry.field(default=500, description="Distinct models the registry holds besides Tiny-LLM.")
    clients: int = strawberry.field(default=100, description="Clients downloading Tiny-LLM at once.")
    max_seconds: float = strawberry.field(default=300.0, description="The download burst's time budget.")


@strawberry.type
class PerformanceWorkloadPayload:
    run: PerformanceWorkloadRun | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class WorkloadQuery:
    @strawberry.field(description="The running or last performance workload (admins only); null before the first.")
    async def performance_workload(self, info: Info) -> PerformanceWorkloadRun | None:
        run = await workloads.current(info.context.scope)
        return PerformanceWorkloadRun.from_domain(run) if run else None


@strawberry.type
class WorkloadMutation:
    @strawberry.mutation(description="Start the performance workload (admins; one run at a time, within the "
                                     "server's caps): models seeded, Tiny-LLM prepared, then N clients download it.")
    async def start_performance_workload(self, info: Info,
                                         input: StartPerformanceWorkloadInput) -> PerformanceWorkloadPayload:
        async def work() -> dict[str, object]:
            budget = domain.Budget(models=input.models, clients=input.clients, max_seconds=input.max_seconds)
            return {"run": PerformanceWorkloadRun.from_domain(await workloads.start(info.context.scope, budget))}
        return await payload(info, PerformanceWorkloadPayload, work)
