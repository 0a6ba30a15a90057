"""template.yaml (AWS SAM): valid for cfn-lint, and the properties the deployment relies on.

Also the guard against CI and Lambda drifting apart: the runtime in the template, the Python that CI tests
with, the one the deploy builds for and the packaging default must be one version.
"""
from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from cfnlint.decode import cfn_yaml

LoadWorkflow = Callable[[str], dict[str, Any]]


@pytest.fixture(scope="module")
def template(repo_root: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = cfn_yaml.load(str(repo_root / "template.yaml"))
    return loaded


def resources_of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: resource for name, resource in template["Resources"].items() if resource["Type"] == kind}


def setup_python_version(job: dict[str, Any]) -> str:
    step = next(step for step in job["steps"] if step.get("uses", "").startswith("actions/setup-python@"))
    return str(step["with"]["python-version"])


def test_cfn_lint_reports_nothing(tool: Callable[[str], str], repo_root: Path) -> None:
    result = subprocess.run([tool("cfn-lint"), "template.yaml"], cwd=repo_root,
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ci_the_deploy_the_package_and_lambda_use_one_python(
        template: dict[str, Any], workflow: LoadWorkflow, package_script: ModuleType) -> None:
    runtime = template["Globals"]["Function"]["Runtime"]
    deploy = workflow("lambda_deploy.yml")["jobs"]["deploy"]
    versions = {
        "template runtime": runtime.removeprefix("python"),
        "ci setup-python": setup_python_version(workflow("ci.yml")["jobs"]["python"]),
        "deploy setup-python": setup_python_version(deploy),
        "deploy build target": deploy["env"]["LAMBDA_PYTHON"],
        "package default": package_script.parse_args([]).python_version,
    }
    assert set(versions.values()) == {"3.12"}, versions


def test_function_runs_the_mangum_handler_within_api_gateway_limits(template: dict[str, Any]) -> None:
    (function,) = resources_of_type(template, "AWS::Serverless::Function").values()
    properties = function["Properties"]
    assert properties["Handler"] == "app.lambda_handler.handler"
    assert properties["MemorySize"] == 512
    assert properties["Timeout"] == 29
    assert properties["Environment"]["Variables"]["REGISTRY_BACKEND"] == "aws"
    assert properties["Environment"]["Variables"]["REGISTRY_MONITOR_ALLOWED_HOSTS"] == {"Ref": "MonitorAllowedHosts"}
    assert {event["Type"] for event in properties["Events"].values()} == {"HttpApi", "Schedule"}


def test_the_monitor_allow_list_parameter_reaches_both_computes_and_parses(
        template: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    from registry.settings import Settings
    (service,) = resources_of_type(template, "AWS::AppRunner::Service").values()
    image = service["Properties"]["SourceConfiguration"]["ImageRepository"]["ImageConfiguration"]
    variables = {v["Name"]: v["Value"] for v in image["RuntimeEnvironmentVariables"]}
    assert variables["REGISTRY_MONITOR_ALLOWED_HOSTS"] == {"Ref": "MonitorAllowedHosts"}
    monkeypatch.setenv("REGISTRY_MONITOR_ALLOWED_HOSTS", template["Parameters"]["MonitorAllowedHosts"]["Default"])
    assert Settings().monitor_allowed_hosts == []
    monkeypatch.setenv("REGISTRY_MONITOR_ALLOWED_HOSTS", '["audit.acme.example:443"]')
    assert Settings().monitor_allowed_hosts == ["audit.acme.example:443"]


def test_function_starts_from_a_snapshot_of_each_published_version(
        template: dict[str, Any], workflow: LoadWorkflow) -> None:
    (function,) = resources_of_type(template, "AWS::Serverless::Function").values()
    properties = function["Properties"]
    assert properties["SnapStart"] == {"ApplyOn": "PublishedVersions"}
    alias = properties["AutoPublishAlias"]
    # The deploy publishes a version after replacing the code, waits for its snapshot, then moves the alias to it:
    # events and the API call the alias, so a code update without these steps would never be served.
    commands = "\n".join(step.get("run", "") for step in workflow("lambda_deploy.yml")["jobs"]["deploy"]["steps"])
    publish = commands.index("aws lambda publish-version")
    assert commands.index("aws lambda update-function-code") < publish
    assert publish < commands.index("aws lambda wait published-version-active") < commands.index(
        f"aws lambda update-alias --function-name \"$FUNCTION_NAME\" --name {alias}")


def test_the_sweeper_runs_on_a_schedule_and_stale_items_expire(template: dict[str, Any]) -> None:
    from registry.sweeper import SCHEDULED_SWEEP
    from store.dynamo import TTL_ATTRIBUTE

    (function,) = resources_of_type(template, "AWS::Serverless::Function").values()
    (sweep,) = [e["Properties"] for e in function["Properties"]["Events"].values() if e["Type"] == "Schedule"]
    assert json.loads(sweep["Input"]) == SCHEDULED_SWEEP and sweep["Schedule"].startswith("rate(")
    table = template["Resources"]["MetadataTable"]["Properties"]
    assert table["TimeToLiveSpecification"] == {"AttributeName": TTL_ATTRIBUTE, "Enabled": True}
    rules = template["Resources"]["ArtifactBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    assert any(rule.get("Prefix") == "uploads/" and rule.get("ExpirationInDays") for rule in rules)


def test_artifact_bucket_is_private_versioned_and_cleans_up_abandoned_uploads(template: dict[str, Any]) -> None:
    bucket = template["Resources"]["ArtifactBucket"]["Properties"]
    assert bucket["VersioningConfiguration"]["Status"] == "Enabled"
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    assert len(bucket["PublicAccessBlockConfiguration"]) == 4
    rules = bucket["LifecycleConfiguration"]["Rules"]
    assert any(rule.get("AbortIncompleteMultipartUpload", {}).get("DaysAfterInitiation") for rule in rules)


def test_every_bucket_blocks_public_access(template: dict[str, Any]) -> None:
    for name, bucket in resources_of_type(template, "AWS::S3::Bucket").items():
        block = bucket["Properties"]["PublicAccessBlockConfiguration"]
        assert len(block) == 4 and all(block.values()), name


def test_tables_bill_per_request(template: dict[str, Any]) -> None:
    tables = resources_of_type(template, "AWS::DynamoDB::Table")
    assert tables
    assert {table["Properties"]["BillingMode"] for table in tables.values()} == {"PAY_PER_REQUEST"}


def test_deploy_role_trusts_only_main_of_one_repository_through_github_oidc(template: dict[str, Any]) -> None:
    (statement,) = template["Resources"]["DeployRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert set(statement["Principal"]) == {"Federated"}
    conditions = statement["Condition"]["StringEquals"]
    assert conditions["token.actions.githubusercontent.com:aud"] == "sts.amazonaws.com"
    assert conditions["token.actions.githubusercontent.com:sub"] == {
        "Fn::Sub": "repo:${GitHubRepo}:ref:refs/heads/main"}
    assert "StringLike" not in statement["Condition"]  # no wildcards in the subject
    provider = template["Resources"]["GitHubOIDCProvider"]["Properties"]
    assert provider["Url"] == "https://token.actions.githubusercontent.com"
    assert provider["ClientIdList"] == ["sts.amazonaws.com"]


def test_deploy_role_may_only_update_the_function_read_its_restores_and_sync_the_site(
        template: dict[str, Any]) -> None:
    policies = template["Resources"]["DeployRole"]["Properties"]["Policies"]
    statements = [statement for policy in policies for statement in policy["PolicyDocument"]["Statement"]]
    actions = {action for statement in statements for action in
               ([statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"])}
    assert actions == {
        "lambda:UpdateFunctionCode", "lambda:GetFunction", "lambda:GetFunctionConfiguration",
        "lambda:PublishVersion", "lambda:UpdateAlias", "lambda:GetAlias", "logs:FilterLogEvents",
        "s3:ListBucket", "s3:PutObject", "s3:DeleteObject", "cloudfront:CreateInvalidation",
    }
    (logs,) = [statement for statement in statements if statement["Action"] == "logs:FilterLogEvents"]
    assert logs["Resource"]["Fn::Sub"].endswith(":log-group:/aws/lambda/${RegistryFunction}:*")
    assert all(statement["Effect"] == "Allow" for statement in statements)
    resources = json.dumps([statement["Resource"] for statement in statements])
    assert '"*"' not in resources
    assert "ArtifactBucket" not in resources and "MetadataTable" not in resources


def test_function_reads_and_writes_blobs_but_cannot_reconfigure_the_bucket(template: dict[str, Any]) -> None:
    (function,) = resources_of_type(template, "AWS::Serverless::Function").values()
    statements = [statement for policy in function["Properties"]["Policies"] if "Statement" in policy
                  for statement in policy["Statement"]]
    actions = {action for statement in statements for action in
               ([statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"])}
    assert {"s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"} <= actions
    assert not [action for action in actions if "*" in action or "Configuration" in action or "Policy" in action]


def test_table_matches_the_dynamodb_adapters_definition(template: dict[str, Any]) -> None:
    from store.dynamo import table_definition

    properties = template["Resources"]["MetadataTable"]["Properties"]
    expected = table_definition("unused")
    assert properties["TableName"] == {"Fn::Sub": "${TablePrefix}-registry"}
    assert properties["BillingMode"] == expected["BillingMode"]
    assert properties["KeySchema"] == expected["KeySchema"]
    assert sorted(properties["AttributeDefinitions"], key=str) == sorted(expected["AttributeDefinitions"], key=str)
    assert sorted(properties["GlobalSecondaryIndexes"], key=str) == sorted(expected["GlobalSecondaryIndexes"], key=str)
