using System.Text.Json;

namespace Coordination.Core.Presence;

/// <summary>A heartbeat: status and, optionally, new capabilities and metadata.</summary>
/// <param name="Status">online, busy or away (default online).</param>
/// <param name="Capabilities">Replaces the capabilities when given.</param>
/// <param name="Metadata">Replaces the metadata (any JSON) when given.</param>
public sealed record HeartbeatRequest(string? Status = null, IReadOnlyList<string>? Capabilities = null, JsonElement? Metadata = null);
