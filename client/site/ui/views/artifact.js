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
      page.revision ? [h("dt", {}, "Revision"), h("dd", {}, h("code", { title: page.revision },
        page.revision.slice(0, 12)), " (the commit this version was read at)")] : null,
      h("dt", {}, "Size"), h("dd", {}, formatBytes(page.sizeBytes)),
      h("dt", {}, "Added"), h("dd", {}, `${formatDate(page.createdAt)} by ${page.createdBy}`)),
    versionsSection(page),
    ratingSection(page, context),
    h("section", { "aria-labelledby": "lineage-heading" }, h("h2", { id: "lineage-heading" }, "Lineage"),
      lineageView(page.lineage)),
    costSection(page, context),
  ];
  if (page.type === "MODEL") sections.push(licenseSection(page, context));
  sections.push(contentSection(page), downloadSection(page, context));
  if (page.type === "MODEL" && canUpload(context.me)) sections.push(sensitiveSection(page, context));
  if (context.me?.isAdmin || context.me?.username === page.createdBy) sections.push(historySection(page, context));
  sections.push(filesSection(page));
  if (context.me?.isAdmin) {
    sections.push(h("p", {}, h("a", { href: `#/admin?audit=${encodeURIComponent(page.artifactId)}` },
      "See who did what to this artifact (audit trail)")));
  }
  return sections;
}

