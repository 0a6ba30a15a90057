import { timelineView, workloadView } from "../charts.js";
import { formatBytes, formatDate, h } from "../dom.js";
import { field, heading, notice, onSubmit, runBusy, status, table } from "./common.js";

const REFRESH_SECONDS = 10;

export function render(context) {
  const errorNotice = notice();
  const body = h("div", {}, h("p", { role: "status" }, "Loading health…"));
  const updated = h("p", { class: "hint" });
  const auto = h("input", { type: "checkbox", id: "health-auto", checked: true });
  // WCAG 2.2.2: content that updates on its own can be paused.
  const toggle = h("div", { class: "field" }, h("label", {}, auto, ` Refresh every ${REFRESH_SECONDS} seconds`));

  const load = () => runBusy(body, errorNotice, context, async () => {
    const [health, logs] = await Promise.all([context.registry.health(60),
      context.me?.isAdmin ? context.registry.recentLogs(50) : null]);
    if (!context.isCurrent()) return;
    const numbersOpen = body.querySelector("details")?.open ?? false;
    body.replaceChildren(...sections(health, logs));
    body.querySelector("details")?.toggleAttribute("open", numbersOpen);
    updated.textContent = `Last updated ${formatDate(health.checkedAt)}.`;
  });
  const tick = () => {
    if (!context.isCurrent()) return;
    if (auto.checked) load();
    setTimeout(tick, REFRESH_SECONDS * 1000);
  };
  load();
  setTimeout(tick, REFRESH_SECONDS * 1000);
  const content = [heading("System health"), toggle, updated, errorNotice, body];
  return { title: "Dashboard", content: context.me?.isAdmin ? [...content, workloadSection(context)] : content };
}

const POLL_SECONDS = 2;
const RUNNING = new Set(["SEEDING", "PREPARING", "DOWNLOADING"]);
const PHASES = { SEEDING: "Registering models", PREPARING: "Preparing Tiny-LLM", DOWNLOADING: "Downloading",
  DONE: "Finished", FAILED: "Failed" };

/** Admins start the course's workload (N models, then M clients downloading Tiny-LLM at once) and watch it. */
function workloadSection(context) {
  const errorNotice = notice();
  const progress = status();
  const results = h("div", {});
  const models = h("input", { id: "workload-models", type: "number", min: "0", max: "1000", value: "500",
    required: true });
  const clients = h("input", { id: "workload-clients", type: "number", min: "1", max: "200", value: "100",
    required: true });
  const show = (run) => {
    if (!run) {
      progress.textContent = "The workload has not run yet.";
      return;
    }
    const size = run.packageBytes ? ` (package ${formatBytes(run.packageBytes)})` : "";
    progress.textContent = `${PHASES[run.phase]}: ${run.done} of ${run.total}${size}; ${run.models} models, `
      + `${run.clients} clients, ${run.backend} backend, started by ${run.startedBy} ${formatDate(run.startedAt)}.`
      + (run.error ? ` ${run.error}` : "");
    results.replaceChildren(...(run.results ? [workloadView(run.results)] : []));
  };
  const poll = async () => {
    const run = await context.registry.performanceWorkload();
    if (!context.isCurrent()) return;
    show(run);
    if (run && RUNNING.has(run.phase)) {
      setTimeout(() => poll().catch((error) => context.handleError(error, errorNotice)), POLL_SECONDS * 1000);
    }
  };
  const form = onSubmit(h("form", { class: "card", id: "workload-form" },
    field("Models in the registry besides Tiny-LLM", models, "Distinct models registered before the downloads."),
    field("Clients downloading Tiny-LLM at once", clients),
    h("button", { type: "submit" }, "Run the performance workload")), errorNotice, context, async () => {
    show(await context.registry.startPerformanceWorkload({ models: Number(models.value),
      clients: Number(clients.value) }));
    await poll();
  });
  poll().catch((error) => context.handleError(error, errorNotice));
  return h("section", { "aria-labelledby": "workload-heading" }, h("h2", { id: "workload-heading" },
    "Performance workload"), h("p", {}, "Measures throughput and the mean, median and p99 latency of many clients "
    + "downloading the Tiny-LLM model at once from this registry."), form, errorNotice, progress, results);
}

function sections(health, logs) {
  return [
    h("section", { "aria-labelledby": "status-heading" }, h("h2", { id: "status-heading" }, "Status"),
      h("p", { class: `health-status ${health.status}` }, `Overall: ${health.status}`),
      h("p", {}, `${health.requests} requests in the last ${health.windowMinutes} minutes: `
        + `${health.clientErrors} client errors, ${health.serverErrors} server errors.`),
      table("Components", ["Component", "Status", "Latency", "Detail", "Checked"], health.components.map((c) =>
        h("tr", {}, h("th", { scope: "row" }, c.displayName), h("td", { class: `health-status ${c.status}` }, c.status),
          h("td", {}, `${c.latencyMs.toFixed(0)} ms`), h("td", {}, c.detail || "—"),
          h("td", {}, formatDate(c.observedAt)))))),
    h("section", { "aria-labelledby": "traffic-heading" },
      h("h2", { id: "traffic-heading" }, "Requests and errors per minute"), timelineView(health.timeline)),
    h("section", { "aria-labelledby": "logs-heading" }, h("h2", { id: "logs-heading" }, "Recent log entries"),
      logs === null ? h("p", {}, "Sign in as an administrator to read the logs.")
        : logs.length === 0 ? h("p", {}, "No log entries yet.")
          : table("The newest log entries first", ["Time", "Level", "Event", "Message", "Request"],
            logs.map((entry) => h("tr", {}, h("td", {}, formatDate(entry.at)), h("td", {}, entry.level),
              h("td", {}, entry.event), h("td", {}, entry.message), h("td", {}, entry.requestId ?? ""))))),
  ];
}
