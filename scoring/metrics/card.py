"""Facts read from a Markdown model or dataset card: headings, fenced code blocks, tables, prose.

Cards are untrusted text: everything here is linear-time (google-re2) and bounded by `MAX_CARD_CHARS`.
"""
from __future__ import annotations

from dataclasses import dataclass

import re2

from scoring.evidence import card_body

MAX_CARD_CHARS = 200_000  # a card longer than this is read up to here

_HEADING = re2.compile(r"(?m)^[ \t]{0,3}#{1,6}[ \t]+(.+?)[ \t#]*$")
_FENCE = re2.compile(r"(?ms)^[ \t]{0,3}```[ \t]*([A-Za-z0-9_+.-]*)[^\n]*\n(.*?)^[ \t]{0,3}```")
_TABLE_SEPARATOR = re2.compile(r"(?m)^[ \t]*\|?[ \t]*:?-{3,}:?[ \t]*(\|[ \t]*:?-{3,}:?[ \t]*)+\|?[ \t]*$")
_TABLE_ROW = re2.compile(r"(?m)^[ \t]*\|.*\|[ \t]*$")


@dataclass(frozen=True)
class CodeBlock:
    language: str  # lower-cased info string ("" when unlabeled)
    code: str


@dataclass(frozen=True)
class Card:
    """A parsed card. `prose` is the text without code blocks and tables."""

    headings: tuple[str, ...]
    code_blocks: tuple[CodeBlock, ...]
    table_text: str  # all table rows, joined
    table_headers: tuple[str, ...]  # the header row of each table (the row above its |---| separator)
    has_table: bool
    prose: str

    def has_heading(self, pattern: str) -> str | None:
        """The first heading matching the (case-insensitive) re2 pattern, or None."""
        compiled = re2.compile("(?i)" + pattern)
        return next((heading for heading in self.headings if compiled.search(heading)), None)


def parse_card(text: str) -> Card:
    """Split a Markdown card into headings, fenced code blocks, tables and prose."""
    text = card_body(text[:MAX_CARD_CHARS])
    blocks = tuple(CodeBlock(language.lower(), code) for language, code in _FENCE.findall(text))
    without_code = _FENCE.sub("", text)
    rows = _TABLE_ROW.findall(without_code)
    lines = without_code.splitlines()
    headers = tuple(above for above, line in zip(lines, lines[1:])
                    if _TABLE_SEPARATOR.fullmatch(line) and _TABLE_ROW.fullmatch(above))
    return Card(
        headings=tuple(heading.strip() for heading in _HEADING.findall(without_code)),
        code_blocks=blocks,
        table_text="\n".join(rows),
        table_headers=headers,
        has_table=bool(_TABLE_SEPARATOR.search(without_code)),
        prose=_TABLE_ROW.sub("", without_code),
    )
