// Interop probe with the official @azure/data-tables SDK, driven by the .NET interop tests.
// Usage:
//   node tables-interop.mjs <connectionString> <table> write <partitionKey> <rowKey>
//     The SDK writes the fixed entities below under <partitionKey>: ALL_TYPES at <rowKey> and SPECIALS at
//     <rowKey>-specials. Prints [{partitionKey, rowKey, etag}] for what it wrote.
//   node tables-interop.mjs <connectionString> <table> read '<JSON [[partitionKey, rowKey], ...]>'
//     The SDK reads each entity with disableTypeConversion and prints [{partitionKey, rowKey, etag,
//     timestamp, properties: {name: {type, value}}}] (null for a missing entity); every value is a string.
// Exit code 0 on success; on failure prints the error to stderr and exits 1.
import { TableClient } from "@azure/data-tables";

const [connectionString, tableName, mode, ...rest] = process.argv.slice(2);

// Every EDM type, written the ways a JS caller writes them: primitives the SDK infers, and {value, type}.
const ALL_TYPES = {
  Text: "plain ascii",
  TextUnicode: "Zürich – 東京 – ñ – 🚀",
  TextEmpty: "",
  TextLooksNumeric: "42",
  Flag: true,
  FlagFalse: false,
  Int32: 42,
  Int32Min: { value: "-2147483648", type: "Int32" },
  Int64Small: { value: "5", type: "Int64" },
  Int64Big: { value: "9007199254740993", type: "Int64" },
  Int64Min: { value: "-9223372036854775808", type: "Int64" },
  Int64Max: { value: "9223372036854775807", type: "Int64" },
  Double: 1.5,
  DoubleTyped: { value: 0.1, type: "Double" },
  DoubleWhole: { value: "5", type: "Double" },
  DoubleNegative: { value: -2.5e-10, type: "Double" },
  DateJs: new Date("2024-02-29T12:34:56.789Z"),
  DateTicks: { value: "2024-02-29T12:34:56.1234567Z", type: "DateTime" },
  Id: { value: "6f9619ff-8b86-d011-b42d-00cf4fc964ff", type: "Guid" },
  Bytes: new Uint8Array([0, 1, 2, 253, 254, 255]),
  BytesEmpty: new Uint8Array([]),
};

// Doubles JSON cannot carry as numbers: the SDK passes them as annotated strings.
const SPECIALS = {
  NotANumber: { value: "NaN", type: "Double" },
  PositiveInfinity: { value: "Infinity", type: "Double" },
  NegativeInfinity: { value: "-Infinity", type: "Double" },
};

const client = () => TableClient.fromConnectionString(connectionString, tableName, { allowInsecureConnection: true });

async function write(partitionKey, rowKey) {
  const table = client();
  const written = [];
  for (const [key, properties] of [[rowKey, ALL_TYPES], [`${rowKey}-specials`, SPECIALS]]) {
    const response = await table.createEntity({ partitionKey, rowKey: key, ...properties });
    written.push({ partitionKey, rowKey: key, etag: response.etag });
  }
  return written;
}

async function read(keys) {
  const table = client();
  const entities = [];
  for (const [partitionKey, rowKey] of keys) {
    try {
      const entity = await table.getEntity(partitionKey, rowKey, { disableTypeConversion: true });
      entities.push(describe(entity));
    } catch (error) {
      if (error.statusCode !== 404) throw error;
      entities.push(null);
    }
  }
  return entities;
}

// With disableTypeConversion the SDK hands every property over as {value, type}: annotated ones as the
// service tagged them, untagged JSON values as the SDK infers them (a number that is a safe integer is Int32).
function describe(entity) {
  const { partitionKey, rowKey, etag, timestamp, ...properties } = entity;
  const typed = {};
  for (const [name, property] of Object.entries(properties)) {
    if (name.startsWith("odata.")) continue; // response metadata the SDK passes through, not a property
    if (property === null || typeof property !== "object" || !("type" in property)) {
      throw new Error(`Property ${name} came back untyped: ${JSON.stringify(property)}`);
    }
    typed[name] = { type: property.type, value: String(property.value) };
  }
  return { partitionKey, rowKey, etag, timestamp: typeof timestamp === "object" ? timestamp?.value : timestamp, properties: typed };
}

try {
  let result;
  if (mode === "write" && rest.length === 2) {
    result = await write(rest[0], rest[1]);
  } else if (mode === "read" && rest.length === 1) {
    result = await read(JSON.parse(rest[0]));
  } else {
    throw new Error("usage: tables-interop.mjs <connectionString> <table> write <partitionKey> <rowKey> | read '<[[pk, rk], ...]>'");
  }
  console.log(JSON.stringify(result));
} catch (error) {
  console.error(error?.stack ?? String(error));
  process.exit(1);
}
