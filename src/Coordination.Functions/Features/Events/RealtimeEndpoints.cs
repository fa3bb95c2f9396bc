using Coordination.Core.Events;
using Coordination.Core.Identity;
using Coordination.Functions.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Coordination.Functions.Features.Events;

/// <summary>The negotiate route of real-time fan-out.</summary>
public static class RealtimeEndpoints
{
    /// <summary>Lifetime of client access tokens.</summary>
    public static readonly TimeSpan TokenLifetime = TimeSpan.FromMinutes(60);

    /// <summary>Maps the route.</summary>
    public static IEndpointRouteBuilder MapRealtimeEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/swarms/{id}/realtime").WithTags("events")
            .MapGet("/negotiate", NegotiateAsync).WithName("NegotiateRealtime").Requires(Access.Member)
            .WithSummary("Returns the Web PubSub client URL and a token scoped to this swarm's group, or the SSE stream when Web PubSub is not configured.");
        return app;
    }

    private static async Task<Ok<NegotiateResponse>> NegotiateAsync(string id, HttpContext context, RealtimeFanOut fanOut, CancellationToken ct)
    {
        if (fanOut.Client is not { } client)
        {
            return TypedResults.Ok(new NegotiateResponse("sse", $"/api/swarms/{id}/events/stream"));
        }
        var group = RealtimeFanOut.GroupOf(id);
        var user = RealtimeFanOut.UserOf(id, context.Caller().AgentId!);
        // Only the swarm's own group: joined at connect, and leaving/rejoining it is all the token allows (no sends).
        var access = await client.GetClientAccessAsync(user, ["webpubsub.joinLeaveGroup." + group], [group], TokenLifetime, ct);
        return TypedResults.Ok(new NegotiateResponse("webpubsub", access.Url.AbsoluteUri, access.BaseUrl.AbsoluteUri, access.Token, access.ExpiresAt, group, user));
    }
}
