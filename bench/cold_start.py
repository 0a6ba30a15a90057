"""Lambda cold-start figures: what importing the handler costs beyond its frameworks, the zip's size, and memory.

- Import time of `app.lambda_handler` (app built at import) as a ratio to importing fastapi + strawberry +
  mangum alone: each in a fresh interpreter, interleaved in the same run, median of several repetitions after
  one warm-up pair (so both sides read cached bytecode, as Lambda does with the .pyc files the zip ships).
- The deployment zip's zipped and unzipped size (build it with `./run package`).
- Resident memory of a fresh interpreter after importing the handler and after its first request (GET /health).
- The restore: the handler's process checkpointed after its import and restored (CRIU, the local stand-in for
  Lambda SnapStart, bench/harness/snapshot.py), timed to its first answer beside a fresh interpreter's import and
  first answer, and as a ratio to the framework import. Skipped, with the reason, without root or a working CRIU.

Prints figures; asserts nothing. No network: with --backend aws the AWS endpoints point at a closed loopback port.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness.snapshot import CannotRestore, RestoreFigures, restore_figures  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024

TIMED_IMPORT = "import time; t = time.perf_counter(); import {modules}; print(time.perf_counter() - t)"
MEMORY_PROBE = """
import json, psutil
process = psutil.Process()
before = process.memory_info().rss
from app.lambda_handler import handler
after_import = process.memory_info().rss
from tests.e2e.lambda_events import http_api_event
response = handler(http_api_event("GET", "/health"), None)
after_request = process.memory_info().rss
print(json.dumps({"status": response["statusCode"], "before": before, "after_import": after_import,
                  "after_request": after_request}))
"""


def handler_environment(backend: str, data_dir: str) -> dict[str, str]:
    """The handler's settings for a local run; AWS endpoints (if used) go to a closed port, never the internet."""
    # Bytecode is written and read as usual (PYTHONDONTWRITEBYTECODE dropped): the warm-up writes the .pyc files
    # of the source tree, as the frameworks' were written at install and as the Lambda zip ships them.
    inherited = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env = {**inherited, "REGISTRY_BACKEND": backend, "REGISTRY_ENVIRONMENT": "test", "REGISTRY_DATA_DIR": data_dir}
    if backend == "aws":
        env.update({"AWS_ENDPOINT_URL_S3": "http://127.0.0.1:9", "AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:9",
                    "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_REGION": "us-east-2"})
    return env


def run_python(code: str, env: dict[str, str], package_dir: Path | None = None) -> str:
    """Run `code` in a fresh interpreter: from the source tree, or (`package_dir`) as Lambda runs it: isolated,
    no site-packages, only the standard library and the unzipped package on the path."""
    if package_dir is None:
        command = [sys.executable, "-c", code]
    else:
        command = [sys.executable, "-I", "-S", "-c", f"import sys; sys.path.insert(0, {str(package_dir)!r}); {code}"]
    result = subprocess.run(command, cwd=package_dir or ROOT, env=env, capture_output=True, text=True,
                            check=False, timeout=300)
    if result.returncode != 0:
        raise SystemExit(f"subprocess failed:\n{result.stderr[-2000:]}")
    return result.stdout.strip().splitlines()[-1]


def import_seconds(modules: str, env: dict[str, str], package_dir: Path | None = None) -> float:
    return float(run_python(TIMED_IMPORT.format(modules=modules), env, package_dir))


def import_times(repetitions: int, env: dict[str, str],
                 package_dir: Path | None = None) -> tuple[list[float], list[float]]:
    """(handler, frameworks) import times, interleaved so drift in machine load hits both alike."""
    import_seconds("app.lambda_handler", env, package_dir)  # warm-up: writes bytecode caches
    import_seconds("fastapi, strawberry, mangum", env, package_dir)
    handler, frameworks = [], []
    for _ in range(repetitions):
        handler.append(import_seconds("app.lambda_handler", env, package_dir))
        frameworks.append(import_seconds("fastapi, strawberry, mangum", env, package_dir))
    return handler, frameworks


