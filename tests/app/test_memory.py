"""The allocator setting of the server process (app/memory.py)."""
from __future__ import annotations

from app.memory import limit_malloc_arenas


def test_arenas_are_capped_on_glibc_and_zero_leaves_the_default():
    assert limit_malloc_arenas(0) is False
    assert limit_malloc_arenas(2) is True  # glibc (the test machine's and Lambda's C library)
