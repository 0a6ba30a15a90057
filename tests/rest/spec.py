"""The course OpenAPI spec loaded for tests, and an HTTP client wrapper that checks every response against it.

The spec file is used as is, except for the quirk its README documents as a typo: `ArtifactLineageNode` lists
`required: [node]`, while nodes carry `artifact_id`, `name` and `source`.  The copy here requires those instead,
so that validation holds the server to the intended shape rather than to the typo.
"""
from __future__ import annotations

import copy
import functools
import json
from pathlib import Path
from typing import Any

import httpx
import re2
import schemathesis
import yaml

# An unmodified copy of the course spec (3.4.7); test_spec_copy checks it against the shared original.
SPEC_PATH = Path(__file__).with_name("ece461_fall_2025_openapi_spec.yaml")


@functools.cache
def raw_spec() -> dict[str, Any]:
    """The spec as JSON would carry it: YAML reads the examples' unquoted timestamps as datetimes; strings here."""
    with SPEC_PATH.open(encoding="utf-8") as handle:
        loaded = yaml.safe_load(handle)
    as_json: dict[str, Any] = json.loads(json.dumps(loaded, default=lambda value: value.isoformat()))
    return as_json


def corrected_spec() -> dict[str, Any]:
    spec = copy.deepcopy(raw_spec())
    spec["components"]["schemas"]["ArtifactLineageNode"]["required"] = ["artifact_id", "name", "source"]
    return spec


@functools.cache
def loaded_schema() -> Any:
    return schemathesis.openapi.from_dict(corrected_spec())


def _template_pattern(template: str) -> Any:
    """`{name}` may span slashes (artifact names contain '/'); other parameters are one segment."""
    parts = re2.split(r"(\{[^}]+\})", template)
    regex = "".join(("(.+)" if part == "{name}" else "([^/]+)") if part.startswith("{") else re2.escape(part)
                    for part in parts if part)
    return re2.compile(f"^{regex}$")


def operation_path(path: str, method: str) -> str | None:
    """The spec path template serving `path` (the most specific literal prefix wins), None if none does."""
    candidates = []
    for template, item in raw_spec()["paths"].items():
        if method.lower() in item and _template_pattern(template).match(path):
            literal_prefix = len(template.split("{", 1)[0])
            candidates.append((literal_prefix, len(re2.sub(r"\{[^}]+\}", "", template)), template))
    return max(candidates)[2] if candidates else None


def check_response(response: httpx.Response) -> httpx.Response:
    """Fail unless the status is documented for the operation and the body conforms to its schema."""
    request = response.request
    template = operation_path(request.url.path, request.method)
    assert template is not None, f"{request.method} {request.url.path} is not a spec operation"
    operation = loaded_schema()[template][request.method]
    assert operation.responses.find_by_status_code(response.status_code) is not None, (
        f"{request.method} {template} answered {response.status_code}, which the spec does not document: "
        f"{response.text[:300]}")
    operation.validate_response(response)
    return response


class SpecClient:
    """Sends requests through `http` (a TestClient or httpx.Client) as a token's holder; checks each response."""

    def __init__(self, http: Any, token: str | None = None) -> None:
        self.http = http
        self.token = token

    def request(self, method: str, url: str, *, checked: bool = True, **kwargs: Any) -> httpx.Response:
        headers = dict(kwargs.pop("headers", None) or {})
        if self.token is not None:
            headers.setdefault("X-Authorization", self.token)
        response = self.http.request(method, url, headers=headers, **kwargs)
        return check_response(response) if checked else response

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", url, **kwargs)
