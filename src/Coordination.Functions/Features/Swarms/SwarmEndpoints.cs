using Coordination.Core.Common;
using Coordination.Core.Identity;
using Coordination.Core.Swarms;
using Coordination.Functions.Platform;
using Coordination.Functions.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Coordination.Functions.Features.Swarms;

/// <summary>Swarm routes: create, get, join, members, leave/remove, archive, delete.</summary>
public static class SwarmEndpoints
{
    /// <summary>Maps the swarm routes.</summary>
    public static IEndpointRouteBuilder MapSwarmEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/swarms").WithTags("swarms");
        group.MapPost("", CreateAsync).WithName("CreateSwarm").Requires(Access.Tenant)
            .WithSummary("Creates a swarm; returns swarmId and joinCode, the creator's coordinator agentId and token, and the swarm.");
        group.MapPost("/join", JoinAsync).WithName("JoinSwarm").Requires(Access.Anonymous)
            .WithSummary("Joins a swarm with its join code (and optionally its id) as coordinator, worker or observer.");
        group.MapGet("/{id}", GetAsync).WithName("GetSwarm").Requires(Access.Member).WithSummary("Reads the swarm.");
        group.MapGet("/{id}/members", ListMembersAsync).WithName("ListMembers").Requires(Access.Member)
            .WithSummary("Lists members with role, presence and capabilities.");
        group.MapDelete("/{id}/members/{agentId}", RemoveMemberAsync).WithName("RemoveMember").Requires(Access.Member)
            .WithSummary("Removes a member (coordinator) or leaves (your own id); revokes its token.");
        group.MapPost("/{id}/archive", ArchiveAsync).WithName("ArchiveSwarm").Requires(Access.Coordinator, evenWhenArchived: true)
            .WithSummary("Makes the swarm read-only; archiving an archived swarm changes nothing.");
        group.MapDelete("/{id}", DeleteAsync).WithName("DeleteSwarm").Requires(Access.Coordinator, evenWhenArchived: true)
            .WithSummary("Deletes the swarm and all its data, event log included (export first).");
        return app;
    }

    private static async Task<Created<CreateSwarmResponse>> CreateAsync(CreateSwarmRequest request, HttpContext context, SwarmService swarms, TenantDirectory tenants, CancellationToken ct)
    {
        var tenant = tenants.Find(context.Caller().TenantId)!;
        var created = await swarms.CreateAsync(tenant, request, ct);
        return TypedResults.Created($"/api/swarms/{created.SwarmId}", created);
    }

    private static async Task<Ok<AgentCredentials>> JoinAsync(JoinSwarmRequest request, HttpContext context, MembershipService members, FunctionsHostEnvironment host, CancellationToken ct) =>
        TypedResults.Ok(await members.JoinAsync(request, ClientAddress(context, host), ct));

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
