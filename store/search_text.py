"""An in-process copy of every ready artifact's search text (name and README, UTF-8), kept current by a change log.

Regex search reads the name and README of every artifact. Reading them out of SQLite on every search (100 MB for
10,000 READMEs of 10 KB) cost as much as the regex scan itself, and RE2 re-encoded each README from `str` to
UTF-8 on every search too. This cache holds the UTF-8 bytes (RE2 searches them directly, with the same meaning:
patterns are compiled for UTF-8) and brings itself up to date before each search from the store's change log:
one indexed query for the ids changed since the last search (every process's writes: the log is in the
database), then only those rows. So a search is read-your-write, also across processes, and costs a scan of
memory plus one small query when nothing changed.

The adapter supplies the two reads, each run inside one read transaction so that the rows and the change
sequence number they are up to come from the same snapshot. Memory is bounded: past `max_bytes` of text the
cache lets go of everything and stays off in this process (searches then stream from the store as before).
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass

from registry.model import ArtifactType
from registry.ports import SearchText


@dataclass(frozen=True)
class Row:
    """One ready artifact's search text as the adapter reads it."""

    id: str
    type: str
    sort_key: str
    name: str
    readme: str
    latest: int  # 1: the latest version of its name (see ArtifactStore)


# The sequence number of the last change and every ready row, read in one snapshot.
AllRows = Callable[[], AbstractContextManager[tuple[int, Iterator[Row]]]]
# The sequence number of the last change, the ids changed after `since`, and the rows of those still ready.
ChangedRows = Callable[[int], tuple[int, list[str], list[Row]]]


class SearchTextCache:
    """Thread-safe. `load_all` reads every ready row; `load_changed(since)` what changed after a sequence number.
    Past `max_bytes` of text the cache turns off and `entries` returns None (the caller streams from the store)."""

    def __init__(self, load_all: AllRows, load_changed: ChangedRows, max_bytes: int) -> None:
        self._load_all = load_all
        self._load_changed = load_changed
        self._max_bytes = max_bytes
        self._lock = threading.Lock()
        self._seq: int | None = None  # None: not loaded yet
        self._entries: dict[str, tuple[str, int, SearchText]] = {}  # id -> (type, latest, text)
        self._bytes = 0
        self._snapshot: tuple[tuple[str, int, SearchText], ...] = ()
        self._off = False

    def entries(self, types: Iterable[ArtifactType], latest_only: bool = False) -> Iterator[SearchText] | None:
        """Every ready artifact of `types` (`latest_only`: each name's latest version) as of now, or None when the
        texts are over the memory budget."""
        wanted = {kind.value for kind in types}
        least = int(latest_only)
        with self._lock:
            if not self._off:
                self._refresh()
            if self._off:
                return None
            snapshot = self._snapshot
        return (text for kind, latest, text in snapshot if kind in wanted and latest >= least)

    def _refresh(self) -> None:
        if self._seq is None:
            with self._load_all() as (seq, rows):
                if not self._put(rows):
                    return
            self._seq = seq
        else:
            seq, changed, changed_rows = self._load_changed(self._seq)
            if seq == self._seq:
                return
            for artifact_id in changed:
                old = self._entries.pop(artifact_id, None)
                if old is not None:
                    self._bytes -= len(old[2].name) + len(old[2].readme)
            if not self._put(changed_rows):
                return
            self._seq = seq
        self._snapshot = tuple(self._entries.values())

    def _put(self, rows: Iterable[Row]) -> bool:
        """Add the rows; False (and the cache off, its memory freed) when they go over the budget."""
        for row in rows:
            text = SearchText(row.sort_key, row.id, row.name.encode(), row.readme.encode())
            self._entries[row.id] = (row.type, row.latest, text)
            self._bytes += len(text.name) + len(text.readme)
            if self._bytes > self._max_bytes:
                self._off, self._seq, self._bytes, self._snapshot = True, None, 0, ()
                self._entries.clear()
                return False
        return True
