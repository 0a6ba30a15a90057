import { RegistryError } from "./errors.js";

// Moving package bytes: the sha256 the server verifies, and sending a zip to an upload ticket with progress.
// In the browser XMLHttpRequest reports upload progress (fetch cannot); in Node fetch sends the bytes and the
// progress callback hears 0 and 1.

/**
 * Hex sha256 of a Blob or bytes, with SubtleCrypto (the browser's and Node's): the whole file is read into
 * memory, since SubtleCrypto has no incremental digest.
 * @param {Blob | Uint8Array} data
 */
export async function sha256Hex(data) {
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(await data.arrayBuffer());
  const digest = await globalThis.crypto.subtle.digest("SHA-256", bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Send the zip where the ticket says: a presigned S3 POST (form fields, then the file) on AWS, or a PUT of the
 * raw bytes to this server on the embedded store.
 * @param {{ url: string, method: string, fields: Record<string, string>, headers: Record<string, string> }} ticket
 * @param {Blob | Uint8Array} data
 * @param {(fraction: number) => void} onProgress
 */
export async function sendToTicket(ticket, data, onProgress) {
  const method = ticket.method.toUpperCase();
  const body = method === "POST" ? presignedForm(ticket.fields, data) : data;
  const headers = method === "POST" ? {} : { ...(ticket.headers ?? {}) };
  onProgress(0);
  let status;
  try {
    status = typeof XMLHttpRequest === "function"
      ? await sendWithXhr(method, ticket.url, headers, body, onProgress)
      : (await fetch(ticket.url, { method, headers, body })).status;
  } catch (error) {
    throw new RegistryError("NETWORK_ERROR", `the upload could not be sent (${error.message})`);
  }
  if (status < 200 || status >= 300) {
    const code = status === 413 ? "TOO_LARGE" : "UPLOAD_FAILED";
    throw new RegistryError(code, `the package store refused the upload (HTTP ${status})`, { status });
  }
  onProgress(1);
}

function presignedForm(fields, data) {
  const form = new FormData();
  for (const [key, value] of Object.entries(fields ?? {})) form.append(key, value);
  form.append("file", data instanceof Blob ? data : new Blob([data], { type: "application/zip" }));
  return form;
}

/** @returns {Promise<number>} the HTTP status */
function sendWithXhr(method, url, headers, body, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, url);
    for (const [key, value] of Object.entries(headers)) xhr.setRequestHeader(key, value);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) onProgress(event.loaded / event.total);
    };
    xhr.onload = () => resolve(xhr.status);
    xhr.onerror = () => reject(new TypeError("the upload connection failed"));
    xhr.send(body);
  });
}
