// Pieces every page uses: its heading, labelled fields, an error notice, and form submission that never
// loses what the user typed and never submits twice.

import { h } from "../dom.js";

/** The page's h1; focusable so navigation can move focus to it. */
export function heading(text) {
  return h("h1", { tabindex: "-1" }, text);
}

/**
 * A labelled input (or select/textarea) with an optional hint tied to it by aria-describedby.
 * @param {string} label
 * @param {HTMLElement} control must have an id
 * @param {string} [hint]
 */
export function field(label, control, hint) {
  const hintId = hint ? `${control.id}-hint` : null;
  if (hintId) control.setAttribute("aria-describedby", hintId);
  return h("div", { class: "field" }, h("label", { for: control.id }, label),
    hint ? h("p", { class: "hint", id: hintId }, hint) : null, control);
}

/** An error notice: empty and hidden until an error is shown in it (role=alert: read out when filled). */
export function notice() {
  return h("div", { class: "notice error", role: "alert", hidden: true });
}

/** A polite status line for results of async work. */
export function status() {
  return h("p", { class: "status", role: "status", "aria-live": "polite" });
}

/**
 * Run `work` on submit: one at a time (the button is marked busy, not disabled, so focus stays on it), with
 * errors shown in `errorNotice` and the form's fields left as the user typed them.
 * @param {HTMLFormElement} form
 * @param {HTMLElement} errorNotice
 * @param {any} context the page's context (its handleError)
 * @param {(submitter: HTMLElement | null) => Promise<void>} work
 */
export function onSubmit(form, errorNotice, context, work) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    await runBusy(form, errorNotice, context, () => work(event.submitter));
  });
  return form;
}

/** Run async work for a form or button: busy while it runs, errors into the notice. */
export async function runBusy(element, errorNotice, context, work) {
  if (element.getAttribute("aria-busy") === "true") return;
  element.setAttribute("aria-busy", "true");
  errorNotice.hidden = true;
  errorNotice.textContent = "";
  try {
    await work();
  } catch (error) {
    context.handleError(error, errorNotice);
  } finally {
    element.removeAttribute("aria-busy");
  }
}

export function table(caption, headers, rows) {
  return h("table", { class: "data" }, h("caption", {}, caption),
    h("thead", {}, h("tr", {}, headers.map((label) => h("th", { scope: "col" }, label)))),
    h("tbody", {}, rows));
}
