// The registry's GraphQL client: one class, no dependencies, for the browser and Node 20+.
//
//   const registry = new RegistryClient({ baseUrl: "http://127.0.0.1:8000" });
//   await registry.login("ece30861defaultadminuser", password);
//   const page = await registry.artifacts({ first: 20 });
//
// Failures are thrown as RegistryError with a stable `code`: the server's error codes (INVALID_INPUT,
// AUTHENTICATION_FAILED, PERMISSION_DENIED, NOT_FOUND, CONFLICT, TOO_LARGE, DISQUALIFIED, ...) from mutation
// payloads' `errors` and from query errors' `extensions.code`, plus NETWORK_ERROR, HTTP_ERROR and GRAPHQL_ERROR
// for failures that never reached a resolver.

import { RegistryError } from "./errors.js";
import { OPERATIONS } from "./operations.js";
import { sendToTicket, sha256Hex } from "./transfer.js";

export { RegistryError };

/**
 * @typedef {"MODEL" | "DATASET" | "CODE"} ArtifactType
 * @typedef {"FULL" | "WEIGHTS" | "CARD"} PackagePart
 * @typedef {"UPLOAD" | "SEARCH" | "DOWNLOAD" | "ADMIN"} Permission
 * @typedef {{ artifactId: string, name: string, type: ArtifactType, version: string, sourceUrl: string | null,
 *   sizeBytes: number, createdAt: string, createdBy: string }} Artifact
 * @typedef {{ nodes: Artifact[], hasNextPage: boolean, endCursor: string | null }} ArtifactPage
 * @typedef {{ nodes: any[], hasNextPage: boolean, endCursor: string | null }} Page one page of a connection
 * @typedef {{ score: number, latencySeconds: number, explanation: string, applicable: boolean }} MetricScore
 * @typedef {{ raspberryPi: number, jetsonNano: number, desktopPc: number, awsServer: number,
 *   latencySeconds: number, explanation: string }} SizeScore
 * @typedef {{ name: string, category: string, netScore: number, netScoreLatency: number,
 *   netScoreExplanation: string, evidenceTime: string, sizeScore: SizeScore } & Record<string, any>} Rating
 * @typedef {{ artifactId: string, name: string, type: ArtifactType, sourceUrl: string | null, external: boolean,
 *   source: string }} LineageNode
 * @typedef {{ from: string, to: string, relation: string, source: string }} LineageEdge
 * @typedef {{ rootId: string, nodes: LineageNode[], edges: LineageEdge[] }} LineageGraph
 * @typedef {{ file: string, globalName: string | null, severity: string, detail: string | null }} ContentFinding
 * @typedef {{ verdict: "CLEAN" | "SUSPICIOUS" | "UNSAFE", scannedFiles: string[], findings: ContentFinding[],
 *   scanner: string, scannedAt: string }} ContentScan
 * @typedef {{ artifactId: string, version: string, revision: string | null, createdAt: string }} ArtifactVersion
 * @typedef {Artifact & { readme: string, files: { path: string, size: number }[], rating: Rating | null,
 *   lineage: LineageGraph, sensitive: boolean, contentScan: ContentScan | null, revision: string | null,
 *   versions: { nodes: ArtifactVersion[], hasNextPage: boolean, endCursor: string | null } }} ModelPage
 * @typedef {{ program: string, sha256: string, updatedBy: string, updatedAt: string }} Monitor
 * @typedef {{ artifactId: string, sensitive: boolean, monitor: Monitor | null }} ArtifactMonitor
 * @typedef {{ username: string, part: string, allowed: boolean, outcome: string, exitCode: number | null,
 *   stdout: string | null, at: string }} DownloadRecord
 * @typedef {{ kind: string, value: number, detail: string }} ConfusionSignal
 * @typedef {{ artifactId: string, artifactName: string, imitatesId: string, imitatesName: string, score: number,
 *   signals: ConfusionSignal[] }} ConfusionFinding
 * @typedef {{ artifactId: string, name: string, standaloneMb: number, totalMb: number, external: boolean,
 *   note: string | null }} CostEntry
 * @typedef {{ compatible: boolean, reason: string, modelLicense: string | null, repoLicense: string | null }}
 *   LicenseCheck
 * @typedef {{ artifactId: string, artifactType: ArtifactType, artifactName: string, username: string,
 *   isAdmin: boolean, action: string, at: string, detail: string | null }} AuditEntry
 * @typedef {{ username: string, permissions: Permission[], isAdmin: boolean, createdAt: string }} User
 * @typedef {{ start: string, minutes: number, requests: number, clientErrors: number, serverErrors: number }}
 *   HealthBucket
 * @typedef {{ id: string, displayName: string, status: string, observedAt: string, detail: string,
 *   latencyMs: number }} Component
 * @typedef {{ status: string, checkedAt: string, windowMinutes: number, requests: number, clientErrors: number,
 *   serverErrors: number, components: Component[], timeline: HealthBucket[] }} Health
 * @typedef {{ at: string, level: string, event: string, message: string, requestId: string | null,
 *   fields: any }} LogEntry
 * @typedef {{ metric: string, value: number, reason: string }} GateFailure
 * @typedef {{ rating: Rating | null, admitted: boolean, failures: GateFailure[] }} RatingPreview
 * @typedef {{ type: ArtifactType, url: string, name?: string | null, codeUrl?: string | null,
 *   datasetUrls?: string[] | null }} IngestInput
 * @typedef {{ uploadId: string, url: string, method: string, fields: Record<string, string>,
 *   headers: Record<string, string>, expiresAt: string, maxBytes: number }} UploadTicket
 * @typedef {{ url: string, filename: string, sha256: string, size: number, expiresAt: string }} DownloadLink
 * @typedef {{ token: string, username: string, uses: number, issuedAt: number }} Session
 * @typedef {{ load(): Session | null, save(session: Session | null): void }} SessionStore
 */

