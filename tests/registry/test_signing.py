"""registry.signing: links verify only for their own artifact, part and expiry, with our key, before they expire."""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import stat
import threading
from pathlib import Path
from urllib.parse import parse_qs, urlencode

import pytest
from pydantic import ValidationError

from registry.errors import LinkExpired, LinkInvalid
from registry.settings import DEFAULT_ADMIN_PASSWORD, Settings
from registry.signing import KEY_FILE, LinkSigner, deployment_signer, signer_for, signing_key

KEY = b"k" * 32


class Clock:
    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def signer(clock: Clock | None = None, key: bytes = KEY, ttl: int = 600) -> LinkSigner:
    return LinkSigner(key, ttl, clock or Clock())


def test_a_fresh_link_verifies_and_carries_its_fields():
    clock = Clock()
    link = signer(clock).sign("artifact-1", "weights", "ann")
    assert link.expires == 1_700_000_600
    query = parse_qs(link.query())
    assert query == {"part": ["weights"], "user": ["ann"], "expires": ["1700000600"], "signature": [link.signature]}
    assert signer(clock).verify("artifact-1", "weights", "ann", query["expires"][0],
                                query["signature"][0]) == 1_700_000_600


@pytest.mark.parametrize("username", ["ann", "a.b@example.com", "x_y-z", "sp ace&amp=+%"])
@pytest.mark.parametrize("part", ["full", "weights", "card"])
def test_the_query_is_the_urlencoded_fields(username, part):
    link = signer().sign("artifact-1", part, username)
    fields = {} if part == "full" else {"part": part}
    assert link.query() == urlencode({**fields, "user": username, "expires": link.expires, "signature": link.signature})
    assert parse_qs(link.query())["user"] == [username]


def test_the_signature_is_the_documented_hmac_so_links_outlive_a_deploy():
    """HMAC-SHA256 over the JSON array the module documents, unpadded base64url: links a running server handed out
    still verify after a new release, whatever way the code computes it."""
    link = signer(Clock()).sign("artifact-1", "full", "ann \u00e9")
    message = b'["download-v2","artifact-1","full","ann \\u00e9",1700000600]'
    expected = base64.urlsafe_b64encode(hmac.new(KEY, message, hashlib.sha256).digest()).rstrip(b"=").decode()
    assert link.signature == expected
    assert [signer(Clock()).sign("artifact-1", "full", "ann \u00e9").signature for _ in range(2)] == [expected] * 2


def test_the_whole_package_link_has_no_part_parameter():
    link = signer().sign("artifact-1", "full", "ann")
    assert set(parse_qs(link.query())) == {"user", "expires", "signature"}
    signer().verify("artifact-1", "full", "ann", link.expires, link.signature)


def test_expired_links_are_refused_even_when_genuine():
    clock = Clock()
    link = signer(clock).sign("a", "full", "ann")
    clock.now += 599
    signer(clock).verify("a", "full", "ann", str(link.expires), link.signature)
    clock.now += 1
    with pytest.raises(LinkExpired) as caught:
        signer(clock).verify("a", "full", "ann", str(link.expires), link.signature)
    assert caught.value.status == 403 and caught.value.code == "LINK_EXPIRED"


@pytest.mark.parametrize("field", ["artifact_id", "part", "username", "expires", "signature"])
def test_changing_any_field_breaks_the_signature(field):
    link = signer().sign("artifact-1", "card", "ann")
    values = {"artifact_id": "artifact-1", "part": "card", "username": "ann", "expires": str(link.expires),
              "signature": link.signature}
    values[field] = {"artifact_id": "artifact-2", "part": "full", "username": "ece30861defaultadminuser",
                     "expires": str(link.expires + 3600),
                     "signature": link.signature[:-1] + ("A" if link.signature[-1] != "A" else "B")}[field]
    with pytest.raises(LinkInvalid) as caught:
        signer().verify(**values)
    assert caught.value.status == 403 and caught.value.code == "LINK_INVALID"


def test_a_link_signed_with_another_key_is_refused():
    link = signer(key=b"x" * 32).sign("a", "full", "ann")
    with pytest.raises(LinkInvalid):
        signer().verify("a", "full", "ann", link.expires, link.signature)


def test_fields_cannot_be_shifted_between_each_other():
    # With a naive "id|part|user|expires" message, id "a|weights" + part "x" could collide with id "a" + "weights|x".
    link = signer().sign("a", "weights|1", "ann")
    with pytest.raises(LinkInvalid):
        signer().verify("a|weights", "1", "ann", link.expires, link.signature)
    link = signer().sign("a", "full", "ann|x")
    with pytest.raises(LinkInvalid):
        signer().verify("a", "full|ann", "x", link.expires, link.signature)


