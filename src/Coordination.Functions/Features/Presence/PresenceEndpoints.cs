using Coordination.Core.Common;
using Coordination.Core.Identity;
using Coordination.Core.Presence;
using Coordination.Core.Swarms;
using Coordination.Functions.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Coordination.Functions.Features.Presence;

/// <summary>Presence routes: heartbeat, find agents, one agent.</summary>
public static class PresenceEndpoints
{
    /// <summary>Maps the presence routes.</summary>
    public static IEndpointRouteBuilder MapPresenceEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/swarms/{id}").WithTags("presence");
        group.MapPost("/heartbeat", HeartbeatAsync).WithName("Heartbeat").Requires(Access.Writer)
            .WithSummary("Reports status (online, busy, away), capabilities and metadata. Not logged.");
        group.MapGet("/agents", FindAsync).WithName("FindAgents").Requires(Access.Member)
            .WithSummary("Finds members by capability and recent activity, most recently seen first (limit 1-1000, default 100; cursor).");
        group.MapGet("/agents/{agentId}", GetAsync).WithName("GetAgent").Requires(Access.Member)
            .WithSummary("Reads one member's presence.");
        return app;
    }

    private static async Task<Ok<MemberView>> HeartbeatAsync(string id, HeartbeatRequest request, HttpContext context, PresenceService presence, CancellationToken ct) =>
        TypedResults.Ok(await presence.HeartbeatAsync(id, context.Caller(), request, ct));

    private static async Task<Ok<ListPage<MemberView>>> FindAsync(
        string id, string? capability, int? activeWithinDays, int? limit, string? cursor, PresenceService presence, CancellationToken ct) =>
        TypedResults.Ok(await presence.FindAsync(id, capability, activeWithinDays, limit ?? 100, cursor, ct));

    private static async Task<Ok<MemberView>> GetAsync(string id, string agentId, PresenceService presence, CancellationToken ct) =>
        TypedResults.Ok(await presence.GetAsync(id, agentId, ct));
}
