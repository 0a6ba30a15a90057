"""The REST door: the course OpenAPI spec (3.4.7) served at the root paths, beside GraphQL at /graphql."""
from __future__ import annotations

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError

from rest.errors import validation_error
from rest.routes import router
from schema.middleware import BodyLimit

# Spec requests are small JSON documents; a bigger body is refused (413) before it is read whole.
MAX_BODY_BYTES = 256 * 1024
BODY_PATHS = ("/artifact", "/authenticate")  # "/artifact" covers "/artifacts" too


def install(app: FastAPI) -> None:
    """Add the REST routes and 400 for validation errors to `app` (whose `state.registry` the factory sets)."""
    app.include_router(router)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_middleware(BodyLimit, max_bytes=MAX_BODY_BYTES, paths=BODY_PATHS)
