using System.Text.Json;

namespace Coordination.Core.Events;

/// <summary>A custom event to broadcast to the swarm's log.</summary>
/// <param name="Type">Event type: 1–128 of letters, digits and <c>_ . : -</c>; system namespaces (<c>swarm.</c>, <c>agent.</c>, …) are reserved.</param>
/// <param name="Data">Any JSON, up to the tenant's payload limit.</param>
/// <param name="Subject">What it is about (≤ 200 characters).</param>
/// <param name="Sender">Ignored: the sender is always the agent the token names.</param>
public sealed record BroadcastRequest(string Type, JsonElement? Data = null, string? Subject = null, string? Sender = null);

/// <summary>A broadcast accepted into the log; its sequence appears when it is read.</summary>
/// <param name="Id">Event id.</param>
/// <param name="Type">Event type.</param>
/// <param name="Actor">The sender, from the token.</param>
public sealed record BroadcastAccepted(string Id, string Type, string Actor);

/// <summary>An event published to a named topic.</summary>
/// <param name="Data">Any JSON, up to the tenant's payload limit.</param>
/// <param name="Subject">What it is about (≤ 200 characters).</param>
public sealed record PublishRequest(JsonElement? Data = null, string? Subject = null);

/// <summary>How a client follows the swarm live.</summary>
/// <param name="Transport"><c>webpubsub</c> (connect a WebSocket to <paramref name="Url"/>) or <c>sse</c> (no Web PubSub configured: stream <paramref name="Url"/>).</param>
/// <param name="Url">The Web PubSub client URL with its token, or the SSE stream's path.</param>
/// <param name="BaseUrl">The Web PubSub URL without the token.</param>
/// <param name="Token">The client access token: it joins only the swarm's group, and only as its caller.</param>
/// <param name="ExpiresAt">When the token expires (negotiate again).</param>
/// <param name="Group">The group the connection joins at connect.</param>
/// <param name="UserId">The Web PubSub user the connection belongs to (direct messages arrive there).</param>
public sealed record NegotiateResponse(string Transport, string Url, string? BaseUrl = null, string? Token = null, DateTimeOffset? ExpiresAt = null, string? Group = null, string? UserId = null);
