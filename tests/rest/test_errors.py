"""The one status table, and the unmodified copy of the course spec the tests validate against."""
from __future__ import annotations

from pathlib import Path

import pytest

from registry.errors import (AuthenticationFailed, Conflict, Disqualified, DomainError, InvalidInput, NotFound,
                             PermissionDenied, TooLarge, UpstreamError)
from rest.errors import AUTHENTICATE, CREATE, status_for
from schema.transfer import RangeNotSatisfiable
from tests.rest.spec import SPEC_PATH, corrected_spec, raw_spec

SHARED_SPEC = Path("/work/shared/spec/ece461_fall_2025_openapi_spec.yaml")


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
    if SHARED_SPEC.exists():
        assert SPEC_PATH.read_bytes() == SHARED_SPEC.read_bytes()
    assert raw_spec()["info"]["version"] == "3.4.7"
    assert raw_spec()["components"]["schemas"]["ArtifactLineageNode"]["required"] == ["node"]
    corrected = corrected_spec()
    assert corrected["components"]["schemas"]["ArtifactLineageNode"]["required"] == ["artifact_id", "name", "source"]
    corrected["components"]["schemas"]["ArtifactLineageNode"]["required"] = ["node"]
    assert corrected == raw_spec()
