"""app/static.py: the UI at /, GraphiQL and Swagger UI offline in development, CORS for one configured origin."""
from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from app.static import DEV_ASSETS, NODE_MODULES
from registry.settings import Settings
from app.factory import create_app

CDN = re.compile(r"""(?:src|href)=["']?(?:https?:)?//""")


def served(settings: Settings, **changes: object) -> TestClient:
    return TestClient(create_app(settings.model_copy(update=changes)))


def test_the_ui_is_served_at_the_root_with_its_modules(client):
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert 'src="ui/main.js"' in page.text and not CDN.search(page.text)
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-cache"
    module = client.get("/ui/api/client.js")
    assert module.status_code == 200 and "javascript" in module.headers["content-type"]
    assert module.headers["cache-control"] == "no-cache"
    assert client.get("/ui/config.js").text.count('apiUrl: ""') == 1


def test_the_ui_never_answers_for_the_api(client):
    assert client.get("/health").json() == {"status": "ok"}
    assert client.post("/graphql", json={"query": "{ __typename }"}).json() == {"data": {"__typename": "Query"}}
    assert client.get("/artifacts").status_code == 405  # the REST route, not a file
    assert client.get("/download/nothing").json()["code"] == "AUTHENTICATION_FAILED"
    assert client.get("/ui/../registry/settings.py").status_code == 404
    assert client.get("/no-such-page").status_code == 404


def test_outside_development_there_is_no_ide_docs_or_dev_asset(settings):
    with served(settings, environment="test") as client:
        assert client.get("/graphql", headers={"accept": "text/html"}).status_code != 200
        assert client.get("/docs").status_code == 404
        assert client.get("/_dev/graphiql.min.js").status_code == 404


def test_graphiql_and_swagger_ui_load_only_local_assets(settings):
    with served(settings, environment="development") as client:
        ide = client.get("/graphql", headers={"accept": "text/html"})
        docs = client.get("/docs")
    for page in (ide, docs):
        assert page.status_code == 200
        assert not CDN.search(page.text), "a page of the app loads something from another host"
        assets = re.findall(r"""(?:src|href)=["']?(/_dev/[\w.-]+)""", page.text)
        assert assets and all(a.removeprefix("/_dev/") in DEV_ASSETS for a in assets)


def test_dev_assets_come_from_node_modules_and_nothing_else_does(settings):
    assert NODE_MODULES.is_dir(), "client/node_modules is installed by ./run serve and ./run test"
    with served(settings, environment="development") as client:
        for name in DEV_ASSETS:
            assert client.get(f"/_dev/{name}").status_code == 200, name
        assert client.get("/_dev/package.json").status_code == 404
        assert client.get("/_dev/..%2Fpackage.json").status_code == 404


def test_cors_admits_only_the_configured_ui_origin(settings):
    origin = "https://ui.example.test"
    with served(settings, ui_origin=origin) as client:
        preflight = client.options("/graphql", headers={"Origin": origin, "Access-Control-Request-Method": "POST",
                                                        "Access-Control-Request-Headers": "x-authorization"})
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == origin
        other = client.post("/graphql", json={"query": "{ __typename }"}, headers={"Origin": "https://evil.test"})
        assert "access-control-allow-origin" not in other.headers
    assert "access-control-allow-origin" not in TestClient(create_app(settings)).post(
        "/graphql", json={"query": "{ __typename }"}, headers={"Origin": origin}).headers


@pytest.mark.parametrize("value", ["https://ui.example.test/path", "ftp://ui.example.test", "ui.example.test",
                                   "https://user@ui.example.test", "https://ui.example.test?x=1"])
def test_the_ui_origin_setting_is_an_origin(value):
    with pytest.raises(ValidationError):
        Settings(ui_origin=value)
