import { announce, confirmAction, formatDate, h, keepDraft } from "../dom.js";
import { field, heading, notice, onSubmit, runBusy, status, table } from "./common.js";

const PERMISSIONS = [["SEARCH", "Search and read"], ["DOWNLOAD", "Download"], ["UPLOAD", "Upload and ingest"],
  ["ADMIN", "Administer"]];

export function render(context) {
  if (!context.me?.isAdmin) {
    return { title: "Admin", content: [heading("Admin"),
      h("p", {}, "Only administrators can manage users, read audit trails and reset the registry.")] };
  }
  return { title: "Admin", content: [heading("Administration"), usersSection(context), passwordSection(context),
    policySection(context), auditSection(context), refusalsSection(context), confusionSection(context),
    resetSection(context)] };
}

function usersSection(context) {
  const errorNotice = notice();
  const list = h("div", {}, h("p", { role: "status" }, "Loading users…"));
  const refresh = () => runBusy(list, errorNotice, context, async () => {
    const users = await context.registry.users();
    list.replaceChildren(table("Users", ["Username", "Permissions", "Created", "Actions"], users.map((user) =>
      h("tr", {}, h("th", { scope: "row" }, user.username),
        h("td", {}, user.permissions.map((p) => p.toLowerCase()).join(", ")),
        h("td", {}, formatDate(user.createdAt)),
        h("td", {}, h("button", { type: "button", class: "danger small", "aria-label": `Delete user ${user.username}`,
          onclick: (event) => deleteUser(event.currentTarget, user.username) }, "Delete"))))));
  });
  const deleteUser = (button, username) => runBusy(button, errorNotice, context, async () => {
    if (!await confirmAction("Delete this user?", `${username} will no longer be able to sign in.`,
      `Delete ${username}`)) return;
    await context.registry.deleteUser(username);
    announce(`Deleted user ${username}.`);
    await refresh();
  });
  refresh();

  const registerNotice = notice();
  const registered = status();
  const username = h("input", { id: "user-name", name: "username", required: true, autocomplete: "off" });
  const password = h("input", { id: "user-password", name: "password", type: "password", required: true,
    autocomplete: "new-password" });
  const form = keepDraft(h("form", { id: "register-form", class: "card" },
    field("Username", username), field("Password", password),
    h("fieldset", { class: "inline" }, h("legend", {}, "Permissions"),
      PERMISSIONS.map(([value, label]) => h("label", {}, h("input", { type: "checkbox", name: "permissions", value,
        checked: value === "SEARCH" }), ` ${label}`))),
    h("button", { type: "submit" }, "Register the user")));
  onSubmit(form, registerNotice, context, async () => {
    const permissions = [...form.querySelectorAll("input[name=permissions]:checked")].map((box) => box.value);
    const user = await context.registry.registerUser({ username: username.value.trim(), password: password.value,
      permissions });
    registered.textContent = `Registered ${user.username}.`;
    password.value = "";
    await refresh();
  });
  return h("section", { "aria-labelledby": "users-heading" }, h("h2", { id: "users-heading" }, "Users"),
    errorNotice, list, h("h3", {}, "Register a user"), form, registerNotice, registered);
}

function passwordSection(context) {
  const errorNotice = notice();
  const result = status();
  const username = h("input", { id: "reset-user", name: "username", required: true, autocomplete: "off" });
  const password = h("input", { id: "reset-password", name: "newPassword", type: "password", required: true,
    autocomplete: "new-password" });
  const form = onSubmit(h("form", { id: "admin-password-form", class: "card" },
    field("User", username), field("New password", password, "At least 12 characters, hard to guess. Every "
      + "session of that user ends."),
    h("button", { type: "submit" }, "Change the password")), errorNotice, context, async () => {
    const user = await context.registry.changePassword({ username: username.value.trim(),
      newPassword: password.value });
    password.value = "";
    result.textContent = `Changed the password of ${user.username}.`;
  });
  return h("section", { "aria-labelledby": "admin-password-heading" },
    h("h2", { id: "admin-password-heading" }, "Change a user's password"), form, errorNotice, result);
}

function policySection(context) {
  const errorNotice = notice();
  const result = status();
  const rows = h("tbody", {});
  const gated = h("input", { id: "policy-net-gated", type: "checkbox", name: "netScoreGated" });
  const netThreshold = thresholdInput("policy-net", "netScoreThreshold");
  const summary = h("p", {}, "Loading the policy…");
  const form = onSubmit(h("form", { id: "policy-form", class: "card" },
    h("table", { class: "data" }, h("caption", {}, "Least score each metric needs (0 never refuses)"),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Metric"), h("th", { scope: "col" }, "Threshold"))),
      rows),
    h("div", { class: "field" }, h("label", {}, gated, " Gate the net score too")),
    field("Net score threshold", netThreshold),
    h("button", { type: "submit" }, "Save the policy")), errorNotice, context, async () => {
    const thresholds = [...rows.querySelectorAll("input")].map((input) => ({ metric: input.name,
      threshold: Number(input.value) }));
    const policy = await context.registry.updateGatePolicy({ thresholds, netScoreGated: gated.checked,
      netScoreThreshold: Number(netThreshold.value) });
    show(policy);
    result.textContent = "The gate policy was saved. Stored ratings are unchanged; the next ingest follows it.";
  });
  const show = (policy) => {
    rows.replaceChildren(...policy.thresholds.map(({ metric, threshold }) => {
      const input = thresholdInput(`policy-${metric}`, metric);
      input.value = String(threshold);
      return h("tr", {}, h("th", { scope: "row" }, h("label", { for: input.id }, metric.replaceAll("_", " "))),
        h("td", {}, input));
    }));
    gated.checked = policy.netScoreGated;
    netThreshold.value = String(policy.netScoreThreshold);
    summary.textContent = policy.updatedBy
      ? `Last changed by ${policy.updatedBy} on ${formatDate(policy.updatedAt)}.`
      : "The default rule: every applicable metric and the net score at least 0.5.";
  };
  runBusy(form, errorNotice, context, async () => show(await context.registry.gatePolicy()));
  return h("section", { "aria-labelledby": "policy-heading" }, h("h2", { id: "policy-heading" }, "Gate policy"),
    h("p", {}, "The rule that decides which models get in. Every change is audited."), summary, form,
    errorNotice, result);
}

