import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";

import { RegistryClient, RegistryError } from "../site/ui/api/client.js";
import { fakeFetch, tokens } from "./fake_server.js";

const BASE = "http://registry.test";
const ME = { data: { me: { username: "ada", permissions: ["SEARCH"], isAdmin: false, createdAt: "2025-01-01" } } };

function client(handlers, options = {}) {
  const server = fakeFetch({ Authenticate: tokens(), ...handlers });
  return { registry: new RegistryClient({ baseUrl: BASE, fetch: server.fetch, ...options }), calls: server.calls };
}

test("login sends the credentials as one input object and later calls carry the token", async () => {
  const { registry, calls } = client({ Me: () => ME });
  await registry.login("ada", "secret");
  assert.deepEqual(calls[0].variables, { input: { username: "ada", password: "secret" } });
  assert.equal(calls[0].headers["X-Authorization"], undefined);
  assert.equal((await registry.me()).username, "ada");
  assert.equal(calls[1].url, `${BASE}/graphql`);
  assert.equal(calls[1].headers["X-Authorization"], "bearer t1");
  assert.equal(registry.session.uses, 1);
});

test("a token near its last use is renewed before the call", async () => {
  const { registry, calls } = client({ Me: () => ME }, { maxUses: 8 });
  await registry.login("ada", "secret");
  for (let i = 0; i < 4; i++) await registry.me();
  const sent = calls.filter((c) => c.operationName === "Me").map((c) => c.headers["X-Authorization"]);
  assert.deepEqual(sent, ["bearer t1", "bearer t1", "bearer t1", "bearer t2"]);
});

test("a token near the end of its lifetime is renewed before the call", async () => {
  let clock = 0;
  const { registry, calls } = client({ Me: () => ME }, { ttlMs: 3_600_000, now: () => clock });
  await registry.login("ada", "secret");
  await registry.me();
  clock = 3_590_000;
  await registry.me();
  assert.deepEqual(calls.map((c) => c.operationName), ["Authenticate", "Me", "Authenticate", "Me"]);
  assert.equal(calls[3].headers["X-Authorization"], "bearer t2");
});

test("AUTHENTICATION_FAILED renews the token and retries once, then gives up", async () => {
  let failures = 1;
  const rejected = { data: null, errors: [{ message: "token expired", extensions: { code: "AUTHENTICATION_FAILED" } }] };
  const { registry, calls } = client({ Me: () => (failures-- > 0 ? rejected : ME) });
  await registry.login("ada", "secret");
  assert.equal((await registry.me()).username, "ada");
  assert.deepEqual(calls.map((c) => c.operationName), ["Authenticate", "Me", "Authenticate", "Me"]);

  failures = 5;
  await assert.rejects(registry.me(), (e) => e instanceof RegistryError && e.code === "AUTHENTICATION_FAILED");
  assert.equal(calls.filter((c) => c.operationName === "Authenticate").length, 3);
});

test("without credentials in memory a rejected token is reported, not retried", async () => {
  const store = { session: { token: "old", username: "ada", uses: 0, issuedAt: Date.now() } };
  const sessionStore = { load: () => store.session, save: (s) => { store.session = s; } };
  const { registry, calls } = client({
    Me: () => ({ errors: [{ message: "expired", extensions: { code: "AUTHENTICATION_FAILED" } }] }),
  }, { sessionStore });
  await assert.rejects(registry.me(), { code: "AUTHENTICATION_FAILED" });
  assert.deepEqual(calls.map((c) => c.operationName), ["Me"]);
});

test("wrong credentials throw the payload's code and keep no session", async () => {
  const { registry } = client({
    Authenticate: () => ({ data: { authenticate: { token: null,
      errors: [{ code: "AUTHENTICATION_FAILED", message: "wrong username or password", details: null }] } } }),
  });
  await assert.rejects(registry.login("ada", "nope"), { code: "AUTHENTICATION_FAILED",
    message: "wrong username or password" });
  assert.equal(registry.session, null);
  assert.equal(registry.credentials, null);
});

