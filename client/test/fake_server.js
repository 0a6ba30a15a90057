// A fake fetch for the client's unit tests: answers GraphQL operations by name and records every request.

/**
 * @param {Record<string, (variables: any, headers: Record<string, string>) => any>} handlers
 *   operation name -> the JSON body to answer (or a Response to answer with as is)
 */
export function fakeFetch(handlers) {
  const calls = [];
  const fetch = async (url, init = {}) => {
    const headers = init.headers ?? {};
    const call = { url, method: init.method ?? "GET", headers, body: init.body };
    if (typeof init.body === "string") {
      const { operationName, variables, query } = JSON.parse(init.body);
      Object.assign(call, { operationName, variables, query });
    }
    calls.push(call);
    const handler = handlers[call.operationName ?? url];
    if (!handler) throw new TypeError(`fetch failed: nothing answers ${call.operationName ?? url}`);
    const answer = await handler(call.variables, headers, call);
    return answer instanceof Response ? answer : Response.json(answer);
  };
  return { fetch, calls };
}

/** Authenticate answered with tokens t1, t2, ... (one per login). */
export function tokens() {
  let issued = 0;
  return () => ({ data: { authenticate: { token: `t${++issued}`, errors: [] } } });
}
