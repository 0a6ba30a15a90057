"""A local stand-in for Lambda SnapStart: checkpoint the process that imported the handler, restore it, time it.

Lambda SnapStart snapshots the initialised function once per published version (a Firecracker microVM after the
handler's import) and starts each new instance from that snapshot, running the runtime's after-restore hooks
before the first invoke. No Lambda is reachable from this machine, so the restore is measured with CRIU, which
checkpoints a process tree to image files and restores it:

1. A fresh interpreter imports `app.lambda_handler` (the app built) with a stand-in for the Lambda runtime's
   `snapshot_restore_py` module on its path, which records the hooks the handler registers, as the runtime does.
   It then waits for a file to appear: the snapshot is taken there.
2. `criu dump` writes the process to image files (and ends it); the data directory is copied as it was then.
3. Each round puts the data directory back, creates the file the process waits for and runs `criu restore`. The
   restored process goes on from its wait: it runs the recorded after-restore hooks (the request-id prefix is
   renewed) and answers GET /health through the handler, as Lambda's first invoke after a restore would. The
   figure is the wall-clock time from starting `criu restore` to the answer written.
4. Interleaved with those rounds, a fresh interpreter does the same without a snapshot: import, then answer.

What differs from Lambda: CRIU restores a process, not a microVM, and reads the whole image (from the page cache
here) before the process runs, where Lambda loads a microVM's memory from its snapshot cache as pages are
touched. The figure is what restoring this process costs on this machine, not Lambda's restore time.

Needs root and a CRIU that passes `criu check` on this kernel (scripts/install-criu.sh builds 4.1.1); without
them `restore_figures` returns the reason it cannot run.
"""
from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.harness.servers import ROOT
from tests.e2e.lambda_events import SNAPSHOT_RUNTIME_STANDIN

POLL_SECONDS = 0.0005
ANSWER_TIMEOUT_SECONDS = 60.0

# argv: the file to wait for before answering ("": answer at once, the cold start), the answer's path.
DRIVER = """
import json, os, sys, time
go, answer = sys.argv[1], sys.argv[2]
from app.lambda_handler import handler
import snapshot_restore_py
from tests.e2e.lambda_events import http_api_event
event = http_api_event("GET", "/health")
if go:
    open(answer + ".ready", "w").close()
    while not os.path.exists(go):  # the checkpoint is taken here; a restored copy goes on from this loop
        time.sleep(%r)
    for hook in snapshot_restore_py.AFTER_RESTORE:
        hook()
response = handler(event, None)
with open(answer + ".part", "w") as out:
    json.dump({"status": response["statusCode"], "request_id": response["headers"]["x-request-id"]}, out)
os.replace(answer + ".part", answer)
""" % POLL_SECONDS


@dataclass
class RestoreFigures:
    criu_version: str
    image_bytes: int
    restored: list[float]  # seconds from `criu restore` started to the first answer written
    restore_only: list[float]  # seconds `criu restore` itself took
    fresh: list[float]  # seconds from a fresh interpreter started to its first answer written
    request_id_prefixes: list[str]  # of the restored instances, one per round

    @property
    def restored_median(self) -> float:
        return statistics.median(self.restored)

    @property
    def fresh_median(self) -> float:
        return statistics.median(self.fresh)


class CannotRestore(Exception):
    """Why the figure cannot be taken here (no CRIU, not root, CRIU failing on this kernel)."""


def criu_binary() -> str:
    """The CRIU to use (CRIU in the environment, else `criu` on PATH), checked to work on this kernel."""
    found = shutil.which(os.environ.get("CRIU", "criu"))
    if found is None:
        raise CannotRestore("CRIU is not installed (scripts/install-criu.sh builds it)")
    if os.geteuid() != 0:
        raise CannotRestore("CRIU needs root")
    check = subprocess.run([found, "check"], capture_output=True, text=True, check=False, timeout=60)
    if check.returncode != 0:
        errors = [line for line in check.stderr.splitlines() if "Error" in line] or [check.stderr.strip()]
        raise CannotRestore(f"`{found} check` fails on this kernel ({errors[0].strip()}); "
                            "scripts/install-criu.sh builds a CRIU that knows it")
    return found


