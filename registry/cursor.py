"""Opaque Relay cursors: the store's page cursor plus a position inside that page.

An edge's cursor resumes right after that edge: the page is re-read from the store cursor that started it and
`skip` items are dropped, so every cursor is exact and each request costs at most two page reads.
"""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass

from registry.errors import InvalidInput


@dataclass(frozen=True)
class Position:
    store_cursor: str | None  # the store cursor that started the page this position lies in
    skip: int  # items of that page already delivered

    def encode(self) -> str:
        raw = json.dumps({"c": self.store_cursor, "s": self.skip}, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str | None, max_skip: int) -> Position:
    if cursor is None:
        return Position(None, 0)
    try:
        if len(cursor) > 2048:
            raise ValueError("too long")
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        store_cursor, skip = data["c"], data["s"]
        if not (store_cursor is None or isinstance(store_cursor, str)) or not isinstance(skip, int):
            raise ValueError("bad fields")
        if not 0 <= skip <= max_skip:
            raise ValueError("skip out of range")
    except (ValueError, KeyError, TypeError):
        raise InvalidInput("invalid cursor: pass a cursor this API returned") from None
    return Position(store_cursor, skip)
