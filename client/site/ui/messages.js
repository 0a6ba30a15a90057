// Errors in words a user understands: what happened and what to do, from the error's code. The server's own
// message is added when it says something specific (it never holds a stack trace: the server masks faults).

const BY_CODE = {
  INVALID_INPUT: "Something in the form is not valid.",
  AUTHENTICATION_FAILED: "Your sign-in has expired or the username or password is wrong. Please sign in again.",
  PERMISSION_DENIED: "Your account is not allowed to do this. Ask an administrator for the permission.",
  NOT_FOUND: "That item does not exist (it may have been deleted).",
  CONFLICT: "That already exists.",
  TOO_LARGE: "That is too large for the registry.",
  DISQUALIFIED: "The model did not pass the registry's quality gate, so it was not added.",
  UPSTREAM_ERROR: "Hugging Face or GitHub could not be reached. Please try again in a minute.",
  UNSAFE_CONTENT: "The package contains files the registry refuses for safety (for example unsafe pickles).",
  STORE_UNAVAILABLE: "The registry's storage is busy. Please try again in a few seconds.",
  RANGE_NOT_SATISFIABLE: "The requested part of the file does not exist.",
  MONITOR_REJECTED: "This sensitive model's monitor program refused the download.",
  LINK_INVALID: "The download link is not valid. Ask for a new one.",
  LINK_EXPIRED: "The download link has expired. Ask for a new one.",
  MIRROR_PENDING: "The registry is still copying this artifact's files. Please try again in a little while.",
  NETWORK_ERROR: "The registry could not be reached. Check your connection and try again.",
  UPLOAD_FAILED: "The package could not be sent. Please try again.",
  HTTP_ERROR: "The registry answered with an error. Please try again.",
  GRAPHQL_ERROR: "The registry could not answer this request.",
};

const GENERIC = "Something went wrong. Please try again.";

/**
 * The sentence to show for an error: the code's explanation, then the server's message when it is specific.
 * @param {any} error a RegistryError (or anything thrown)
 */
export function describeError(error) {
  const general = BY_CODE[error?.code] ?? GENERIC;
  const specific = typeof error?.message === "string" && error.code && error.code !== "NETWORK_ERROR"
    && !/^unexpected error/i.test(error.message) ? error.message : "";
  return specific ? `${general} Details: ${sentence(specific)}` : general;
}

function sentence(text) {
  const trimmed = text.trim().slice(0, 400);
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}
