"""Hostile monitor programs and hostile names, through the GraphQL door and the signed download link: whatever a
program does, the download is refused with a coded error carrying its (capped) output, the registry's files,
secrets and environment stay out of its reach, and the server keeps answering. Every case runs real Node 24."""
from __future__ import annotations

import json

import pytest

from registry.monitor import GUARD
from tests.schema.test_package import DOWNLOAD, upload
from tests.schema.test_security import PUT_MONITOR, SET_SENSITIVE, get

pytestmark = pytest.mark.slow
TIMEOUT, OUTPUT, PROGRAM = 1, 4096, 8 * 1024


@pytest.fixture
def settings(settings):
    """Tight monitor bounds, so the hostile cases end quickly."""
    return settings.model_copy(update={"monitor_timeout_seconds": TIMEOUT, "monitor_max_output_bytes": OUTPUT,
                                       "monitor_max_program_bytes": PROGRAM})


@pytest.fixture
def sensitive(gql, tmp_path):
    """A sensitive uploaded model; returns (id, attempt) where attempt(program) puts the monitor and downloads."""
    _, done = upload(gql, tmp_path, name="acme/guarded")
    artifact_id = done["artifact"]["artifactId"]
    assert gql(SET_SENSITIVE, i={"artifactId": artifact_id, "sensitive": True})["data"]["setSensitive"]["errors"] == []

    def attempt(program: str):
        put = gql(PUT_MONITOR, i={"artifactId": artifact_id, "program": program})["data"]["putMonitor"]
        assert put["errors"] == [], put
        link = gql(DOWNLOAD, id=artifact_id, p="FULL")["data"]["requestDownload"]["download"]
        return get(gql, link["url"])

    return artifact_id, attempt


def refused_with(response, *fragments: str) -> str:
    assert response.status_code == 403, response.text
    body = response.json()
    assert body["code"] == "MONITOR_REJECTED"
    for fragment in fragments:
        assert fragment in body["detail"], body["detail"]
    return str(body["detail"])


def test_an_oversized_program_is_refused_by_its_cap_or_the_body_cap(gql, sensitive):
    artifact_id, _ = sensitive
    over = gql(PUT_MONITOR, i={"artifactId": artifact_id, "program": "x" * (PROGRAM + 1)})["data"]["putMonitor"]
    assert over["monitor"] is None and over["errors"][0]["code"] == "TOO_LARGE"
    huge = gql.client.post("/graphql", json={"query": PUT_MONITOR, "variables": {
        "i": {"artifactId": artifact_id, "program": "x" * (2 * 1024 * 1024)}}},
        headers={"X-Authorization": f"bearer {gql.token}"})
    assert huge.status_code == 413 and huge.json()["code"] == "TOO_LARGE"
    gone = gql("query($id: String!) { artifact(id: $id) { monitor { sha256 } } }", id=artifact_id)
    assert gone["data"]["artifact"]["monitor"] is None


def test_a_program_that_loops_is_cut_off_and_refuses(sensitive):
    _, attempt = sensitive
    refused_with(attempt("console.log('looping'); for (;;) {}"), "looping", f"longer than {TIMEOUT} s")


def test_a_program_that_forks_or_spawns_is_blocked(sensitive):
    _, attempt = sensitive
    program = ("const cp = require('child_process'); const tries = [() => cp.execSync('id'), () => cp.fork('x.js'),"
               " () => cp.spawn('/bin/sh')];\n"
               "for (const t of tries) {\n"
               "  try { t(); console.log('ran'); } catch (e) { console.log('blocked ' + e.code); }\n}\n"
               "process.exit(2);")
    detail = refused_with(attempt(program), "exited with code 2")
    assert detail.count("blocked ERR_ACCESS_DENIED") == 3 and "ran" not in detail.split("output:")[1]


