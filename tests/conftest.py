"""Shared fixtures: settings pointed at the fake hub, the app on a fresh embedded store, GraphQL helpers."""
from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from registry.settings import DEFAULT_ADMIN_PASSWORD, DEFAULT_ADMIN_USERNAME, Settings
from app.factory import create_app
from app.logs import configure_logging

pytest_plugins = ["tests.fakehub.fixture", "tests.aws_fixtures"]

# The in-process apps' JSON lines go nowhere in a test session: the writer thread flushes every 100 ms, also while
# pytest's output capture is suspended, and its lines filled the run's output. Tests read records through caplog
# and entries through the recent feed (both unaffected); tests/app/test_logs.py checks the lines themselves.
configure_logging(stream=open(os.devnull, "w", encoding="utf-8"))

MINILM_URL = "https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2"
# MiniLM's card links no code and names datasets the fake hub doesn't hold: ingest links one of each.
MINILM_CODE = "https://github.com/UKPLab/sentence-transformers"
MINILM_DATASET = "https://huggingface.co/datasets/fakehub/tiny-reviews"


@pytest.fixture
def settings(tmp_path, fake_hub) -> Settings:
    return Settings(environment="test", backend="local", data_dir=tmp_path / "data", hf_endpoint=fake_hub.hf_endpoint,
                    github_api_url=fake_hub.github_api_url, hf_token=None, github_token=None,
                    upstream_timeout_seconds=5, upstream_retries=1, public_url="http://testserver")


@pytest.fixture
def app(settings):
    return create_app(settings)


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


def nodes(result: dict[str, Any], field: str) -> list[dict[str, Any]]:
    """The nodes of a connection field in a GraphQL result (after asserting it has no errors)."""
    assert not result.get("errors"), result
    return [edge["node"] for edge in result["data"][field]["edges"]]


class GraphQL:
    """Posts documents to /graphql as a given bearer token."""

    def __init__(self, client: TestClient, token: str | None = None) -> None:
        self.client = client
        self.token = token

    def __call__(self, query: str, token: str | None = None, **variables: Any) -> dict[str, Any]:
        headers = {}
        if token or self.token:
            headers["X-Authorization"] = f"bearer {token or self.token}"
        response = self.client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
        assert response.status_code == 200, response.text
        return response.json()

    def login(self, username: str, password: str) -> str:
        result = self('mutation($u: String!, $p: String!) { authenticate(input: {username: $u, password: $p}) '
                      '{ token errors { code message } } }', u=username, p=password)
        payload = result["data"]["authenticate"]
        assert payload["errors"] == [], payload
        return payload["token"]

    def as_user(self, token: str) -> "GraphQL":
        return GraphQL(self.client, token)


@pytest.fixture
def gql(client) -> GraphQL:
    anonymous = GraphQL(client)
    return anonymous.as_user(anonymous.login(DEFAULT_ADMIN_USERNAME, DEFAULT_ADMIN_PASSWORD))


@pytest.fixture
def make_user(gql):
    """Register a user with some permissions and return a GraphQL caller logged in as them."""

    def make(username: str, *permissions: str) -> GraphQL:
        result = gql("mutation($i: RegisterUserInput!) { registerUser(input: $i) { user { username } "
                     "errors { code message } } }",
                     i={"username": username, "password": "pass-word-123", "permissions": list(permissions)})
        assert result["data"]["registerUser"]["errors"] == [], result
        return gql.as_user(GraphQL(gql.client).login(username, "pass-word-123"))

    return make
