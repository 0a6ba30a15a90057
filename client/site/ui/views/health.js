import { timelineView } from "../charts.js";
import { formatDate, h } from "../dom.js";
import { heading, notice, runBusy, table } from "./common.js";

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
  return { title: "Dashboard", content: [heading("System health"), toggle, updated, errorNotice, body] };
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