def test_a_program_cannot_write_files_or_read_the_registrys(sensitive, settings):
    _, attempt = sensitive
    target = settings.data_dir / "written-by-monitor"
    program = (f"const fs = require('fs');\n"
               f"for (const [what, act] of [['write', () => fs.writeFileSync({str(target)!r}, 'x')],"
               f" ['database', () => fs.readFileSync({str(settings.data_dir / 'registry.sqlite3')!r})],"
               f" ['key', () => fs.readFileSync({str(settings.data_dir / 'download-signing.key')!r})],"
               f" ['listing', () => fs.readdirSync({str(settings.data_dir)!r})],"
               f" ['guard', () => fs.writeFileSync({str(GUARD)!r}, '')]]) {{\n"
               "  try { act(); console.log(what + ': done'); } catch (e) { console.log(what + ': ' + e.code); }\n}\n"
               "process.exit(1);")
    detail = refused_with(attempt(program))
    output = detail.split("its output: ", 1)[1]
    assert {line.split(": ")[1] for line in output.splitlines()} == {"ERR_ACCESS_DENIED"}
    assert not target.exists() and (settings.data_dir / "download-signing.key").read_text()


def test_a_program_reads_no_secret_from_its_environment(sensitive, monkeypatch):
    _, attempt = sensitive
    for name in ("REGISTRY_DOWNLOAD_SIGNING_KEY", "REGISTRY_ADMIN_PASSWORD", "AWS_SECRET_ACCESS_KEY", "HF_TOKEN"):
        monkeypatch.setenv(name, f"secret-{name.lower()}")
    detail = refused_with(attempt("console.log(JSON.stringify(process.env)); process.exit(1);"))
    seen = json.loads(detail.split("its output: ", 1)[1])
    assert set(seen) == {"HOME", "TMPDIR", "LANG", "MALLOC_ARENA_MAX"} and "secret-" not in detail


def test_a_program_printing_megabytes_is_cut_off_and_its_output_capped(gql, sensitive):
    artifact_id, attempt = sensitive
    response = attempt("process.stdout.write('y'.repeat(8 * 1024 * 1024)); process.exit(0);")
    detail = refused_with(response, f"printed more than {OUTPUT} bytes")
    assert len(response.content) < 4 * OUTPUT and len(detail.split("its output: ", 1)[1]) <= OUTPUT
    history = gql("query($id: String!) { downloadHistory(artifactId: $id) { edges { node { allowed stdout } } } }",
                  id=artifact_id)["data"]["downloadHistory"]["edges"]
    assert history[-1]["node"]["allowed"] is False and len(history[-1]["node"]["stdout"]) <= 4000


def test_a_program_reaches_no_host_an_admin_did_not_allow(sensitive):
    _, attempt = sensitive
    program = ("const net = require('net'); const s = net.connect(80, '127.0.0.1');"
               " s.on('connect', () => { console.log('connected'); process.exit(0); });"
               " s.on('error', (e) => { console.log('network: ' + e.code); process.exit(6); });")
    refused_with(attempt(program), "network: ", "exited with code 6")


def test_the_server_still_serves_after_every_hostile_program(gql, sensitive):
    _, attempt = sensitive
    for program in ("for (;;) {}", "process.kill(process.pid, 'SIGSEGV')", "throw new Error('boom')",
                    "const a = []; for (;;) a.push(new Array(1e6).fill(1));"):
        assert attempt(program).json()["code"] == "MONITOR_REJECTED"
    allowed = attempt("process.exit(0)")
    assert allowed.status_code == 200 and allowed.content[:2] == b"PK"


@pytest.mark.parametrize("name", ["acme/$(touch pwned); `id` | rm -rf ~", "--require=/etc/passwd", "a'b\"c\\d",
                                  "-e process.exit(0)"])
def test_hostile_names_reach_the_monitor_as_plain_arguments(gql, tmp_path, name):
    _, done = upload(gql, tmp_path, name=name)
    artifact_id = done["artifact"]["artifactId"]
    gql(SET_SENSITIVE, i={"artifactId": artifact_id, "sensitive": True})
    gql(PUT_MONITOR, i={"artifactId": artifact_id, "program": "console.log(JSON.stringify(process.argv.slice(2, 4)));"
                                                              " process.exit(9);"})
    link = gql(DOWNLOAD, id=artifact_id, p="FULL")["data"]["requestDownload"]["download"]
    detail = refused_with(get(gql, link["url"]), "exited with code 9")
    assert json.loads(detail.split("its output: ", 1)[1]) == [name, "ece30861defaultadminuser"]
    assert not (tmp_path / "pwned").exists()
