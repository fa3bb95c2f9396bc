using Coordination.Core.Common;
using Coordination.Core.Identity;
using Coordination.Core.Problems;
using Coordination.Storage.Tables;

namespace Coordination.Core.Swarms;

/// <summary>
/// What a tenant key does with the tenant's own swarms besides creating them: list them (with their codes), and mint a
/// coordinator token, which recovers a swarm whose coordinator token is lost. Access control has already checked that
/// a swarm in the route belongs to the caller's tenant; these re-check it on the row they read.
/// </summary>
public sealed class TenantSwarms(TableStore table, SwarmService swarms, MemberAdmission admission)
{
    /// <summary>Swarms per page when the request does not say.</summary>
    public const int DefaultLimit = 20;

    /// <summary>Most swarms per page (each costs two point reads).</summary>
    public const int MaxLimit = 100;

    /// <summary>A page of the tenant's swarms in id order; <c>nextCursor</c> is the last swarm id of the page.</summary>
    public async Task<ListPage<SwarmView>> ListAsync(string tenantId, string? cursor, int? limit, CancellationToken cancellationToken)
    {
        var size = Validation.InRange(limit ?? DefaultLimit, "limit", 1, MaxLimit);
        if (cursor is not null && !SwarmDirectory.IsSwarmId(cursor))
        {
            throw Validation.Invalid("cursor", "is not a cursor this list returned (the nextCursor of the previous page, a swarm id).");
        }
        var ids = new List<string>();
        await foreach (var row in table.QueryAsync(GlobalRows.SwarmsOfTenant(tenantId, cursor), maxPerPage: size + 1, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            ids.Add(GlobalRows.FromTenantSwarm(row).SwarmId);
            if (ids.Count > size)
            {
                break;
            }
        }
        var hasMore = ids.Count > size;
        var page = ids.Take(size).ToList();
        // A swarm being created or deleted holds its tenant row without its own: it is left out, and the cursor still moves past it.
        var views = await Task.WhenAll(page.Select(id => swarms.FindViewAsync(id, showCodes: true, cancellationToken, tenantId))).ConfigureAwait(false);
        return new ListPage<SwarmView>(views.OfType<SwarmView>().ToList(), hasMore ? page[^1] : null, hasMore);
    }

    /// <summary>
    /// Makes <paramref name="request"/>'s agent a coordinator with a fresh token: a member is promoted or refreshed (its
    /// old token revoked, not counted again), another id joins as a new coordinator (counted against maxAgents). On an
    /// archived swarm only an existing coordinator's token is refreshed (its membership no longer changes).
    /// </summary>
    public async Task<Admission> MintCoordinatorAsync(Caller tenant, string swarmId, CoordinatorTokenRequest request, CancellationToken cancellationToken)
    {
        var agentId = Validation.Identifier(request.AgentId, "agentId");
        if (agentId == "*")
        {
            throw Validation.Invalid("agentId", "'*' means every member (broadcast) and cannot be an agent id.");
        }
        var swarm = await ReadSwarmAsync(tenant.TenantId, swarmId, cancellationToken).ConfigureAwait(false) ?? throw SwarmService.NotFound(swarmId);
        return await admission.AdmitAsync(swarm, new AdmissionRequest(agentId, null, null, Role.Coordinator, Role.Coordinator, tenant.Actor), cancellationToken).ConfigureAwait(false)
            ?? throw SwarmService.NotFound(swarmId);
    }

    private async Task<SwarmRow?> ReadSwarmAsync(string tenantId, string swarmId, CancellationToken cancellationToken) =>
        await swarms.ReadAsync(swarmId, cancellationToken).ConfigureAwait(false) is { } swarm && swarm.TenantId == tenantId ? swarm : null;
}
