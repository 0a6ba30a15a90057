"""AWS Lambda entry point: the app is built at import (cheaply: adapters create clients on first use).

The function's environment sets REGISTRY_BACKEND=aws and REGISTRY_ENVIRONMENT=production (template.yaml). Besides
API Gateway's HTTP events, a scheduled event `{"registry_task": "sweep"}` (template.yaml, every few minutes) runs
the sweeper (registry/sweeper.py): a Lambda has no background thread to run it.
"""
from __future__ import annotations

from typing import Any

from mangum import Mangum

from app.factory import create_app
from app.memory import limit_malloc_arenas
from registry.settings import Settings
from registry.sweeper import SCHEDULED_SWEEP

_settings = Settings()
limit_malloc_arenas(_settings.malloc_arenas)
app = create_app(_settings)
http_handler = Mangum(app, lifespan="off")


def handler(event: Any, context: Any) -> Any:
    if event == SCHEDULED_SWEEP:
        report = app.state.registry.sweeper.sweep()
        return {"swept": report.counts, "seconds": report.seconds}
    return http_handler(event, context)