/** @returns {SessionStore} */
export function memorySessionStore() {
  /** @type {Session | null} */
  let session = null;
  return { load: () => session, save: (value) => { session = value; } };
}

const TOKEN_MAX_USES = 1000;
const TOKEN_TTL_MS = 10 * 3600 * 1000;

export class RegistryClient {
  /**
   * @param {{ baseUrl?: string, fetch?: typeof fetch, sessionStore?: SessionStore, maxUses?: number,
   *   ttlMs?: number, now?: () => number }} [options]
   *   baseUrl: the API's origin ("" for the page's own); maxUses/ttlMs: the server's token lifetime.
   */
  constructor(options = {}) {
    this.baseUrl = (options.baseUrl ?? "").replace(/\/+$/, "");
    this.fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.sessions = options.sessionStore ?? memorySessionStore();
    this.maxUses = options.maxUses ?? TOKEN_MAX_USES;
    this.ttlMs = options.ttlMs ?? TOKEN_TTL_MS;
    this.now = options.now ?? Date.now;
    /** Kept in memory only, to renew the token; never written to the session store. */
    /** @type {{ username: string, password: string } | null} */
    this.credentials = null;
  }

  /** @returns {Session | null} */
  get session() {
    return this.sessions.load();
  }

  /** Exchange a username and password for a token; the credentials stay in memory to renew it. */
  async login(username, password) {
    const payload = await this.#mutate("Authenticate", "authenticate", { input: { username, password } }, false);
    this.credentials = { username, password };
    this.sessions.save({ token: payload.token, username, uses: 0, issuedAt: this.now() });
    return username;
  }

  logout() {
    this.credentials = null;
    this.sessions.save(null);
  }

