import { lineageView, ratingView } from "../charts.js";
import { announce, formatBytes, formatDate, h } from "../dom.js";
import { field, heading, notice, onSubmit, runBusy, status, table } from "./common.js";

const PARTS = [["FULL", "Full package"], ["WEIGHTS", "Weights only"], ["CARD", "Model card and config"]];

export function render(context) {
  const errorNotice = notice();
  const body = h("div", {}, h("p", { role: "status" }, "Loading the artifact…"));
  const title = heading("Artifact");
  runBusy(body, errorNotice, context, async () => {
    const page = await context.registry.modelPage(context.arg);
    if (!context.isCurrent()) return;
    if (!page) {
      title.textContent = "Artifact not found";
      body.replaceChildren(h("p", {}, "No artifact has this id. ", h("a", { href: "#/" }, "Browse the registry"), "."));
      return;
    }
    title.textContent = page.name;
    document.title = `${page.name} · Trustworthy Model Registry`;
    body.replaceChildren(...details(page, context));
  });
  return { title: "Artifact", content: [title, errorNotice, body] };
}

function details(page, context) {
  const sections = [
    h("dl", { class: "facts" },
      h("dt", {}, "Type"), h("dd", {}, page.type.toLowerCase()),
      h("dt", {}, "Version"), h("dd", {}, page.version),
      h("dt", {}, "Source"), h("dd", {}, /^https:\/\//.test(page.sourceUrl ?? "") ? h("a", { href: page.sourceUrl, rel: "noopener noreferrer" },
        page.sourceUrl) : "uploaded package"),
      h("dt", {}, "Size"), h("dd", {}, formatBytes(page.sizeBytes)),
      h("dt", {}, "Added"), h("dd", {}, `${formatDate(page.createdAt)} by ${page.createdBy}`)),
    ratingSection(page, context),
    h("section", { "aria-labelledby": "lineage-heading" }, h("h2", { id: "lineage-heading" }, "Lineage"),
      lineageView(page.lineage)),
    costSection(page, context),
  ];
  if (page.type === "MODEL") sections.push(licenseSection(page, context));
  sections.push(downloadSection(page, context), filesSection(page));
  if (context.me?.isAdmin) {
    sections.push(h("p", {}, h("a", { href: `#/admin?audit=${encodeURIComponent(page.artifactId)}` },
      "See who did what to this artifact (audit trail)")));
  }
  return sections;
}

function ratingSection(page, context) {
  const section = h("section", { "aria-labelledby": "rating-heading" }, h("h2", { id: "rating-heading" }, "Rating"));
  if (page.type !== "MODEL") {
    section.append(h("p", {}, "Ratings are computed for models only."));
    return section;
  }
  const holder = h("div", {}, page.rating ? ratingView(page.rating, "model")
    : h("p", {}, "No rating is stored (uploaded packages have no hub evidence to rate)."));
  const errorNotice = notice();
  const result = status();
  const button = h("button", { type: "button", class: "secondary" }, "Re-rate with fresh evidence");
  button.addEventListener("click", () => runBusy(button, errorNotice, context, async () => {
    result.textContent = "Gathering fresh evidence… this can take a little while.";
    const rating = await context.registry.rate(page.artifactId);
    holder.replaceChildren(ratingView(rating, "model"));
    result.textContent = `Re-rated: net score ${rating.netScore.toFixed(2)}.`;
  }));
  section.append(h("div", { class: "actions" }, button), result, errorNotice, holder);
  return section;
}

function partSelect(id) {
  return h("select", { id, name: "part" }, PARTS.map(([value, label]) => h("option", { value }, label)));
}

function costSection(page, context) {
  const errorNotice = notice();
  const output = h("div", { "aria-live": "polite" });
  const part = partSelect("cost-part");
  const withDependencies = h("input", { type: "checkbox", id: "cost-deps", name: "withDependencies", value: "yes",
    checked: true });
  const form = onSubmit(h("form", { id: "cost-form", class: "card" },
    field("Part", part),
    h("div", { class: "field" }, h("label", {}, withDependencies, " Include dependencies")),
    h("button", { type: "submit" }, "Show size")), errorNotice, context, async () => {
    const entries = await context.registry.cost(page.artifactId, { part: part.value,
      withDependencies: withDependencies.checked });
    output.replaceChildren(table("Download size in MB", ["Artifact", "Alone", "With dependencies", "Note"],
      entries.map((e) => h("tr", {}, h("th", { scope: "row" }, e.name, e.external ? " (external)" : ""),
        h("td", {}, `${e.standaloneMb.toFixed(1)} MB`), h("td", {}, `${e.totalMb.toFixed(1)} MB`),
        h("td", {}, e.note ?? "")))));
  });
  return h("section", { "aria-labelledby": "cost-heading" }, h("h2", { id: "cost-heading" }, "Size cost"),
    form, errorNotice, output);
}

function licenseSection(page, context) {
  const errorNotice = notice();
  const output = h("p", { role: "status" });
  const url = h("input", { id: "license-url", name: "githubUrl", type: "url", required: true,
    placeholder: "https://github.com/owner/repository" });
  const form = onSubmit(h("form", { id: "license-form", class: "card" },
    field("GitHub repository", url, "May code from this repository fine-tune the model and serve its outputs?"),
    h("button", { type: "submit" }, "Check the licenses")), errorNotice, context, async () => {
    const check = await context.registry.licenseCheck(page.artifactId, url.value.trim());
    output.textContent = `${check.compatible ? "Compatible" : "Not compatible"}: ${check.reason} (model: `
      + `${check.modelLicense ?? "unknown"}, repository: ${check.repoLicense ?? "unknown"})`;
  });
  return h("section", { "aria-labelledby": "license-heading" }, h("h2", { id: "license-heading" }, "License check"),
    form, errorNotice, output);
}

function downloadSection(page, context) {
  const errorNotice = notice();
  const output = status();
  const part = partSelect("download-part");
  const form = onSubmit(h("form", { id: "download-form", class: "card" }, field("Part", part),
    h("button", { type: "submit" }, "Download")), errorNotice, context, async () => {
    output.textContent = "Preparing the download…";
    const link = await context.registry.requestDownload(page.artifactId, part.value);
    await saveDownload(context.registry, link);
    output.textContent = `Downloaded ${link.filename} (${formatBytes(link.size)}, sha256 ${link.sha256.slice(0, 12)}…).`;
    announce(output.textContent);
  });
  return h("section", { "aria-labelledby": "download-heading" }, h("h2", { id: "download-heading" }, "Download"),
    form, errorNotice, output);
}

/** Presigned links are opened directly; this server's links need the token, so the bytes are fetched first. */
async function saveDownload(registry, link) {
  let href = link.url;
  if (registry.isOwnUrl(link.url)) {
    const blob = await (await registry.fetchDownload(link)).blob();
    href = URL.createObjectURL(blob);
  }
  const anchor = h("a", { href, download: link.filename, hidden: true });
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  if (href !== link.url) setTimeout(() => URL.revokeObjectURL(href), 60_000);
}

function filesSection(page) {
  return h("section", { "aria-labelledby": "files-heading" }, h("h2", { id: "files-heading" }, "Files"),
    h("details", {}, h("summary", {}, `${page.files.length} file${page.files.length === 1 ? "" : "s"}`),
      h("ul", { class: "files" }, page.files.map((f) => h("li", {}, `${f.path} (${formatBytes(f.size)})`)))),
    page.readme ? h("details", {}, h("summary", {}, "README"), h("pre", { class: "readme" }, page.readme)) : null);
}
