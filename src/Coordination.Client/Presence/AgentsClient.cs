using Coordination.Client.Http;
using Coordination.Core.Common;
using Coordination.Core.Presence;
using Coordination.Core.Swarms;

namespace Coordination.Client.Presence;

/// <summary>Presence: heartbeats with status and capabilities, and finding active agents.</summary>
public sealed class AgentsClient
{
    private readonly ApiTransport _api;

    internal AgentsClient(ApiTransport api) => _api = api;

    /// <summary>Reports the caller alive, with an optional status, capabilities and metadata.</summary>
    /// <param name="request">Status, capabilities, metadata.</param>
    /// <param name="ct">Cancels the call.</param>
    public Task<MemberView> HeartbeatAsync(HeartbeatRequest request, CancellationToken ct = default) =>
        _api.SendAsync<MemberView>(HttpMethod.Post, _api.SwarmPath() + "/heartbeat", request, ct);

    /// <summary>Finds members, optionally with a capability or active within some days.</summary>
    /// <param name="capability">Only agents with this capability.</param>
    /// <param name="activeWithinDays">Only agents seen within this many days.</param>
    /// <param name="limit">Page size.</param>
    /// <param name="cursor">A previous page's <c>nextCursor</c>.</param>
    /// <param name="ct">Cancels the call.</param>
    public Task<ListPage<MemberView>> FindAsync(string? capability = null, int? activeWithinDays = null, int? limit = null, string? cursor = null,
        CancellationToken ct = default) =>
        _api.SendAsync<ListPage<MemberView>>(HttpMethod.Get, ApiTransport.WithQuery(_api.SwarmPath() + "/agents",
            ("capability", capability), ("activeWithinDays", activeWithinDays), ("limit", limit), ("cursor", cursor)), null, ct);

    /// <summary>Reads one agent's presence.</summary>
    /// <param name="agentId">The agent.</param>
    /// <param name="ct">Cancels the call.</param>
    public Task<MemberView> GetAsync(string agentId, CancellationToken ct = default) =>
        _api.SendAsync<MemberView>(HttpMethod.Get, _api.SwarmPath() + "/agents/" + ApiTransport.Segment(agentId), null, ct);
}