  /**
   * Run a named operation and return its `data`; GraphQL errors are thrown as a RegistryError (the first one's
   * code, every error in `errors`). A rejected token is renewed once when the credentials are known.
   * @param {string} name a key of OPERATIONS
   * @param {Record<string, any>} [variables]
   * @param {boolean} [authenticated]
   */
  async request(name, variables = {}, authenticated = true) {
    const document = OPERATIONS[name];
    if (!document) throw new Error(`unknown operation ${name}`);
    const attempt = async () => {
      const response = await this.#send(`${this.baseUrl}/graphql`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ query: document, variables, operationName: name }),
      }, authenticated);
      const body = await readJson(response);
      if (!response.ok && !body?.data) throw httpError(response, body);
      if (body.errors?.length) {
        const errors = body.errors.map((e) => ({ code: e.extensions?.code ?? "GRAPHQL_ERROR", message: e.message,
          details: e.extensions?.details ?? null, path: e.path ?? null }));
        throw new RegistryError(errors[0].code, errors[0].message, { details: errors[0].details, errors,
          data: body.data ?? null });
      }
      return body.data;
    };
    return this.#renewingOnce(attempt, authenticated);
  }

  // ---- queries ------------------------------------------------------------------------------------------------

  /** @returns {Promise<User>} */
  async me() {
    return (await this.request("Me")).me;
  }

  /**
   * One page of artifacts: every artifact, or those matching a regex, a name or a version range.
   * @param {{ by?: "all" | "regex" | "name" | "version", text?: string, name?: string | null,
   *   types?: ArtifactType[] | null, first?: number, after?: string | null }} [query]
   * @returns {Promise<ArtifactPage>}
   */
  async findArtifacts(query = {}) {
    const { by = "all", text = "", name = null, types = null, first = 20, after = null } = query;
    const page = { types: types?.length ? types : null, first, after };
    const [operation, field, variables] = {
      all: ["Artifacts", "artifacts", page],
      regex: ["SearchArtifacts", "searchArtifacts", { ...page, regex: text }],
      name: ["ArtifactsByName", "artifactsByName", { ...page, name: text }],
      version: ["ArtifactsByVersion", "artifactsByVersion", { ...page, query: text, name: name || null }],
    }[by];
    return pageOf((await this.request(operation, variables))[field]);
  }

  /**
   * An artifact (one version) with its files, rating, lineage and version history (newest first); null when it
   * does not exist. @returns {Promise<ModelPage|null>}
   */
  async modelPage(artifactId, depth = 3) {
    let artifact;
    try {
      artifact = (await this.request("ModelPage", { id: artifactId, depth })).artifact;
    } catch (error) {
      // A model without a stored rating (an uploaded package) fails only its `rating` field: show the rest.
      const ratingOnly = error instanceof RegistryError && error.data?.artifact
        && error.errors.every((e) => e.path?.join(".") === "artifact.rating");
      if (!ratingOnly) throw error;
      artifact = { ...error.data.artifact, rating: null };
    }
    return artifact && { ...artifact, versions: pageOf(artifact.versions) };
  }

  /** @param {{ part?: PackagePart | null, withDependencies?: boolean }} [options] @returns {Promise<CostEntry[]>} */
  async cost(artifactId, options = {}) {
    const variables = { artifactId, part: options.part ?? null, withDependencies: options.withDependencies ?? false };
    return (await this.request("Cost", variables)).cost;
  }

  /** @returns {Promise<LicenseCheck>} */
  async licenseCheck(artifactId, githubUrl) {
    return (await this.request("LicenseCheck", { artifactId, githubUrl })).licenseCheck;
  }

  /** @returns {Promise<AuditEntry[]>} */
  async auditTrail(artifactId) {
    return (await this.request("AuditTrail", { artifactId })).auditTrail;
  }

  /** A model's sensitivity and monitor program (upload permission). @returns {Promise<ArtifactMonitor>} */
  async monitor(artifactId) {
    return (await this.request("ArtifactMonitor", { id: artifactId })).artifact;
  }

  /**
   * Who downloaded an artifact, when, and whether it was allowed (admins and its uploader), oldest first.
   * @param {{ first?: number, after?: string | null }} [page]
   * @returns {Promise<Page>} nodes: DownloadRecord
   */
  async downloadHistory(artifactId, page = {}) {
    const { first = 20, after = null } = page;
    return pageOf((await this.request("DownloadHistory", { artifactId, first, after })).downloadHistory);
  }

  /** Refused ingests and uploads of new artifacts (admins). @returns {Promise<Page>} nodes: AuditEntry */
  async refusals(page = {}) {
    const { first = 20, after = null } = page;
    return pageOf((await this.request("Refusals", { first, after })).refusals);
  }

  /** Artifacts suspected of package confusion, most suspicious first (admins). @returns {Promise<ConfusionFinding[]>} */
  async confusionAudit(threshold = 0.5) {
    return (await this.request("PackageConfusionAudit", { threshold })).packageConfusionAudit;
  }

  /** @returns {Promise<User[]>} */
  async users() {
    return (await this.request("Users")).users;
  }

  /** Public, sent without the token: a dashboard refreshing every few seconds would use it up. @returns {Promise<Health>} */
  async health(windowMinutes = 60) {
    return (await this.request("Health", { windowMinutes }, false)).health;
  }

  /** The newest log entries (admins only). @returns {Promise<LogEntry[]>} */
  async recentLogs(limit = 50) {
    return (await this.request("RecentLogs", { limit })).health.recentLogs;
  }

  /** The gate policy in force: what each metric must reach for a model to get in. */
  async gatePolicy() {
    return (await this.request("GatePolicy")).gatePolicy;
  }

  /**
   * Change the gate policy (admins). Stored ratings are not rewritten.
   * @param {{thresholds: {metric: string, threshold: number}[], netScoreGated: boolean, netScoreThreshold: number}} input
   */
  async updateGatePolicy(input) {
    return (await this.#mutate("UpdateGatePolicy", "updateGatePolicy", { input })).policy;
  }

  /** The running or last performance workload (admins only); null before the first. */
  async performanceWorkload() {
    return (await this.request("PerformanceWorkload")).performanceWorkload;
  }

  /** Start the performance workload (admins; one run at a time). @param {{models?: number, clients?: number}} input */
  async startPerformanceWorkload(input) {
    return (await this.#mutate("StartPerformanceWorkload", "startPerformanceWorkload", { input })).run;
  }

  /** Rate a model without registering it. @returns {Promise<RatingPreview>} */
  async previewRating(input) {
    return (await this.request("PreviewRating", { input })).previewRating;
  }

  // ---- mutations ----------------------------------------------------------------------------------------------

  /**
   * Ingest by URL. A model the gate refuses throws DISQUALIFIED with `details.failures` and the full rating in
   * `error.payload.rating`.
   * @param {IngestInput} input
   * @returns {Promise<{ artifact: Artifact, rating: Rating | null }>}
   */
  async ingest(input) {
    return this.#mutate("IngestArtifact", "ingestArtifact", { input });
  }

  async deleteArtifact(artifactId) {
    return (await this.#mutate("DeleteArtifact", "deleteArtifact", { input: { artifactId } })).deletedId;
  }

  /** Gather fresh evidence and store a new rating. @returns {Promise<Rating>} */
  async rate(artifactId) {
    return (await this.#mutate("RateArtifact", "rateArtifact", { input: { artifactId } })).rating;
  }

  /**
   * @param {string | null} [version] the model's version (default: its card's, else the next patch)
   * @returns {Promise<UploadTicket>}
   */
  async requestUpload(name, size, version = null) {
    return (await this.#mutate("RequestUpload", "requestUpload", { input: { name, size, version } })).ticket;
  }

  /** @returns {Promise<Artifact>} */
  async finalizeUpload(uploadId, sha256) {
    return (await this.#mutate("FinalizeUpload", "finalizeUpload", { input: { uploadId, sha256 } })).artifact;
  }

  /**
   * A download link: this registry's signed URL (no token needed: hand it to the browser as it is; the download,
   * and a sensitive model's monitor, happen when it is fetched) or S3's presigned URL. Both expire (`expiresAt`).
   * @param {PackagePart} [part]
   * @returns {Promise<DownloadLink>}
   */
  async requestDownload(artifactId, part = "FULL") {
    return (await this.#mutate("RequestDownload", "requestDownload", { input: { artifactId, part } })).download;
  }

  /**
   * `requestDownload`, waiting while the registry copies an ingested artifact's files in the background
   * (MIRROR_PENDING): it asks again after the server's `retry_after_seconds`, telling `onPending` each time, for at
   * most `maxWaitSeconds` (then the MIRROR_PENDING error is thrown).
   * @param {PackagePart} [part]
   * @param {{ onPending?: (seconds: number) => void, maxWaitSeconds?: number,
   *   sleep?: (seconds: number) => Promise<void> }} [options]
   * @returns {Promise<DownloadLink>}
   */
  async requestDownloadWhenReady(artifactId, part = "FULL", options = {}) {
    const { onPending = () => {}, maxWaitSeconds = 600, sleep = (s) => new Promise((r) => setTimeout(r, s * 1000)) }
      = options;
    let waited = 0;
    for (;;) {
      try {
        return await this.requestDownload(artifactId, part);
      } catch (error) {
        const seconds = Number(error.details?.retry_after_seconds ?? 5);
        const pending = error instanceof RegistryError && error.code === "MIRROR_PENDING";
        if (!pending || waited + seconds > maxWaitSeconds) throw error;
        onPending(seconds);
        await sleep(seconds);
        waited += seconds;
      }
    }
  }

  /** Mark a model sensitive (its downloads run its monitor first) or not. */
  async setSensitive(artifactId, sensitive) {
    return (await this.#mutate("SetSensitive", "setSensitive", { input: { artifactId, sensitive } })).artifact;
  }

  /** Attach or replace a model's monitor program. @returns {Promise<Monitor>} */
  async putMonitor(artifactId, program) {
    return (await this.#mutate("PutMonitor", "putMonitor", { input: { artifactId, program } })).monitor;
  }

  async removeMonitor(artifactId) {
    return (await this.#mutate("RemoveMonitor", "removeMonitor", { input: { artifactId } })).deletedId;
  }

  /**
   * Change a password: one's own (with the current one), or another user's as an admin. The server ends every
   * session of that user, so after changing one's own the client signs in again with the new password.
   * @param {{ newPassword: string, currentPassword?: string | null, username?: string | null }} input
   * @returns {Promise<User>}
   */
  async changePassword(input) {
    const own = !input.username || input.username === this.session?.username;
    const user = (await this.#mutate("ChangePassword", "changePassword", { input: { username: null,
      currentPassword: null, ...input } })).user;
    if (own && this.credentials) await this.login(user.username, input.newPassword);
    else if (own) this.logout();
    return user;
  }

  /** @param {{ username: string, password: string, permissions: Permission[] }} input @returns {Promise<User>} */
  async registerUser(input) {
    return (await this.#mutate("RegisterUser", "registerUser", { input })).user;
  }

  async deleteUser(username) {
    return (await this.#mutate("DeleteUser", "deleteUser", { input: { username } })).deletedId;
  }

  /** Empty the registry but for the default admin (admins only). */
  async reset() {
    return (await this.#mutate("ResetRegistry", "resetRegistry")).ok;
  }

  // ---- packages -----------------------------------------------------------------------------------------------

  /**
   * Upload a zip: hash it, ask for a ticket, send the bytes (progress reported as fractions), register it.
   * @param {Blob | Uint8Array} zip
   * @param {{ name: string, version?: string | null, onProgress?: (fraction: number) => void,
   *   onStage?: (stage: string) => void }} options
   * @returns {Promise<Artifact>}
   */
  async upload(zip, options) {
    const stage = options.onStage ?? (() => {});
    const size = zip instanceof Uint8Array ? zip.byteLength : zip.size;
    stage("hashing");
    const digest = await sha256Hex(zip);
    stage("requesting");
    const ticket = await this.requestUpload(options.name, size, options.version ?? null);
    stage("sending");
    await sendToTicket(ticket, zip, options.onProgress ?? (() => {}));
    stage("registering");
    return this.finalizeUpload(ticket.uploadId, digest);
  }

  // ---- internals ----------------------------------------------------------------------------------------------

  /** Run a mutation; the payload's `errors` become a RegistryError carrying the whole payload. */
  async #mutate(name, field, variables = {}, authenticated = true) {
    const payload = (await this.request(name, variables, authenticated))[field];
    if (payload.errors?.length) {
      const [first] = payload.errors;
      throw new RegistryError(first.code, first.message, { details: first.details, payload, errors: payload.errors });
    }
    return payload;
  }

  /** Renew an old token before the call, and retry once after AUTHENTICATION_FAILED when renewal is possible. */
  async #renewingOnce(attempt, authenticated) {
    if (authenticated && this.credentials && this.#expiring()) await this.#renew();
    try {
      return await attempt();
    } catch (error) {
      if (!(authenticated && this.credentials && error instanceof RegistryError
        && error.code === "AUTHENTICATION_FAILED")) throw error;
      await this.#renew();
      return attempt();
    }
  }

  #expiring() {
    const session = this.session;
    if (!session) return true;
    // A margin of a few uses and a minute: the server counts every request, and clocks drift.
    return session.uses >= this.maxUses - 5 || this.now() - session.issuedAt >= this.ttlMs - 60_000;
  }

  async #renew() {
    const { username, password } = /** @type {{ username: string, password: string }} */ (this.credentials);
    await this.login(username, password);
  }

  /** fetch with the token (counting the use); network failures become NETWORK_ERROR. */
  async #send(url, init, authenticated) {
    const headers = { ...(init.headers ?? {}) };
    const session = this.session;
    if (authenticated && session) {
      headers["X-Authorization"] = `bearer ${session.token}`;
      this.sessions.save({ ...session, uses: session.uses + 1 });
    }
    try {
      return await this.fetch(url, { ...init, headers });
    } catch (error) {
      throw new RegistryError("NETWORK_ERROR", `the registry could not be reached (${error.message})`);
    }
  }
}

/** A connection as the UI pages it. @returns {Page} */
function pageOf(connection) {
  return { nodes: connection.edges.map((e) => e.node), hasNextPage: connection.pageInfo.hasNextPage,
    endCursor: connection.pageInfo.endCursor };
}

async function readJson(response) {
  try {
    return await response.json();
  } catch {
    return null;
  }
}

/** A non-2xx HTTP answer: the server's own code when its body has one. */
function httpError(response, body) {
  const code = body?.code ?? (response.status === 413 ? "TOO_LARGE" : "HTTP_ERROR");
  const message = body?.detail ?? body?.message ?? `the registry answered HTTP ${response.status}`;
  return new RegistryError(code, typeof message === "string" ? message : JSON.stringify(message),
    { status: response.status, details: body?.details ?? null });
}
