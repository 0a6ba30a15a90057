"""The allocator setting of the server process (app/memory.py)."""
from __future__ import annotations

import subprocess
import sys

from app.memory import limit_malloc_arenas


def test_arenas_are_capped_on_glibc_and_zero_leaves_the_default():
    assert limit_malloc_arenas(0) is False
    # In a fresh interpreter: the cap applies process-wide, and this test process is shared.
    probe = subprocess.run([sys.executable, "-c", "from app.memory import limit_malloc_arenas; "
                            "print(limit_malloc_arenas(2))"], capture_output=True, text=True, timeout=60)
    assert probe.stdout.strip() == "True", probe.stderr
