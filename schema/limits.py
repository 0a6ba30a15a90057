"""Document limits as one validation rule class, made once per schema.

Why not Strawberry's QueryDepthLimiter and MaxAliasesLimiter: each instance creates a new rule class, and
ValidationCache keys its cache on the rule classes, so per-request instances (the safe way to pass extensions)
would make every validation a cache miss. One class built with the schema keeps validation cached.

Also, QueryDepthLimiter skips fields whose names start with "__", so `__type { ofType { ofType ... } } }`
passes it; here a second, looser cap counts every selection set, introspection included.
Fragments are expanded (each fragment once per path; cycles are cut).
"""
from __future__ import annotations

from typing import Any

from graphql import (DocumentNode, FieldNode, FragmentDefinitionNode, FragmentSpreadNode, GraphQLError,
                     InlineFragmentNode, OperationDefinitionNode, SelectionSetNode, ValidationContext, ValidationRule)


def document_limits_rule(max_depth: int, max_total_nesting: int, max_aliases: int) -> type[ValidationRule]:
    """`max_depth` counts fields outside introspection ("__" fields and below); `max_total_nesting` counts all."""

    class DocumentLimits(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            document: DocumentNode = context.document
            self._fragments = {d.name.value: d for d in document.definitions
                               if isinstance(d, FragmentDefinitionNode)}

        def enter_document(self, node: DocumentNode, *_: Any) -> None:
            aliases = sum(_count_aliases(d.selection_set) for d in node.definitions
                          if isinstance(d, (OperationDefinitionNode, FragmentDefinitionNode)))
            if aliases > max_aliases:
                self.report_error(GraphQLError(f"the document uses {aliases} aliases; the limit is {max_aliases}"))

        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            depth, nesting = self._depth(node.selection_set, frozenset(), 0, 0, False)
            name = node.name.value if node.name else "anonymous"
            if depth > max_depth:
                self.report_error(GraphQLError(f"'{name}' exceeds maximum operation depth of {max_depth}", node))
            if nesting > max_total_nesting:
                self.report_error(GraphQLError(
                    f"the document nests {nesting} levels deep; the limit is {max_total_nesting}", node))

        def _depth(self, selections: SelectionSetNode | None, seen: frozenset[str], depth: int, nesting: int,
                   introspecting: bool) -> tuple[int, int]:
            """(deepest depth outside introspection, deepest total nesting) below this selection set."""
            if selections is None or nesting > max_total_nesting:
                return depth, nesting
            deepest = (depth, nesting)
            for selection in selections.selections:
                if isinstance(selection, FieldNode):
                    inside = introspecting or selection.name.value.startswith("__")
                    found = self._depth(selection.selection_set, seen, depth + (0 if inside else 1), nesting + 1,
                                        inside)
                elif isinstance(selection, InlineFragmentNode):
                    found = self._depth(selection.selection_set, seen, depth, nesting, introspecting)
                elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in seen:
                    fragment = self._fragments.get(selection.name.value)
                    if fragment is None:
                        continue
                    found = self._depth(fragment.selection_set, seen | {selection.name.value}, depth, nesting,
                                        introspecting)
                else:
                    continue
                deepest = (max(deepest[0], found[0]), max(deepest[1], found[1]))
            return deepest

    return DocumentLimits


def _count_aliases(selections: SelectionSetNode | None) -> int:
    if selections is None:
        return 0
    total = 0
    for selection in selections.selections:
        if isinstance(selection, FieldNode) and selection.alias is not None:
            total += 1
        if isinstance(selection, (FieldNode, InlineFragmentNode)):
            total += _count_aliases(selection.selection_set)
    return total
