"""Lineage benchmarks (issue 4). Prints figures; asserts nothing.

On the embedded SQLite store, wrapped to count the port calls the lineage service makes (store round trips;
the goal is one batched call per graph level and direction):

- a 1,000-model chain (m0 <- m1 <- ... <- m999): the ancestors of the last model, walked to the full depth
  (a service whose depth cap is raised to 1,000) and with the default cap; the cost of the last model with all
  of its dependencies; the descendants of the first model;
- a 10,000-model fan-out (one base model, 10,000 fine-tunes): the descendants of the base (one level), and
  the ancestors of one fine-tune.

Usage: .venv/bin/python bench/lineage_bench.py [--chain 1000] [--fanout 10000]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from registry.errors import NotFound  # noqa: E402
from registry.lineage import MAX_DEPTH, LineageDirection, LineageService  # noqa: E402
from registry.model import Artifact, ArtifactStatus, ArtifactType, FileEntry, HubSource, Permission, User  # noqa: E402
from scoring.lineage import declared_parent_urls  # noqa: E402
from scoring.sources.types import HubRepo  # noqa: E402
from scoring.sources.url import parse_source_url  # noqa: E402
from store.sqlite import SqliteMetadataStore  # noqa: E402

ADMIN = User(username="bench", password_hash="-", permissions=frozenset(Permission))
HF = "https://huggingface.co/"
_COUNTED = ("find_by_source", "find_children", "get_artifacts", "get_artifact")


class CountingStore:
    """Forwards to the real store and counts the calls of the lookup methods (one call = one round trip)."""

    def __init__(self, store: SqliteMetadataStore) -> None:
        self._store = store
        self.calls: Counter[str] = Counter()

    def __getattr__(self, name: str) -> Any:
        target = getattr(self._store, name)
        if name not in _COUNTED:
            return target

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] += 1
            return target(*args, **kwargs)

        return counted


class Reader:
    """The one ArtifactService method the lineage service needs (permission checks are not measured here)."""

    def __init__(self, store: SqliteMetadataStore) -> None:
        self._store = store

    def get(self, actor: User, artifact_id: str) -> Artifact:
        found = self._store.get_artifact(artifact_id)
        if found is None:
            raise NotFound(artifact_id)
        return found


def model(index: int, parent: int | None, prefix: str) -> Artifact:
    """A hub model whose card names its base model, with parent_urls filled as ingest fills them."""
    url = f"{HF}{prefix}/m{index}"
    card = {"license": "apache-2.0", **({"base_model": f"{prefix}/m{parent}"} if parent is not None else {})}
    repo = HubRepo(ref=parse_source_url(url), card_data=card)
    return Artifact(id=f"{prefix}-{index}", type=ArtifactType.MODEL, name=f"m{index}", source_url=url,
                    source=HubSource(repo_id=repo.ref.repo_id, card_data=card), parent_urls=declared_parent_urls(repo),
                    files=[FileEntry(path="model.safetensors", size=1_000_000 + index)],
                    status=ArtifactStatus.READY)


def load(store: SqliteMetadataStore, artifacts: list[Artifact]) -> float:
    started = time.perf_counter()
    for artifact in artifacts:
        store.create_artifact(artifact)
        store.mark_ready(artifact.id)
    return time.perf_counter() - started


def measure(label: str, counting: CountingStore, run: Callable[[], Any], describe: Callable[[Any], str]) -> None:
    counting.calls.clear()
    started = time.perf_counter()
    result = run()
    elapsed = time.perf_counter() - started
    calls = ", ".join(f"{name} x{count}" for name, count in sorted(counting.calls.items())) or "none"
    print(f"  {label:<52} {elapsed * 1000:9.1f} ms   store calls: {calls}   {describe(result)}")


def graph_size(graph: Any) -> str:
    return f"({len(graph.nodes)} nodes, {len(graph.edges)} edges, depth {graph.depth})"


def bench_chain(store: SqliteMetadataStore, length: int) -> None:
    seconds = load(store, [model(i, i - 1 if i else None, "chain") for i in range(length)])
    print(f"chain of {length} models (loaded in {seconds:.1f} s)")
    counting = CountingStore(store)
    deep = LineageService(counting, Reader(store), None, max_depth=length, max_nodes=length + 10)  # type: ignore
    capped = LineageService(counting, Reader(store), None)  # type: ignore[arg-type]
    last, first = f"chain-{length - 1}", "chain-0"
    measure(f"ancestors of the last, depth {length}", counting,
            lambda: deep.graph(ADMIN, last, length, LineageDirection.ANCESTORS), graph_size)
    measure(f"ancestors of the last, default cap ({MAX_DEPTH})", counting,
            lambda: capped.graph(ADMIN, last, MAX_DEPTH, LineageDirection.ANCESTORS), graph_size)
    measure(f"descendants of the first, depth {length}", counting,
            lambda: deep.graph(ADMIN, first, length, LineageDirection.DESCENDANTS), graph_size)
    measure("cost of the last with all dependencies", counting,
            lambda: deep.cost(ADMIN, last, None, True),
            lambda entries: f"({len(entries)} entries, total {entries[last].total_mb:,.1f} MB)")


def bench_fanout(store: SqliteMetadataStore, width: int) -> None:
    children = [model(i, 0, "fan") for i in range(1, width + 1)]
    seconds = load(store, [model(0, None, "fan"), *children])
    print(f"fan-out of {width} models from one base (loaded in {seconds:.1f} s)")
    counting = CountingStore(store)
    service = LineageService(counting, Reader(store), None)  # type: ignore[arg-type]
    measure("descendants of the base, depth 1", counting,
            lambda: service.graph(ADMIN, "fan-0", 1, LineageDirection.DESCENDANTS), graph_size)
    measure("descendants of the base, depth 3 (leaves end it)", counting,
            lambda: service.graph(ADMIN, "fan-0", 3, LineageDirection.DESCENDANTS), graph_size)
    measure("both directions of one fine-tune, depth 3", counting,
            lambda: service.graph(ADMIN, f"fan-{width}", 3, LineageDirection.BOTH), graph_size)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--chain", type=int, default=1000)
    parser.add_argument("--fanout", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lineage-bench-") as tmp:
        store = SqliteMetadataStore(Path(tmp) / "bench.db")
        try:
            bench_chain(store, args.chain)
            bench_fanout(store, args.fanout)
        finally:
            store.close()


if __name__ == "__main__":
    main()