test("a refused ingest throws DISQUALIFIED carrying the failures and the full rating", async () => {
  const failures = [{ metric: "license", value: 0, reason: "no license" }];
  const { registry, calls } = client({
    IngestArtifact: () => ({ data: { ingestArtifact: { artifact: null, rating: { netScore: 0.3 },
      errors: [{ code: "DISQUALIFIED", message: "refused", details: { failures } }] } } }),
  });
  await registry.login("ada", "secret");
  const input = { type: "MODEL", url: "https://huggingface.co/org/model" };
  await assert.rejects(registry.ingest(input), (error) => {
    assert.equal(error.code, "DISQUALIFIED");
    assert.deepEqual(error.details.failures, failures);
    assert.equal(error.payload.rating.netScore, 0.3);
    return true;
  });
  assert.deepEqual(calls[1].variables, { input });
});

test("query errors keep their extensions code; errors without one are GRAPHQL_ERROR", async () => {
  const { registry } = client({
    LicenseCheck: () => ({ data: null, errors: [{ message: "no such model", extensions: { code: "NOT_FOUND" } }] }),
    AuditTrail: () => ({ errors: [{ message: "Cannot query field" }] }),
  });
  await registry.login("ada", "secret");
  await assert.rejects(registry.licenseCheck("x", "https://github.com/a/b"), { code: "NOT_FOUND" });
  await assert.rejects(registry.auditTrail("x"), { code: "GRAPHQL_ERROR", message: "Cannot query field" });
});

test("network failures and HTTP errors get codes of their own", async () => {
  const { registry } = client({
    Users: () => new Response(JSON.stringify({ detail: "request body over 100000 bytes" }), { status: 413 }),
    ResetRegistry: () => new Response("<html>bad gateway</html>", { status: 502 }),
  });
  await registry.login("ada", "secret");
  await assert.rejects(registry.users(), { code: "TOO_LARGE", status: 413 });
  await assert.rejects(registry.reset(), { code: "HTTP_ERROR", status: 502 });
  await assert.rejects(registry.me(), { code: "NETWORK_ERROR" });
});

test("findArtifacts pages through each kind of search with the same shape", async () => {
  const page = (field) => () => ({ data: { [field]: { edges: [{ node: { artifactId: "a1" }, cursor: "c1" }],
    pageInfo: { hasNextPage: true, endCursor: "c1" } } } });
  const { registry, calls } = client({
    Artifacts: page("artifacts"), SearchArtifacts: page("searchArtifacts"),
    ArtifactsByName: page("artifactsByName"), ArtifactsByVersion: page("artifactsByVersion"),
  });
  await registry.login("ada", "secret");
  const expected = { nodes: [{ artifactId: "a1" }], hasNextPage: true, endCursor: "c1" };
  assert.deepEqual(await registry.findArtifacts(), expected);
  assert.deepEqual(await registry.findArtifacts({ by: "regex", text: "(?i)bert", types: ["MODEL"], after: "c0" }),
    expected);
  await registry.findArtifacts({ by: "name", text: "bert" });
  await registry.findArtifacts({ by: "version", text: "^1.2.0", name: "bert", first: 5 });
  assert.deepEqual(calls.slice(1).map((c) => [c.operationName, c.variables]), [
    ["Artifacts", { types: null, first: 20, after: null }],
    ["SearchArtifacts", { types: ["MODEL"], first: 20, after: "c0", regex: "(?i)bert" }],
    ["ArtifactsByName", { types: null, first: 20, after: null, name: "bert" }],
    ["ArtifactsByVersion", { types: null, first: 5, after: null, query: "^1.2.0", name: "bert" }],
  ]);
});

test("health is asked without the token, so a refreshing dashboard does not use it up", async () => {
  const { registry, calls } = client({ Health: () => ({ data: { health: { status: "ok" } } }) });
  await registry.login("ada", "secret");
  assert.equal((await registry.health(60)).status, "ok");
  assert.equal(calls[1].headers["X-Authorization"], undefined);
  assert.deepEqual(calls[1].variables, { windowMinutes: 60 });
});

