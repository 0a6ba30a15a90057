"""Package memory benchmark (issue 2): upload, finalize and download a large package on the embedded store and
print the peak resident memory growth. Streaming means growth stays under 64 MB whatever the package size.

Run: python bench/package_bench.py [--megabytes 1024]. Prints figures; asserts nothing.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from registry.container import Registry  # noqa: E402
from registry.model import Permission, User  # noqa: E402
from registry.settings import Settings  # noqa: E402
from app.factory import build_registry  # noqa: E402
from scoring.parts import PackagePart  # noqa: E402
from scoring.rating import GATED_METRICS  # noqa: E402

UPLOADER = User(username="bench", password_hash="-", permissions=frozenset(Permission))
CHUNK = 1 << 20


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_package(path: Path, megabytes: int) -> str:
    """A hub-shaped zip whose weights are `megabytes` of incompressible bytes, written in 1 MB chunks."""
    block = os.urandom(CHUNK)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        archive.writestr("README.md", "# bench model\n")
        archive.writestr("config.json", json.dumps({"model_type": "bert"}))
        with archive.open("model.safetensors", "w", force_zip64=True) as weights:
            for index in range(megabytes):
                weights.write(block[index % 7:] + block[:index % 7])  # vary chunks so nothing dedupes
    digest = hashlib.sha256()
    with path.open("rb") as source:
        for chunk in iter(lambda: source.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def admit_synthetic_packages(registry: Registry) -> None:
    """Set the gate policy to admit everything: the bench's package is random bytes under a one-line card, which
    the default policy rightly refuses. The bench measures transfer and memory; finalize still rates the package
    (no upstream is read: the card links nothing), it only no longer refuses it."""
    admit_all = {metric: 0.0 for metric in GATED_METRICS}
    registry.ratings.change_policy(UPLOADER, admit_all, net_score_gated=False, net_score_threshold=0.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--megabytes", type=int, default=1024)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        package = Path(tmp) / "package.zip"
        sha = make_package(package, args.megabytes)
        settings = Settings(environment="test", data_dir=Path(tmp) / "data", public_url="http://bench")
        registry = build_registry(settings)
        admit_synthetic_packages(registry)
        baseline = peak_rss_mb()
        started = time.perf_counter()
        ticket = registry.packages.request_upload(UPLOADER, "bench/model", package.stat().st_size, "http://bench")
        with package.open("rb") as body:
            registry.packages.receive_upload(ticket.upload_id, body, package.stat().st_size)
        after_upload = peak_rss_mb()
        artifact = registry.packages.finalize_upload(UPLOADER, ticket.upload_id, sha)
        after_finalize = peak_rss_mb()
        upload_s = time.perf_counter() - started
        started = time.perf_counter()
        delivery = registry.downloads.deliver(UPLOADER, artifact.id, PackagePart.FULL)
        digest = hashlib.sha256()
        for chunk in registry.packages.open_range(delivery.stored.key):
            digest.update(chunk)
        download_s = time.perf_counter() - started
        after_download = peak_rss_mb()
        size_mb = package.stat().st_size / 1e6
        print(f"package of {size_mb:.0f} MB: upload+finalize {upload_s:.1f} s, download {download_s:.1f} s, "
              f"sha256 {'ok' if digest.hexdigest() == sha else 'MISMATCH'}")
        print(f"peak RSS: baseline {baseline:.0f} MB; growth after upload {after_upload - baseline:.0f} MB, "
              f"after finalize {after_finalize - baseline:.0f} MB, after download {after_download - baseline:.0f} MB "
              "(goal: under 64 MB)")


if __name__ == "__main__":
    main()
