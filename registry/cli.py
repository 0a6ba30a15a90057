"""`./run URL_FILE`: Phase-1 NDJSON ratings, with the upstreams from the registry's settings."""
from __future__ import annotations

import sys
from collections.abc import Sequence

from registry.settings import Settings
from registry.upstream import build_sources
from scoring import phase1


def main(argv: Sequence[str] | None = None) -> int:
    hub, github = build_sources(Settings())
    return phase1.main(argv, hub=hub, github=github)


if __name__ == "__main__":
    sys.exit(main())
