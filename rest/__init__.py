"""The REST door: the course OpenAPI spec (3.4.7) served at the root paths, beside GraphQL at /graphql, and the
security track's routes beyond the spec (rest/security.py)."""
from __future__ import annotations

from fastapi import APIRouter

from rest import security
from rest.routes import router

# The routers the HTTP shell mounts (app/factory.py); it renders their errors (app/errors.py with rest.errors).
ROUTERS: tuple[APIRouter, ...] = (router, security.router)
