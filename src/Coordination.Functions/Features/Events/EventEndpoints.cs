using System.Text.RegularExpressions;
using Coordination.Core.Common;
using Coordination.Core.Events;
using Coordination.Core.Identity;
using Coordination.Core.Problems;
using Coordination.Functions.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Coordination.Functions.Features.Events;

/// <summary>Event log routes: broadcast, query, and the Server-Sent Events stream.</summary>
public static partial class EventEndpoints
{
    private static readonly string[] ReservedNamespaces = ["swarm.", "agent.", "task.", "lock.", "state.", "message.", "subscription.", "topic.", "webhook."];

    /// <summary>Maps the event routes.</summary>
    public static IEndpointRouteBuilder MapEventEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/swarms/{id}/events").WithTags("events");
        group.MapPost("", BroadcastAsync).WithName("BroadcastEvent").Requires(Access.Writer).ProducesProblems(ProblemCatalog.QuotaExceeded)
            .WithSummary("Appends a custom event to the swarm's log.");
        group.MapGet("", QueryAsync).WithName("QueryEvents").Requires(Access.Member).RefusesRenamedQuery(("after", "cursor"), ("sender", "actor"))
            .WithSummary("Reads a page of the log after cursor (a previous nextCursor; \"0\" or absent = the start), by type (comma-separated), actor and since (time), up to limit.");
        group.MapGet("/stream", EventStream.StreamAsync).WithName("StreamEvents").Requires(Access.Member).AcceptsStreamToken().RefusesRenamedQuery(("after", "cursor"))
            .WithSummary("Server-Sent Events of the log; resume with Last-Event-ID (or ?cursor=); a browser passes a stream token as ?access_token=.");
        return app;
    }

    private static async Task<Accepted<BroadcastAccepted>> BroadcastAsync(string id, BroadcastRequest request, HttpContext context, EventLog log, TenantDirectory tenants, CancellationToken ct)
    {
        var caller = context.Caller();
        var type = ValidateType(request.Type);
        var subject = Validation.OptionalText(request.Subject, "subject", 200);
        var data = Validation.Payload(request.Data, "data", tenants.Find(caller.TenantId)!.Limits.MaxPayloadBytes);
        var ids = await log.AppendAsync(id, [new PendingEvent(type, subject, data, caller.Actor)], ct);
        return TypedResults.Accepted($"/api/swarms/{id}/events", new BroadcastAccepted(ids[0], type, caller.Actor));
    }

    private static async Task<Ok<ListPage<SwarmEvent>>> QueryAsync(string id, string? type, string? actor, DateTimeOffset? since, string? cursor, int? limit, EventLog log, CancellationToken ct)
    {
        var types = type?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (types is { Length: > 10 })
        {
            throw Validation.Invalid("type", $"lists {types.Length} types; at most 10 may be combined.");
        }
        var start = EventCursor.Parse(cursor) ?? 0;
        var max = Validation.InRange(limit ?? 100, "limit", 1, 1000);
        var events = await log.ReadAsync(id, new EventQuery(start, types, actor, since, max), ct);
        return TypedResults.Ok(EventCursor.Page(events, start, max));
    }

    internal static string ValidateType(string? type)
    {
        if (type is null || !TypePattern().IsMatch(type))
        {
            throw Validation.Invalid("type", "must be 1-128 letters, digits or _ . : - and start with a letter or digit.");
        }
        if (ReservedNamespaces.FirstOrDefault(ns => type.StartsWith(ns, StringComparison.OrdinalIgnoreCase)) is { } reserved)
        {
            throw Validation.Invalid("type", $"the '{reserved}' namespace is reserved for events the service emits.");
        }
        return type;
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$")]
    private static partial Regex TypePattern();
}
