"""100 clients downloading one package at once (issue 15): the registry's GET /download beside nginx serving the
same file, and the registry's resident memory during the burst.

Design: a package of `--megabytes` (default 42) is registered on the embedded store; the registry (production
serving, app/serve.py) and nginx (one worker, sendfile on, access log off) each run pinned to core 0; wrk runs on
core 1 with `--clients` connections, each downloading the package again and again for `--seconds`. After one
discarded warm-up run each, `--rounds` interleaved rounds; the figures are medians: throughput (bytes/s of
package delivered), mean, median and p99 latency of one whole download. The registry's RSS is read from /proc
before the first round and at its peak (VmHWM) after the last. Prints figures; asserts nothing. Needs wrk and
nginx (Debian packages): skips with a reason without them.

Usage: .venv/bin/python bench/download.py [--megabytes 42] [--clients 100] [--rounds 3] [--seconds 10]
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import wrk  # noqa: E402
from bench.harness.servers import SERVER_CORE, TWO_CORES, free_port, login, pinned, process, \
    registry_server  # noqa: E402
from bench.package_bench import admit_synthetic_packages, make_package  # noqa: E402

NGINX_CONF = """
worker_processes 1;
daemon off;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    client_body_temp_path {root}/body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
    server {{
        listen 127.0.0.1:{port};
        location / {{ root {files}; }}
    }}
}}
"""


def rss_kib(pid: int, field: str) -> int:
    """VmRSS (now) or VmHWM (peak) of a process, in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise ValueError(f"no {field} for {pid}")


def register_package(data_dir: Path, megabytes: int) -> tuple[str, Path]:
    """Upload and finalize a package through the package service; (artifact id, path of its stored blob)."""
    from app.factory import build_registry
    from registry.model import Permission, User
    from registry.ports import blob_key
    from registry.settings import Settings

    uploader = User(username="bench", password_hash="-", permissions=frozenset(Permission))
    package = data_dir.parent / "package.zip"
    sha = make_package(package, megabytes)
    registry = build_registry(Settings(environment="test", data_dir=data_dir, public_url="http://bench"))
    admit_synthetic_packages(registry)
    ticket = registry.packages.request_upload(uploader, "bench/model", package.stat().st_size, "http://bench")
    with package.open("rb") as body:
        registry.packages.receive_upload(ticket.upload_id, body, package.stat().st_size)
    artifact = registry.packages.finalize_upload(uploader, ticket.upload_id, sha)
    package.unlink()
    return artifact.id, data_dir / "blobs" / blob_key(sha)


def summary(label: str, runs: list[wrk.WrkResult], size: int) -> str:
    rate = statistics.median(r.bytes_per_second for r in runs)
    downloads = statistics.median(r.requests_per_second for r in runs)
    return (f"  {label:9s} {rate / 1e9:5.2f} GB/s ({downloads:6.1f} downloads/s of {size / 1e6:.0f} MB), latency "
            f"mean {statistics.median(r.mean_ms for r in runs) / 1000:.2f} s, median "
            f"{statistics.median(r.p50_ms for r in runs) / 1000:.2f} s, p99 "
            f"{statistics.median(r.p99_ms for r in runs) / 1000:.2f} s, errors {sum(r.errors for r in runs)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--megabytes", type=int, default=42)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    missing = [tool for tool, found in (("wrk", wrk.available()), ("nginx", shutil.which("nginx"))) if not found]
    if missing:
        print(f"download: skipped ({' and '.join(missing)} not installed: apt-get install wrk nginx)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        artifact_id, blob = register_package(root / "data", args.megabytes)
        size = blob.stat().st_size
        for path in (root, *blob.relative_to(root).parents, blob.relative_to(root)):  # nginx's workers read as nobody
            (root / path).chmod(0o644 if path == blob.relative_to(root) else 0o755)
        port = free_port()
        (root / "nginx.conf").write_text(NGINX_CONF.format(root=root, port=port, files=blob.parent))
        nginx = pinned(["nginx", "-p", str(root), "-c", str(root / "nginx.conf")], SERVER_CORE)
        with registry_server(str(root / "data")) as server, process(nginx, f"http://127.0.0.1:{port}/"):
            headers = {"X-Authorization": f"bearer {login(server.url)}"}
            ours, theirs = f"{server.url}/download/{artifact_id}", f"http://127.0.0.1:{port}/{blob.name}"
            with httpx.stream("GET", ours, headers=headers, timeout=60) as answer:
                delivered = sum(len(chunk) for chunk in answer.iter_bytes())
            if answer.status_code != 200 or delivered != size:
                raise SystemExit(f"the registry answered {answer.status_code} with {delivered} of {size} bytes")
            sides = {"registry": lambda: wrk.run(ours, args.seconds, args.clients, headers=headers, timeout_s=120),
                     "nginx": lambda: wrk.run(theirs, args.seconds, args.clients, timeout_s=120)}
            rss_before = rss_kib(server.pid, "VmRSS")
            for run in sides.values():
                run()
            results: dict[str, list[wrk.WrkResult]] = {label: [] for label in sides}
            for _ in range(args.rounds):
                for label, run in sides.items():
                    results[label].append(run())
            rss_peak, rss_after = rss_kib(server.pid, "VmHWM"), rss_kib(server.pid, "VmRSS")
    cores = "servers on core 0, wrk on core 1" if TWO_CORES else "ONE core shared by servers and wrk"
    print(f"download of a {size / 1e6:.0f} MB package by {args.clients} clients at once ({cores}; {args.rounds} "
          f"interleaved rounds of {args.seconds:.0f} s, medians):")
    for label, runs in results.items():
        print(summary(label, runs, size))
    ratio = (statistics.median(r.bytes_per_second for r in results["registry"])
             / statistics.median(r.bytes_per_second for r in results["nginx"]))
    print(f"  -> registry / nginx throughput {ratio:.2f} (goal >= 0.9); registry RSS {rss_before / 1024:.0f} MB "
          f"before, peak {rss_peak / 1024:.0f} MB (growth {(rss_peak - rss_before) / 1024:.0f} MB, goal < 64), "
          f"{rss_after / 1024:.0f} MB after")


if __name__ == "__main__":
    main()
