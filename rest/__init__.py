"""The REST door: the course OpenAPI spec (3.4.7) served at the root paths, beside GraphQL at /graphql, and the
security track's routes beyond the spec (rest/security.py)."""
from __future__ import annotations

from fastapi import FastAPI

from rest import security
from rest.routes import router


def install(app: FastAPI) -> None:
    """Add the REST routes to `app`; the HTTP shell renders their errors (app/errors.py with rest.errors)."""
    app.include_router(router)
    app.include_router(security.router)
