"""API Gateway HTTP API (payload v2) events, as Lambda receives them."""
from __future__ import annotations

import json
from typing import Any


def http_api_event(method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> dict[str, Any]:
    all_headers = {"host": "registry.example.test", "content-type": "application/json", **(headers or {})}
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "",
        "headers": all_headers,
        "requestContext": {
            "accountId": "123456789012", "apiId": "api", "domainName": "registry.example.test",
            "domainPrefix": "registry", "requestId": "req-1", "routeKey": "$default", "stage": "$default",
            "time": "28/Nov/2026:21:00:00 +0000", "timeEpoch": 1795900000000,
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1",
                     "userAgent": "pytest"},
        },
        "body": None if body is None else json.dumps(body),
        "isBase64Encoded": False,
    }


# Stands in for the Lambda Python runtime's `snapshot_restore_py` module (SnapStart): it records the hooks the handler
# registers, as the runtime does, so a test or benchmark can run them the way a restore from a snapshot would.
SNAPSHOT_RUNTIME_STANDIN = """
AFTER_RESTORE = []

def register_after_restore(hook, *args, **kwargs):
    AFTER_RESTORE.append(lambda: hook(*args, **kwargs))
    return hook
"""
