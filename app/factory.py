"""The app factory: the only place (with the Lambda handler) that chooses adapters and assembles the doors
behind the one request pipeline."""
from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Literal

from fastapi import APIRouter, FastAPI, Request

import rest
from app import transfer
from app.errors import install_error_handlers
from app.fast_reads import FastReads
from app.graphql_context import GraphQLContext
from app.logs import configure_logging
from app.pipeline import RequestPipeline
from app.static import OfflineGraphQLRouter, install_static
from registry.container import Registry
from registry.settings import Settings
from registry.sweeper import PeriodicSweeper
from resolvers.scope import scope_from_state
from rest.fast import FAST_READS, FastRead
from schema.graphql import build_schema


def build_registry(settings: Settings) -> Registry:
    """Adapters chosen by settings; clients are created lazily by the adapters on first use."""
    from registry.upstream import build_sources
    from store.factory import build_stores

    metadata, blobs = build_stores(settings)
    hub, github = build_sources(settings)
    return Registry(settings=settings, metadata=metadata, blobs=blobs, hub=hub, github=github)


def mount(app: FastAPI, router: APIRouter) -> None:
    """The router's routes on the app's own router. Not `include_router`: FastAPI (0.16x) keeps an included router
    as a nested one and matches its routes twice per request (the outer match, then its own), which measured 15%
    of a REST request's time (docs/performance.md)."""
    app.router.routes.extend(router.routes)


def _maintenance(registry: Registry) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """While the server runs: the sweeper at start and periodically (the Lambda handler runs without a lifespan
    and sweeps on a schedule instead)."""
    settings = registry.settings

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if settings.sweep_interval_seconds <= 0:
            yield
            return
        sweeper = PeriodicSweeper(registry.sweeper.sweep, settings.sweep_interval_seconds,
                                  registry.metadata.checkpoint, settings.checkpoint_interval_seconds)
        sweeper.start()
        try:
            yield
        finally:
            sweeper.stop()

    return lifespan


def create_app(settings: Settings | None = None, registry: Registry | None = None,
               fast_reads: Sequence[FastRead] = FAST_READS) -> FastAPI:
    """The app; `fast_reads` are the REST reads answered without FastAPI's parameter machinery (rest/fast.py;
    tests compare them with the FastAPI routes by passing none)."""
    settings = settings or Settings()
    registry = registry or build_registry(settings)
    registry.health.log_feed = configure_logging().recent
    app = FastAPI(title="Trustworthy Model Registry", version="0.1.0",
                  docs_url=None, redoc_url=None, lifespan=_maintenance(registry))
    app.state.registry = registry

    async def context_getter(request: Request) -> GraphQLContext:
        return GraphQLContext(scope_from_state(request.state))

    ide: Literal["graphiql"] | None = "graphiql" if settings.is_development else None
    graphql = OfflineGraphQLRouter(build_schema(settings), path="/graphql", context_getter=context_getter,
                                   graphql_ide=ide, allow_queries_via_get=False)
    for router in (*rest.ROUTERS, graphql, transfer.router):
        mount(app, router)
    install_error_handlers(app)
    app.add_middleware(FastReads, reads=fast_reads)  # inside the pipeline
    app.add_middleware(RequestPipeline, registry=registry, max_body_bytes=settings.max_request_body_bytes)
    install_static(app, settings)  # after every API route (the UI never answers for one); CORS outermost
    return app
