"""Foundation benchmarks (issue 2). Prints figures and ratios measured side by side; asserts nothing.

- enumerate page by page: time per page at two registry sizes (flat = keyset paging works);
- regex over 10,000 READMEs of ~10 KB: the registry's search against a bare re2 scan of the same bytes, and a
  pathological pattern's time against a benign one's;
- peak resident memory while enumerating and searching 10,000 artifacts.

The request path's figures (GraphQL and REST beside their floors, wrk on its own core) are in request_path.py.
"""
from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from registry.artifacts import ArtifactService, compile_regex  # noqa: E402
from registry.model import Artifact, ArtifactType, Permission, User  # noqa: E402
from registry.settings import Settings  # noqa: E402
from registry.sourcing import SourceReader  # noqa: E402
from store.factory import build_stores  # noqa: E402

ADMIN = User(username="bench", password_hash="-", permissions=frozenset(Permission))
WORDS = ["model", "vision", "language", "tokenizer", "dataset", "training", "license", "apache", "bert", "gpt",
         "fine-tune", "evaluation", "accuracy", "benchmark", "layers", "embedding", "quantized", "adapter"]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def readme(rng: random.Random, size: int = 10_000) -> str:
    parts, total = [], 0
    while total < size:
        word = rng.choice(WORDS)
        parts.append(word)
        total += len(word) + 1
    return " ".join(parts)


def fill(service: ArtifactService, count: int, start: int, rng: random.Random, readme_bytes: int) -> None:
    for i in range(start, start + count):
        kind = (ArtifactType.MODEL, ArtifactType.DATASET, ArtifactType.CODE)[i % 3]
        service.store_new(ADMIN, Artifact(id=f"bench-{i:07d}", type=kind, name=f"artifact-{i}",
                                          readme=readme(rng, readme_bytes) if readme_bytes else ""))


def page_times(service: ArtifactService, pages: int = 10, size: int = 100) -> float:
    """Milliseconds per page over the first `pages` pages (the same number at every registry size)."""
    after, started = None, time.perf_counter()
    for _ in range(pages):
        page = service.enumerate(ADMIN, None, size, after)
        after = page.edges[-1].cursor
    return (time.perf_counter() - started) / pages * 1000


def make_service(data_dir: str) -> ArtifactService:
    settings = Settings(environment="test", data_dir=Path(data_dir))
    metadata, blobs = build_stores(settings)
    return ArtifactService(settings, metadata, metadata, metadata, metadata, blobs,  # type: ignore[arg-type]
                           SourceReader(None, None), monitors=metadata)


def bench_enumerate(count: int) -> None:
    rng = random.Random(1)
    with tempfile.TemporaryDirectory() as tmp:
        service = make_service(tmp)
        fill(service, count // 10, 0, rng, 0)
        small = page_times(service)
        fill(service, count - count // 10, count // 10, rng, 0)
        large = page_times(service)
        print(f"enumerate: {small:.2f} ms/page at {count // 10} artifacts, {large:.2f} ms/page at {count}"
              f" -> ratio {large / small:.2f} (flat is ~1)")


def bench_regex(count: int, rounds: int = 5) -> None:
    """The registry's search (store + service) beside a bare re2 scan of the same texts held in memory, both as
    str (what a scan of the README column reads) and as UTF-8 bytes (what the search cache holds, the stricter
    floor). Interleaved rounds after one warm-up each (the registry's first search loads its cache: printed on its
    own); medians."""
    rng = random.Random(2)
    with tempfile.TemporaryDirectory() as tmp:
        service = make_service(tmp)
        fill(service, count, 0, rng, 10_000)
        store = service._artifacts
        encoded = [(row.name, row.readme) for row in store.iter_search_text(None)]  # the very bytes it searches
        texts = [(name.decode(), readme.decode()) for name, readme in encoded]
        rss_before = peak_rss_mb()
        pattern = "zebra-never-present|quantized adapter benchmark tokenizer gpt"
        regex = compile_regex(pattern, 512)
        fresh = make_service(tmp)  # a second process's view: its first search loads the cache
        started = time.perf_counter()
        fresh.search_regex(ADMIN, pattern)
        cold_s = time.perf_counter() - started

        def bare(items: list) -> int:
            return sum(1 for name, text in items if regex.search(name) or regex.search(text))

        sides = {"registry": lambda: len(service.search_regex(ADMIN, pattern)),
                 "bare str": lambda: bare(texts), "bare bytes": lambda: bare(encoded)}
        times: dict[str, list[float]] = {label: [] for label in sides}
        hits: dict[str, int] = {}
        for run in sides.values():
            run()
        for _ in range(rounds):
            for label, run in sides.items():
                started = time.perf_counter()
                hits[label] = run()
                times[label].append(time.perf_counter() - started)
        ms = {label: statistics.median(values) * 1000 for label, values in times.items()}
        print(f"regex over {count} READMEs of ~10 KB ({rounds} interleaved rounds, medians): registry "
              f"{ms['registry']:.0f} ms, bare re2 scan of str {ms['bare str']:.0f} ms, of UTF-8 bytes "
              f"{ms['bare bytes']:.0f} ms -> ratio {ms['registry'] / ms['bare bytes']:.2f} to bytes, "
              f"{ms['registry'] / ms['bare str']:.2f} to str (goal <= 1.3); hits {hits}")
        store.replace_artifact(store.get_artifact("bench-0000007").model_copy(update={"readme": "gpt adapter"}))
        started = time.perf_counter()
        service.search_regex(ADMIN, pattern)
        after_write_ms = (time.perf_counter() - started) * 1000
        print(f"  first search of a process (loads the cache) {cold_s * 1000:.0f} ms; a search right after a write "
              f"{after_write_ms:.0f} ms")
        pathological = "(x+x+)+y"  # exponential for a backtracking engine; linear for RE2
        started = time.perf_counter()
        service.search_regex(ADMIN, pathological)
        patho_s = time.perf_counter() - started
        print(f"  pathological pattern {patho_s * 1000:.0f} ms vs benign {ms['registry']:.0f} ms "
              f"-> ratio {patho_s * 1000 / ms['registry']:.2f} (linear time: close to 1)")
        print(f"  peak RSS after enumerate+search of {count} artifacts: {peak_rss_mb():.0f} MB "
              f"(before the search pass: {rss_before:.0f} MB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--artifacts", type=int, default=10_000)
    parser.add_argument("--only", choices=["enumerate", "regex"], help="run one benchmark")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity") and os.cpu_count() and os.cpu_count() > 1:  # type: ignore[operator]
        os.sched_setaffinity(0, {1})  # one core for the in-process measurement, off the one servers pin to
    if args.only in (None, "enumerate"):
        bench_enumerate(args.artifacts)
    if args.only in (None, "regex"):
        bench_regex(args.artifacts)


if __name__ == "__main__":
    main()