@pytest.mark.parametrize("username, expires, signature", [
    ("ann", None, "sig"), ("ann", "123", None), (None, "123", "x" * 43), ("ann", "12a", "x" * 43),
    ("ann", "-5", "x" * 43), ("ann", "1" * 13, "x" * 43), ("ann", "١٢٣", "x" * 43), ("ann", "123", ""),
    ("ann", "123", "x" * 1000),
])
def test_malformed_parameters_are_invalid_not_errors(username, expires, signature):
    with pytest.raises(LinkInvalid):
        signer().verify("a", "full", username, expires, signature)


def test_short_keys_and_lifetimes_are_refused():
    with pytest.raises(ValueError, match="at least 32 bytes"):
        LinkSigner(b"short", 60)
    with pytest.raises(ValueError, match="positive lifetime"):
        LinkSigner(KEY, 0)


def settings(tmp_path: Path, **values) -> Settings:
    return Settings(**{"environment": "test", "data_dir": tmp_path / "data", **values})


def test_development_generates_one_private_key_per_data_directory(tmp_path):
    first = signing_key(settings(tmp_path))
    path = tmp_path / "data" / KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and len(first) >= 32
    assert signing_key(settings(tmp_path)) == first  # kept across restarts
    assert signing_key(settings(tmp_path / "other")) != first
    assert [p.name for p in path.parent.iterdir()] == [KEY_FILE]  # no staging file left behind


def test_concurrent_first_starts_agree_on_one_key(tmp_path):
    keys: list[bytes] = []
    threads = [threading.Thread(target=lambda: keys.append(signing_key(settings(tmp_path)))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(keys)) == 1


def test_a_key_file_others_can_read_is_refused(tmp_path):
    signing_key(settings(tmp_path))
    os.chmod(tmp_path / "data" / KEY_FILE, 0o644)
    with pytest.raises(ValueError, match="must be 0600"):
        signing_key(settings(tmp_path))


def test_a_truncated_key_file_is_refused(tmp_path):
    path = tmp_path / "data" / KEY_FILE
    path.parent.mkdir(parents=True)
    path.write_text("abc")
    path.chmod(0o600)
    with pytest.raises(ValueError, match="no usable key"):
        signing_key(settings(tmp_path))


def test_a_configured_key_wins_and_nothing_is_written(tmp_path):
    configured = settings(tmp_path, download_signing_key="s" * 40)
    assert signing_key(configured) == b"s" * 40
    assert not (tmp_path / "data").exists()
    link = signer_for(configured).sign("a", "full", "ann")
    LinkSigner(b"s" * 40, 900).verify("a", "full", "ann", link.expires, link.signature)


def test_only_the_embedded_store_or_a_configured_key_signs(tmp_path):
    assert deployment_signer(settings(tmp_path, backend="local")) is not None
    assert deployment_signer(settings(tmp_path / "aws", backend="aws")) is None  # S3 presigns; no key file made
    assert not (tmp_path / "aws").exists()
    assert deployment_signer(settings(tmp_path, backend="aws", download_signing_key="s" * 40)) is not None


def production(tmp_path: Path, **values) -> Settings:
    return Settings(**{"environment": "production", "backend": "local", "data_dir": tmp_path,
                       "public_url": "https://registry.example", "admin_password": "a-real-secret-password-1",
                       **values})


def test_production_with_the_embedded_store_requires_a_key(tmp_path):
    with pytest.raises(ValidationError, match="REGISTRY_DOWNLOAD_SIGNING_KEY must be set"):
        production(tmp_path)
    assert production(tmp_path, download_signing_key="s" * 40).download_signing_key is not None
    assert production(tmp_path, backend="aws").download_signing_key is None  # S3 presigns its own links


def test_production_refuses_the_published_admin_password_unless_told(tmp_path):
    with pytest.raises(ValidationError, match="refuses the published default admin password"):
        production(tmp_path, backend="aws", admin_password=DEFAULT_ADMIN_PASSWORD)
    kept = production(tmp_path, backend="aws", admin_password=DEFAULT_ADMIN_PASSWORD,
                      allow_default_admin_password=True)
    assert kept.admin_password == DEFAULT_ADMIN_PASSWORD
    assert settings(tmp_path).admin_password == DEFAULT_ADMIN_PASSWORD  # development and tests keep it


def test_settings_read_the_allowance_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("REGISTRY_ENVIRONMENT", "production")
    monkeypatch.setenv("REGISTRY_BACKEND", "aws")
    monkeypatch.setenv("REGISTRY_ALLOW_DEFAULT_ADMIN_PASSWORD", "true")
    assert Settings().allow_default_admin_password is True
