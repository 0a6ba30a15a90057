"""A change counter that every process opening the same database file shares, read without a system call, and
the reads a process keeps under it (`HeldReads`).

The embedded store keeps what most requests read again and again (the caller's user, the artifact asked for by id
and its name's latest version) in memory, and must never answer from memory after any process has changed it: a
deleted account or a changed password ends the user's tokens at once, and a replaced or deleted artifact is never
served as it was. SQLite's own change counter (`PRAGMA data_version`) is a statement, and costs what the read it
would save costs. This counter is 8 bytes of a file mapped into every process's memory, used as a seqlock:

- a writer takes the counter's file lock (one writer at a time, across threads and processes), makes the counter
  odd *before* its transaction begins and even (a new value) after it commits or rolls back;
- a reader takes `stable()` (None while a change is in progress) before reading the store, and keeps what it read
  only if `stable()` is still the same value afterwards; a kept value is good exactly while `stable()` returns the
  value it was read under.

A writer that dies mid-change leaves the counter odd: readers then read the store every time (never stale) until
the next change completes, which moves the counter to a new even value.

Like SQLite's own `-shm` file in WAL mode, this needs every process on one machine with the data directory on a
local file system: a mapped page is what makes a write visible to the other processes at once. And every writer
must be the store: a row changed with another tool (the `sqlite3` shell) is seen once the next write through the
store moves the counter, or the server restarts.
"""
from __future__ import annotations

import fcntl
import mmap
import os
import struct
import threading
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Generic, TypeVar

_COUNTER = struct.Struct("=Q")
V = TypeVar("V")


class SharedGeneration:
    def __init__(self, path: Path) -> None:
        self._path = path
        with self._opened() as fd:
            if os.fstat(fd).st_size < _COUNTER.size:
                os.ftruncate(fd, _COUNTER.size)  # zeros; another process doing the same at once changes nothing
            self._map = mmap.mmap(fd, _COUNTER.size)  # stays mapped after the file is closed

    def stable(self) -> int | None:
        """The counter, or None while a change is in progress (or was cut short)."""
        value: int = _COUNTER.unpack_from(self._map)[0]
        return None if value & 1 else value

    @contextmanager
    def changing(self) -> Iterator[None]:
        """Wrap a write to what readers keep: the counter is odd for its whole duration, and a new even value after."""
        # Each change opens the file anew: flock excludes other open files, in this process's threads as in others.
        with self._opened() as fd:
            fcntl.flock(fd, fcntl.LOCK_EX)
            value = _COUNTER.unpack_from(self._map)[0]
            _COUNTER.pack_into(self._map, 0, value + (1 if value % 2 == 0 else 2))  # odd, and a value not seen before
            try:
                yield
            finally:
                _COUNTER.pack_into(self._map, 0, _COUNTER.unpack_from(self._map)[0] + 1)

    @contextmanager
    def _opened(self) -> Iterator[int]:
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            yield fd
        finally:
            os.close(fd)  # and with it the lock


class HeldReads(Generic[V]):
    """What this process last read of what one `SharedGeneration` guards, by key, each with the counter's value it
    was read under. At most `capacity` units (`weigh` of each value, 1 by default) are held; past it the memory
    starts again empty (a few reads then go to the file again). Thread-safe: a read that finds its value takes no
    lock; keeping a value read from the file does, so the account of what is held stays exact."""

    def __init__(self, generation: SharedGeneration, capacity: int,
                 weigh: Callable[[V], int] = lambda value: 1) -> None:
        self._generation = generation
        self._capacity = capacity
        self._weigh = weigh
        self._held: dict[Hashable, tuple[int, V]] = {}
        self._weight = 0
        self._keeping = threading.Lock()

    def read(self, key: Hashable, load: Callable[[], V], snapshot: bool) -> V:
        """The value held for `key` if no change completed or began since it was read, else `load()`, kept when no
        change overlapped it. `snapshot`: the caller is inside a read transaction, whose view may be older than the
        counter, so what it loads is not kept."""
        generation = self._generation.stable()
        held = self._held.get(key)
        if held is not None and generation is not None and held[0] == generation:
            return held[1]
        value = load()
        if generation is not None and not snapshot and self._generation.stable() == generation:
            self._keep(key, generation, value)
        return value

    def _keep(self, key: Hashable, generation: int, value: V) -> None:
        weight = self._weigh(value)
        with self._keeping:
            replaced = self._held.pop(key, None)  # what another thread may have kept meanwhile, or an older read
            if replaced is not None:
                self._weight -= self._weigh(replaced[1])
            if self._weight + weight > self._capacity:
                self._held.clear()
                self._weight = 0
            if weight <= self._capacity:
                self._held[key] = (generation, value)
                self._weight += weight
