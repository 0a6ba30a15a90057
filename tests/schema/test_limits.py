"""Document limits, error masking and the body cap."""


def messages(result):
    return [e["message"] for e in result.get("errors") or []]


def test_depth_limit(gql):
    deep = "{ me { username } }"
    assert not gql(deep).get("errors")
    query = "{ artifacts { edges { node { files { path } } } } }"
    assert not gql(query).get("errors")
    nested = "{ node(id: \"x\") { " + "... on Artifact { files { path } } " + "}}"
    assert "errors" in gql(nested)  # bad id, but the document itself is valid
    too_deep = "query { __schema { types { fields { type { " + "ofType { " * 16 + "name" + " }" * 16 + " } } } } }"
    result = gql(too_deep)
    assert result["data"] is None
    assert any("nests" in m for m in messages(result))


def test_alias_limit(gql):
    aliases = " ".join(f"a{i}: me {{ username }}" for i in range(40))
    result = gql("{ %s }" % aliases)
    assert result["data"] is None and messages(result)


def test_token_limit(gql):
    result = gql("{ me { %s } }" % " ".join(["username"] * 3000))
    assert result["data"] is None and messages(result)


def test_introspection_query_of_a_client_passes(gql):
    from graphql import get_introspection_query

    result = gql(get_introspection_query())
    assert "errors" not in result
    assert result["data"]["__schema"]["queryType"]["name"] == "Query"


def test_syntax_and_validation_errors_stay_readable(gql):
    assert "Syntax Error" in messages(gql("{ me { username "))[0]
    assert "Cannot query field" in messages(gql("{ me { nope } }"))[0]


def test_field_suggestions_are_off_outside_development(gql):
    message = messages(gql("{ me { usernam } }"))[0]
    assert "Did you mean" not in message


def test_unexpected_faults_are_masked(app, gql, monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("secret internal detail /etc/shadow")

    monkeypatch.setattr(app.state.registry.artifacts, "by_name", broken)
    result = gql('{ artifactsByName(name: "x") { edges { node { name } } } }')
    assert messages(result) == ["Unexpected error."]


def test_request_body_is_capped(client, settings):
    padding = b" " * (settings.max_request_body_bytes + 1)
    response = client.post("/graphql", content=b'{"query": "' + padding + b'{ __typename }"}',
                           headers={"content-type": "application/json"})
    assert response.status_code == 413 and response.json()["code"] == "TOO_LARGE"


def test_graphiql_is_served_in_development_only(tmp_path, fake_hub, settings):
    from fastapi.testclient import TestClient

    from app.factory import create_app

    with TestClient(create_app(settings.model_copy(update={"environment": "development"}))) as dev:
        page = dev.get("/graphql", headers={"accept": "text/html"})
        assert page.status_code == 200 and "graphiql" in page.text.lower()
    with TestClient(create_app(settings)) as test:
        assert test.get("/graphql", headers={"accept": "text/html"}).status_code != 200


def test_depth_limit_outside_introspection(gql):
    deep = "{ me " + "{ a " * 13 + "{ b }" + " }" * 13 + " }"
    result = gql(deep)
    assert result["data"] is None
    assert any("exceeds maximum operation depth of 12" in m for m in messages(result))


def test_validation_is_cached_across_requests(gql):
    from strawberry.extensions.validation_cache import _get_validate_cache

    cache = _get_validate_cache(512)
    query = "{ me { username isAdmin } }"
    gql(query)
    hits = cache.cache_info().hits
    gql(query)
    gql(query)
    assert cache.cache_info().hits == hits + 2
