"""wrk, the HTTP load generator, pinned to the load core; its figures parsed from its report.

wrk comes from Debian (`apt-get install wrk`): `available()` says whether it is there, so a benchmark can print
why it skips instead of failing.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench.harness.servers import LOAD_CORE, pinned

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60_000.0}
_BYTES = {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3, "TB": 1024**4}


@dataclass(frozen=True)
class WrkResult:
    requests_per_second: float
    bytes_per_second: float
    mean_ms: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int  # non-2xx/3xx answers, socket errors and timeouts


def available() -> bool:
    return shutil.which("wrk") is not None


def run(url: str, seconds: float, connections: int, method: str = "GET", body: dict | None = None,
        headers: dict[str, str] | None = None, timeout_s: int = 30) -> WrkResult:
    """One wrk run of `seconds` with `connections` keep-alive connections from one thread on the load core."""
    lines = [f"wrk.method = {json.dumps(method)}"]
    if body is not None:
        lines.append(f"wrk.body = {json.dumps(json.dumps(body))}")
        lines.append('wrk.headers["Content-Type"] = "application/json"')
    for name, value in (headers or {}).items():
        lines.append(f"wrk.headers[{json.dumps(name)}] = {json.dumps(value)}")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write("\n".join(lines) + "\n")
    try:
        command = pinned(["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", f"--timeout={timeout_s}s",
                          "--latency", "-s", script.name, url], LOAD_CORE)
        report = subprocess.run(command, capture_output=True, text=True, check=True, timeout=seconds + 120).stdout
    finally:
        Path(script.name).unlink()
    return parse(report)


def parse(report: str) -> WrkResult:
    def number(pattern: str) -> re.Match[str]:
        found = re.search(pattern, report)
        if found is None:
            raise ValueError(f"wrk report without {pattern!r}:\n{report}")
        return found

    latency = number(r"Latency\s+([\d.]+)(us|ms|s|m)")
    p50 = number(r"50%\s+([\d.]+)(us|ms|s|m)")
    p99 = number(r"99%\s+([\d.]+)(us|ms|s|m)")
    transfer = number(r"Transfer/sec:\s+([\d.]+)(B|KB|MB|GB|TB)")
    requests = int(number(r"(\d+) requests in").group(1))
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", report))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", report)
    return WrkResult(
        requests_per_second=float(number(r"Requests/sec:\s+([\d.]+)").group(1)),
        bytes_per_second=float(transfer.group(1)) * _BYTES[transfer.group(2)],
        mean_ms=float(latency.group(1)) * _UNITS[latency.group(2)],
        p50_ms=float(p50.group(1)) * _UNITS[p50.group(2)], p99_ms=float(p99.group(1)) * _UNITS[p99.group(2)],
        requests=requests, errors=errors + (int(non_2xx.group(1)) if non_2xx else 0))