def report_imports(label: str, handler: list[float], frameworks: list[float]) -> None:
    handler_median, frameworks_median = statistics.median(handler), statistics.median(frameworks)
    print(f"  {label}: import app.lambda_handler {handler_median * 1000:.1f} ms, fastapi + strawberry + mangum "
          f"{frameworks_median * 1000:.1f} ms -> ratio {handler_median / frameworks_median:.2f} (goal <= 1.2)")


def report_restore(figures: RestoreFigures, frameworks: list[float]) -> None:
    frameworks_median = statistics.median(frameworks)
    distinct = len(set(figures.request_id_prefixes)) == len(figures.request_id_prefixes)
    restore_only = statistics.median(figures.restore_only)
    print(f"  snapshot restore (CRIU {figures.criu_version}, image {figures.image_bytes / MIB:.0f} MiB, "
          f"{len(figures.restored)} rounds): restored and answered GET /health in "
          f"{figures.restored_median * 1000:.0f} ms (rounds {min(figures.restored) * 1000:.0f}-"
          f"{max(figures.restored) * 1000:.0f}; criu restore itself {restore_only * 1000:.0f} ms), "
          f"a fresh interpreter importing and answering {figures.fresh_median * 1000:.0f} ms")
    print(f"    -> restore / framework import {figures.restored_median / frameworks_median:.2f}; restored instances' "
          f"request-id prefixes all distinct: {'yes' if distinct else 'NO'}")


def zip_sizes(path: Path) -> tuple[int, int] | None:
    if not path.is_file():
        return None
    with zipfile.ZipFile(path) as archive:
        return path.stat().st_size, sum(info.file_size for info in archive.infolist())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repetitions", type=int, default=7)
    parser.add_argument("--backend", choices=("local", "aws"), default="local")
    parser.add_argument("--zip", type=Path, default=ROOT / "build" / "lambda.zip")
    parser.add_argument("--unzipped", type=Path, help="also time imports from this unzipped package, as Lambda "
                        "does (build it for this interpreter: ./run package --python-version 3.11)")
    parser.add_argument("--restore-rounds", type=int, default=7, help="snapshot restores (0: none)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as data_dir:
        env = handler_environment(args.backend, data_dir)
        handler, frameworks = import_times(args.repetitions, env)
        in_package = import_times(args.repetitions, env, args.unzipped) if args.unzipped else None
        memory = json.loads(run_python(MEMORY_PROBE, env))
        restore: RestoreFigures | str | None = None
        if args.restore_rounds:
            try:
                restore = restore_figures(args.restore_rounds, env, Path(data_dir))
            except CannotRestore as reason:
                restore = str(reason)

    print(f"cold start, backend={args.backend}, {args.repetitions} repetitions, medians:")
    report_imports("source tree + .venv", handler, frameworks)
    if in_package:
        report_imports(f"unzipped package {args.unzipped}", *in_package)
    if isinstance(restore, RestoreFigures):
        report_restore(restore, frameworks)
    elif restore is not None:
        print(f"  snapshot restore: skipped ({restore})")
    sizes = zip_sizes(args.zip)
    if sizes is None:
        print(f"  zip: {args.zip} not built (./run package)")
    else:
        print(f"  zip {args.zip.name}: {sizes[0] / MIB:.1f} MiB zipped, {sizes[1] / MIB:.1f} MiB unzipped "
              "(Lambda limits 50 / 250)")
    print(f"  RSS: interpreter {memory['before'] / MIB:.1f} MiB, after import {memory['after_import'] / MIB:.1f} MiB, "
          f"after first request {memory['after_request'] / MIB:.1f} MiB (GET /health -> {memory['status']})")


if __name__ == "__main__":
    main()
