"""Lambda cold-start figures: what importing the handler costs beyond its frameworks, the zip's size, and memory.

- Import time of `schema.lambda_handler` (app built at import) as a ratio to importing fastapi + strawberry +
  mangum alone: each in a fresh interpreter, interleaved in the same run, median of several repetitions after
  one warm-up pair (so both sides read cached bytecode, as Lambda does with the .pyc files the zip ships).
- The deployment zip's zipped and unzipped size (build it with `./run package`).
- Resident memory of a fresh interpreter after importing the handler and after its first request (GET /health).

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

ROOT = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024

TIMED_IMPORT = "import time; t = time.perf_counter(); import {modules}; print(time.perf_counter() - t)"
MEMORY_PROBE = """
import json, psutil
process = psutil.Process()
before = process.memory_info().rss
from schema.lambda_handler import handler
after_import = process.memory_info().rss
from tests.e2e.lambda_events import http_api_event
response = handler(http_api_event("GET", "/health"), None)
after_request = process.memory_info().rss
print(json.dumps({"status": response["statusCode"], "before": before, "after_import": after_import,
                  "after_request": after_request}))
"""


def handler_environment(backend: str, data_dir: str) -> dict[str, str]:
    """The handler's settings for a local run; AWS endpoints (if used) go to a closed port, never the internet."""
    env = {**os.environ, "REGISTRY_BACKEND": backend, "REGISTRY_ENVIRONMENT": "test", "REGISTRY_DATA_DIR": data_dir}
    if backend == "aws":
        env.update({"AWS_ENDPOINT_URL_S3": "http://127.0.0.1:9", "AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:9",
                    "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_REGION": "us-east-2"})
    return env


def run_python(code: str, env: dict[str, str]) -> str:
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                            check=False, timeout=300)
    if result.returncode != 0:
        raise SystemExit(f"subprocess failed:\n{result.stderr[-2000:]}")
    return result.stdout.strip().splitlines()[-1]


def import_seconds(modules: str, env: dict[str, str]) -> float:
    return float(run_python(TIMED_IMPORT.format(modules=modules), env))


def import_times(repetitions: int, env: dict[str, str]) -> tuple[list[float], list[float]]:
    """(handler, frameworks) import times, interleaved so drift in machine load hits both alike."""
    import_seconds("schema.lambda_handler", env)  # warm-up: writes bytecode caches
    import_seconds("fastapi, strawberry, mangum", env)
    handler, frameworks = [], []
    for _ in range(repetitions):
        handler.append(import_seconds("schema.lambda_handler", env))
        frameworks.append(import_seconds("fastapi, strawberry, mangum", env))
    return handler, frameworks


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
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as data_dir:
        env = handler_environment(args.backend, data_dir)
        handler, frameworks = import_times(args.repetitions, env)
        memory = json.loads(run_python(MEMORY_PROBE, env))

    handler_median, frameworks_median = statistics.median(handler), statistics.median(frameworks)
    print(f"cold start, backend={args.backend}, {args.repetitions} repetitions, median:")
    print(f"  import schema.lambda_handler        {handler_median * 1000:8.1f} ms")
    print(f"  import fastapi, strawberry, mangum  {frameworks_median * 1000:8.1f} ms")
    print(f"  ratio handler / frameworks          {handler_median / frameworks_median:8.2f}")
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
