"""The Strawberry schema, built once (building a second one from relay types fails) and imported."""
from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (AddValidationRules, MaskErrors, MaxTokensLimiter, ParserCache, SchemaExtension,
                                   ValidationCache)
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

from registry.settings import Settings
from schema.errors import DomainErrorCodes, record_errors, should_mask
from schema.limits import document_limits_rule
from schema.lineage import LineageQuery
from schema.mutation import ArtifactMutation
from schema.package import PackageMutation
from schema.query import ArtifactQuery, node_query
from schema.rating import RatingMutation, RatingQuery
from schema.security import SecurityMutation, SecurityQuery
from schema.transaction import TransactionMutation, TransactionQuery
from schema.types import ArtifactNode
from schema.workload import WorkloadMutation, WorkloadQuery

# Introspection nests ~13 levels (TypeRef's ofType chain); ordinary queries stay far below this.
MAX_TOTAL_NESTING = 20

# Each area contributes its own root types; they are merged into one Query and one Mutation.
QUERIES = (ArtifactQuery, RatingQuery, LineageQuery, SecurityQuery, WorkloadQuery, TransactionQuery)
MUTATIONS = (ArtifactMutation, RatingMutation, PackageMutation, SecurityMutation, WorkloadMutation,
             TransactionMutation)


class RegistrySchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        """Instead of Strawberry's traceback for every error: expected ones are noted, faults logged once."""
        record_errors(errors, execution_context)


def build_schema(settings: Settings) -> strawberry.Schema:
    """Extensions are passed as factories so no state is shared between concurrent requests; the parser and
    validation caches live at module level in Strawberry and are shared as intended."""
    limits = document_limits_rule(settings.graphql_max_depth, MAX_TOTAL_NESTING, settings.graphql_max_aliases)
    extensions: list[type[SchemaExtension] | Callable[[], SchemaExtension]] = [
        partial(MaxTokensLimiter, max_token_count=settings.graphql_max_tokens),
        partial(AddValidationRules, [limits]),
        partial(ParserCache, maxsize=512),
        partial(ValidationCache, maxsize=512),
        DomainErrorCodes,
        partial(MaskErrors, should_mask_error=should_mask),
    ]
    config = StrawberryConfig(disable_field_suggestions=not settings.is_development)
    query = merge_types("Query", (node_query(), *QUERIES))
    mutation = merge_types("Mutation", MUTATIONS)
    return RegistrySchema(query=query, mutation=mutation, types=[ArtifactNode], extensions=extensions,
                          config=config)
