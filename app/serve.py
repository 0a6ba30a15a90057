"""`./run serve`: uvicorn on the embedded store (settings decide host, port and data dir).

The pipeline writes one structured line per request (app/logs.py), so uvicorn's own access log is off.
"""
from __future__ import annotations

import uvicorn

from app.factory import create_app
from app.memory import limit_malloc_arenas
from registry.settings import Settings


def main() -> None:
    settings = Settings()
    limit_malloc_arenas(settings.malloc_arenas)  # before any worker thread exists
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="info", access_log=False)


if __name__ == "__main__":
    main()
