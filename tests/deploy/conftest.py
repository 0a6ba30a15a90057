"""Fixtures of the deploy tests: the repository's tools, its workflows as data, and scripts/package.py."""
from __future__ import annotations

import importlib.util
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def tool() -> Callable[[str], str]:
    """Finds a command-line tool of the test extra: beside this interpreter (the venv), else on PATH."""

    def find(name: str) -> str:
        beside = Path(sys.executable).parent / name
        found = str(beside) if beside.is_file() else shutil.which(name)
        if found is None:
            pytest.fail(f"{name} is not installed: it belongs in pyproject's [test] extra")
        return found

    return find


@pytest.fixture(scope="session")
def workflow() -> Callable[[str], dict[str, Any]]:
    """Loads .github/workflows/<name> as data, with `on:` restored (YAML 1.1 reads a bare `on` as True)."""

    def load(name: str) -> dict[str, Any]:
        data: dict[Any, Any] = yaml.safe_load((WORKFLOWS / name).read_text())
        if True in data:
            data["on"] = data.pop(True)
        return data

    return load


@pytest.fixture(scope="session")
def package_script() -> ModuleType:
    """scripts/package.py as a module (scripts/ is not a package)."""
    name = "tmr_package_script"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / "package.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up while the class is being created
        spec.loader.exec_module(module)
    return sys.modules[name]
