"""Document limits beyond Strawberry's own: total nesting depth, introspection included.

QueryDepthLimiter skips fields whose names start with "__", so `__type { ofType { ofType ... } } }` passes it.
This rule counts every selection set, fragments expanded (each fragment once per path, cycles cut).
"""
from __future__ import annotations

from typing import Any

from graphql import (FieldNode, FragmentDefinitionNode, FragmentSpreadNode, GraphQLError, InlineFragmentNode,
                     OperationDefinitionNode, SelectionSetNode, ValidationContext, ValidationRule)


def max_nesting_rule(limit: int) -> type[ValidationRule]:
    class MaxNesting(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            self._fragments = {d.name.value: d for d in context.document.definitions
                               if isinstance(d, FragmentDefinitionNode)}

        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            depth = self._depth(node.selection_set, frozenset(), 0)
            if depth > limit:
                self.report_error(GraphQLError(f"the document nests {depth} levels deep; the limit is {limit}",
                                               node))

        def _depth(self, selection_set: SelectionSetNode | None, seen: frozenset[str], level: int) -> int:
            if selection_set is None or level > limit:
                return level
            deepest = level
            for selection in selection_set.selections:
                if isinstance(selection, FieldNode):
                    deepest = max(deepest, self._depth(selection.selection_set, seen, level + 1))
                elif isinstance(selection, InlineFragmentNode):
                    deepest = max(deepest, self._depth(selection.selection_set, seen, level))
                elif isinstance(selection, FragmentSpreadNode):
                    name = selection.name.value
                    fragment = self._fragments.get(name)
                    if fragment is not None and name not in seen:
                        deepest = max(deepest, self._depth(fragment.selection_set, seen | {name}, level))
            return deepest

    return MaxNesting
