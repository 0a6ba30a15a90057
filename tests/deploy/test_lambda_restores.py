"""scripts/lambda_restores.py and the deploy step that feeds it: Lambda's own snapshot restore time of the version
just deployed, read from the REPORT lines of that version's log streams."""
from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "lambda_restores.py"

# REPORT lines as Lambda writes them: a restored invocation carries the restore fields, a warm one does not.
RESTORED = ("REPORT RequestId: 6f1c0a52-8c1e-4d0e-9a51-1d1b7c0a1e11\tDuration: 41.80 ms\tBilled Duration: 195 ms\t"
            "Memory Size: 512 MB\tMax Memory Used: 131 MB\tRestore Duration: {restore} ms\t"
            "Billed Restore Duration: {billed} ms\t")
WARM = ("REPORT RequestId: 0b9a7f3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b\tDuration: 3.10 ms\tBilled Duration: 4 ms\t"
        "Memory Size: 512 MB\tMax Memory Used: 131 MB\t")


def event(version: str, message: str) -> dict[str, Any]:
    return {"logStreamName": f"2026/12/02/[{version}]0a1b2c3d4e5f", "timestamp": 1796198400000, "message": message}


EVENTS = {"events": [
    event("7", RESTORED.format(restore="153.09", billed=121)),
    event("7", WARM),
    event("7", '{"event": "request", "message": "GET /health 200 Restore Duration: 999 ms"}'),  # not a REPORT line
    event("6", RESTORED.format(restore="480.00", billed=300)),  # the previous version's
    event("7", RESTORED.format(restore="171.50", billed=140)),
    event("7", RESTORED.format(restore="160.00", billed=130)),
]}


def run_script(version: str, stdin: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), version], input=stdin, capture_output=True, text=True,
                          timeout=60)


def test_the_versions_restores_are_summarised_and_nothing_else_counts():
    ran = run_script("7", json.dumps(EVENTS))
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == ("Lambda restores of version 7: 3, median 160.0 ms, longest 171.5 ms "
                                  "(billed median 130 ms)")


def test_a_version_not_restored_yet_asks_to_be_asked_again():
    ran = run_script("8", json.dumps(EVENTS))
    assert ran.returncode == 3 and "no restore of version 8" in ran.stdout
    assert run_script("7", json.dumps({"events": [event("7", WARM)]})).returncode == 3


@pytest.mark.parametrize("stdin", ["", "not json", "[1, 2]"])
def test_input_that_is_not_the_clis_json_is_refused(stdin):
    ran = run_script("7", stdin)
    assert ran.returncode == 2 and "filter-log-events" in ran.stderr


def report_step() -> dict[str, Any]:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "lambda_deploy.yml").read_text())
    steps = workflow["jobs"]["deploy"]["steps"]
    names = [step.get("name", "") for step in steps]
    smoke = next(i for i, name in enumerate(names) if name.startswith("Smoke-check"))
    (report,) = [step for step in steps[smoke + 1:] if "lambda_restores.py" in step.get("run", "")]
    publish = next(step for step in steps if step.get("id") == "publish")
    assert report["env"]["VERSION"] == "${{ steps.publish.outputs.version }}"
    assert 'echo "version=$version" >> "$GITHUB_OUTPUT"' in publish["run"]
    return report


def run_step(tmp_path: Path, aws_stub: str) -> subprocess.CompletedProcess[str]:
    """The step's shell as Actions runs it (`bash -e`), with `aws` replaced by `aws_stub`."""
    stub = tmp_path / "bin" / "aws"
    stub.parent.mkdir()
    stub.write_text("#!/bin/sh\n" + aws_stub)
    stub.chmod(stub.stat().st_mode | stat.S_IEXEC)
    env = {**os.environ, "PATH": f"{stub.parent}:{os.environ['PATH']}", "FUNCTION_NAME": "registry-fn",
           "VERSION": "7", "SINCE_MS": "1796198000000", "CALLS": str(tmp_path / "calls")}
    return subprocess.run(["bash", "-e", "-c", report_step()["run"]], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


def test_the_deploy_step_prints_the_restore_of_the_version_it_published(tmp_path):
    (tmp_path / "events.json").write_text(json.dumps(EVENTS))
    ran = run_step(tmp_path, f'echo "$@" >> "$CALLS"\ncat {tmp_path / "events.json"}\n')
    assert ran.returncode == 0, ran.stderr
    assert "Lambda restores of version 7: 3, median 160.0 ms" in ran.stdout
    call = (tmp_path / "calls").read_text()
    assert call.startswith("logs filter-log-events --log-group-name /aws/lambda/registry-fn --start-time "
                           "1796198000000 --filter-pattern")


def test_a_deploy_step_that_cannot_read_the_logs_only_warns(tmp_path):
    ran = run_step(tmp_path, 'echo "AccessDeniedException" >&2\nexit 254\n')
    assert ran.returncode == 0
    assert "::warning::no snapshot restore of version 7" in ran.stdout
