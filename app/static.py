"""The web UI and the development pages (GraphiQL, Swagger UI), served without reaching any CDN.

- `/` is the UI's page and `/ui/...` its files (client/site): registered after the API's routes and under their
  own prefix, so they never answer for /graphql, /health, the REST paths, /download or /uploads. The Lambda
  package ships no client/ (the UI is on S3 there), so nothing is served when the folder is missing.
- In development GET /graphql is GraphiQL and /docs is Swagger UI, both loading their JavaScript and CSS from
  `/_dev/...`: files of client/node_modules (npm packages graphiql, react, react-dom, swagger-ui-dist, installed
  by `./run serve`), only the ones listed in DEV_ASSETS.
- When the UI is on another origin (S3), CORS admits that one origin (settings.ui_origin) and no other.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import Scope
from strawberry.fastapi import GraphQLRouter

from registry.settings import Settings

CLIENT = Path(__file__).resolve().parent.parent / "client"
SITE = CLIENT / "site"
NODE_MODULES = CLIENT / "node_modules"
GRAPHIQL_PAGE = CLIENT / "dev" / "graphiql.html"
DEV_PREFIX = "/_dev"

# What /_dev/<name> serves, relative to client/node_modules: nothing else there is reachable.
DEV_ASSETS = {
    "react.production.min.js": "react/umd/react.production.min.js",
    "react-dom.production.min.js": "react-dom/umd/react-dom.production.min.js",
    "graphiql.min.js": "graphiql/graphiql.min.js",
    "graphiql.min.css": "graphiql/graphiql.min.css",
    "swagger-ui-bundle.js": "swagger-ui-dist/swagger-ui-bundle.js",
    "swagger-ui.css": "swagger-ui-dist/swagger-ui.css",
}

# The UI needs nothing but its own origin (and blob: for downloads it has fetched with the token).
UI_CSP = ("default-src 'self'; img-src 'self' data: blob:; object-src 'none'; base-uri 'none'; "
          "frame-ancestors 'none'; form-action 'self'")
# Revalidate on every load (ETag makes that cheap), so a deploy is seen at once.
NO_CACHE = {"Cache-Control": "no-cache"}


class OfflineGraphQLRouter(GraphQLRouter[Any, Any]):
    """Strawberry's router with our GraphiQL page, which loads its assets from /_dev instead of a CDN."""

    @property
    def graphql_ide_html(self) -> str:
        return GRAPHIQL_PAGE.read_text(encoding="utf-8")


class _RevalidatedFiles(StaticFiles):
    async def get_response(self, path: str, scope: Scope) -> Any:
        response = await super().get_response(path, scope)
        response.headers.update(NO_CACHE)
        return response


def install_static(app: FastAPI, settings: Settings) -> None:
    """Call after every API route is registered."""
    if settings.ui_origin:
        app.add_middleware(CORSMiddleware, allow_origins=[settings.ui_origin], allow_methods=["GET", "POST", "PUT"],
                           allow_headers=["Content-Type", "X-Authorization", "Authorization"],
                           expose_headers=["Content-Disposition", "X-Checksum-Sha256"], max_age=600)
    if settings.is_development:
        _install_dev_pages(app)
    if SITE.is_dir():
        _install_ui(app)


def _install_ui(app: FastAPI) -> None:
    @app.get("/", include_in_schema=False)
    async def ui_page() -> FileResponse:
        return FileResponse(SITE / "index.html", headers={**NO_CACHE, "Content-Security-Policy": UI_CSP})

    app.mount("/ui", _RevalidatedFiles(directory=SITE / "ui"), name="ui")


def _install_dev_pages(app: FastAPI) -> None:
    @app.get(DEV_PREFIX + "/{name}", include_in_schema=False)
    async def dev_asset(name: str) -> FileResponse:
        relative = DEV_ASSETS.get(name)
        path = NODE_MODULES / relative if relative else None
        if path is None or not path.is_file():
            raise HTTPException(404, "not found (./run serve installs the development pages' files)")
        return FileResponse(path)

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url=app.openapi_url or "/openapi.json", title=f"{app.title} · REST API",
                                   swagger_js_url=f"{DEV_PREFIX}/swagger-ui-bundle.js",
                                   swagger_css_url=f"{DEV_PREFIX}/swagger-ui.css", swagger_favicon_url="data:,")
