"""The README's GraphQL examples, run in order by another language's client (Python's `gql` over HTTP) against a
real server on the fake hub: the documented API is the tested one.

Conventions the README keeps: one operation per ```graphql block; the password is written "…" (the test puts
the admin's in); an example declaring `$artifactId` gets the id of the artifact the previous examples ingested;
the token from `authenticate` is sent with every later example. No example may answer with errors.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from gql import Client, gql
from gql.transport.httpx import HTTPXTransport
from graphql import OperationDefinitionNode, parse

from app.factory import create_app
from registry.settings import DEFAULT_ADMIN_PASSWORD, Settings
from schema.export import SCHEMA_FILE
from tests.servers import free_port, uvicorn_server

ROOT = Path(__file__).resolve().parents[2]

BLOCK = re.compile(r"```graphql\n(.*?)```", re.DOTALL)
PASSWORD_PLACEHOLDER = '"…"'


def readme_examples() -> list[str]:
    return BLOCK.findall((ROOT / "README.md").read_text(encoding="utf-8"))


def payload_errors(value: Any) -> list[Any]:
    """Every non-empty `errors` list anywhere in a result (mutation payloads carry theirs inside)."""
    if isinstance(value, dict):
        own = value.get("errors") or []
        return list(own) + [e for v in value.values() for e in payload_errors(v)]
    if isinstance(value, list):
        return [e for item in value for e in payload_errors(item)]
    return []


def find(value: Any, key: str) -> Any:
    """The first value under `key` anywhere in a result, or None."""
    if isinstance(value, dict):
        if value.get(key):
            return value[key]
        value = list(value.values())
    if isinstance(value, list):
        return next((found for item in value if (found := find(item, key)) is not None), None)
    return None


@pytest.fixture
def server(fake_hub, tmp_path) -> Iterator[str]:
    port = free_port()
    settings = Settings(environment="test", backend="local", data_dir=tmp_path / "data",
                        hf_endpoint=fake_hub.hf_endpoint, github_api_url=fake_hub.github_api_url, hf_token=None,
                        github_token=None, upstream_timeout_seconds=5, upstream_retries=1,
                        public_url=f"http://127.0.0.1:{port}")
    with uvicorn_server(create_app(settings), port=port) as url:
        yield url


def test_every_example_is_one_operation():
    examples = readme_examples()
    assert examples, "the README has no ```graphql examples"
    for example in examples:
        operations = [d for d in parse(example).definitions if isinstance(d, OperationDefinitionNode)]
        assert len(operations) == 1, f"one operation per block:\n{example}"


def test_readme_examples_run_with_a_python_graphql_client(server):
    schema = SCHEMA_FILE.read_text(encoding="utf-8")
    headers: dict[str, str] = {}
    artifact_id = None
    for example in readme_examples():
        document = gql(example.replace(PASSWORD_PLACEHOLDER, json.dumps(DEFAULT_ADMIN_PASSWORD)))
        declared = {v.variable.name.value for op in document.document.definitions
                    if isinstance(op, OperationDefinitionNode) for v in op.variable_definitions or ()}
        document.variable_values = {"artifactId": artifact_id} if "artifactId" in declared else None
        # The schema checks each example locally first: a stale example fails with the field it names.
        with Client(schema=schema, transport=HTTPXTransport(url=f"{server}/graphql", headers=headers,
                                                            timeout=60)) as session:
            result = session.execute(document)
        assert payload_errors(result) == [], (example, result)
        if token := find(result, "token"):
            headers = {"X-Authorization": f"bearer {token}"}
        artifact_id = find(result, "artifactId") if artifact_id is None else artifact_id
