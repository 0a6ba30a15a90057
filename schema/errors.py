"""Domain errors in GraphQL: user errors inside mutation payloads; coded top-level errors in queries.

Both are recorded on the request's scope, so the pipeline's log line and health count them as the client's
errors although GraphQL answers 200.
"""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types import Info

from registry.errors import DomainError
from schema.types import UserError

P = TypeVar("P")
_log = logging.getLogger("registry.graphql")


async def payload(info: Info, cls: type[P], work: Callable[[], Awaitable[dict[str, Any]]]) -> P:
    """A mutation's payload: `work()`'s fields, or its expected failure as `errors` (faults propagate, masked)."""
    try:
        return cls(**await work())
    except DomainError as exc:
        info.context.scope.note_error(exc.code)
        return cls(errors=[UserError.from_domain(exc)], **failure_fields(cls, exc))  # type: ignore[call-arg]


def failure_fields(cls: type, exc: DomainError) -> dict[str, Any]:
    """Fields a payload fills in from a failure (`from_failure` on the payload class, when it has one)."""
    from_failure = getattr(cls, "from_failure", None)
    return from_failure(exc) if from_failure is not None else {}


def should_mask(error: GraphQLError) -> bool:
    """Hide internals of unexpected faults only; keep syntax, validation and domain errors readable."""
    original = error.original_error
    return original is not None and not isinstance(original, (GraphQLError, DomainError))


class DomainErrorCodes(SchemaExtension):
    """Give a query's domain errors (not found, permission denied ...) their stable `code` extension, and name the
    operation on the request's scope for the log line."""

    def on_operation(self) -> Iterator[None]:
        yield
        context = self.execution_context
        scope = getattr(context.context, "scope", None)
        if scope is not None:
            scope.operation = context.operation_name or _root_fields(context)

    def on_execute(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is not None and result.errors:
            result.errors = [_with_code(e) for e in result.errors]


def record_errors(errors: list[GraphQLError], execution_context: Any) -> None:
    """What `Schema.process_errors` does here (it sees every error, unmasked, once): expected ones are noted on
    the request's scope (counted as the client's, no traceback); an unexpected fault is logged once with its
    traceback and marks the request as failed on our side."""
    scope = getattr(getattr(execution_context, "context", None), "scope", None)
    for error in errors:
        original = error.original_error
        if should_mask(error):
            assert original is not None
            _log.error("unexpected error in a GraphQL field",
                       exc_info=(type(original), original, original.__traceback__),
                       extra={"event": "error", "fields": {"path": ".".join(map(str, error.path or ()))}})
            if scope is not None:
                scope.faulted = True
        elif scope is not None:
            scope.note_error(original.code if isinstance(original, DomainError) else "INVALID_INPUT")


def _root_fields(context: Any) -> str | None:
    """"query{artifact,health}" for an anonymous operation: enough to tell requests apart in the log."""
    try:
        operation = context.operation_type.value
        selections = context.graphql_document.definitions[0].selection_set.selections
        return f"{operation}{{{','.join(s.name.value for s in selections)}}}"
    except (AttributeError, IndexError, RuntimeError):  # a document that did not parse has no fields to name
        return None


def _with_code(error: GraphQLError) -> GraphQLError:
    original = error.original_error
    if not isinstance(original, DomainError):
        return error
    return GraphQLError(original.message, nodes=error.nodes, source=error.source, positions=error.positions,
                        path=error.path, original_error=original,
                        extensions={"code": original.code, **({"details": original.details} if original.details
                                                              else {})})