function thresholdInput(id, name) {
  return h("input", { id, name, type: "number", min: "0", max: "1", step: "0.05", required: true });
}

function refusalsSection(context) {
  const errorNotice = notice();
  const body = h("tbody", {});
  const more = h("button", { type: "button", class: "secondary", hidden: true }, "Show more refusals");
  let after = null;
  const load = () => runBusy(more, errorNotice, context, async () => {
    const found = await context.registry.refusals({ first: 20, after });
    body.append(...found.nodes.map((e) => h("tr", {}, h("td", {}, formatDate(e.at)),
      h("th", { scope: "row" }, e.artifactName), h("td", {}, e.username), h("td", {}, e.detail ?? ""))));
    after = found.endCursor;
    more.hidden = !found.hasNextPage;
  });
  more.addEventListener("click", load);
  load();
  return h("section", { "aria-labelledby": "refusals-heading" }, h("h2", { id: "refusals-heading" }, "Refused ingests"),
    h("p", {}, "Models and uploads the rating gate or the content scan refused, oldest first."),
    h("table", { class: "data" }, h("caption", {}, "Refused ingests and uploads"),
      h("thead", {}, h("tr", {}, ["When", "What", "Who", "Why"].map((label) => h("th", { scope: "col" }, label)))),
      body), more, errorNotice);
}

function confusionSection(context) {
  const errorNotice = notice();
  const output = h("div", { "aria-live": "polite" });
  const threshold = h("input", { id: "confusion-threshold", name: "threshold", type: "number", min: 0, max: 1,
    step: 0.05, value: "0.5", required: true });
  const form = onSubmit(h("form", { id: "confusion-form", class: "card" },
    field("Threshold", threshold, "Report artifacts scoring at least this (0 to 1)."),
    h("button", { type: "submit" }, "Run the package confusion audit")), errorNotice, context, async () => {
    const findings = await context.registry.confusionAudit(Number(threshold.value));
    output.replaceChildren(findings.length ? table("Suspected package confusion",
      ["Artifact", "Imitates", "Score", "Signals"], findings.map((f) => h("tr", {},
        h("th", { scope: "row" }, h("a", { href: `#/artifact/${encodeURIComponent(f.artifactId)}` }, f.artifactName)),
        h("td", {}, h("a", { href: `#/artifact/${encodeURIComponent(f.imitatesId)}` }, f.imitatesName)),
        h("td", {}, f.score.toFixed(2)),
        h("td", {}, h("ul", {}, f.signals.map((s) => h("li", {}, `${s.kind} (${s.value.toFixed(2)}): ${s.detail}`)))))))
      : h("p", {}, "No artifact reaches this threshold."));
  });
  return h("section", { "aria-labelledby": "confusion-heading" },
    h("h2", { id: "confusion-heading" }, "Package confusion audit"),
    h("p", {}, "Artifacts whose names imitate a more popular artifact's, with their popularity and download traffic."),
    form, errorNotice, output);
}

function auditSection(context) {
  const errorNotice = notice();
  const output = h("div", { "aria-live": "polite" });
  const artifactId = h("input", { id: "audit-id", name: "artifactId", required: true,
    value: context.params.get("audit") ?? "" });
  const form = onSubmit(h("form", { id: "audit-form", class: "card" }, field("Artifact id", artifactId),
    h("button", { type: "submit" }, "Show the audit trail")), errorNotice, context, async () => {
    const entries = await context.registry.auditTrail(artifactId.value.trim());
    output.replaceChildren(entries.length ? table(`Audit trail of ${artifactId.value.trim()}`,
      ["When", "Who", "Action", "Artifact", "Detail"], entries.map((e) => h("tr", {}, h("td", {}, formatDate(e.at)),
        h("td", {}, e.username, e.isAdmin ? " (admin)" : ""), h("td", {}, e.action.toLowerCase().replace("_", " ")),
        h("td", {}, `${e.artifactName} (${e.artifactType.toLowerCase()})`), h("td", {}, e.detail ?? ""))))
      : h("p", {}, "Nothing has been recorded for this artifact."));
  });
  if (artifactId.value) queueMicrotask(() => form.requestSubmit());
  return h("section", { "aria-labelledby": "audit-heading" }, h("h2", { id: "audit-heading" }, "Audit trail"),
    form, errorNotice, output);
}

function resetSection(context) {
  const errorNotice = notice();
  const result = status();
  const button = h("button", { type: "button", class: "danger" }, "Reset the registry…");
  button.addEventListener("click", () => runBusy(button, errorNotice, context, async () => {
    const confirmed = await confirmAction("Reset the registry?",
      "Every artifact, rating, package and user is deleted; only the default administrator remains. "
      + "This cannot be undone.", "Reset everything");
    if (!confirmed) return;
    await context.registry.reset();
    result.textContent = "The registry was reset.";
  }));
  return h("section", { "aria-labelledby": "reset-heading" }, h("h2", { id: "reset-heading" }, "Reset"),
    h("p", {}, "Return the registry to its initial state."), button, result, errorNotice);
}
