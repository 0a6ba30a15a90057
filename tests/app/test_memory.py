"""The server process's memory settings (app/memory.py), and that both entry points apply them."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from app.memory import limit_malloc_arenas

REPO = Path(__file__).resolve().parents[2]

# In a fresh interpreter (freezing is for the rest of a process's life): the collector's view after each entry
# point built its app, and what a full collection traverses then.
VIEW = """
import gc, json
{build}
tracked = {{id(o) for o in gc.get_objects()}}
made_after = [[]]
print(json.dumps({{"app_tracked": id(app) in tracked, "registry_tracked": id(app.state.registry) in tracked,
                   "new_tracked": id(made_after) in {{id(o) for o in gc.get_objects()}},
                   "frozen": gc.get_freeze_count(), "tracked": len(tracked)}}))
"""
LAMBDA = "from app.lambda_handler import app"
SERVE = """
import uvicorn
import app.serve
from app.factory import create_app
from registry.settings import Settings
served = []
uvicorn.run = lambda app, **options: served.append(app)  # what run() leaves behind when it starts serving
settings = Settings()
app.serve.run(create_app(settings), settings)
app = served[0]
"""


def collector_view(build: str, data_dir: Path) -> dict[str, object]:
    env = {"REGISTRY_BACKEND": "local", "REGISTRY_ENVIRONMENT": "test", "REGISTRY_DATA_DIR": str(data_dir),
           "PATH": "/usr/bin:/bin", "HOME": str(data_dir)}
    result = subprocess.run([sys.executable, "-c", VIEW.format(build=build)], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    view: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return view


def test_arenas_are_capped_on_glibc_and_zero_leaves_the_default():
    assert limit_malloc_arenas(0) is False
    assert limit_malloc_arenas(2) is True  # glibc (the test machine's and Lambda's C library)


def test_the_lambda_handler_keeps_its_built_app_out_of_full_collections(tmp_path: Path) -> None:
    view = collector_view(LAMBDA, tmp_path)
    assert view["app_tracked"] is False and view["registry_tracked"] is False
    assert isinstance(view["frozen"], int) and view["frozen"] > 50_000  # the whole app, not a handful of objects
    assert view["new_tracked"] is True  # what requests make is still collected
    assert isinstance(view["tracked"], int) and view["tracked"] < 5_000


def test_the_server_freezes_the_app_it_serves_before_serving(tmp_path: Path) -> None:
    view = collector_view(SERVE, tmp_path)
    assert view["app_tracked"] is False and view["registry_tracked"] is False
    assert isinstance(view["frozen"], int) and view["frozen"] > 50_000
    assert view["new_tracked"] is True
