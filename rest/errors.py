"""The REST statuses of domain errors: each error carries its own (registry/errors.py), and this table holds the
few operations whose spec answers an error with another code. The HTTP shell (app/errors.py) renders every
error with it.

The spec's codes: 400 bad input, 403 missing/invalid token, 401 a known caller without the permission (e.g.
/reset by a non-admin), 404, 409 already registered, 413 too much at once, 424 refused by the rating gate,
502 upstream (Hugging Face / GitHub) unavailable.  Two operations read an error differently: /authenticate
answers wrong credentials with 401 ("The user or password is invalid"), where every other operation answers an
unusable token with 403; and a create whose source URL names no repository is a bad artifact_data (400: the
spec gives ArtifactCreate no 404, which elsewhere means "no such artifact in the registry").
Validation errors (malformed JSON, wrong types, ids off the pattern, unknown artifact types, missing fields) are
400 with a message, never FastAPI's 422.
"""
from __future__ import annotations

from registry.errors import AuthenticationFailed, DomainError, NotFound

AUTHENTICATE = "CreateAuthToken"
CREATE = "ArtifactCreate"

# (operationId, error) pairs the spec answers with another code than the error's own.
OPERATION_STATUS: dict[tuple[str, type[DomainError]], int] = {
    (AUTHENTICATE, AuthenticationFailed): 401,
    (CREATE, NotFound): 400,
}


def status_for(exc: DomainError, operation_id: str | None = None) -> int:
    """The status of `exc` in `operation_id`: the operation's exception for it (or a parent class), else the
    error's own status."""
    if operation_id is not None:
        for cls in type(exc).__mro__:
            if (operation_id, cls) in OPERATION_STATUS:
                return OPERATION_STATUS[(operation_id, cls)]
    return exc.status