/** The name's versions, newest first, each linking to its own page (this one marked as the current page). */
function versionsSection(page) {
  const history = page.versions.nodes;
  const newest = history[0];
  const rows = history.map((v) => {
    const here = v.artifactId === page.artifactId;
    const label = here ? h("span", {}, v.version, " (this version)")
      : h("a", { href: `#/artifact/${encodeURIComponent(v.artifactId)}` }, v.version);
    return h("tr", here ? { "aria-current": "page" } : {}, h("th", { scope: "row" }, label),
      h("td", {}, v.revision ? h("code", { title: v.revision }, v.revision.slice(0, 12)) : "—"),
      h("td", {}, formatDate(v.createdAt)));
  });
  const newer = newest && newest.artifactId !== page.artifactId ? h("p", { class: "hint", id: "newer-version" },
    "A newer version exists: ", h("a", { href: `#/artifact/${encodeURIComponent(newest.artifactId)}` },
      newest.version), ".") : null;
  const truncated = page.versions.hasNextPage ? h("p", { class: "hint" }, "Showing the newest 100 versions.") : null;
  return h("section", { "aria-labelledby": "versions-heading" }, h("h2", { id: "versions-heading" }, "Versions"),
    newer, table(`Versions of ${page.name}, newest first`, ["Version", "Revision", "Added"], rows), truncated);
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

function canUpload(me) {
  return Boolean(me?.isAdmin || me?.permissions?.includes("UPLOAD"));
}

const VERDICTS = {
  CLEAN: "Clean: no pickle in its files imports anything outside the scanner's safe list.",
  SUSPICIOUS: "Suspicious: accepted, but some pickles import code outside the scanner's safe list. Load them only "
    + "if you trust their source.",
  UNSAFE: "Unsafe: its pickles would run code when loaded. The registry refuses to store or serve it.",
};

function contentSection(page) {
  const section = h("section", { "aria-labelledby": "scan-heading" }, h("h2", { id: "scan-heading" }, "Content scan"));
  const scan = page.contentScan;
  if (!scan) {
    section.append(h("p", {}, "Not scanned yet: an ingested artifact's files are scanned when they are first "
      + "downloaded."));
    return section;
  }
  section.append(h("p", { id: "scan-verdict" }, VERDICTS[scan.verdict] ?? scan.verdict),
    h("p", { class: "hint" }, `${scan.scannedFiles.length} pickle file${scan.scannedFiles.length === 1 ? "" : "s"} `
      + `scanned by ${scan.scanner} on ${formatDate(scan.scannedAt)}.`));
  if (scan.findings.length) {
    section.append(table("Findings of the content scan", ["File", "Imports", "Severity", "Detail"],
      scan.findings.map((f) => h("tr", {}, h("th", { scope: "row" }, f.file), h("td", {}, f.globalName ?? "—"),
        h("td", {}, f.severity.toLowerCase()), h("td", {}, f.detail ?? "")))));
  }
  return section;
}

function downloadSection(page, context) {
  const errorNotice = notice();
  const output = status();
  const part = partSelect("download-part");
  const form = onSubmit(h("form", { id: "download-form", class: "card" }, field("Part", part),
    h("button", { type: "submit" }, "Download")), errorNotice, context, async () => {
    output.textContent = "Preparing the download…";
    const link = await context.registry.requestDownloadWhenReady(page.artifactId, part.value, {
      onPending: (seconds) => {
        output.textContent = `The registry is copying this artifact's files from its source; trying again in `
          + `${seconds} seconds…`;
      },
    });
    startDownload(link);
    output.textContent = `Download started: ${link.filename} (${formatBytes(link.size)}, sha256 `
      + `${link.sha256.slice(0, 12)}…).`;
    announce(output.textContent);
  });
  const sensitive = page.sensitive ? h("p", { class: "hint" }, "This model is sensitive: its monitor program checks "
    + "every download. If it refuses, your browser reports the download as failed.") : null;
  return h("section", { "aria-labelledby": "download-heading" }, h("h2", { id: "download-heading" }, "Download"),
    sensitive, form, errorNotice, output);
}

/** The link is signed (or presigned by S3) and needs no token: the browser fetches it itself, straight to disk. */
function startDownload(link) {
  const anchor = h("a", { href: link.url, download: link.filename, hidden: true });
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
}

function sensitiveSection(page, context) {
  const errorNotice = notice();
  const result = status();
  const flag = h("input", { type: "checkbox", id: "sensitive-flag", name: "sensitive", checked: page.sensitive });
  const program = h("textarea", { id: "monitor-program", name: "program", rows: 8, spellcheck: "false" });
  const current = h("p", { class: "hint", id: "monitor-current" }, "Loading the monitor…");
  const show = (state) => {
    flag.checked = state.sensitive;
    program.value = state.monitor?.program ?? "";
    current.textContent = state.monitor ? `Monitor ${state.monitor.sha256.slice(0, 12)}… attached by `
      + `${state.monitor.updatedBy} on ${formatDate(state.monitor.updatedAt)}.` : "No monitor is attached.";
  };
  runBusy(current, errorNotice, context, async () => show(await context.registry.monitor(page.artifactId)));
  flag.addEventListener("change", () => runBusy(flag, errorNotice, context, async () => {
    const changed = await context.registry.setSensitive(page.artifactId, flag.checked);
    result.textContent = changed.sensitive ? "The model is now sensitive." : "The model is no longer sensitive.";
  }));
  const save = h("button", { type: "submit", name: "action", value: "save" }, "Save the monitor");
  const remove = h("button", { type: "submit", name: "action", value: "remove", class: "secondary" },
    "Remove the monitor");
  const form = onSubmit(h("form", { id: "monitor-form", class: "card" },
    field("Monitor program (JavaScript)", program, "Runs under Node.js 24 before each download as: node monitor.js "
      + "MODEL_NAME UPLOADER_USERNAME DOWNLOADER_USERNAME ZIP_FILE_PATH. Exit code 0 allows the download; anything "
      + "else refuses it and shows what the program printed."),
    h("div", { class: "actions" }, save, remove)), errorNotice, context, async (submitter) => {
    if (submitter?.value === "remove") {
      await context.registry.removeMonitor(page.artifactId);
      show({ sensitive: flag.checked, monitor: null });
      result.textContent = "The monitor was removed.";
    } else {
      show({ sensitive: flag.checked, monitor: await context.registry.putMonitor(page.artifactId, program.value) });
      result.textContent = "The monitor was saved.";
    }
  });
  return h("section", { "aria-labelledby": "sensitive-heading" },
    h("h2", { id: "sensitive-heading" }, "Sensitive model"),
    h("div", { class: "field" }, h("label", {}, flag, " Sensitive: run the monitor before every download")),
    current, form, result, errorNotice);
}

function historySection(page, context) {
  const errorNotice = notice();
  const body = h("tbody", {});
  const more = h("button", { type: "button", class: "secondary", hidden: true }, "Show more downloads");
  let after = null;
  const load = () => runBusy(more, errorNotice, context, async () => {
    const found = await context.registry.downloadHistory(page.artifactId, { first: 20, after });
    body.append(...found.nodes.map((d) => h("tr", {}, h("td", {}, formatDate(d.at)),
      h("th", { scope: "row" }, d.username), h("td", {}, d.part.toLowerCase()), h("td", {}, d.outcome),
      h("td", {}, d.stdout ? h("pre", { class: "output" }, d.stdout) : ""))));
    after = found.endCursor;
    more.hidden = !found.hasNextPage;
  });
  more.addEventListener("click", load);
  load();
  return h("section", { "aria-labelledby": "history-heading" }, h("h2", { id: "history-heading" }, "Download history"),
    h("table", { class: "data" }, h("caption", {}, "Who downloaded this artifact"),
      h("thead", {}, h("tr", {}, ["When", "Who", "Part", "Outcome", "Monitor output"].map((label) =>
        h("th", { scope: "col" }, label)))), body), more, errorNotice);
}

function filesSection(page) {
  return h("section", { "aria-labelledby": "files-heading" }, h("h2", { id: "files-heading" }, "Files"),
    h("details", {}, h("summary", {}, `${page.files.length} file${page.files.length === 1 ? "" : "s"}`),
      h("ul", { class: "files" }, page.files.map((f) => h("li", {}, `${f.path} (${formatBytes(f.size)})`)))),
    page.readme ? h("details", {}, h("summary", {}, "README"), h("pre", { class: "readme" }, page.readme)) : null);
}
