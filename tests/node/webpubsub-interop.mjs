// Interop probe with the official @azure/web-pubsub package, driven by the .NET Web PubSub interop tests.
// Usage:
//   node webpubsub-interop.mjs token <connectionString> <hub> <userId> '<JSON roles>' '<JSON groups>'
//     Prints {token, baseUrl, url} from WebPubSubServiceClient.getClientAccessToken.
//   node webpubsub-interop.mjs send-to-group <connectionString> <hub> <group> '<JSON message>'
//     Sends the message (as JSON) to the group through the REST API; the endpoint is a loopback recording server.
// Exit code 0 on success; on failure prints the error to stderr and exits 1.
import { WebPubSubServiceClient } from "@azure/web-pubsub";

const [mode, connectionString, hub, ...rest] = process.argv.slice(2);
const client = new WebPubSubServiceClient(connectionString, hub, { allowInsecureConnection: true, retryOptions: { maxRetries: 0 } });

try {
  if (mode === "token") {
    const [userId, roles, groups] = rest;
    const { token, baseUrl, url } = await client.getClientAccessToken({ userId, roles: JSON.parse(roles), groups: JSON.parse(groups) });
    console.log(JSON.stringify({ token, baseUrl, url }));
  } else if (mode === "send-to-group") {
    const [group, message] = rest;
    await client.group(group).sendToAll(JSON.parse(message));
    console.log(JSON.stringify({ sent: true }));
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
} catch (error) {
  console.error(error?.stack ?? String(error));
  process.exit(1);
}
