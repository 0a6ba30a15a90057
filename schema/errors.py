"""Domain errors in GraphQL: user errors inside mutation payloads; coded top-level errors in queries."""
from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from registry.errors import DomainError
from schema.types import UserError

P = TypeVar("P")


async def payload(cls: type[P], work: Callable[[], Awaitable[dict[str, Any]]]) -> P:
    """A mutation's payload: `work()`'s fields, or its expected failure as `errors` (faults propagate, masked)."""
    try:
        return cls(**await work())
    except DomainError as exc:
        return cls(errors=[UserError.from_domain(exc)])  # type: ignore[call-arg]


def should_mask(error: GraphQLError) -> bool:
    """Hide internals of unexpected faults only; keep syntax, validation and domain errors readable."""
    original = error.original_error
    return original is not None and not isinstance(original, (GraphQLError, DomainError))


class DomainErrorCodes(SchemaExtension):
    """Give a query's domain errors (not found, permission denied ...) their stable `code` extension."""

    def on_execute(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is None or not result.errors:
            return
        result.errors = [_with_code(e) for e in result.errors]


def _with_code(error: GraphQLError) -> GraphQLError:
    original = error.original_error
    if not isinstance(original, DomainError):
        return error
    return GraphQLError(original.message, nodes=error.nodes, source=error.source, positions=error.positions,
                        path=error.path, original_error=original,
                        extensions={"code": original.code, **({"details": original.details} if original.details
                                                              else {})})
