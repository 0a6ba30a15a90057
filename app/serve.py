"""`./run serve`: uvicorn on the embedded store (settings decide host, port and data dir).

Production serving: uvloop's event loop and httptools' HTTP parser when they are installed (they are dependencies
on the platforms that have wheels for them; uvicorn falls back to asyncio and h11 elsewhere), and no access log
from uvicorn: the pipeline writes one structured line per request from a queue (app/logs.py), off the hot path.
"""
from __future__ import annotations

import importlib.util
from typing import Any

import uvicorn

from app.factory import create_app
from app.memory import freeze_startup_heap, limit_malloc_arenas
from registry.settings import Settings


def server_options() -> dict[str, Any]:
    """The event loop and HTTP parser: the fast ones where installed, said explicitly so a missing wheel shows."""
    return {"loop": "uvloop" if importlib.util.find_spec("uvloop") else "asyncio",
            "http": "httptools" if importlib.util.find_spec("httptools") else "h11"}


def run(app: Any, settings: Settings, log_level: str = "info") -> None:
    """Serve `app` (built) until stopped: what exists now is frozen out of the garbage collector's view first."""
    freeze_startup_heap()
    uvicorn.run(app, host=settings.host, port=settings.port, log_level=log_level, access_log=False,
                **server_options())


def main() -> None:
    settings = Settings()
    limit_malloc_arenas(settings.malloc_arenas)  # before any worker thread exists
    run(create_app(settings), settings)


if __name__ == "__main__":
    main()
