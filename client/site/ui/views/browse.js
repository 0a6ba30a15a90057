import { announce, formatBytes, formatDate, h } from "../dom.js";
import { field, heading, notice, runBusy, status, table } from "./common.js";

const MODES = [["all", "All artifacts"], ["name", "Exact name"], ["regex", "Regular expression (name or README)"],
  ["version", "Version range"]];
const TYPES = [["MODEL", "Models"], ["DATASET", "Datasets"], ["CODE", "Code"]];
const PAGE_SIZE = 20;

function searchHash(values) {
  const query = new URLSearchParams(Object.entries(values).filter(([, v]) => v));
  return `#/?${query}`;
}

export function render(context) {
  const { params } = context;
  const by = params.get("by") ?? "all";
  const types = (params.get("types") ?? "").split(",").filter(Boolean);
  const errorNotice = notice();
  const resultStatus = status();
  const results = h("div", { class: "results" });

  const mode = h("select", { id: "search-by", name: "by" },
    MODES.map(([value, label]) => h("option", { value, selected: value === by }, label)));
  const text = h("input", { id: "search-text", name: "q", value: params.get("q") ?? "" });
  const name = h("input", { id: "search-name", name: "name", value: params.get("name") ?? "" });
  const typeBoxes = h("fieldset", { class: "inline" }, h("legend", {}, "Types"),
    TYPES.map(([value, label]) => h("label", {}, h("input", { type: "checkbox", name: "types", value,
      checked: types.includes(value) }), ` ${label}`)));
  const form = h("form", { id: "search-form", class: "card", role: "search" },
    field("Search by", mode),
    field("Search for", text, "A name, an RE2 regular expression such as (?i)bert, or a version such as "
      + "1.2.3, 1.2.3-2.1.0, ~1.2.0 or ^1.2.0."),
    field("Only this name (version search)", name),
    typeBoxes, h("button", { type: "submit" }, "Search"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const chosen = [...form.querySelectorAll("input[name=types]:checked")].map((box) => box.value);
    context.navigate(searchHash({ by: mode.value, q: text.value, name: mode.value === "version" ? name.value : "",
      types: chosen.join(",") }));
  });

  const after = params.get("after");
  const previous = (params.get("prev") ?? "").split(",").filter(Boolean);
  runBusy(results, errorNotice, context, async () => {
    resultStatus.textContent = "Searching…";
    if (by !== "all" && !params.get("q")) {
      resultStatus.textContent = "Type something to search for.";
      return;
    }
    const page = await context.registry.findArtifacts({ by, text: params.get("q") ?? "", name: params.get("name"),
      types, first: PAGE_SIZE, after });
    if (!context.isCurrent()) return;
    const pageNumber = previous.length + 1;
    const summary = page.nodes.length
      ? `${page.nodes.length} artifact${page.nodes.length === 1 ? "" : "s"} on page ${pageNumber}.`
      : "No artifacts match.";
    resultStatus.textContent = summary;
    announce(summary);
    results.replaceChildren(page.nodes.length ? artifactTable(page.nodes, pageNumber) : "",
      pager(params, page, after, previous));
  });
  return { title: "Browse artifacts", content: [heading("Browse and search artifacts"), form, errorNotice,
    resultStatus, results] };
}

function artifactTable(artifacts, pageNumber) {
  return table(`Artifacts, page ${pageNumber}`, ["Name", "Type", "Version", "Size", "Added"],
    artifacts.map((a) => h("tr", {},
      h("th", { scope: "row" }, h("a", { href: `#/artifact/${encodeURIComponent(a.artifactId)}` }, a.name)),
      h("td", {}, a.type.toLowerCase()), h("td", {}, a.version), h("td", {}, formatBytes(a.sizeBytes)),
      h("td", {}, formatDate(a.createdAt)))));
}

/** Previous/next links: the cursors of earlier pages travel in the URL, so Back and reload both work. */
function pager(params, page, after, previous) {
  const base = Object.fromEntries(params);
  const links = [];
  if (after) {
    const back = previous.slice(0, -1);
    links.push(h("a", { class: "button secondary", href: searchHash({ ...base,
      after: previous.at(-1) === "start" ? "" : previous.at(-1), prev: back.join(",") }) }, "Previous page"));
  }
  if (page.hasNextPage && page.endCursor) {
    links.push(h("a", { class: "button", href: searchHash({ ...base, after: page.endCursor,
      prev: [...previous, after ?? "start"].join(",") }) }, "Next page"));
  }
  return links.length ? h("nav", { class: "pager", "aria-label": "Result pages" }, links) : "";
}
