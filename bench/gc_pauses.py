"""Full garbage collections under load: how often they stop the server's event loop, and for how long.

Every full collection of CPython's cyclic collector traverses every object it tracks. The built app (routes,
GraphQL schema, validators, modules) is most of them, and lives as long as the process; app/serve.py and the Lambda
handler freeze it out of the collector's view once built (app/memory.py). This runs the registry's server twice
under the same GraphQL load (`{ artifact(id) { name } }`, authenticated), side by side in interleaved rounds:
- as served: the app frozen before serving;
- without the freeze: the same server with `gc.freeze` made a no-op in its process (the state before the fix).
A probe in each server process (a `gc.callbacks` hook) records every generation-2 collection's duration to a file.
Each side prints its throughput and p99 from wrk, and the full collections' count, median and longest pause, and
the share of the run the event loop spent in them.

Design as bench/request_path.py: server pinned to core 0, wrk on core 1, one warm-up per side, `--rounds`
interleaved rounds of `--seconds`. Prints figures; asserts nothing. Needs wrk (skips with a reason without it).

Usage: .venv/bin/python bench/gc_pauses.py [--rounds 3] [--seconds 5] [--connections 32]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from collections.abc import Callable
from contextlib import ExitStack
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import wrk  # noqa: E402
from bench.harness.servers import login, registry_server  # noqa: E402
from bench.request_path import store_artifact  # noqa: E402

# Run first in the server's process (format it with pauses=PATH): each full collection's duration (ms), to PATH.
PROBE = """
import gc, time
_pauses, _started = open({pauses!r}, "a", buffering=1), [0.0]
def _timed(phase, info):
    if phase == "start":
        _started[0] = time.perf_counter()
    elif info["generation"] == 2:
        _pauses.write(f"{{(time.perf_counter() - _started[0]) * 1000:.3f}}\\n")
gc.callbacks.append(_timed)
"""
UNFROZEN = "gc.freeze = lambda: None  # the server as it was before app/memory.py's freeze\n"
QUERY = "query($id: String!) { artifact(id: $id) { name } }"


def pauses_since(path: Path, offset: int) -> tuple[list[float], int]:
    text = path.read_text()
    return [float(line) for line in text[offset:].split()], len(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    if not wrk.available():
        print("gc pauses: skipped (wrk is not installed: apt-get install wrk)")
        return
    sides = {"as served (app frozen)": PROBE, "without the freeze": PROBE + UNFROZEN}
    results: dict[str, list[tuple[wrk.WrkResult, list[float]]]] = {label: [] for label in sides}
    with tempfile.TemporaryDirectory() as work, ExitStack() as servers:
        loads: dict[str, Callable[[], wrk.WrkResult]] = {}
        logs: dict[str, Path] = {}
        for index, (label, prelude) in enumerate(sides.items()):  # both on the server core; only one is loaded
            data_dir = Path(work) / f"data-{index}"
            data_dir.mkdir()
            artifact_id = store_artifact(str(data_dir))
            logs[label] = Path(work) / f"pauses-{index}"
            logs[label].touch()
            server = servers.enter_context(registry_server(
                str(data_dir), prelude=prelude.format(pauses=str(logs[label]))))
            headers = {"X-Authorization": f"bearer {login(server.url)}"}
            body = {"query": QUERY, "variables": {"id": artifact_id}}
            loads[label] = partial(wrk.run, f"{server.url}/graphql", args.seconds, args.connections, "POST", body,
                                   headers)
        for load in loads.values():  # warm-up, discarded
            load()
        offsets = {label: len(log.read_text()) for label, log in logs.items()}
        for _ in range(args.rounds):
            for label, load in loads.items():
                result = load()
                pauses, offsets[label] = pauses_since(logs[label], offsets[label])
                results[label].append((result, pauses))
    print(f"full collections under GraphQL artifact(id){{name}} load ({args.rounds} rounds of {args.seconds:.0f} s, "
          f"{args.connections} connections; medians over rounds):")
    for label, runs in results.items():
        rates = [r.requests_per_second for r, _ in runs]
        pauses = [p for _, ps in runs for p in ps]
        paused_share = sum(pauses) / 1000 / (args.seconds * len(runs))
        pause_figures = (f"median {statistics.median(pauses):.1f} ms, longest {max(pauses):.1f} ms"
                         if pauses else "none")
        print(f"  {label:24s} {statistics.median(rates):6.0f} req/s, p99 "
              f"{statistics.median(r.p99_ms for r, _ in runs):.1f} ms; {len(pauses)} full collections "
              f"({pause_figures}), {100 * paused_share:.1f} % of the time")


if __name__ == "__main__":
    main()
