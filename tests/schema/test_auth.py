"""Users, tokens and permissions through GraphQL."""
from registry.settings import DEFAULT_ADMIN_PASSWORD, DEFAULT_ADMIN_USERNAME

ME = "{ me { username isAdmin permissions } }"


def error_codes(result):
    return [e.get("extensions", {}).get("code") for e in result.get("errors") or []]


def test_default_admin_logs_in_with_the_course_password(gql):
    me = gql(ME)["data"]["me"]
    assert me["username"] == DEFAULT_ADMIN_USERNAME
    assert me["isAdmin"] is True
    assert set(me["permissions"]) == {"UPLOAD", "SEARCH", "DOWNLOAD", "ADMIN"}


def test_wrong_password_is_a_user_error(gql):
    result = gql('mutation { authenticate(input: {username: "%s", password: "nope"}) { token errors { code } } }'
                 % DEFAULT_ADMIN_USERNAME)
    assert result["data"]["authenticate"] == {"token": None, "errors": [{"code": "AUTHENTICATION_FAILED"}]}


def test_missing_malformed_and_unknown_tokens_are_refused(client, gql):
    for headers in ({}, {"X-Authorization": "bearer"}, {"X-Authorization": "bearer a b"},
                    {"X-Authorization": "bearer not-a-real-token"}):
        result = client.post("/graphql", json={"query": ME}, headers=headers).json()
        assert result["data"] is None
        assert error_codes(result) == ["AUTHENTICATION_FAILED"], headers


def test_authorization_header_works_too(client, gql):
    result = client.post("/graphql", json={"query": ME}, headers={"Authorization": f"Bearer {gql.token}"}).json()
    assert result["data"]["me"]["username"] == DEFAULT_ADMIN_USERNAME


def test_token_is_counted_once_per_request_and_expires_after_max_uses(tmp_path, fake_hub, settings):
    from fastapi.testclient import TestClient

    from app.factory import create_app
    from tests.conftest import GraphQL

    limited = settings.model_copy(update={"token_max_uses": 3})
    with TestClient(create_app(limited)) as client:
        caller = GraphQL(client)
        caller = caller.as_user(caller.login(DEFAULT_ADMIN_USERNAME, DEFAULT_ADMIN_PASSWORD))
        for _ in range(3):
            assert caller("{ me { username } a: me { username } }")["data"]["me"]
        assert error_codes(caller(ME)) == ["AUTHENTICATION_FAILED"]


def test_token_expires_after_its_lifetime(settings, fake_hub):
    from fastapi.testclient import TestClient

    from app.factory import create_app
    from tests.conftest import GraphQL

    expired = settings.model_copy(update={"token_ttl_seconds": -1})
    with TestClient(create_app(expired)) as client:
        caller = GraphQL(client)
        caller = caller.as_user(caller.login(DEFAULT_ADMIN_USERNAME, DEFAULT_ADMIN_PASSWORD))
        assert error_codes(caller(ME)) == ["AUTHENTICATION_FAILED"]


def test_admin_registers_users_and_permissions_apply(gql, make_user):
    searcher = make_user("searcher", "SEARCH")
    assert searcher(ME)["data"]["me"] == {"username": "searcher", "isAdmin": False, "permissions": ["SEARCH"]}
    assert error_codes(searcher("{ users { username } }")) == ["PERMISSION_DENIED"]
    result = searcher('mutation { registerUser(input: {username: "x1", password: "password1", permissions: []}) '
                      '{ user { username } errors { code } } }')
    assert result["data"]["registerUser"] == {"user": None, "errors": [{"code": "PERMISSION_DENIED"}]}
    usernames = {u["username"] for u in gql("{ users { username } }")["data"]["users"]}
    assert usernames == {DEFAULT_ADMIN_USERNAME, "searcher"}


def test_duplicate_and_invalid_users_are_refused(gql, make_user):
    make_user("dup", "SEARCH")
    # The password policy comes before the duplicate check: the duplicate gets a password the policy accepts.
    for username, password, code in (("dup", "amber-quokka-lantern-93", "CONFLICT"),
                                     ("bad name", "amber-quokka-lantern-93", "INVALID_INPUT"),
                                     ("shortpw", "short", "INVALID_INPUT"),
                                     ("weakpw", "password1234", "INVALID_INPUT")):
        result = gql('mutation($u: String!, $p: String!) { registerUser(input: {username: $u, password: $p, '
                     'permissions: [SEARCH]}) { errors { code } } }', u=username, p=password)
        assert result["data"]["registerUser"]["errors"] == [{"code": code}], username


def test_users_delete_themselves_and_admins_delete_anyone(gql, make_user):
    alice = make_user("alice", "SEARCH")
    make_user("bob", "SEARCH")
    refused = alice('mutation { deleteUser(input: {username: "bob"}) { deletedId errors { code } } }')
    assert refused["data"]["deleteUser"]["errors"] == [{"code": "PERMISSION_DENIED"}]
    deleted = alice('mutation { deleteUser(input: {username: "alice"}) { deletedId } }')
    assert deleted["data"]["deleteUser"]["deletedId"] == "alice"
    assert error_codes(alice(ME)) == ["AUTHENTICATION_FAILED"]  # her tokens went with her
    deleted = gql('mutation { deleteUser(input: {username: "bob"}) { deletedId } }')
    assert deleted["data"]["deleteUser"]["deletedId"] == "bob"
    missing = gql('mutation { deleteUser(input: {username: "bob"}) { errors { code } } }')
    assert missing["data"]["deleteUser"]["errors"] == [{"code": "NOT_FOUND"}]


def test_reset_needs_admin_and_restores_the_default_admin(gql, make_user):
    uploader = make_user("uploader", "UPLOAD", "SEARCH")
    refused = uploader("mutation { resetRegistry { ok errors { code } } }")
    assert refused["data"]["resetRegistry"] == {"ok": False, "errors": [{"code": "PERMISSION_DENIED"}]}
    assert gql("mutation { resetRegistry { ok errors { code } } }")["data"]["resetRegistry"]["ok"] is True
    fresh = gql.as_user(gql.login(DEFAULT_ADMIN_USERNAME, DEFAULT_ADMIN_PASSWORD))
    assert [u["username"] for u in fresh("{ users { username } }")["data"]["users"]] == [DEFAULT_ADMIN_USERNAME]
