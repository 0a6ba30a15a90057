"""The server process's memory allocator.

Under sustained load from many worker threads, glibc's malloc gives threads arenas of their own (up to eight per
core) and memory freed in one arena is rarely reused by another: resident memory creeps up run after run although
Python's own heap stays flat (bench/ha_bench.py shows both). Capping the arenas before the worker threads start
keeps it steady, for a small cost in allocator contention.
"""
from __future__ import annotations

import ctypes
import ctypes.util

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
