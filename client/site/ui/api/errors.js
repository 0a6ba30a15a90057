// The one error type the client throws; `code` is what callers switch on.

/** An expected failure: `code` says which (the list is in client.js); `details` and `payload` carry the rest. */
export class RegistryError extends Error {
  /**
   * @param {string} code
   * @param {string} message
   * @param {{ details?: any, payload?: any, status?: number, data?: any,
   *   errors?: { code: string, message: string, path?: (string | number)[] | null }[] }} [extra]
   */
  constructor(code, message, extra = {}) {
    super(message);
    this.name = "RegistryError";
    this.code = code;
    this.details = extra.details ?? null;
    /** The whole mutation payload (an ingest refused by the gate still carries its `rating`). */
    this.payload = extra.payload ?? null;
    this.status = extra.status ?? null;
    /** A query's partial data, when some fields resolved before others failed. */
    this.data = extra.data ?? null;
    this.errors = extra.errors ?? [{ code, message }];
  }
}
