"""Build the AWS Lambda deployment zip: runtime wheels for the Lambda platform plus the app packages.

Why this shape:
- Wheels are fetched for the *target* runtime (manylinux2014 x86_64, CPython X.Y), never built here, so the
  zip works on Lambda whatever machine builds it, and no package's install-time code runs on the builder.
- Only requirements.txt (the runtime dependencies) is installed: test and dev tools never enter the zip, and
  the build fails if one does.
- Lambda's /var/task is read-only, so Python cannot cache bytecode there: when the builder runs the target
  version, the zip ships .pyc files (hash-based, unchecked, hence reproducible) to cut cold-start time.
- The zip is deterministic (sorted entries, fixed timestamps and modes): the same inputs give the same bytes.

Usage: python scripts/package.py [--python-version 3.12] [--output build/lambda.zip]
"""
from __future__ import annotations

import argparse
import compileall
import os
import py_compile
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP_PACKAGES = ("app", "registry", "schema", "resolvers", "scoring", "store", "rest")
EXCLUDED_DIR_NAMES = frozenset({"tests", "__pycache__"})
# Import names of test/dev tools that must never ship; finding one in the staged tree fails the build.
DEV_PACKAGES = frozenset({
    "pytest", "_pytest", "pytest_cov", "pytest_asyncio", "pytest_timeout", "coverage", "hypothesis", "moto",
    "flake8", "pyflakes", "pycodestyle", "mypy", "importlinter", "schemathesis", "zizmor", "cfnlint", "psutil",
})
PLATFORM = "manylinux2014_x86_64"
MAX_ZIPPED_BYTES = 50 * 1024 * 1024
MAX_UNZIPPED_BYTES = 250 * 1024 * 1024
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class PackageSizes:
    """Sizes of a built package, compared with Lambda's limits for a directly uploaded zip."""

    zipped: int
    unzipped: int

    def check(self) -> None:
        """Raise when the package would be refused by Lambda (50 MB zipped upload, 250 MB unzipped)."""
        if self.zipped > MAX_ZIPPED_BYTES:
            raise SystemExit(f"zip is {self.zipped} bytes, over Lambda's {MAX_ZIPPED_BYTES} limit")
        if self.unzipped > MAX_UNZIPPED_BYTES:
            raise SystemExit(f"unzipped package is {self.unzipped} bytes, over Lambda's {MAX_UNZIPPED_BYTES} limit")


def install_dependencies(requirements: Path, target: Path, python_version: str, cache_dir: Path) -> None:
    """pip-install the runtime requirements as Lambda-platform wheels into `target`."""
    command = [
        sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
        "--platform", PLATFORM, "--only-binary=:all:", "--implementation", "cp",
        "--python-version", python_version, "--no-compile", "--cache-dir", str(cache_dir),
        "--target", str(target), "--requirement", str(requirements),
    ]
    subprocess.run(command, check=True)
    # Console scripts (uvicorn, ...) are useless on Lambda and point at the builder's interpreter.
    shutil.rmtree(target / "bin", ignore_errors=True)


def copy_app_packages(source_root: Path, target: Path) -> list[str]:
    """Copy the app packages that exist, without tests or bytecode caches; return the names copied."""
    copied = []
    ignore = shutil.ignore_patterns(*EXCLUDED_DIR_NAMES, "*.pyc")
    for name in APP_PACKAGES:
        package = source_root / name
        if (package / "__init__.py").is_file():
            shutil.copytree(package, target / name, ignore=ignore)
            copied.append(name)
    return copied


def forbidden_packages(target: Path) -> set[str]:
    """Top-level names in `target` that are test/dev tools."""
    return {entry.name for entry in target.iterdir() if entry.name in DEV_PACKAGES}


def compile_bytecode(target: Path) -> None:
    """Write reproducible .pyc files (unchecked hash: no mtimes, and no stat calls at import on Lambda)."""
    compileall.compile_dir(
        str(target), quiet=1, workers=1,
        invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
    )


def iter_files(root: Path) -> Iterator[Path]:
    """Every regular file under `root`, in a stable (sorted) order."""
    for directory, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for filename in sorted(filenames):
            yield Path(directory, filename)


def write_zip(source: Path, output: Path) -> PackageSizes:
    """Zip `source` deterministically into `output` and return the zipped and unzipped sizes."""
    output.parent.mkdir(parents=True, exist_ok=True)
    unzipped = 0
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path in iter_files(source):
            info = zipfile.ZipInfo(path.relative_to(source).as_posix(), date_time=ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            mode = 0o755 if os.access(path, os.X_OK) else 0o644
            info.external_attr = (0o100000 | mode) << 16
            data = path.read_bytes()
            unzipped += len(data)
            archive.writestr(info, data)
    return PackageSizes(zipped=output.stat().st_size, unzipped=unzipped)


def build(python_version: str, output: Path, build_dir: Path, cache_dir: Path,
          requirements: Path, source_root: Path = ROOT) -> PackageSizes:
    """Stage dependencies and app code in `build_dir`, zip them to `output`, and check Lambda's limits."""
    shutil.rmtree(build_dir, ignore_errors=True)
    build_dir.mkdir(parents=True)
    install_dependencies(requirements, build_dir, python_version, cache_dir)
    copied = copy_app_packages(source_root, build_dir)
    if not copied:
        raise SystemExit(f"no app package found under {source_root}")
    forbidden = forbidden_packages(build_dir)
    if forbidden:
        raise SystemExit(f"test/dev packages would ship in the zip: {sorted(forbidden)}")
    if python_version == f"{sys.version_info.major}.{sys.version_info.minor}":
        compile_bytecode(build_dir)
    sizes = write_zip(build_dir, output)
    sizes.check()
    return sizes


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--python-version", default="3.12", help="Lambda runtime's Python (default: 3.12)")
    parser.add_argument("--output", type=Path, default=ROOT / "build" / "lambda.zip", help="zip to write")
    parser.add_argument("--build-dir", type=Path, default=ROOT / "build" / "lambda",
                        help="staging directory (emptied first)")
    parser.add_argument("--cache-dir", type=Path, default=ROOT / "build" / "pip-cache",
                        help="pip's download cache, kept between builds")
    parser.add_argument("--requirements", type=Path, default=ROOT / "requirements.txt")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sizes = build(args.python_version, args.output, args.build_dir, args.cache_dir, args.requirements)
    mib = 1024 * 1024
    print(f"{args.output}: {sizes.zipped / mib:.1f} MiB zipped, {sizes.unzipped / mib:.1f} MiB unzipped "
          f"(Python {args.python_version}, limits 50 / 250 MiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