def _version(criu: str) -> str:
    out = subprocess.run([criu, "--version"], capture_output=True, text=True, check=False).stdout
    return next((line.split(":", 1)[1].strip() for line in out.splitlines() if line.startswith("Version:")), "?")


def _wait_for(path: Path, started: float) -> float:
    """Seconds from `started` until `path` exists."""
    while not path.exists():
        if time.perf_counter() - started > ANSWER_TIMEOUT_SECONDS:
            raise CannotRestore(f"no answer at {path} within {ANSWER_TIMEOUT_SECONDS:.0f} s")
        time.sleep(POLL_SECONDS)
    return time.perf_counter() - started


def _wait_gone(pid: int) -> None:
    """A restored process keeps its pid; the next restore needs that pid free again."""
    deadline = time.monotonic() + ANSWER_TIMEOUT_SECONDS
    while Path(f"/proc/{pid}").exists():
        if time.monotonic() > deadline:
            raise CannotRestore(f"restored process {pid} did not end")
        time.sleep(POLL_SECONDS)


def _failed(step: str, log: Path) -> CannotRestore:
    lines = log.read_text(errors="replace").splitlines() if log.exists() else []
    errors = [line.strip() for line in lines if "Error" in line] or lines[-1:]
    return CannotRestore(f"criu {step} failed: {' / '.join(errors[-2:])}")


def _spawn(env: dict[str, str], go: str, answer: Path) -> subprocess.Popen[bytes]:
    """The driver in its own session with no terminal and no pipes, so CRIU can take it whole."""
    return subprocess.Popen([sys.executable, "-c", DRIVER, go, str(answer)], cwd=ROOT, env=env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


def restore_figures(rounds: int, env: dict[str, str], data_dir: Path) -> RestoreFigures:
    """Checkpoint the handler's process once, then `rounds` interleaved restores and fresh starts."""
    criu = criu_binary()
    with tempfile.TemporaryDirectory(prefix="snapstart-") as work_name:
        work = Path(work_name)
        runtime, images, saved = work / "runtime", work / "images", work / "data-at-snapshot"
        runtime.mkdir()
        images.mkdir()
        (runtime / "snapshot_restore_py.py").write_text(SNAPSHOT_RUNTIME_STANDIN)
        env = {**env, "PYTHONPATH": f"{ROOT}{os.pathsep}{runtime}"}
        go, answer = work / "go", work / "answer"

        snapshotted = _spawn(env, str(go), answer)
        _wait_for(Path(f"{answer}.ready"), time.perf_counter())
        dumped = subprocess.run([criu, "dump", "--tree", str(snapshotted.pid), "--images-dir", str(images),
                                 "--file-locks", "--log-file", "dump.log"], capture_output=True, check=False)
        snapshotted.wait(timeout=ANSWER_TIMEOUT_SECONDS)
        if dumped.returncode != 0:
            raise _failed("dump", images / "dump.log")
        image_bytes = sum(f.stat().st_size for f in images.iterdir() if f.suffix == ".img")
        shutil.copytree(data_dir, saved)
        go.touch()

        restored, restore_only, fresh, prefixes = [], [], [], []
        for _ in range(rounds):
            shutil.rmtree(data_dir)
            shutil.copytree(saved, data_dir)  # the files as the snapshot left them (CRIU checks their sizes)
            answer.unlink(missing_ok=True)
            started = time.perf_counter()
            run = subprocess.run([criu, "restore", "--images-dir", str(images), "--file-locks", "--restore-detached",
                                  "--log-file", "restore.log"], capture_output=True, check=False)
            restore_only.append(time.perf_counter() - started)
            if run.returncode != 0:
                raise _failed("restore", images / "restore.log")
            restored.append(_wait_for(answer, started))
            outcome = json.loads(answer.read_text())
            if outcome["status"] != 200:
                raise CannotRestore(f"the restored handler answered {outcome['status']}")
            prefixes.append(outcome["request_id"][:16])
            _wait_gone(snapshotted.pid)

            answer.unlink()
            started = time.perf_counter()
            cold = _spawn(env, "", answer)
            fresh.append(_wait_for(answer, started))
            cold.wait(timeout=ANSWER_TIMEOUT_SECONDS)
        return RestoreFigures(_version(criu), image_bytes, restored, restore_only, fresh, prefixes)
