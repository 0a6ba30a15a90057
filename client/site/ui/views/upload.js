import { announce, formatBytes, h, keepDraft } from "../dom.js";
import { field, heading, notice, onSubmit, status } from "./common.js";

const STAGES = { hashing: "Computing the file's sha256…", requesting: "Asking the registry where to send it…",
  sending: "Sending the package…", registering: "Checking the package and registering the model…" };

// SubtleCrypto hashes a file only whole and in memory; larger packages go through the Node client or the API.
const BROWSER_HASH_LIMIT = 2 * 1024 ** 3;

export function render(context) {
  const errorNotice = notice();
  const result = status();
  const name = h("input", { id: "upload-name", name: "name", required: true });
  const version = h("input", { id: "upload-version", name: "version", placeholder: "1.0.0", autocomplete: "off" });
  const file = h("input", { id: "upload-file", name: "file", type: "file", accept: ".zip,application/zip",
    required: true });
  const bar = h("progress", { id: "upload-progress", max: 100, value: 0 });
  const percent = h("span", { id: "upload-percent" }, "0%");
  const progress = h("div", { class: "progress", hidden: true },
    h("label", { for: "upload-progress" }, "Upload progress"), bar, percent);
  const form = keepDraft(h("form", { id: "upload-form", class: "card" },
    field("Model name", name),
    field("Version (optional)", version, "A semantic version such as 1.2.0. Empty: the version the package's card "
      + "(or config.json) gives, else the next patch after the name's newest version (1.0.0 for a new name)."),
    field("Package (zip)", file, "A zip laid out like a Hugging Face repository: README.md, config.json, weights."),
    h("button", { type: "submit" }, "Upload")));
  onSubmit(form, errorNotice, context, async () => {
    const chosen = file.files?.[0];
    if (!chosen) return;
    if (chosen.size > BROWSER_HASH_LIMIT) {
      throw Object.assign(new Error(`This file is ${formatBytes(chosen.size)}: the browser can hash at most `
        + `${formatBytes(BROWSER_HASH_LIMIT)}. Use the registry's API for larger packages.`), { code: "TOO_LARGE" });
    }
    progress.hidden = false;
    const artifact = await context.registry.upload(chosen, {
      name: name.value.trim(),
      version: version.value.trim() || null,
      onStage: (stage) => { result.textContent = STAGES[stage]; },
      onProgress: (fraction) => {
        const value = Math.round(fraction * 100);
        bar.value = value;
        percent.textContent = `${value}%`;
      },
    });
    result.replaceChildren(`${artifact.name} ${artifact.version} was uploaded and registered. `,
      h("a", { href: `#/artifact/${encodeURIComponent(artifact.artifactId)}` }, "Open its page"));
    announce(`${artifact.name} ${artifact.version} was uploaded and registered.`);
  });
  return { title: "Upload", content: [heading("Upload a company model"), form, progress, result, errorNotice] };
}
