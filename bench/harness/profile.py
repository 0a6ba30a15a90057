"""py-spy (from PyPI) on a running server: sampled stacks of every thread, summarised as the share of the busy
samples (those not waiting on a lock, a queue or the event loop's poll) each function appears in (inclusive) and
is on top of (self), so a benchmark can print its white-box view.

py-spy samples in blocking mode: it pauses the server for each sample. Its `--nonblocking` mode reads a running
process, and under wrk's load about half of the event loop thread's stacks came out torn (no outer frames), which
made every share wrong (docs/performance.md, fix 12). Blocking mode also samples the idle threads: their samples
are counted apart, as waiting.

Sampling needs ptrace rights on the server process (root, or kernel.yama.ptrace_scope=0): without them, or
without py-spy, `record` returns None and the benchmark says why.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Profile:
    samples: int
    inclusive: Counter[str]
    self_time: Counter[str]
    idle: int  # samples whose top frame waits (a lock, a queue, select/epoll)

    def lines(self, top: int = 12, prefixes: tuple[str, ...] = ()) -> list[str]:
        wanted = [(name, n) for name, n in self.inclusive.most_common()
                  if not prefixes or name.split(" ")[-1].startswith(prefixes)]
        busy = max(1, self.samples - self.idle)
        out = [f"{100 * n / busy:5.1f}% incl  {name}" for name, n in wanted[:top]]
        out += [f"{100 * n / busy:5.1f}% self  {name}" for name, n in self.self_time.most_common(top)]
        return out


# Top frames of a thread that waits. A thread blocked in C shows the Python line that called it: uvloop's poll shows
# as `Runner.run` (so does uvloop's own C work between callbacks, counted as waiting too), the log writer's sleep
# as `_write_forever`, the token ledger's queue as `TokenLedger._write`.
_WAITING = ("wait (threading.py", "_worker (concurrent", "get (queue.py", "select (selectors.py", "run_forever",
            "_run_once (asyncio", "acquire", "sleep", "Runner.run (", "_write_forever (", "TokenLedger._write (")


def executable() -> str | None:
    """py-spy installed beside this interpreter (the test extras), else on PATH."""
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.is_file() else shutil.which("py-spy")


def record(pid: int, seconds: float, rate: int = 200) -> Profile | None:
    """Sample `pid` for `seconds`; None when py-spy is missing or may not attach."""
    spy = executable()
    if spy is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "stacks.txt"
        done = subprocess.run([spy, "record", "--pid", str(pid), "--duration", str(max(1, round(seconds))),
                               "--rate", str(rate), "--format", "raw", "--threads", "--output",
                               str(out)], capture_output=True, text=True, check=False)
        if done.returncode != 0 or not out.is_file():
            return None
        return summarise(out.read_text())


def summarise(collapsed: str) -> Profile:
    """From py-spy's collapsed stacks ("frame;frame;frame count" per line, outermost first)."""
    inclusive: Counter[str] = Counter()
    self_time: Counter[str] = Counter()
    samples = idle = 0
    for line in collapsed.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = [frame.split(":")[0] for frame in stack.split(";") if not frame.startswith("thread")]
        if not frames:
            continue
        weight = int(count)
        samples += weight
        if any(mark in frames[-1] for mark in _WAITING):
            idle += weight
            continue
        for frame in set(frames):
            inclusive[frame] += weight
        self_time[frames[-1]] += weight
    return Profile(samples, inclusive, self_time, idle)
