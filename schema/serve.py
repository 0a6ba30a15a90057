"""`./run serve`: uvicorn on the embedded store (settings decide host, port and data dir)."""
from __future__ import annotations

import uvicorn

from registry.settings import Settings
from schema.app import create_app


def main() -> None:
    settings = Settings()
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="info")


if __name__ == "__main__":
    main()
