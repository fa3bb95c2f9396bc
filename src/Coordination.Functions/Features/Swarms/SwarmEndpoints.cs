using Coordination.Core.Common;
using Coordination.Core.Configuration;
using Coordination.Core.Identity;
using Coordination.Core.Presence;
using Coordination.Core.Problems;
using Coordination.Core.Swarms;
using Coordination.Functions.Platform;
using Coordination.Functions.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Coordination.Functions.Features.Swarms;

/// <summary>Swarm routes: create, list, get, join, members, leave/remove, archive, delete, coordinator and stream tokens.</summary>
public static class SwarmEndpoints
{
    /// <summary>Maps the swarm routes.</summary>
    public static IEndpointRouteBuilder MapSwarmEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/swarms").WithTags("swarms");
        group.MapPost("", CreateAsync).WithName("CreateSwarm").Requires(Access.Tenant)
            .WithSummary("Creates a swarm; returns swarmId and joinCode, the creator's coordinator agentId and token, and the swarm.");
        group.MapPost("/join", JoinAsync).WithName("JoinSwarm").Requires(Access.Anonymous)
            .ProducesProblems(ProblemCatalog.Unauthorized, ProblemCatalog.ForbiddenRole, ProblemCatalog.QuotaExceeded, ProblemCatalog.LastCoordinator, ProblemCatalog.RateLimited)
            .WithSummary("Joins with the join code (worker, observer) or the coordinator code (any role): 201 for a new member; 200 for a rejoin with a member's own id, which revokes its old token.");
        group.MapGet("", ListAsync).WithName("ListSwarms").Requires(Access.Tenant)
            .WithSummary("Lists the tenant's swarms with their codes, in id order, a page at a time (cursor, limit 1-100, default 20).");
        group.MapGet("/{id}", GetAsync).WithName("GetSwarm").Requires(Access.Member).AlsoAcceptsOwningTenantKey()
            .WithSummary("Reads the swarm (any member, or the owning tenant's key); its codes only for coordinators and the tenant.");
        group.MapPost("/{id}/coordinator-token", MintCoordinatorTokenAsync).WithName("MintCoordinatorToken").Requires(Access.Tenant)
            .ProducesProblems(ProblemCatalog.NotFound, ProblemCatalog.QuotaExceeded, ProblemCatalog.SwarmArchived)
            .WithSummary("Makes agentId a coordinator with a fresh token (recovers a lost coordinator): 201 for a new member, 200 for a member (old token revoked).");
        group.MapPost("/{id}/stream-tokens", MintStreamTokenAsync).WithName("MintStreamToken").Requires(Access.Member)
            .WithSummary("Mints a short-lived, read-only stream token for ?access_token= on GET stream routes (for EventSource, which cannot send headers).");
        group.MapGet("/{id}/members", ListMembersAsync).WithName("ListMembers").Requires(Access.Member)
            .WithSummary("Lists members with role, presence and capabilities.");
        group.MapDelete("/{id}/members/{agentId}", RemoveMemberAsync).WithName("RemoveMember").Requires(Access.Member)
            .ProducesProblems(ProblemCatalog.ForbiddenRole, ProblemCatalog.LastCoordinator)
            .WithSummary("Removes a member (coordinator) or leaves (your own id); revokes its token.");
        group.MapPost("/{id}/archive", ArchiveAsync).WithName("ArchiveSwarm").Requires(Access.Coordinator, evenWhenArchived: true)
            .WithSummary("Makes the swarm read-only; archiving an archived swarm changes nothing.");
        group.MapDelete("/{id}", DeleteAsync).WithName("DeleteSwarm").Requires(Access.Coordinator, evenWhenArchived: true)
            .WithSummary("Deletes the swarm and all its data, event log included (export first).");
        return app;
    }

    private static async Task<Created<CreateSwarmResponse>> CreateAsync(
        CreateSwarmRequest request, HttpContext context, SwarmService swarms, TenantDirectory tenants, PresenceActivity activity, TimeProvider clock, CancellationToken ct)
    {
        var tenant = tenants.Find(context.Caller().TenantId)!;
        var created = await swarms.CreateAsync(tenant, request, ct);
        activity.Written(created.SwarmId, created.AgentId, clock.GetUtcNow());
        return TypedResults.Created($"/api/swarms/{created.SwarmId}", created);
    }

    private static async Task<Results<Created<AgentCredentials>, Ok<AgentCredentials>>> JoinAsync(
        JoinSwarmRequest request, HttpContext context, MembershipService members, FunctionsHostEnvironment host, PresenceActivity activity, TimeProvider clock, CancellationToken ct) =>
        Answer(await members.JoinAsync(request, ClientAddress(context, host), ct), activity, clock);

    /// <summary>
    /// 201 with the member's location for a new member, 200 for a rejoin. Admission wrote the member's last-seen time,
    /// so the activity coalescer need not write it again on the agent's first call.
    /// </summary>
    internal static Results<Created<AgentCredentials>, Ok<AgentCredentials>> Answer(Admission admission, PresenceActivity activity, TimeProvider clock)
    {
        var credentials = admission.Credentials;
        activity.Written(credentials.SwarmId, credentials.AgentId, clock.GetUtcNow());
        return admission.Created
            ? TypedResults.Created($"/api/swarms/{credentials.SwarmId}/agents/{Uri.EscapeDataString(credentials.AgentId)}", credentials)
            : TypedResults.Ok(credentials);
    }

    private static async Task<Ok<ListPage<SwarmView>>> ListAsync(string? cursor, int? limit, HttpContext context, TenantSwarms swarms, CancellationToken ct) =>
        TypedResults.Ok(await swarms.ListAsync(context.Caller().TenantId, cursor, limit, ct));

    private static async Task<Results<Created<AgentCredentials>, Ok<AgentCredentials>>> MintCoordinatorTokenAsync(
        string id, CoordinatorTokenRequest request, HttpContext context, TenantSwarms swarms, PresenceActivity activity, TimeProvider clock, CancellationToken ct) =>
        Answer(await swarms.MintCoordinatorAsync(context.Caller(), id, request, ct), activity, clock);

    private static async Task<Ok<StreamToken>> MintStreamTokenAsync(
        string id, HttpContext context, SwarmDirectory directory, AgentTokens tokens, CoordinationSettings settings, CancellationToken ct)
    {
        var caller = context.Caller();
        // Bound to the member's current token id, so leaving, removal or a rejoin revoke it with that token.
        var member = await directory.GetMemberAsync(id, caller.AgentId!, ct) ?? throw new ProblemException(ProblemCatalog.Unauthorized, "Missing or invalid credentials.");
        var (token, claims) = tokens.IssueStream(caller.TenantId, id, caller.AgentId!, member.TokenId, settings.StreamTokenLifetime);
        return TypedResults.Ok(new StreamToken(token, claims.ExpiresAt));
    }

    private static async Task<Ok<SwarmView>> GetAsync(string id, HttpContext context, SwarmService swarms, CancellationToken ct) =>
        TypedResults.Ok(await swarms.GetAsync(id, context.Caller(), ct));

    private static async Task<Ok<ListPage<MemberView>>> ListMembersAsync(string id, MembershipService members, CancellationToken ct) =>
        TypedResults.Ok(ListPage<MemberView>.All(await members.ListAsync(id, ct)));

    private static async Task<NoContent> RemoveMemberAsync(string id, string agentId, HttpContext context, MembershipService members, CancellationToken ct)
    {
        await members.RemoveAsync(id, agentId, context.Caller(), ct);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<SwarmView>> ArchiveAsync(string id, HttpContext context, SwarmService swarms, CancellationToken ct) =>
        TypedResults.Ok(await swarms.ArchiveAsync(id, context.Caller(), ct));

    private static async Task<NoContent> DeleteAsync(string id, SwarmService swarms, CancellationToken ct)
    {
        await swarms.DeleteAsync(id, ct);
        return TypedResults.NoContent();
    }

    /// <summary>
    /// The client's address for join rate limiting. Behind the Functions host every request comes from
    /// loopback, so there the X-Forwarded-For hop appended by the platform's front end — the last one; earlier
    /// ones are whatever the client sent — is used, without its port. Standalone the header is not trusted.
    /// </summary>
    internal static string ClientAddress(HttpContext context, FunctionsHostEnvironment host)
    {
        if (host.IsFunctionsHost && context.Request.Headers["X-Forwarded-For"].ToString() is { Length: > 0 } forwarded)
        {
            var hop = forwarded.Split(',')[^1].Trim();
            return global::System.Net.IPEndPoint.TryParse(hop, out var endpoint) ? endpoint.Address.ToString() : hop;
        }
        return context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
    }
}
