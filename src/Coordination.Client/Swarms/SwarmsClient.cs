using Coordination.Client.Http;
using Coordination.Core.Common;
using Coordination.Core.Swarms;

namespace Coordination.Client.Swarms;

/// <summary>Swarms and their members. Calls without a <c>swarmId</c> argument go to the client's swarm.</summary>
public sealed class SwarmsClient
{
    private readonly ApiTransport _api;

    internal SwarmsClient(ApiTransport api) => _api = api;

    /// <summary>Creates a swarm (tenant key); the answer carries the join codes and the creator's coordinator token.</summary>
    /// <param name="request">Name, goal and limits.</param>
    /// <param name="ct">Cancels the call.</param>
    public Task<CreateSwarmResponse> CreateAsync(CreateSwarmRequest request, CancellationToken ct = default) =>
        _api.SendAsync<CreateSwarmResponse>(HttpMethod.Post, "api/swarms", request, ct);

    /// <summary>Joins a swarm with its join code (or coordinator code), or rejoins as the same agent; no credential needed.</summary>
    /// <param name="request">The code, role and agent id.</param>
    /// <param name="ct">Cancels the call.</param>
    public Task<AgentCredentials> JoinAsync(JoinSwarmRequest request, CancellationToken ct = default) =>
        _api.SendAsync<AgentCredentials>(HttpMethod.Post, "api/swarms/join", request, ct);

    /// <summary>Lists the tenant's swarms (tenant key), newest first.</summary>
    /// <param name="cursor">A previous page's <c>nextCursor</c>.</param>
    /// <param name="limit">Page size.</param>
    /// <param name="ct">Cancels the call.</param>
    public Task<ListPage<SwarmView>> ListAsync(string? cursor = null, int? limit = null, CancellationToken ct = default) =>
        _api.SendAsync<ListPage<SwarmView>>(HttpMethod.Get, ApiTransport.WithQuery("api/swarms", ("cursor", cursor), ("limit", limit)), null, ct);

    /// <summary>Reads a swarm (a member, or the owning tenant's key).</summary>
    /// <param name="swarmId">The swarm; default the client's.</param>
    /// <param name="ct">Cancels the call.</param>
    public Task<SwarmView> GetAsync(string? swarmId = null, CancellationToken ct = default) =>
        _api.SendAsync<SwarmView>(HttpMethod.Get, _api.SwarmPath(swarmId), null, ct);

    /// <summary>Mints a coordinator token for an agent of the swarm (tenant key): a member is promoted, another id joins.</summary>
    /// <param name="swarmId">The swarm.</param>
    /// <param name="agentId">The agent to make a coordinator.</param>
    /// <param name="ct">Cancels the call.</param>
    public Task<AgentCredentials> MintCoordinatorTokenAsync(string swarmId, string agentId, CancellationToken ct = default) =>
        _api.SendAsync<AgentCredentials>(HttpMethod.Post, _api.SwarmPath(swarmId) + "/coordinator-token", new CoordinatorTokenRequest(agentId), ct);

    /// <summary>Mints a short-lived token a browser's EventSource can put in the stream URL.</summary>
    /// <param name="ct">Cancels the call.</param>
    public Task<StreamToken> MintStreamTokenAsync(CancellationToken ct = default) =>
        _api.SendAsync<StreamToken>(HttpMethod.Post, _api.SwarmPath() + "/stream-tokens", null, ct);

    /// <summary>Lists the swarm's members.</summary>
    /// <param name="ct">Cancels the call.</param>
    public Task<ListPage<MemberView>> ListMembersAsync(CancellationToken ct = default) =>
        _api.SendAsync<ListPage<MemberView>>(HttpMethod.Get, _api.SwarmPath() + "/members", null, ct);

    /// <summary>Removes a member: an agent may remove itself (leave); a coordinator may remove anyone.</summary>
    /// <param name="agentId">The member.</param>
    /// <param name="ct">Cancels the call.</param>
    public Task RemoveMemberAsync(string agentId, CancellationToken ct = default) =>
        _api.SendAsync(HttpMethod.Delete, _api.SwarmPath() + "/members/" + ApiTransport.Segment(agentId), null, ct);

    /// <summary>Archives the swarm (coordinator): it becomes read-only.</summary>
    /// <param name="ct">Cancels the call.</param>
    public Task<SwarmView> ArchiveAsync(CancellationToken ct = default) =>
        _api.SendAsync<SwarmView>(HttpMethod.Post, _api.SwarmPath() + "/archive", null, ct);

    /// <summary>Deletes the swarm and everything in it (coordinator).</summary>
    /// <param name="ct">Cancels the call.</param>
    public Task DeleteAsync(CancellationToken ct = default) =>
        _api.SendAsync(HttpMethod.Delete, _api.SwarmPath(), null, ct);
}
