"""The embedded store belongs to one server, but its file is open to any other process (an operator's script,
a second server started by mistake). The server keeps the users and the artifacts it has read in memory
(store/generation.py); a change made by another process must still be seen at the server's very next request,
through GraphQL and REST alike: a changed account's tokens end, a replaced, new or deleted version is what the
next read answers."""
from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.factory import build_registry
from registry.model import Artifact, ArtifactType
from registry.settings import DEFAULT_ADMIN_PASSWORD, DEFAULT_ADMIN_USERNAME, Settings
from tests.faults.harness import LOGIN, RegistryServer

pytestmark = pytest.mark.slow

ME = "{ me { username } }"
REGISTER = "mutation($i: RegisterUserInput!) { registerUser(input: $i) { user { username } errors { code } } }"


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


def rest_read(server: RegistryServer, token: str, artifact_id: str) -> tuple[int, str | None]:
    """The REST read by id: its status and the id it answers with (the name's newest version)."""
    response = httpx.get(f"{server.url}/artifacts/model/{artifact_id}", timeout=30,
                         headers={"X-Authorization": f"bearer {token}"})
    return response.status_code, response.json()["metadata"]["id"] if response.status_code == 200 else None


def rest_caller(server: RegistryServer, token: str) -> int:
    """The status of a REST read of an id nobody has: 404 when the token is good, 403 when it is refused."""
    return rest_read(server, token, "00000000-0000-4000-8000-000000000000")[0]


def test_an_account_changed_by_another_process_is_refused_at_the_next_request(local_server):
    server = local_server.start()
    elsewhere = build_registry(Settings(environment="test", data_dir=server.data_dir))  # this test's own process
    try:
        admin = login(server, DEFAULT_ADMIN_USERNAME, DEFAULT_ADMIN_PASSWORD)
        made = post(server, REGISTER, admin, i={"username": "ann", "password": "pass-word-123",
                                                "permissions": ["SEARCH"]})
        assert made["data"]["registerUser"]["errors"] == []
        ann = login(server, "ann", "pass-word-123")
        assert [caller(server, ann) for _ in range(3)] == ["ann"] * 3  # read, then held in memory
        assert rest_caller(server, ann) == 404  # authenticated: the id is simply unknown

        operator = elsewhere.users.user_for_token(login(server, DEFAULT_ADMIN_USERNAME, DEFAULT_ADMIN_PASSWORD))
        elsewhere.users.change_password(operator, "ann", "admin-chosen-secret-77")
        assert caller(server, ann) == "AUTHENTICATION_FAILED"
        assert rest_caller(server, ann) == 403

        ann = login(server, "ann", "admin-chosen-secret-77")
        assert caller(server, ann) == "ann"
        elsewhere.users.delete(operator, "ann")
        assert caller(server, ann) == "AUTHENTICATION_FAILED"
        assert rest_caller(server, ann) == 403
    finally:
        elsewhere.metadata.close()
        server.stop()


VERSION = "query($id: String!) { artifact(id: $id) { name version readme } }"


def test_records_changed_by_another_process_are_seen_at_the_next_request(local_server):
    server = local_server.start()
    elsewhere = build_registry(Settings(environment="test", data_dir=server.data_dir))  # this test's own process
    try:
        admin = login(server, DEFAULT_ADMIN_USERNAME, DEFAULT_ADMIN_PASSWORD)
        operator = elsewhere.users.user_for_token(login(server, DEFAULT_ADMIN_USERNAME, DEFAULT_ADMIN_PASSWORD))
        first = elsewhere.artifacts.store_new(operator, Artifact(id="aaaaaaaa-0000-4000-8000-000000000001",
                                                                 type=ArtifactType.MODEL, name="org/held"))
        assert [rest_read(server, admin, first.id) for _ in range(3)] == [(200, first.id)] * 3  # then held
        assert post(server, VERSION, admin, id=first.id)["data"]["artifact"]["version"] == "1.0.0"

        second = elsewhere.artifacts.store_new(operator, Artifact(id="aaaaaaaa-0000-4000-8000-000000000002",
                                                                  type=ArtifactType.MODEL, name="org/held"))
        assert rest_read(server, admin, first.id) == (200, second.id)  # the name's new latest version
        elsewhere.metadata.replace_artifact(second.model_copy(update={"readme": "changed elsewhere"}))
        assert post(server, VERSION, admin, id=second.id)["data"]["artifact"] == {
            "name": "org/held", "version": "1.0.1", "readme": "changed elsewhere"}

        elsewhere.artifacts.delete(operator, first.id, all_versions=True)
        assert rest_read(server, admin, first.id) == (404, None)
        assert rest_read(server, admin, second.id) == (404, None)
        assert post(server, VERSION, admin, id=second.id)["data"]["artifact"] is None
    finally:
        elsewhere.metadata.close()
        server.stop()
