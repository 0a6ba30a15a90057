// Small DOM helpers: element building (text is always set as text, never parsed as HTML), announcements for
// screen readers, drafts that keep what the user typed across re-renders, and a confirmation dialog.

/**
 * Build an element. Attributes starting with "on" are event listeners; `null`/`false` attributes are skipped.
 * @param {string} tag
 * @param {Record<string, any>} [attributes]
 * @param {...any} children strings, nodes, arrays of them, or null
 * @returns {HTMLElement}
 */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  setAttributes(element, attributes);
  append(element, children);
  return element;
}

const SVG_NS = "http://www.w3.org/2000/svg";

/** Build an SVG element (same conventions as h). */
export function svg(tag, attributes = {}, ...children) {
  const element = document.createElementNS(SVG_NS, tag);
  setAttributes(element, attributes);
  append(element, children);
  return element;
}

function setAttributes(element, attributes) {
  for (const [key, value] of Object.entries(attributes ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") element.addEventListener(key.slice(2), value);
    else if (key === "value" || key === "checked") element[key] = value;
    else element.setAttribute(key, value === true ? "" : String(value));
  }
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
}

/** Say something to screen-reader users (the page's polite live region). */
export function announce(message) {
  const region = document.getElementById("announcer");
  if (!region) return;
  region.textContent = "";
  // A fresh text node after a tick: repeated identical messages are still read.
  setTimeout(() => { region.textContent = message; }, 50);
}

/** What the user typed, per form, kept in memory for the whole visit (never the password). */
const drafts = new Map();

/**
 * Keep a form's fields across re-renders and failed submissions: restore the saved values now, save on input.
 * @param {HTMLFormElement} form a form with an id
 */
export function keepDraft(form) {
  const saved = drafts.get(form.id) ?? {};
  for (const field of form.elements) {
    if (!field.name || field.type === "password" || field.type === "file" || !(field.name in saved)) continue;
    if (field.type === "checkbox") field.checked = saved[field.name].includes(field.value);
    else field.value = saved[field.name];
  }
  form.addEventListener("input", () => drafts.set(form.id, snapshot(form)));
  form.addEventListener("change", () => drafts.set(form.id, snapshot(form)));
  return form;
}

function snapshot(form) {
  const values = {};
  for (const field of form.elements) {
    if (!field.name || field.type === "password" || field.type === "file") continue;
    if (field.type === "checkbox") {
      values[field.name] = values[field.name] ?? [];
      if (field.checked) values[field.name].push(field.value);
    } else {
      values[field.name] = field.value;
    }
  }
  return values;
}

/**
 * Ask before something that cannot be undone; resolves true when confirmed. Uses a modal <dialog>: focus
 * moves into it, Escape cancels, and focus returns to the button that opened it.
 */
export function confirmAction(title, message, confirmLabel) {
  return new Promise((resolve) => {
    const opener = document.activeElement;
    const dialog = h("dialog", { "aria-labelledby": "confirm-title", "aria-describedby": "confirm-message" },
      h("h2", { id: "confirm-title" }, title),
      h("p", { id: "confirm-message" }, message),
      h("div", { class: "actions" },
        h("button", { type: "button", class: "secondary", value: "cancel", autofocus: true,
          onclick: () => dialog.close("cancel") }, "Cancel"),
        h("button", { type: "button", class: "danger", onclick: () => dialog.close("confirm") }, confirmLabel)));
    dialog.addEventListener("close", () => {
      dialog.remove();
      if (opener instanceof HTMLElement) opener.focus();
      resolve(dialog.returnValue === "confirm");
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

/** A form's field values as an object (checkbox groups as arrays). */
export function formValues(form) {
  return snapshot(form);
}

export function formatDate(value) {
  return value ? new Date(value).toLocaleString() : "";
}

export function formatBytes(bytes) {
  if (!Number.isFinite(bytes)) return "";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let size = bytes;
  let unit = 0;
  while (size >= 1000 && unit < units.length - 1) {
    size /= 1000;
    unit += 1;
  }
  return `${size.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}
