"""AWS Lambda entry point: the app is built at import (cheaply: adapters create clients on first use).

The function's environment sets REGISTRY_BACKEND=aws and REGISTRY_ENVIRONMENT=production (template.yaml). Besides
API Gateway's HTTP events, a scheduled event `{"registry_task": "sweep"}` (template.yaml, every few minutes) runs
the sweeper (registry/sweeper.py): a Lambda has no background thread to run it.

The function runs with SnapStart (template.yaml): this module's import — the app built, its routes and schema —
happens once per published version, and instances start from a snapshot of it. What must differ between instances
is renewed after each restore (the Lambda Python runtime's `snapshot_restore_py` hooks): the request-id prefix.
Nothing else is made at import that a clone must not share: clients and connections are created on first use, and
secrets (tokens, upload ids, signatures) come from `secrets` at the moment they are needed.
"""
from __future__ import annotations

from typing import Any

from mangum import Mangum

from app.factory import create_app
from app.memory import freeze_startup_heap, limit_malloc_arenas
from app.pipeline import new_process_identity
from registry.settings import Settings
from registry.sweeper import SCHEDULED_SWEEP

_settings = Settings()
limit_malloc_arenas(_settings.malloc_arenas)
app = create_app(_settings)
http_handler = Mangum(app, lifespan="off")
freeze_startup_heap()  # the built app, out of every later full collection (and in the snapshot as it is)

try:
    from snapshot_restore_py import register_after_restore  # the Lambda Python runtime's SnapStart hooks
except ImportError:  # not on Lambda: no snapshot, nothing to renew
    pass
else:
    register_after_restore(new_process_identity)


def handler(event: Any, context: Any) -> Any:
    if event == SCHEDULED_SWEEP:
        report = app.state.registry.sweeper.sweep()
        return {"swept": report.counts, "seconds": report.seconds}
    return http_handler(event, context)
