"""Schemathesis against the app, driven by the course spec: every operation, generated valid and invalid
requests, no server errors, documented status codes, responses that conform to the spec's schemas.

Checks: every built-in response check except `positive_data_acceptance` (a request can be well formed by the
schema and still be refused with 400 by design: a URL outside Hugging Face / GitHub, an ArtifactName the
registry does not allow, a string that is not an RE2 pattern) and the stateful ones that need links between
operations (`use_after_free`, `ensure_resource_availability`, which the spec gives no links for).
Invalid requests are answered 400 even by the operations whose responses list no 400 (/health/components).
Requests carry a real admin token, obtained again after a generated DELETE /reset has revoked it; some
generated ids are swapped for ids of seeded artifacts so that successful answers are checked too.
"""
from __future__ import annotations

import itertools
from typing import Any

import hypothesis
import pytest
import schemathesis
from fastapi.testclient import TestClient
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance, missing_required_header,
                                               negative_data_rejection, response_headers_conformance,
                                               response_schema_conformance, status_code_conformance)

from registry.model import ArtifactType
from registry.rating import Links
from registry.settings import Settings
from app.factory import create_app
from tests.rest.conftest import CODE_URL, DATASET_URL, LINKED_ID, add_linked_model, login
from tests.rest.spec import corrected_spec

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance, negative_data_rejection, missing_required_header]
TOKEN_HEADER = "X-Authorization"


class Session:
    """The admin token the generated requests use, and the seeded artifacts; both renewed after a generated
    DELETE /reset revoked the token and emptied the registry."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.seeded = seed(client.app)
        self._token: str | None = None
        self._turn = itertools.count()

    def token(self) -> str:
        if self._token is None:
            self._token = login(self.client)
        return self._token

    def after_reset(self) -> None:
        self._token = None
        self.seeded = seed(self.client.app)

    def seeded_id(self, generated: str) -> str:
        """Every other generated id becomes a seeded artifact's id (each in turn)."""
        turn = next(self._turn)
        return self.seeded[(turn // 2) % len(self.seeded)] if turn % 2 == 0 else generated


def seed(app: Any) -> list[str]:
    registry = app.state.registry
    registry.users.ensure_default_admin()
    admin = registry.metadata.get_user(registry.settings.admin_username)
    model = registry.artifacts.ingest(admin, ArtifactType.MODEL, f"https://huggingface.co/{LINKED_ID}", None, Links())
    dataset = registry.artifacts.ingest(admin, ArtifactType.DATASET, DATASET_URL, None, Links())
    code = registry.artifacts.ingest(admin, ArtifactType.CODE, CODE_URL, None, Links())
    return [model.id, dataset.id, code.id]


@pytest.fixture(scope="module")
def session(fake_hub_server, tmp_path_factory):
    """One seeded app for every operation (module scope: built once, not once per operation)."""
    fake_hub_server.reset()
    add_linked_model(fake_hub_server, LINKED_ID)
    settings = Settings(environment="test", backend="local", data_dir=tmp_path_factory.mktemp("conformance"),
                        hf_endpoint=fake_hub_server.hf_endpoint, github_api_url=fake_hub_server.github_api_url,
                        hf_token=None, github_token=None, upstream_timeout_seconds=5, upstream_retries=1,
                        public_url="http://testserver", token_max_uses=1_000_000)
    app = create_app(settings)
    with TestClient(app) as client:
        SESSION["current"] = Session(client)
        yield SESSION["current"]
    SESSION.clear()
    fake_hub_server.reset()


schema = schemathesis.openapi.from_dict(corrected_spec())
SESSION: dict[str, Session] = {}


@schema.hook
def map_path_parameters(context: Any, path_parameters: dict[str, Any] | None) -> dict[str, Any] | None:
    session = SESSION.get("current")
    if session is not None and path_parameters and isinstance(path_parameters.get("id"), str) \
            and path_parameters["id"].isascii():
        return {**path_parameters, "id": session.seeded_id(path_parameters["id"])}
    return path_parameters


@pytest.mark.slow
@schema.parametrize()
@hypothesis.settings(max_examples=25, deadline=None, derandomize=True,
                     suppress_health_check=list(hypothesis.HealthCheck))
def test_the_app_conforms_to_the_spec(case, session):
    headers = case.headers or {}
    if TOKEN_HEADER in headers:  # a scenario that drops the header keeps it dropped
        headers[TOKEN_HEADER] = session.token()
    case.headers = headers
    response = case.call(app=session.client.app)
    if case.method.upper() == "DELETE" and case.path == "/reset" and response.status_code == 200:
        session.after_reset()
    case.validate_response(response, checks=checks_for(case, response.status_code))


def checks_for(case: Any, status: int) -> list[Any]:
    """Invalid input is 400 even where the spec lists no 400 (/health/components' windowMinutes out of range)."""
    invalid = case.meta is not None and case.meta.generation.mode.is_negative
    if invalid and status == 400 and case.operation.responses.find_by_status_code(400) is None:
        return [check for check in CHECKS if check is not status_code_conformance]
    return CHECKS
