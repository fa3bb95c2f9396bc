// Interop with the npm MCP SDK: connects to /api/mcp over Streamable HTTP with a bearer header, lists the tools (and
// checks each input schema is a valid JSON Schema 2020-12 object schema with ajv), creates a task and lists it.
// Usage: node mcp-interop.mjs <mcpUrl> <bearer>. Prints one JSON report; exit 1 on any failure.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import Ajv2020 from "ajv/dist/2020.js";

const [url, bearer] = process.argv.slice(2);
const report = { tools: [], invalidSchemas: {}, created: null, listed: [], error: null };
const client = new Client({ name: "mcp-interop", version: "1.0.0" });
const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${bearer}` } } });
const text = (result) => {
  if (result.isError) throw new Error("tool failed: " + result.content?.[0]?.text);
  return JSON.parse(result.content[0].text);
};
try {
  await client.connect(transport);
  const { tools } = await client.listTools();
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  for (const tool of tools) {
    report.tools.push(tool.name);
    const schema = tool.inputSchema;
    if (schema?.type !== "object" || !ajv.validateSchema(schema)) {
      report.invalidSchemas[tool.name] = ajv.errors ?? "not an object schema";
      continue;
    }
    try { ajv.compile(schema); } catch (e) { report.invalidSchemas[tool.name] = String(e); }
  }
  report.created = text(await client.callTool({ name: "task_create", arguments: { type: "interop", title: "from node", payload: { from: "npm" } } }));
  const listed = text(await client.callTool({ name: "task_list", arguments: { type: "interop" } }));
  report.listed = listed.items.map((t) => t.taskId);
} catch (e) {
  report.error = String(e?.stack ?? e);
} finally {
  await client.close().catch(() => {});
}
console.log(JSON.stringify(report));
process.exit(report.error || Object.keys(report.invalidSchemas).length > 0 ? 1 : 0);
