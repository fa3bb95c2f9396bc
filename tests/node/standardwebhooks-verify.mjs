// Verifies Standard Webhooks signatures with the official npm verifier (standardwebhooks, pinned in the lockfile).
// Usage: node standardwebhooks-verify.mjs <cases.json>; the file is [{secret, headers, body}, …]. Prints one JSON array
// of {ok, error} in the same order; exits 0 whatever the verdicts (the caller asserts on them).
import { readFileSync } from "node:fs";
import { Webhook } from "standardwebhooks";

const cases = JSON.parse(readFileSync(process.argv[2], "utf8"));
const verdicts = cases.map(({ secret, headers, body }) => {
  try {
    new Webhook(secret).verify(body, headers);
    return { ok: true };
  } catch (e) {
    return { ok: false, error: String(e?.message ?? e) };
  }
});
console.log(JSON.stringify(verdicts));
