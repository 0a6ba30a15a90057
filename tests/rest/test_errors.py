"""The one status table, and the unmodified copy of the course spec the tests validate against."""
from __future__ import annotations

import hashlib

import pytest

from registry.errors import (ERROR_MEANINGS, AuthenticationFailed, Conflict, Disqualified, DomainError, ErrorCode,
                             InvalidInput, NotFound, PermissionDenied, RangeNotSatisfiable, TooLarge, UpstreamError)
from rest.errors import AUTHENTICATE, CREATE, status_for
from tests.rest.spec import SPEC_PATH, corrected_spec, raw_spec

COURSE_SPEC_SHA256 = "dd4b3384be5b38338e0f1249f1ad9eb2639c1c84364a53c112626448af3d39c0"


@pytest.mark.parametrize("error, status", [
    (InvalidInput, 400), (PermissionDenied, 401), (AuthenticationFailed, 403), (NotFound, 404), (Conflict, 409),
    (TooLarge, 413), (Disqualified, 424), (UpstreamError, 502), (DomainError, 400),
])
def test_each_domain_error_has_the_spec_status(error, status):
    assert status_for(error("x"), "ArtifactRetrieve") == status
    assert status_for(error("x")) == status


def test_operations_that_read_an_error_differently():
    assert status_for(AuthenticationFailed("wrong password"), AUTHENTICATE) == 401
    assert status_for(NotFound("no such hub repository"), CREATE) == 400
    assert status_for(NotFound("no such artifact"), "ArtifactUpdate") == 404


def test_subclasses_follow_their_parent_and_others_keep_their_own_status():
    class GoneUpstream(NotFound):
        pass

    assert status_for(GoneUpstream("gone")) == 404
    assert status_for(RangeNotSatisfiable("past the end", size=3)) == 416


def test_the_spec_copy_is_the_course_file_with_only_the_documented_typo_corrected():
    # The vendored copy is byte for byte the course's 3.4.7 file (its sha256, taken from the course's copy).
    assert hashlib.sha256(SPEC_PATH.read_bytes()).hexdigest() == COURSE_SPEC_SHA256
    assert raw_spec()["info"]["version"] == "3.4.7"
    assert raw_spec()["components"]["schemas"]["ArtifactLineageNode"]["required"] == ["node"]
    corrected = corrected_spec()
    assert corrected["components"]["schemas"]["ArtifactLineageNode"]["required"] == ["artifact_id", "name", "source"]
    corrected["components"]["schemas"]["ArtifactLineageNode"]["required"] = ["node"]
    assert corrected == raw_spec()


def _subclasses(cls: type) -> list[type]:
    return [sub for direct in cls.__subclasses__() for sub in (direct, *_subclasses(direct))]


def test_every_domain_error_code_is_a_documented_error_code():
    codes = {error.code for error in _subclasses(DomainError)}
    assert codes <= {code.value for code in ErrorCode}
    assert set(ERROR_MEANINGS) == set(ErrorCode) and all(ERROR_MEANINGS.values())
