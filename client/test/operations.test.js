// The client's contract: every GraphQL document it sends is valid against the repository's schema.graphql.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { buildSchema, parse, validate } from "graphql";

import { OPERATIONS } from "../site/ui/api/operations.js";

const schema = buildSchema(readFileSync(new URL("../../schema.graphql", import.meta.url), "utf8"));

/** @returns {string[]} the validation errors of one document (empty when valid) */
function problems(name) {
  const document = parse(OPERATIONS[name]);
  const [operation] = document.definitions.filter((d) => d.kind === "OperationDefinition");
  assert.equal(operation.name?.value, name, "each document's operation is named after its key");
  return validate(schema, document).map((e) => e.message);
}

for (const name of Object.keys(OPERATIONS)) {
  test(`${name} is valid against schema.graphql`, () => assert.deepEqual(problems(name), []));
}
