"""AWS Lambda entry point: the app is built at import (cheaply: adapters create clients on first use).

The function's environment sets REGISTRY_BACKEND=aws and REGISTRY_ENVIRONMENT=production (template.yaml).
"""
from __future__ import annotations

from mangum import Mangum

from app.factory import create_app
from registry.settings import Settings

app = create_app(Settings())
handler = Mangum(app, lifespan="off")
