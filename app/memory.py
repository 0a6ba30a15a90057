"""The server process's memory: the allocator's arenas, and the garbage collector's view of the built app.

Under sustained load from many worker threads, glibc's malloc gives threads arenas of their own (up to eight per
core) and memory freed in one arena is rarely reused by another: resident memory creeps up run after run although
Python's own heap stays flat (bench/ha_bench.py shows both). Capping the arenas before the worker threads start
keeps it steady, for a small cost in allocator contention.

The built app (its routes, GraphQL schema, pydantic validators, imported modules: ~110,000 objects the collector
tracks) lives as long as the process, yet every full collection of the cyclic garbage collector traversed all of
it: under GraphQL load a full collection came every ~1.7 s and stopped the event loop for ~40 ms, holding every
request in flight (bench/gc_pauses.py). `freeze_startup_heap` moves what exists once the app is built out of the
collector's view (`gc.freeze`), so full collections traverse only what requests made since.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import gc

M_ARENA_MAX = -8  # glibc's mallopt parameter number (malloc.h)


def limit_malloc_arenas(arenas: int) -> bool:
    """Cap glibc's malloc arenas for threads started from now on; False where the C library is not glibc."""
    if arenas < 1:
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return bool(libc.mallopt(M_ARENA_MAX, arenas))
    except (OSError, AttributeError):
        return False


def freeze_startup_heap() -> int:
    """Keep every object alive now out of later collections; returns how many that is. Call once the app is built,
    before serving. Frozen objects are still freed by reference counting when released; only cycles among them are
    never looked for again. No collection runs first: after the app's build it costs ~25 ms of the cold start and
    finds ~100 objects."""
    gc.freeze()
    return gc.get_freeze_count()
