// Validates recorded HTTP responses against the served OpenAPI 3.1 document with JSON Schema 2020-12 (ajv).
// Usage: node validate-openapi.mjs <openapi.json> <responses.json>
// responses.json: [{ "method", "path", "status", "contentType", "body" }] (body: parsed JSON, or null).
// Prints one JSON report { failures: [...], coverage: { operationId: { success, problem } } }; exit 1 on any failure.
import Ajv2020 from "ajv/dist/2020.js";
import { readFileSync } from "node:fs";

const [documentPath, responsesPath] = process.argv.slice(2);
const doc = JSON.parse(readFileSync(documentPath, "utf8"));
const responses = JSON.parse(readFileSync(responsesPath, "utf8"));

// The components become one schema resource, and every reference points into it.
const rebase = (node) => JSON.parse(JSON.stringify(node).replaceAll('"#/components/schemas/', '"https://coordination.invalid/openapi.json#/$defs/'));
const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
ajv.addSchema({ $id: "https://coordination.invalid/openapi.json", $defs: rebase(doc.components.schemas) });
const compiled = new Map();
const validatorFor = (key, schema) => {
  if (!compiled.has(key)) compiled.set(key, ajv.compile(rebase(schema)));
  return compiled.get(key);
};

// Literal segments outrank parameters, so /tasks/stats matches its own path rather than /tasks/{taskId}.
const templates = Object.keys(doc.paths).map((template) => ({
  template,
  regex: new RegExp("^" + template.replace(/\{[^}]+\}/g, "[^/]+") + "$"),
  parameters: (template.match(/\{/g) || []).length,
})).sort((a, b) => a.parameters - b.parameters);

const coverage = {};
for (const item of Object.values(doc.paths)) {
  for (const operation of Object.values(item)) coverage[operation.operationId] = { success: 0, problem: 0 };
}
const failures = [];
for (const response of responses) {
  const where = `${response.method} ${response.path} → ${response.status}`;
  const path = response.path.split("?")[0];
  const match = templates.find((t) => t.regex.test(path) && doc.paths[t.template][response.method.toLowerCase()]);
  if (!match) { failures.push({ where, error: "no operation in the document matches this method and path" }); continue; }
  const operation = doc.paths[match.template][response.method.toLowerCase()];
  const declared = operation.responses[String(response.status)];
  if (!declared) { failures.push({ where, operation: operation.operationId, error: `status ${response.status} is not declared (declared: ${Object.keys(operation.responses).join(", ")})` }); continue; }
  const mediaType = (response.contentType || "").split(";")[0].trim();
  const isProblem = mediaType === "application/problem+json";
  coverage[operation.operationId][isProblem ? "problem" : "success"]++;
  if (!declared.content) {
    if (response.body !== null) failures.push({ where, operation: operation.operationId, error: "the document declares no body but one was answered" });
    continue;
  }
  const content = declared.content[mediaType];
  if (!content) { failures.push({ where, operation: operation.operationId, error: `media type '${mediaType}' is not declared (declared: ${Object.keys(declared.content).join(", ")})` }); continue; }
  if (!content.schema) continue;
  const validate = validatorFor(`${operation.operationId} ${response.status} ${mediaType}`, content.schema);
  if (!validate(response.body)) {
    failures.push({ where, operation: operation.operationId, errors: validate.errors.map((e) => `${e.instancePath || "/"} ${e.message}${e.params && Object.keys(e.params).length ? " " + JSON.stringify(e.params) : ""}`) });
  }
}
console.log(JSON.stringify({ failures, coverage }));
process.exit(failures.length > 0 ? 1 : 0);