test("upload hashes the zip, PUTs it to the ticket with its headers and finalizes with the hash", async () => {
  const zip = new TextEncoder().encode("PK\u0003\u0004 a tiny zip");
  const ticket = { uploadId: "u1", url: `${BASE}/uploads/u1`, method: "PUT", fields: {},
    headers: { "Content-Type": "application/zip" }, expiresAt: "", maxBytes: 1e9 };
  const { registry, calls } = client({
    RequestUpload: () => ({ data: { requestUpload: { ticket, errors: [] } } }),
    [`${BASE}/uploads/u1`]: () => ({ upload_id: "u1", size: zip.byteLength }),
    FinalizeUpload: (v) => ({ data: { finalizeUpload: { artifact: { artifactId: "m1", sha: v.input.sha256 },
      errors: [] } } }),
  });
  const realFetch = globalThis.fetch;
  globalThis.fetch = registry.fetch; // the ticket's URL is fetched directly, without the registry's token
  try {
    await registry.login("ada", "secret");
    const progress = [];
    const stages = [];
    const artifact = await registry.upload(zip, { name: "my-model", version: "2.1.0",
      onProgress: (f) => progress.push(f), onStage: (s) => stages.push(s) });
    const digest = createHash("sha256").update(zip).digest("hex");
    assert.deepEqual(artifact, { artifactId: "m1", sha: digest });
    assert.deepEqual(progress, [0, 1]);
    assert.deepEqual(stages, ["hashing", "requesting", "sending", "registering"]);
    assert.deepEqual(calls[1].variables, { input: { name: "my-model", size: zip.byteLength, version: "2.1.0" } });
    const put = calls[2];
    assert.equal(put.method, "PUT");
    assert.deepEqual(put.headers, { "Content-Type": "application/zip" });
    assert.equal(put.body, zip);
  } finally {
    globalThis.fetch = realFetch;
  }
});

test("a presigned POST ticket sends its fields before the file", async () => {
  const { sendToTicket } = await import("../site/ui/api/transfer.js");
  const seen = [];
  const realFetch = globalThis.fetch;
  globalThis.fetch = async (url, init) => {
    seen.push([url, init.method, [...init.body.keys()]]);
    return new Response(null, { status: 204 });
  };
  try {
    await sendToTicket({ url: "https://bucket.s3.test/", method: "POST", fields: { key: "k", policy: "p" },
      headers: {} }, new Uint8Array([1, 2]), () => {});
  } finally {
    globalThis.fetch = realFetch;
  }
  assert.deepEqual(seen, [["https://bucket.s3.test/", "POST", ["key", "policy", "file"]]]);
});

test("a refused upload is an error with a code", async () => {
  const { sendToTicket } = await import("../site/ui/api/transfer.js");
  const realFetch = globalThis.fetch;
  globalThis.fetch = async () => new Response("too big", { status: 413 });
  try {
    await assert.rejects(sendToTicket({ url: "http://x/uploads/1", method: "PUT", fields: {}, headers: {} },
      new Uint8Array([1]), () => {}), { code: "TOO_LARGE" });
  } finally {
    globalThis.fetch = realFetch;
  }
});

test("a download link is handed out as it is: signed, it needs no token", async () => {
  const link = { url: `${BASE}/download/m1?part=weights&user=ada&expires=9&signature=s`, filename: "m1.zip",
    sha256: "ab", size: 2, expiresAt: "2025-01-01T00:15:00Z" };
  const { registry, calls } = client({
    RequestDownload: () => ({ data: { requestDownload: { download: link, errors: [] } } }),
  });
  await registry.login("ada", "secret");
  assert.deepEqual(await registry.requestDownload("m1", "WEIGHTS"), link);
  assert.deepEqual(calls[1].variables, { input: { artifactId: "m1", part: "WEIGHTS" } });
  assert.equal(calls.length, 2);  // the client never fetches the bytes itself
});

test("a link to files still being mirrored is asked for again after the server's Retry-After", async () => {
  const link = { url: `${BASE}/download/d1?user=ada&expires=9&signature=s`, filename: "d1.zip", sha256: "ab",
    size: 2, expiresAt: "2025-01-01T00:15:00Z" };
  const pending = { data: { requestDownload: { download: null, errors: [{ code: "MIRROR_PENDING",
    message: "being copied", details: { retry_after_seconds: 3 } }] } } };
  let answers = [pending, pending, { data: { requestDownload: { download: link, errors: [] } } }];
  const { registry, calls } = client({ RequestDownload: () => answers.shift() });
  await registry.login("ada", "secret");
  const waits = [];
  const slept = [];
  const got = await registry.requestDownloadWhenReady("d1", "FULL", { onPending: (s) => waits.push(s),
    sleep: async (s) => { slept.push(s); } });
  assert.deepEqual(got, link);
  assert.deepEqual(waits, [3, 3]);
  assert.deepEqual(slept, [3, 3]);
  assert.equal(calls.filter((c) => c.operationName === "RequestDownload").length, 3);

  answers = [pending, pending];
  await assert.rejects(registry.requestDownloadWhenReady("d1", "FULL", { maxWaitSeconds: 4, sleep: async () => {} }),
    { code: "MIRROR_PENDING" });
});

