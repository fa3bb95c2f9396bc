using System.ComponentModel;
using System.Text.Json;
using Coordination.Core.Locks;
using Coordination.Core.State;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Coordination.Mcp.Tools;

/// <summary>Shared versioned state and resource locks.</summary>
[McpServerToolType]
public sealed class StateTools(CoordinationSession session)
{
    /// <summary>Reads a key.</summary>
    [McpServerTool(Name = "state_get", Title = "Read shared state", ReadOnly = true)]
    [Description("Reads a key of the swarm's shared state. Returns {key, value, version, updatedAt, updatedBy}; a key never written " +
                 "answers not_found. Keep the version to write with ifVersion (compare-and-set).")]
    public async Task<CallToolResult> GetAsync(
        [Description("The key, any string up to 400 characters (e.g. 'config/build').")] string key,
        CancellationToken cancellationToken = default) =>
        ToolResults.Json(await session.SwarmClient.State.GetAsync(key, cancellationToken));

    /// <summary>Writes or increments a key.</summary>
    [McpServerTool(Name = "state_set", Title = "Write shared state")]
    [Description("Writes a key of the swarm's shared state, visible to every member. With ifVersion, writes only if the key is still at " +
                 "that version (0: only if absent), else answers version_conflict with currentVersion: read again and retry. With " +
                 "increment, atomically adds that integer to the key's number instead of setting a value (counters). Returns the new entry.")]
    public async Task<CallToolResult> SetAsync(
        [Description("The key.")] string key,
        [Description("Any JSON value to store (required unless increment is given).")] JsonElement? value = null,
        [Description("Write only if the key is at this version (0: only if absent).")] long? ifVersion = null,
        [Description("Instead of setting: add this integer (may be negative) to the key's number; absent counts as 0.")] long? increment = null,
        CancellationToken cancellationToken = default)
    {
        var client = session.SwarmClient;
        if (increment is { } delta)
        {
            return value is null && ifVersion is null
                ? ToolResults.Json(await client.State.IncrementAsync(key, delta, cancellationToken))
                : ToolResults.Invalid("increment", "give either increment, or value (with an optional ifVersion), not both.");
        }
        return value is { } json
            ? ToolResults.Json(await client.State.SetAsync(key, json, ifVersion, cancellationToken))
            : ToolResults.Invalid("value", "a value is required unless increment is given.");
    }

    /// <summary>Waits for keys to change.</summary>
    [McpServerTool(Name = "state_poll", Title = "Wait for state changes", ReadOnly = true)]
    [Description("Returns the keys whose version differs from the versions you last saw (deleted keys are flagged), waiting up to wait " +
                 "seconds for a change. Use it to react when another agent updates shared state. Returns {changed: [entries]}.")]
    public async Task<CallToolResult> PollAsync(
        [Description("The keys to watch.")] string[] keys,
        [Description("The version you last saw per key, e.g. {\"config\": 3}; keys left out count as never seen.")] Dictionary<string, long>? lastVersions = null,
        [Description("Seconds to wait for a change (0–60, default 0).")] int wait = 0,
        CancellationToken cancellationToken = default) =>
        ToolResults.Json(await session.SwarmClient.State.PollAsync(new PollStateRequest(keys, lastVersions, wait), cancellationToken));

    /// <summary>Acquires a lock.</summary>
    [McpServerTool(Name = "resource_claim", Title = "Lock a resource")]
    [Description("Locks a named resource (a file, a branch, an environment — e.g. 'file:src/app.ts') so other agents keep off it until you " +
                 "release it or the ttl passes. Returns acquired=true with claimId and fencingToken, or acquired=false with heldBy and " +
                 "expiresAt when someone else holds it. With wait, waits up to that many seconds for the holder to let go.")]
    public async Task<CallToolResult> ClaimAsync(
        [Description("The resource name.")] string resource,
        [Description("Seconds the lock lasts unless released (1–3600, default 60).")] int ttl = 60,
        [Description("Seconds to wait for the lock when it is held (0: do not wait; at most 120).")] int wait = 0,
        CancellationToken cancellationToken = default) =>
        ToolResults.Json(await session.SwarmClient.Locks.AcquireAsync(
            new AcquireLockRequest(resource, ttl, wait > 0, wait > 0 ? wait : null), cancellationToken));

    /// <summary>Releases a lock.</summary>
    [McpServerTool(Name = "resource_release", Title = "Unlock a resource")]
    [Description("Releases a lock you hold, by the claimId resource_claim returned, so others may take it. A lock that expired or was taken " +
                 "over answers lease_lost. Returns {released: claimId}.")]
    public async Task<CallToolResult> ReleaseAsync(
        [Description("The claimId resource_claim returned.")] string claimId,
        [Description("Coordinator only: release a lock another agent holds.")] bool force = false,
        CancellationToken cancellationToken = default)
    {
        await session.SwarmClient.Locks.ReleaseAsync(claimId, force, cancellationToken);
        return ToolResults.Json(new { Released = claimId });
    }
}
