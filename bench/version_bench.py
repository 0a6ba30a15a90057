"""Version search over a registry of 10,000 names with 10 versions each (100,000 artifacts, issue 12), on the
embedded store, through ArtifactService as both doors call it. Prints figures side by side; asserts nothing.

- one page (the largest, 100; and one of 10) of each query kind across every name: exact "1.2.3", bounded
  "1.2.0-1.3.0", tilde "~2.1.0", caret "^1.0.0", beside an exact-name lookup (the name's newest version) and a
  version query within one name; medians of interleaved rounds;
- paging through every match of one query (time per page stays flat: each page is one index seek);
- what it replaced: the same first page found by reading every artifact and filtering (the scan before issue 12).

Usage: python bench/version_bench.py [--names 10000] [--versions 10] [--rounds 30]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from registry.artifacts import ArtifactService  # noqa: E402
from registry.model import Artifact, ArtifactStatus, ArtifactType, Permission, User  # noqa: E402
from registry.settings import Settings  # noqa: E402
from registry.sourcing import SourceReader  # noqa: E402
from registry.version import parse_version_query  # noqa: E402
from store.factory import build_stores  # noqa: E402

ADMIN = User(username="bench", password_hash="-", permissions=frozenset(Permission))
QUERIES = ["1.2.3", "1.2.0-1.3.0", "~2.1.0", "^1.0.0"]
PAGE = 100


def version_of(name_index: int, k: int) -> str:
    """The k-th version of name `name_index`: majors 0-4 spread over the names, four minors, patches 0-6."""
    return f"{k // 4 + name_index % 3}.{k % 4}.{(name_index + k) % 7}"


def fill(service: ArtifactService, names: int, versions: int) -> float:
    """Every version written READY through the store port (the services' claims are not what is measured)."""
    store = service._artifacts
    started = time.perf_counter()
    for i in range(names):
        kind = (ArtifactType.MODEL, ArtifactType.DATASET, ArtifactType.CODE)[i % 3]
        for k in range(versions):
            store.create_artifact(Artifact(id=f"b-{i:05d}-{k:02d}", type=kind, name=f"artifact-{i}",
                                           version=version_of(i, k), status=ArtifactStatus.READY))
    return time.perf_counter() - started


def median_ms(run: Callable[[], object], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def scan_first_page(service: ArtifactService, query: str) -> int:
    """The version search before issue 12: every artifact read, page by page, and filtered (its first page of
    matches in creation order needed them all)."""
    spec, hits, cursor = parse_version_query(query), 0, None
    while True:
        page = service._artifacts.list_artifacts(None, cursor, 1000, latest_only=False)
        hits += sum(1 for a in page.items if spec.matches(a.version))
        if page.next_cursor is None:
            return hits
        cursor = page.next_cursor


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--names", type=int, default=10_000)
    parser.add_argument("--versions", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity") and os.cpu_count() and os.cpu_count() > 1:  # type: ignore[operator]
        os.sched_setaffinity(0, {1})  # one core for the in-process measurement, off the one servers pin to
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(environment="test", data_dir=Path(tmp))
        metadata, blobs = build_stores(settings)
        service = ArtifactService(settings, metadata, metadata, metadata, metadata, blobs,  # type: ignore[arg-type]
                                  SourceReader(None, None), monitors=metadata)  # type: ignore[arg-type]
        total = args.names * args.versions
        seconds = fill(service, args.names, args.versions)
        print(f"version search over {args.names} names x {args.versions} versions = {total} artifacts (embedded "
              f"store; filled in {seconds:.0f} s, {total / seconds:.0f} versions/s)")
        name = f"artifact-{args.names // 2}"
        sides: dict[str, Callable[[], object]] = {
            "exact name (newest version)": lambda: service.by_name(ADMIN, name),
            "exact name, ^1.0.0 within it": lambda: service.by_name(ADMIN, name, version="^1.0.0"),
            **{f"version {q!r}, first page": (lambda q=q: service.search_version(ADMIN, q, first=PAGE))
               for q in QUERIES},
            "version '^1.0.0', first 10": lambda: service.search_version(ADMIN, "^1.0.0", first=10),
        }
        for run in sides.values():
            run()  # warm: SQLite's page cache, pydantic's validators
        times = {label: [] for label in sides}  # type: dict[str, list[float]]
        for _ in range(args.rounds):
            for label, run in sides.items():
                times[label].append(median_ms(run, 1))
        base = statistics.median(times["exact name (newest version)"])
        for label, values in times.items():
            ms = statistics.median(values)
            print(f"  {label:<34} {ms:8.2f} ms/query  ({ms / base:5.1f} x the exact-name lookup)")

        for query in QUERIES:
            pages, found, after, started = 0, 0, None, time.perf_counter()
            while True:
                page = service.search_version(ADMIN, query, first=PAGE, after=after)
                pages, found = pages + 1, found + len(page.edges)
                if not page.has_next_page:
                    break
                after = page.edges[-1].cursor
            per_page = (time.perf_counter() - started) / pages * 1000
            print(f"  every match of {query!r}: {found} versions in {pages} pages, {per_page:.2f} ms/page")

        scan = median_ms(lambda: scan_first_page(service, "^1.0.0"), 3)
        indexed = statistics.median(times["version '^1.0.0', first page"])
        print(f"  before (read and filter every artifact), first page of '^1.0.0': {scan:.1f} ms -> the index seek "
              f"is {scan / indexed:.0f} x faster")


if __name__ == "__main__":
    main()
