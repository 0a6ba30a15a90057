"""Two registry processes over one data directory (workers behind one address): a change to an account made through
one is honoured by the other at its very next request, although each keeps the users it has read in memory
(store/generation.py)."""
from __future__ import annotations

from typing import Any

import httpx
import pytest

from registry.settings import DEFAULT_ADMIN_PASSWORD, DEFAULT_ADMIN_USERNAME
from tests.faults.harness import LOGIN, RegistryServer

pytestmark = pytest.mark.slow

ME = "{ me { username } }"
REGISTER = ("mutation($i: RegisterUserInput!) { registerUser(input: $i) { user { username } "
            "errors { code } } }")
CHANGE = "mutation($i: ChangePasswordInput!) { changePassword(input: $i) { user { username } errors { code } } }"
DELETE_USER = "mutation($u: String!) { deleteUser(input: {username: $u}) { errors { code } } }"


def post(server: RegistryServer, query: str, token: str | None = None, **variables: Any) -> dict[str, Any]:
    headers = {"X-Authorization": f"bearer {token}"} if token else {}
    response = httpx.post(f"{server.url}/graphql", json={"query": query, "variables": variables}, headers=headers,
                          timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def login(server: RegistryServer, username: str, password: str) -> str:
    return str(post(server, LOGIN, u=username, p=password)["data"]["authenticate"]["token"])


def caller(server: RegistryServer, token: str) -> str:
    """Who the server takes the token's bearer for, or the error code it refuses it with."""
    answer = post(server, ME, token)
    return answer["data"]["me"]["username"] if answer.get("data") else answer["errors"][0]["extensions"]["code"]


def rest_caller(server: RegistryServer, token: str) -> int:
    return httpx.get(f"{server.url}/artifacts/model/00000000-0000-4000-8000-000000000000", timeout=30,
                     headers={"X-Authorization": f"bearer {token}"}).status_code


def test_an_account_changed_through_one_process_is_refused_by_the_other(local_server, fault_hub):
    first = local_server.start()
    second = RegistryServer(first.data_dir, fault_hub.hf_endpoint, fault_hub.github_api_url).start()
    try:
        admin = login(first, DEFAULT_ADMIN_USERNAME, DEFAULT_ADMIN_PASSWORD)
        made = post(first, REGISTER, admin, i={"username": "ann", "password": "pass-word-123",
                                               "permissions": ["SEARCH"]})
        assert made["data"]["registerUser"]["errors"] == []
        ann = login(first, "ann", "pass-word-123")
        assert [caller(first, ann) for _ in range(3)] == ["ann"] * 3  # read, then held in memory
        assert rest_caller(first, ann) == 404  # authenticated: the id is simply unknown

        second_admin = login(second, DEFAULT_ADMIN_USERNAME, DEFAULT_ADMIN_PASSWORD)
        changed = post(second, CHANGE, second_admin, i={"username": "ann", "newPassword": "admin-chosen-secret-77"})
        assert changed["data"]["changePassword"]["errors"] == []
        assert caller(first, ann) == "AUTHENTICATION_FAILED"
        assert rest_caller(first, ann) == 403

        ann = login(first, "ann", "admin-chosen-secret-77")
        assert caller(first, ann) == "ann" and caller(second, ann) == "ann"
        assert post(second, DELETE_USER, second_admin, u="ann")["data"]["deleteUser"]["errors"] == []
        assert caller(first, ann) == "AUTHENTICATION_FAILED"
    finally:
        second.stop()
        first.stop()
