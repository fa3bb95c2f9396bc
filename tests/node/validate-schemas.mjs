// Validates host.json and every <Function>/function.json in a folder against the saved SchemaStore schemas,
// with draft-07 semantics (see azure-platform-notes.md §8: strict draft-04 mis-handles `const`).
// Usage: node validate-schemas.mjs <schemasDir> <appDir>. Prints one JSON report; exit 1 on any error.
import Ajv from "ajv";
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { join } from "node:path";

const [schemasDir, appDir] = process.argv.slice(2);
const load = (p) => JSON.parse(readFileSync(p, "utf8"));
const compile = (file) => {
  const schema = load(join(schemasDir, file));
  delete schema.$schema;
  // Draft-04 names the root identifier `id`; draft-07 calls it `$id` (only the root one is an identifier here).
  if (typeof schema.id === "string") { schema.$id = schema.id; delete schema.id; }
  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
  return ajv.compile(schema);
};
const validateFunction = compile("function.schema.json");
const validateHost = compile("host.schema.json");

const report = { host: null, functions: {} };
let failed = false;
const check = (validate, path) => {
  const ok = validate(load(path));
  if (!ok) failed = true;
  return ok ? "valid" : validate.errors;
};
report.host = check(validateHost, join(appDir, "host.json"));
for (const entry of readdirSync(appDir, { withFileTypes: true })) {
  const file = join(appDir, entry.name, "function.json");
  if (entry.isDirectory() && existsSync(file)) report.functions[entry.name] = check(validateFunction, file);
}
console.log(JSON.stringify(report));
process.exit(failed ? 1 : 0);
