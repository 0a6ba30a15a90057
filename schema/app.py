"""The app factory: the only place (with the Lambda handler) that chooses adapters."""
from __future__ import annotations

from typing import Literal

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

import rest
from app.static import OfflineGraphQLRouter, install_static
from registry.container import Registry
from registry.errors import DomainError
from registry.settings import Settings
from schema.context import RequestContext
from schema.graphql import build_schema
from schema import transfer
from schema.middleware import BodyLimit, RequestCounting


def build_registry(settings: Settings) -> Registry:
    """Adapters chosen by settings; clients are created lazily by the adapters on first use."""
    from registry.upstream import build_sources
    from store.factory import build_stores

    metadata, blobs = build_stores(settings)
    hub, github = build_sources(settings)
    return Registry(settings=settings, metadata=metadata, blobs=blobs, hub=hub, github=github)


def create_app(settings: Settings | None = None, registry: Registry | None = None) -> FastAPI:
    settings = settings or Settings()
    registry = registry or build_registry(settings)
    app = FastAPI(title="Trustworthy Model Registry", version="0.1.0",
                  docs_url=None, redoc_url=None)
    app.state.registry = registry

    async def context_getter(request: Request) -> RequestContext:
        header = request.headers.get("x-authorization") or request.headers.get("authorization")
        return RequestContext(registry, header)

    ide: Literal["graphiql"] | None = "graphiql" if settings.is_development else None
    graphql = OfflineGraphQLRouter(build_schema(settings), context_getter=context_getter, graphql_ide=ide,
                                   allow_queries_via_get=False)
    app.include_router(graphql, prefix="/graphql")
    app.include_router(transfer.router)
    rest.install(app)

    @app.exception_handler(DomainError)
    async def domain_error(_: Request, exc: DomainError) -> JSONResponse:
        return JSONResponse(exc.body(), status_code=exc.status)

    app.add_middleware(RequestCounting, counter=registry.health.counter)
    app.add_middleware(BodyLimit, max_bytes=settings.graphql_max_body_bytes, paths=("/graphql",))
    install_static(app, settings)  # after every API route (the UI never answers for one); CORS outermost
    return app