test("sensitive models: the flag, the monitor and the history go through their operations", async () => {
  const monitor = { program: "process.exit(0)", sha256: "ff", updatedBy: "ada", updatedAt: "2025-01-01" };
  const { registry, calls } = client({
    SetSensitive: (v) => ({ data: { setSensitive: { artifact: { artifactId: v.input.artifactId,
      sensitive: v.input.sensitive }, errors: [] } } }),
    PutMonitor: () => ({ data: { putMonitor: { monitor, errors: [] } } }),
    RemoveMonitor: () => ({ data: { removeMonitor: { deletedId: null, errors: [{ code: "NOT_FOUND",
      message: "no monitor" }] } } }),
    ArtifactMonitor: () => ({ data: { artifact: { artifactId: "m1", sensitive: true, monitor } } }),
    DownloadHistory: () => ({ data: { downloadHistory: { edges: [{ node: { username: "bob", allowed: false },
      cursor: "c1" }], pageInfo: { hasNextPage: true, endCursor: "c1" } } } }),
  });
  await registry.login("ada", "secret");
  assert.deepEqual(await registry.setSensitive("m1", true), { artifactId: "m1", sensitive: true });
  assert.deepEqual(await registry.putMonitor("m1", "process.exit(0)"), monitor);
  assert.deepEqual(calls.at(-1).variables, { input: { artifactId: "m1", program: "process.exit(0)" } });
  assert.equal((await registry.monitor("m1")).monitor.sha256, "ff");
  await assert.rejects(registry.removeMonitor("m1"), { code: "NOT_FOUND" });
  assert.deepEqual(await registry.downloadHistory("m1", { first: 1 }),
    { nodes: [{ username: "bob", allowed: false }], hasNextPage: true, endCursor: "c1" });
  assert.deepEqual(calls.at(-1).variables, { artifactId: "m1", first: 1, after: null });
});

test("changing one's own password signs in again with it; an admin changing another's does not", async () => {
  const changed = (v) => ({ data: { changePassword: { user: { username: v.input.username ?? "ada" }, errors: [] } } });
  const { registry, calls } = client({ ChangePassword: changed });
  await registry.login("ada", "old-secret");
  await registry.changePassword({ currentPassword: "old-secret", newPassword: "new-secret" });
  assert.deepEqual(calls[1].variables, { input: { username: null, currentPassword: "old-secret",
    newPassword: "new-secret" } });
  assert.deepEqual(calls[2].variables, { input: { username: "ada", password: "new-secret" } });
  assert.equal(registry.session.token, "t2");
  await registry.changePassword({ username: "bob", newPassword: "for-bob" });
  assert.deepEqual(calls.map((c) => c.operationName), ["Authenticate", "ChangePassword", "Authenticate",
    "ChangePassword"]);
});

test("logout forgets the token and the credentials", async () => {
  const { registry } = client({});
  await registry.login("ada", "secret");
  registry.logout();
  assert.equal(registry.session, null);
  assert.equal(registry.credentials, null);
});

test("a model page whose only failing field is its rating is shown without the rating", async () => {
  const version = { artifactId: "m1", version: "1.0.0", revision: null, createdAt: "2025-01-01" };
  const artifact = { artifactId: "m1", name: "acme", rating: null,
    versions: { edges: [{ node: version }], pageInfo: { hasNextPage: false, endCursor: "c1" } } };
  const { registry } = client({
    ModelPage: (v) => (v.id === "m1"
      ? { data: { artifact }, errors: [{ message: "no rating", path: ["artifact", "rating"],
        extensions: { code: "NOT_FOUND" } }] }
      : { data: { artifact: null }, errors: [{ message: "boom", path: ["artifact", "lineage"],
        extensions: { code: "UPSTREAM_ERROR" } }] }),
  });
  await registry.login("ada", "secret");
  assert.deepEqual(await registry.modelPage("m1"), { ...artifact,
    versions: { nodes: [version], hasNextPage: false, endCursor: "c1" } });  // the history as a page
  await assert.rejects(registry.modelPage("m2"), { code: "UPSTREAM_ERROR" });
});
