import { ratingView } from "../charts.js";
import { announce, h, keepDraft } from "../dom.js";
import { describeError } from "../messages.js";
import { field, heading, notice, onSubmit } from "./common.js";

const TYPES = [["MODEL", "Model (Hugging Face)"], ["DATASET", "Dataset (Hugging Face)"], ["CODE", "Code (GitHub)"]];

export function render(context) {
  const errorNotice = notice();
  const result = h("div", { class: "result", "aria-live": "polite" });
  const type = h("select", { id: "ingest-type", name: "type" },
    TYPES.map(([value, label]) => h("option", { value }, label)));
  const url = h("input", { id: "ingest-url", name: "url", type: "url", required: true,
    placeholder: "https://huggingface.co/owner/model" });
  const name = h("input", { id: "ingest-name", name: "name" });
  const codeUrl = h("input", { id: "ingest-code", name: "codeUrl", type: "url",
    placeholder: "https://github.com/owner/repository" });
  const datasets = h("textarea", { id: "ingest-datasets", name: "datasetUrls", rows: 2 });
  const preview = h("button", { type: "submit", class: "secondary", value: "preview" }, "Preview the rating");
  const form = keepDraft(h("form", { id: "ingest-form", class: "card" },
    field("Type", type), field("URL", url),
    field("Name (optional)", name, "Defaults to the repository's name."),
    field("Code repository (optional, models)", codeUrl, "Adds a GitHub link the model card lacks."),
    field("Training datasets (optional, models)", datasets, "Hugging Face dataset URLs, one per line."),
    h("div", { class: "actions" }, h("button", { type: "submit", value: "ingest" }, "Ingest"), preview)));
  onSubmit(form, errorNotice, context, async (submitter) => {
    const links = { codeUrl: codeUrl.value.trim() || null,
      datasetUrls: datasets.value.split(/\s+/).filter(Boolean) };
    const models = type.value === "MODEL";
    result.replaceChildren(h("p", { role: "status" }, "Reading the repository and rating it…"));
    if (submitter?.value === "preview") {
      const previewed = await context.registry.previewRating({ url: url.value.trim(),
        ...(models ? links : { codeUrl: null, datasetUrls: [] }) });
      result.replaceChildren(verdict(previewed.admitted, previewed.failures, previewed.rating));
      return;
    }
    try {
      const { artifact, rating } = await context.registry.ingest({ type: type.value, url: url.value.trim(),
        name: name.value.trim() || null, ...(models ? links : {}) });
      announce(`${artifact.name} was added to the registry.`);
      result.replaceChildren(h("p", { class: "notice success" }, `${artifact.name} was added. `,
        h("a", { href: `#/artifact/${encodeURIComponent(artifact.artifactId)}` }, "Open its page")),
      rating ? ratingView(rating, "ingest") : "");
    } catch (error) {
      if (error.code !== "DISQUALIFIED") {
        result.replaceChildren();
        throw error;
      }
      announce("The model was refused by the quality gate.");
      result.replaceChildren(h("p", { class: "notice error" }, describeError(error)),
        verdict(false, error.details?.failures ?? [], error.payload?.rating ?? null));
    }
  });
  return { title: "Ingest", content: [heading("Ingest by URL"),
    h("p", {}, "Models are rated first; only a model scoring at least 0.5 on every applicable metric is added."),
    form, errorNotice, result] };
}

/** The gate's verdict: each failing metric with its value and reason, then the full rating. */
function verdict(admitted, failures, rating) {
  return h("div", {},
    h("h2", {}, admitted ? "The model would pass the gate" : "Why the gate refuses this model"),
    failures.length ? h("ul", { class: "failures" }, failures.map((f) => h("li", {},
      h("strong", {}, f.metric), ` scored ${Number(f.value).toFixed(2)}: ${f.reason}`))) : null,
    rating ? ratingView(rating, "verdict") : null);
}
