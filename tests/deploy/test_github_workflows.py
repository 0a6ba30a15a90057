"""The GitHub Actions workflows and Dependabot config: linted (actionlint, zizmor) and held to the CI/CD rules.

Rules checked here are the faults not to repeat: lint that cannot fail, deploys without tests, unpinned
actions, broad permissions, jobs without timeouts, racing deploys, Dependabot config in the wrong folder.
"""
from __future__ import annotations

import re
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

WORKFLOW_NAMES = ("ci.yml", "lambda_deploy.yml", "frontend_deploy.yml")
PINNED_USES = re.compile(r"^\s*(?:-\s+)?uses:\s+[\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+(?:\.\d+)*\s*$")
LOCAL_USES = re.compile(r"^\s*(?:-\s+)?uses:\s+\$/\S+\s*$")

LoadWorkflow = Callable[[str], dict[str, Any]]


def all_jobs(workflow: LoadWorkflow) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for name in WORKFLOW_NAMES:
        for job_id, job in workflow(name)["jobs"].items():
            yield name, job_id, job


def run_commands(job: dict[str, Any]) -> str:
    return "\n".join(step.get("run", "") for step in job.get("steps", []))


def test_actionlint_reports_nothing(tool: Callable[[str], str], repo_root: Path) -> None:
    files = [str(repo_root / ".github" / "workflows" / name) for name in WORKFLOW_NAMES]
    result = subprocess.run([tool("actionlint"), "-shellcheck", tool("shellcheck"), *files],
                            cwd=repo_root, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_zizmor_reports_nothing(tool: Callable[[str], str], repo_root: Path) -> None:
    result = subprocess.run([tool("zizmor"), "--offline", "--quiet", ".github/"],
                            cwd=repo_root, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_dependabot_config_sits_beside_the_workflows_not_in_them(repo_root: Path) -> None:
    assert (repo_root / ".github" / "dependabot.yml").is_file()
    assert not list((repo_root / ".github" / "workflows").glob("dependabot*"))


def test_dependabot_updates_pip_actions_and_npm_daily_with_at_most_five_prs(repo_root: Path) -> None:
    config = yaml.safe_load((repo_root / ".github" / "dependabot.yml").read_text())
    updates = {update["package-ecosystem"]: update for update in config["updates"]}
    assert set(updates) == {"pip", "github-actions", "npm"}
    assert updates["npm"]["directory"] == "/client"
    assert updates["pip"]["versioning-strategy"] == "increase"
    for update in updates.values():
        assert update["schedule"]["interval"] == "daily"
        assert update["open-pull-requests-limit"] == 5


@pytest.mark.parametrize("name", WORKFLOW_NAMES)
def test_every_action_is_pinned_to_a_full_commit_sha_with_its_version(name: str, repo_root: Path) -> None:
    lines = (repo_root / ".github" / "workflows" / name).read_text().splitlines()
    uses = [line for line in lines if re.match(r"^\s*(?:-\s+)?uses:", line)]
    assert uses
    unpinned = [line for line in uses if not (PINNED_USES.match(line) or LOCAL_USES.match(line))]
    assert unpinned == []


@pytest.mark.parametrize("name", WORKFLOW_NAMES)
def test_no_step_can_swallow_a_failure(name: str, repo_root: Path) -> None:
    text = (repo_root / ".github" / "workflows" / name).read_text()
    assert "|| true" not in text
    assert "continue-on-error" not in text


def test_workflows_grant_nothing_by_default(workflow: LoadWorkflow) -> None:
    for name in WORKFLOW_NAMES:
        assert workflow(name)["permissions"] == {}, name


def test_every_job_declares_its_permissions_and_a_timeout(workflow: LoadWorkflow) -> None:
    for name, job_id, job in all_jobs(workflow):
        assert "permissions" in job, (name, job_id)
        if "uses" not in job:  # a reusable-workflow call takes its timeouts from the called jobs
            assert 0 < job["timeout-minutes"] <= 30, (name, job_id)


def test_only_deploy_jobs_can_get_a_cloud_token(workflow: LoadWorkflow) -> None:
    token_jobs = {(name, job_id) for name, job_id, job in all_jobs(workflow)
                  if job["permissions"].get("id-token") == "write"}
    assert token_jobs == {("lambda_deploy.yml", "deploy"), ("frontend_deploy.yml", "deploy")}


def test_checkouts_do_not_keep_the_token(workflow: LoadWorkflow) -> None:
    checkouts = [step for _, _, job in all_jobs(workflow) for step in job.get("steps", [])
                 if step.get("uses", "").startswith("actions/checkout@")]
    assert checkouts
    assert all(step["with"]["persist-credentials"] is False for step in checkouts)


def test_ci_runs_the_suite_and_the_client_tests_on_pull_requests_and_main(workflow: LoadWorkflow) -> None:
    ci = workflow("ci.yml")
    assert ci["on"]["pull_request"]["branches"] == ["main"]
    assert ci["on"]["push"]["branches"] == ["main"]
    assert "workflow_call" in ci["on"]
    assert "./run test" in run_commands(ci["jobs"]["python"])
    client_steps = ci["jobs"]["client"]["steps"]
    npm_step = next(step for step in client_steps if "npm test" in step.get("run", ""))
    assert "npm ci" in npm_step["run"]
    assert npm_step["if"] == "hashFiles('client/package.json') != ''"


def test_lambda_deploy_runs_only_after_the_tests_and_never_races(workflow: LoadWorkflow) -> None:
    deploy_workflow = workflow("lambda_deploy.yml")
    assert deploy_workflow["jobs"]["test"]["uses"] == "$/.github/workflows/ci.yml"
    job = deploy_workflow["jobs"]["deploy"]
    assert job["needs"] == "test"
    assert job["permissions"] == {"id-token": "write", "contents": "read"}
    assert job["concurrency"]["cancel-in-progress"] is False
    commands = run_commands(job)
    assert re.search(r"\./run package --python-version", commands)
    assert "aws lambda update-function-code" in commands
    assert "aws lambda wait function-updated" in commands
    assert "/health" in commands
    credentials = next(step for step in job["steps"] if "configure-aws-credentials" in step.get("uses", ""))
    assert credentials["with"]["role-to-assume"] == "${{ secrets.AWS_DEPLOY_ROLE_ARN }}"
    assert "aws-access-key-id" not in credentials["with"]


def test_lambda_deploy_triggers_on_backend_changes_on_main(
        workflow: LoadWorkflow, package_script: ModuleType) -> None:
    on = workflow("lambda_deploy.yml")["on"]
    assert on["push"]["branches"] == ["main"]
    # Every package the zip ships: a change to any of them is a change to the deployed function.
    shipped = {f"{name}/**" for name in package_script.APP_PACKAGES}
    assert shipped | {"requirements.txt", "scripts/package.py"} <= set(on["push"]["paths"])
    assert "workflow_dispatch" in on


def test_frontend_deploy_publishes_only_the_built_site(workflow: LoadWorkflow) -> None:
    frontend = workflow("frontend_deploy.yml")
    assert frontend["on"]["push"]["paths"][0] == "client/**"
    assert frontend["concurrency"]["cancel-in-progress"] is False
    build, deploy = frontend["jobs"]["build"], frontend["jobs"]["deploy"]
    assert "npm test" in run_commands(build) and "npm run build" in run_commands(build)
    assert "client/dist" in run_commands(build) and "client/public" in run_commands(build)
    assert deploy["needs"] == "build"
    assert not any(step.get("uses", "").startswith("actions/checkout@") for step in deploy["steps"])
    sync = run_commands(deploy)
    assert 'aws s3 sync site/ "s3://$SITE_BUCKET/" --delete' in sync
